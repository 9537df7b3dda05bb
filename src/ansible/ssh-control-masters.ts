import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';

/**
 * Closes the SSH ControlPersist masters a run left in its control-path directory. The masters
 * detach into their own session, so killing ansible-playbook's process group does not reach them;
 * without this they would hold connections open (and outlive a cancelled step) for ControlPersist
 * seconds. Returns the sockets it asked to exit.
 */
export async function closeControlMasters(dir: string, timeoutMs = 5000): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return [];
  }
  const sockets: string[] = [];
  for (const n of names) {
    const p = join(dir, n);
    const s = await stat(p).catch(() => undefined);
    if (s?.isSocket()) sockets.push(p);
  }
  await Promise.all(
    sockets.map((p) =>
      // The host argument is required by ssh's syntax and unused with -O.
      execa('ssh', ['-o', `ControlPath=${p}`, '-O', 'exit', 'patrol-control-master'], { reject: false, timeout: timeoutMs, stdin: 'ignore' }),
    ),
  );
  return sockets;
}
