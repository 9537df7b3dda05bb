import type { AnyCheck } from '../../check.js';

/** Every app check, in catalog order. Add new checks here (one line each). */
export const appChecks: AnyCheck[] = [];
