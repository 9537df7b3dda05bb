import { errorField, errorMessage } from './error-fields.js';
import { HostFailure } from './host-failure.js';
import type { ParsedPrivateKey } from './parse-private-key.js';
import type { HostKeyVerdict } from './host-key-verifier.js';
import { LineStream } from './line-stream.js';
import { killCommandLine, parsePidMarker } from './remote-command-line.js';
import type { HostResult } from './ssh-step-output.js';
import type { SshTarget } from './ssh-target.js';

/** How to log in; secrets stay in memory (the key is parsed once per step, never written out). */
export type SshAuth = { kind: 'key'; key: ParsedPrivateKey } | { kind: 'password'; password: string };

export interface RunOnHostOptions {
  target: SshTarget;
  user: string;
  auth: SshAuth;
  /** Describes the credential in login errors, e.g. `credential "deploy" (ssh-key)`. */
  authLabel: string;
  /** The full remote command line (see remoteCommandLine). */
  commandLine: string;
  /** The marker remoteCommandLine was built with; its stderr line gives the remote pid. */
  pidMarker: string;
  connectTimeoutMs: number;
  captureLimit: number;
  signal: AbortSignal;
  hostKeyAlgorithms: string[];
  verifyHostKey(key: Buffer): Promise<HostKeyVerdict>;
  onHostKeyRecorded(message: string): void;
  onStdout(line: string): void;
  onStderr(line: string): void;
}

export interface HostRunOutcome extends HostResult {
  /** False when the command never started (the host counts as unreachable). */
  ran: boolean;
}

// The parts of ssh2's Client and Channel used here. ssh2 has no type declarations installed, so
// node-ssh exposes them as `any`; these interfaces give the calls below their types.
interface ExecChannel {
  on(event: 'data', listener: (chunk: Buffer) => void): unknown;
  on(event: 'exit', listener: (code: number | null, signal?: string) => void): unknown;
  on(event: 'close', listener: () => void): unknown;
  stderr: { on(event: 'data', listener: (chunk: Buffer) => void): unknown };
  signal(name: string): void;
  close(): void;
}
interface ConnectConfig {
  host: string;
  port: number;
  username: string;
  authHandler: object[];
  readyTimeout: number;
  keepaliveInterval: number;
  keepaliveCountMax: number;
  algorithms: { serverHostKey: string[] };
  hostVerifier(key: Buffer, verify: (ok: boolean) => void): void;
}
interface Ssh2Client {
  exec(command: string, options: Record<string, unknown>, callback: (err: Error | undefined, channel: ExecChannel) => void): unknown;
  on(event: 'error', listener: (err: Error) => void): unknown;
  once(event: 'close', listener: () => void): unknown;
  end(): void;
  destroy(): void;
}

/** After SIGTERM, how long a command gets before SIGKILL and closing the connection. */
const KILL_GRACE_MS = 1500;

/**
 * Connects to one host, verifies its key, logs in and runs the command without a pty, streaming
 * output line by line. Never throws: every failure becomes the host's result.
 *
 * On abort the remote command's process group gets SIGTERM, then SIGKILL after a grace period,
 * then the connection is closed. Closing alone would not do: a pty-less command survives its
 * session. The kill is sent twice over: as an SSH "signal" request (OpenSSH honours it for
 * non-root sessions only) and as `kill` on a second channel, aimed at the group whose leader's
 * pid the command line printed first.
 */
