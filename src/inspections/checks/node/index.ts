import type { AnyCheck } from '../../check.js';

/** Every node check, in catalog order. Add new checks here (one line each). */
export const nodeChecks: AnyCheck[] = [];
