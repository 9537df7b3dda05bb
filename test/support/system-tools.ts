import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

// Debian keeps daemons and admin tools in sbin, which a non-login PATH may lack.
const EXTRA_DIRS = ['/usr/local/sbin', '/usr/sbin', '/sbin', '/usr/local/bin', '/usr/bin', '/bin'];

/**
 * Absolute path of a program the test infrastructure needs. Throws `NAME not found: INSTALL`
 * so a missing prerequisite fails the suite loudly instead of skipping it.
 */
export function requireTool(name: string, install: string): string {
  const dirs = [...(process.env.PATH ?? '').split(delimiter).filter(Boolean), ...EXTRA_DIRS];
  for (const dir of dirs) {
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // Not in this directory.
    }
  }
  throw new Error(`${name} not found: ${install}`);
}

/** Throws with the exact reason unless the process runs as root. */
export function requireRoot(what: string): void {
  const uid = process.getuid?.();
  if (uid !== 0) {
    throw new Error(`${what} must run as root (uid 0), but runs as uid ${uid ?? 'unknown'}: network namespaces, bridges and sshd on port 22 need CAP_NET_ADMIN and CAP_SYS_ADMIN`);
  }
}