export async function runOnHost(o: RunOnHostOptions): Promise<HostRunOutcome> {
  const started = Date.now();
  const elapsed = () => Date.now() - started;
  // ssh2 is heavy; load it only when a step really connects.
  const { NodeSSH } = await import('node-ssh');
  const ssh = new NodeSSH();
  let hostKeyFailure: HostFailure | undefined;
  const destroy = () => {
    const c: Ssh2Client | null = ssh.connection;
    c?.destroy();
  };
  const onAbortConnect = () => destroy();
  if (o.signal.aborted) return unreachable(new HostFailure('cancelled', 'cancelled before connecting'), 0);
  o.signal.addEventListener('abort', onAbortConnect, { once: true });
  const config: ConnectConfig = {
    host: o.target.host,
    port: o.target.port,
    username: o.user,
    authHandler: authMethods(o.user, o.auth),
    readyTimeout: o.connectTimeoutMs,
    // A host that dies mid-command is noticed within about a minute instead of never.
    keepaliveInterval: 15_000,
    keepaliveCountMax: 4,
    algorithms: { serverHostKey: o.hostKeyAlgorithms },
    hostVerifier: (key: Buffer, verify: (ok: boolean) => void) => {
      o.verifyHostKey(key).then(
        (verdict) => {
          if (verdict.ok && verdict.recorded) o.onHostKeyRecorded(verdict.recorded);
          if (!verdict.ok) hostKeyFailure = verdict.failure;
          verify(verdict.ok);
        },
        (err: unknown) => {
          hostKeyFailure = new HostFailure('host-key-record-failed', `host key verification of ${o.target.label} failed: ${errorMessage(err)}`);
          verify(false);
        },
      );
    },
  };
  try {
    await ssh.connect(config);
  } catch (err) {
    ssh.dispose();
    const failure = o.signal.aborted ? new HostFailure('cancelled', 'cancelled while connecting') : (hostKeyFailure ?? classifyConnectError(err, o));
    return unreachable(failure, elapsed());
  } finally {
    o.signal.removeEventListener('abort', onAbortConnect);
  }

  const conn: Ssh2Client | null = ssh.connection;
  if (!conn) return unreachable(new HostFailure('connection-lost', `the connection to ${o.target.label} closed right after login`), elapsed());
  // node-ssh stops listening for errors once connected; an unheard 'error' would crash the process.
  let connError: Error | undefined;
  conn.on('error', (err) => (connError = err));
  try {
    return await execute(conn, o, elapsed, () => connError);
  } finally {
    ssh.dispose();
  }
}

function execute(conn: Ssh2Client, o: RunOnHostOptions, elapsed: () => number, connError: () => Error | undefined): Promise<HostRunOutcome> {
  return new Promise((resolve) => {
    let remotePid: number | undefined;
    let stopping = false;
    const out = new LineStream(o.onStdout, o.captureLimit);
    const err = new LineStream(o.onStderr, o.captureLimit, (line) => {
      if (remotePid !== undefined) return false;
      remotePid = parsePidMarker(line, o.pidMarker);
      if (remotePid !== undefined && stopping) sideExec(conn, killCommandLine(remotePid, 'TERM'));
      return remotePid !== undefined;
    });
    let exitCode: number | null = null;
    let exitSignal: string | undefined;
    let channel: ExecChannel | undefined;
    let settled = false;
    const timers: NodeJS.Timeout[] = [];

    const finish = (failure?: HostFailure) => {
      if (settled) return;
      settled = true;
      o.signal.removeEventListener('abort', onAbort);
      for (const t of timers) clearTimeout(t);
      out.end();
      err.end();
      let error = failure;
      if (!error && o.signal.aborted) error = new HostFailure('cancelled', `stopped by cancel or timeout${exitSignal ? ` (the command ended by ${exitSignal})` : ''}`);
      if (!error && exitSignal) error = new HostFailure('killed', `the command was killed by ${exitSignal}`);
      resolve({ ran: true, exitCode, stdout: out.captured.toString(), stderr: err.captured.toString(), durationMs: elapsed(), ...(error ? { error: { code: error.code, message: error.message } } : {}) });
    };

    const onAbort = () => {
      stopping = true;
      const ch = channel;
      if (!ch) {
        conn.destroy();
        return;
      }
      ch.signal('TERM');
      if (remotePid !== undefined) sideExec(conn, killCommandLine(remotePid, 'TERM'));
      timers.push(
        setTimeout(() => {
          ch.signal('KILL');
          if (remotePid !== undefined) sideExec(conn, killCommandLine(remotePid, 'KILL'));
        }, KILL_GRACE_MS),
        setTimeout(() => {
          ch.close();
          conn.end();
        }, KILL_GRACE_MS + 300),
        setTimeout(() => {
          conn.destroy();
          finish();
        }, KILL_GRACE_MS + 1500),
      );
    };
    if (o.signal.aborted) onAbort();
    else o.signal.addEventListener('abort', onAbort, { once: true });

    conn.once('close', () => {
      const why = connError();
      finish(exitCode === null && !exitSignal && !o.signal.aborted ? new HostFailure('connection-lost', `the connection to ${o.target.label} was lost while the command ran${why ? `: ${why.message}` : ''}`) : undefined);
    });
    conn.exec(o.commandLine, {}, (execErr, ch) => {
      if (execErr) {
        finish(new HostFailure('exec-failed', `${o.target.label} refused to run the command: ${execErr.message}`));
        return;
      }
      channel = ch;
      if (stopping) onAbort();
      ch.on('data', (chunk) => out.write(chunk));
      ch.stderr.on('data', (chunk) => err.write(chunk));
      ch.on('exit', (code, sig) => {
        exitCode = typeof code === 'number' ? code : null;
        if (typeof sig === 'string') exitSignal = sig;
      });
      ch.on('close', () => finish());
    });
  });
}

