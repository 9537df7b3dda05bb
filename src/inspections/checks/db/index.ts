import type { AnyCheck } from '../../check.js';

/** Every db check, in catalog order. Add new checks here (one line each). */
export const dbChecks: AnyCheck[] = [];
