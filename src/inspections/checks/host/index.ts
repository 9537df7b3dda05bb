import type { AnyCheck } from '../../check.js';
import { hostCpuLoadPerCore, hostCpuUsage } from './cpu.js';
import { hostMemoryUsage, hostSwapUsage } from './memory.js';
import { hostDiskInodes, hostDiskUsage } from './disk-usage.js';
import { hostDiskFillForecast } from './disk-forecast.js';
import { hostDiskIoAwait, hostDiskIoSaturation, hostDiskIoUtilization } from './disk-io.js';
import { hostNetConntrack, hostNetDrops, hostNetErrors, hostNetInterfaceDown, hostNetListeningPorts } from './network.js';
import { hostCronDaemon, hostCronJobs } from './cron.js';
import { hostKernelParams } from './kernel-params.js';
import { hostTimeOffset, hostTimeSync } from './time.js';
import { hostSystemdBootServices, hostSystemdFailedUnits } from './systemd.js';
import { hostFdUsage, hostProcDState, hostProcZombies } from './processes.js';
import { hostRebootRequired } from './reboot.js';
import { hostKernelFsErrors, hostKernelHungTasks, hostKernelOomKills } from './kernel-log.js';
import { hostCertExpiry } from './certs.js';
import { hostKubeletCpuManager, hostKubeletTopologyManager, hostNumaTopology } from './numa.js';

/** Every host check, in catalog order. Add new checks here (one line each). */
export const hostChecks: AnyCheck[] = [
  hostCpuUsage,
  hostCpuLoadPerCore,
  hostMemoryUsage,
  hostSwapUsage,
  hostDiskUsage,
  hostDiskInodes,
  hostDiskFillForecast,
  hostDiskIoUtilization,
  hostDiskIoSaturation,
  hostDiskIoAwait,
  hostNetInterfaceDown,
  hostNetErrors,
  hostNetDrops,
  hostNetListeningPorts,
  hostNetConntrack,
  hostCronJobs,
  hostCronDaemon,
  hostKernelParams,
  hostTimeOffset,
  hostTimeSync,
  hostSystemdFailedUnits,
  hostSystemdBootServices,
  hostProcZombies,
  hostProcDState,
  hostFdUsage,
  hostRebootRequired,
  hostKernelOomKills,
  hostKernelHungTasks,
  hostKernelFsErrors,
  hostCertExpiry,
  hostNumaTopology,
  hostKubeletCpuManager,
  hostKubeletTopologyManager,
];
