export { PatrolError, serializeError, type SerializedError } from './patrol-error.js';
export { InputError } from './input-error.js';
export { NotFoundError } from './not-found-error.js';
export { ConflictError } from './conflict-error.js';
export { StepError, NonRetryableError, MissingDependencyError } from './step-error.js';
export { UnauthenticatedError, AccessDeniedError, RateLimitedError, UnprocessableError } from './auth-errors.js';
