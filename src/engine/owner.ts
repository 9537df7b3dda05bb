import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';

/** Identifies the process that drives a run or runs an attempt: host:pid:start-time. */
export function newOwnerId(): string {
  return `${hostname()}:${process.pid}:${Date.now()}`;
}

export interface LivenessOptions {
  now: number;
  /** A heartbeat older than this means dead even if the pid exists (pid reuse, frozen host). */
  leaseMs: number;
}

/**
 * Whether the owner of a run is still alive. On the same host a dead pid is dead at once (so a
 * restart after a crash recovers immediately); elsewhere only a stale heartbeat tells.
 */
export function ownerAlive(owner: string | null, heartbeatAt: number | null, opts: LivenessOptions): boolean {
  if (!owner) return false;
  const [host, pidText] = owner.split(':');
  const fresh = heartbeatAt !== null && opts.now - heartbeatAt < opts.leaseMs;
  if (host === hostname()) {
    const pid = Number(pidText);
    // Another engine in this very process (tests) can only be judged by its heartbeat.
    if (pid !== process.pid && !pidExists(pid)) return false;
  }
  return fresh;
}

/** Alive means running: a zombie (exited, not yet reaped by its parent) is dead. */
function pidExists(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    // No /proc entry (or not Linux): fall back to a signal probe.
  }
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
