import type { AnyCheck } from '../../check.js';
import { hostDiskInodes, hostDiskUsage } from './disk-usage.js';
import { hostDiskFillForecast } from './disk-forecast.js';

/** Every host check, in catalog order. Add new checks here (one line each). */
export const hostChecks: AnyCheck[] = [hostDiskUsage, hostDiskInodes, hostDiskFillForecast];
