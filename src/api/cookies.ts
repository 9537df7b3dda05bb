/** The httpOnly cookie holding the console session id. */
export const SESSION_COOKIE = 'patrol_session';
/** A readable cookie with the session's CSRF token; the console echoes it in CSRF_HEADER. */
export const CSRF_COOKIE = 'patrol_csrf';
export const CSRF_HEADER = 'x-csrf-token';