/** Runs a helper command on its own channel, ignoring its output and any failure. */
function sideExec(conn: Ssh2Client, command: string): void {
  try {
    conn.exec(command, {}, (err, ch) => {
      if (err) return;
      ch.on('data', () => undefined);
      ch.stderr.on('data', () => undefined);
    });
  } catch {
    // The connection is already closing; the cancel timers close it for good.
  }
}

/**
 * The login methods, in order, as ssh2 auth attempts: exactly what the credential allows (no
 * agent, no "none" probe). Servers that take passwords only through keyboard-interactive (PAM)
 * get the password for prompts that ask for one.
 */
function authMethods(username: string, auth: SshAuth): object[] {
  if (auth.kind === 'key') return [{ type: 'publickey', username, key: auth.key.parsed }];
  // Prompts come from the server: answer only those asking for a password.
  const answer = (prompts: unknown): string[] =>
    Array.isArray(prompts) ? prompts.map((p: unknown) => (typeof p === 'object' && p !== null && 'prompt' in p && typeof p.prompt === 'string' && /password/i.test(p.prompt) ? auth.password : '')) : [];
  return [
    { type: 'password', username, password: auth.password },
    { type: 'keyboard-interactive', username, prompt: (_name: string, _instructions: string, _lang: string, prompts: unknown, finish: (answers: string[]) => void) => finish(answer(prompts)) },
  ];
}

function unreachable(failure: HostFailure, durationMs: number): HostRunOutcome {
  return { ran: false, exitCode: null, stdout: '', stderr: '', durationMs, error: { code: failure.code, message: failure.message } };
}

/** Maps ssh2 / socket errors to a stable code and a message naming the host and what to check. */
function classifyConnectError(err: unknown, o: RunOnHostOptions): HostFailure {
  const where = `${o.target.host}:${o.target.port}`;
  const message = errorMessage(err);
  const level = errorField(err, 'level');
  const code = errorField(err, 'code');
  // node-ssh reports a connection closed before login as ETIMEDOUT "No response from server".
  if (code === 'ETIMEDOUT' && message === 'No response from server') return new HostFailure('connection', `${where} closed the connection before login completed`);
  if (level === 'client-timeout' || code === 'ETIMEDOUT') {
    return new HostFailure('connect-timeout', `could not connect to ${where} and log in within ${o.connectTimeoutMs} ms (connectTimeout)`);
  }
  if (code === 'ECONNREFUSED') return new HostFailure('connection-refused', `${where} refused the connection (is sshd listening on port ${o.target.port}?)`);
  if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH') return new HostFailure('host-unreachable', `${where} is unreachable (${code})`);
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return new HostFailure('dns', `cannot resolve host name ${o.target.host} (${code})`);
  if (level === 'client-authentication') {
    return new HostFailure('auth-failed', `login as ${o.user} on ${where} with ${o.authLabel} failed: ${message}`);
  }
  return new HostFailure('connection', `connection to ${where} failed: ${message}`);
}
