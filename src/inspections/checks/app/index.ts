import type { AnyCheck } from '../../check.js';
import { appHealthBody, appHealthLatency, appHealthStatus } from './health.js';
import { appTlsExpiry } from './tls.js';
import { appPoolPending, appPoolSaturation } from './pool.js';
import { appProcessMemory, appProcessRunning } from './process.js';
import { appProcessMemoryLeak } from './memory-leak.js';
import { appProcessOomKills } from './oom.js';
import { appLogsRetention, appLogsRotation, appLogsSize } from './logs.js';
import { appJobDuration, appJobLastSuccess, appJobStatus } from './jobs.js';

/** Every app check, in catalog order. Add new checks here (one line each). */
export const appChecks: AnyCheck[] = [
  appHealthStatus,
  appHealthLatency,
  appHealthBody,
  appTlsExpiry,
  appPoolSaturation,
  appPoolPending,
  appProcessRunning,
  appProcessMemory,
  appProcessMemoryLeak,
  appProcessOomKills,
  appLogsSize,
  appLogsRetention,
  appLogsRotation,
  appJobStatus,
  appJobDuration,
  appJobLastSuccess,
];
