import { quoteShellArg } from './shell-quote.js';

/** The command as people read it in logs: quoted argv, env names (values may be long or private). */
export function displayCommand(argv: readonly string[], env: Readonly<Record<string, string>> = {}): string {
  const names = Object.keys(env);
  return `${argv.map(quoteShellArg).join(' ')}${names.length > 0 ? ` (env: ${names.join(', ')})` : ''}`;
}

/**
 * The command line sent to the remote user's login shell (SSH's exec request carries one string,
 * which sshd runs with `$SHELL -c`; the shell must be POSIX-like: sh, bash, dash, zsh, ksh).
 *  - It first prints `<marker>=$$` to stderr: sshd made that shell a session and process group
 *    leader, so its pid names the group to kill on cancel. (OpenSSH refuses SSH "signal" requests
 *    for root sessions, and closing a pty-less session leaves the command running.)
 *  - `exec` then replaces the shell with the command, which keeps that pid and group.
 *  - Every argument is quoted; `env NAME=value` sets variables because sshd drops SSH "env"
 *    requests not in its AcceptEnv list.
 *  - Standard input comes from /dev/null, like `ssh -n`: a command reading stdin gets EOF at once.
 */
export function remoteCommandLine(argv: readonly string[], env: Readonly<Record<string, string>>, pidMarker: string): string {
  const assignments = Object.entries(env).map(([k, v]) => quoteShellArg(`${k}=${v}`));
  const words = [...(assignments.length > 0 ? ['env', ...assignments] : []), ...argv.map(quoteShellArg)];
  return `echo ${pidMarker}=$$ >&2; exec ${words.join(' ')} </dev/null`;
}

/** The pid from a stderr line printed by remoteCommandLine's marker, or undefined. */
export function parsePidMarker(line: string, pidMarker: string): number | undefined {
  if (!line.startsWith(`${pidMarker}=`)) return undefined;
  const pid = Number(line.slice(pidMarker.length + 1));
  return Number.isInteger(pid) && pid > 1 ? pid : undefined;
}

/** Command lines that stop the remote command's process group (sent on a second channel). */
export function killCommandLine(pid: number, signal: 'TERM' | 'KILL'): string {
  return `kill -s ${signal} -- -${pid} 2>/dev/null || kill -s ${signal} ${pid} 2>/dev/null`;
}
