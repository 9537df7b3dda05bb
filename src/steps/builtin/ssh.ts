import { randomBytes } from 'node:crypto';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { defineStepType, type StepContext } from '../step-type.js';
import { NonRetryableError, StepError } from '../../errors/index.js';
import { formatDuration, parseDuration } from '../../util/duration.js';
import { KeyedMutex } from '../../util/keyed-mutex.js';
import { HostKeyVerifier } from '../../ssh/host-key-verifier.js';
import { runOnHost, type HostRunOutcome } from '../../ssh/run-on-host.js';
import { displayCommand, remoteCommandLine } from '../../ssh/remote-command-line.js';
import { sshAuthFrom } from '../../ssh/ssh-auth.js';
import { sshStepInputSchema, type SshStepInput } from '../../ssh/ssh-step-input.js';
import { sshStepOutputSchema, type HostResult, type SshStepOutput } from '../../ssh/ssh-step-output.js';
import { resolveTargets, type SshTarget } from '../../ssh/ssh-target.js';

export interface SshStepTypeOptions {
  /** Patrol's known_hosts: the default `knownHosts`, where `accept-new` records keys. */
  knownHostsFile: string;
  /**
   * Read as well when a step names no `knownHosts` (like OpenSSH, a step's own file replaces
   * the defaults). null reads none. @defaultValue ~/.ssh/known_hosts
   */
  userKnownHostsFile?: string | null;
}

const DEFAULTS = { port: 22, connectTimeout: '10s', parallelism: 10, captureLimit: 65536 } as const;

/**
 * The `ssh` step: runs one command on many hosts over SSH (node-ssh/ssh2, no local ssh binary),
 * with real known_hosts verification, per-host results, and cancel that stops remote commands.
 */
export function createSshStepType(opts: SshStepTypeOptions) {
  const userKnownHosts = opts.userKnownHostsFile === undefined ? join(homedir(), '.ssh', 'known_hosts') : opts.userKnownHostsFile;
  // One lock per known_hosts file for every run of this step type in the process.
  const knownHostsLock = new KeyedMutex();
  return defineStepType({
    type: 'ssh',
    description:
      'Runs a command (an argument array, quoted for the remote shell) on one or more hosts over SSH with an ssh-key or password credential. Host keys are verified against known_hosts (strict, accept-new or off). Outputs per-host results (exitCode, stdout, stderr, durationMs, error) and the lists succeeded, failed and unreachable.',
    input: sshStepInputSchema,
    output: sshStepOutputSchema,
    // A remote command may change things; after a crash nobody knows whether it ran.
    retrySafe: false,
    examples: [
      { description: 'Uptime on a fleet', with: { hosts: ['web-1', 'web-2', 'deploy@db-1:2222'], command: ['uptime'], credential: 'ops-key' } },
      { description: 'A pipeline needs a shell, named explicitly', with: { hosts: ['web-1'], command: ['sh', '-c', 'df -P / | tail -1'], credential: 'ops-key', failOn: 'never' } },
      { description: 'First contact with new hosts', with: { hosts: ['10.0.4.21', '10.0.4.22'], command: ['hostname'], credential: 'ops-key', hostKeyChecking: 'accept-new' } },
    ],
    async run(ctx, input) {
      const targets = resolveTargets(input.hosts, input.port ?? DEFAULTS.port);
      const connectTimeoutMs = parseDuration(input.connectTimeout ?? DEFAULTS.connectTimeout, 'with.connectTimeout');
      if (connectTimeoutMs <= 0) throw new NonRetryableError('with.connectTimeout must be > 0', { code: 'invalid-input' });
      const env = input.env ?? {};
      // `env` would take a first word containing "=" for another assignment.
      if (Object.keys(env).length > 0 && input.command[0]!.includes('=')) {
        throw new NonRetryableError(`with.command[0] "${input.command[0]}" contains "=", which cannot be combined with with.env`, { code: 'invalid-input' });
      }
      // Random per run, so command output cannot pose as the pid line.
      const pidMarker = `PATROL_PID_${randomBytes(8).toString('hex')}`;
      const commandLine = remoteCommandLine(input.command, env, pidMarker);
      const shown = displayCommand(input.command, env);
      const mode = input.hostKeyChecking ?? 'strict';
      const labels = targets.map((t) => t.label);

      if (ctx.dryRun) {
        ctx.log.info(`dry run: would run ${shown} on ${labels.length} host(s): ${labels.join(', ')} (credential ${input.credential}, host key checking ${mode})`);
        return { results: {}, succeeded: [], failed: [], unreachable: [] };
      }

      const { auth, label: authLabel, username } = sshAuthFrom(await ctx.secrets.get(input.credential));
      const defaultUser = input.user ?? username ?? 'root';
      const verifier = await HostKeyVerifier.load({
        mode,
        file: input.knownHosts !== undefined ? expandHome(input.knownHosts) : opts.knownHostsFile,
        alsoRead: input.knownHosts === undefined && userKnownHosts !== null ? [userKnownHosts] : [],
        mutex: knownHostsLock,
      });
      for (const p of verifier.problems) ctx.log.warn(`known_hosts ${p.file}:${p.line} ignored: ${p.reason}`);
      if (mode === 'off') ctx.log.warn('hostKeyChecking is off: host keys are not verified, so an intercepted connection would go unnoticed');

      const parallelism = Math.min(input.parallelism ?? DEFAULTS.parallelism, targets.length);
      ctx.log.info(`running ${shown} on ${targets.length} host(s) (parallelism ${parallelism}, host key checking ${mode})`);
      const outcomes = new Map<string, HostRunOutcome>();
      let next = 0;
      ctx.progress({ kind: 'hosts', done: 0, total: targets.length });
      const worker = async () => {
        while (next < targets.length) {
          const target = targets[next++]!;
          const outcome = await runOnHost({
            target,
            user: target.user ?? defaultUser,
            auth,
            authLabel,
            commandLine,
            pidMarker,
            connectTimeoutMs,
            captureLimit: input.captureLimit ?? DEFAULTS.captureLimit,
            signal: ctx.signal,
            hostKeyAlgorithms: verifier.algorithmsFor(target),
            verifyHostKey: (key) => verifier.verify(target, key),
            onHostKeyRecorded: (message) => ctx.log.info(`[${target.label}] ${message}`),
            onStdout: (line) => ctx.log.stdout(`[${target.label}] ${line}`),
            onStderr: (line) => ctx.log.stderr(`[${target.label}] ${line}`),
          });
          outcomes.set(target.label, outcome);
          logOutcome(ctx, target, outcome);
          ctx.progress({ kind: 'hosts', done: outcomes.size, total: targets.length, data: { host: target.label, status: statusOf(outcome) } });
        }
      };
      await Promise.all(Array.from({ length: parallelism }, worker));

      const outputs = buildOutputs(ctx, targets, outcomes);
      judge(ctx, input, outputs);
      return outputs;
    },
  });
}

function expandHome(path: string): string {
  return path === '~' || path.startsWith('~/') ? join(homedir(), path.slice(1)) : path;
}

function statusOf(o: HostRunOutcome): 'succeeded' | 'failed' | 'unreachable' {
  if (!o.ran) return 'unreachable';
  return o.exitCode === 0 && !o.error ? 'succeeded' : 'failed';
}

function logOutcome(ctx: StepContext, target: SshTarget, o: HostRunOutcome): void {
  const took = formatDuration(o.durationMs);
  const status = statusOf(o);
  if (status === 'succeeded') ctx.log.info(`[${target.label}] exit 0 (${took})`);
  else if (status === 'failed') ctx.log.error(`[${target.label}] ${o.error ? `${o.error.code}: ${o.error.message}` : `exit ${o.exitCode}`} (${took})`);
  else ctx.log.error(`[${target.label}] unreachable (${o.error?.code}): ${o.error?.message} (${took})`);
}

function buildOutputs(ctx: StepContext, targets: readonly SshTarget[], outcomes: ReadonlyMap<string, HostRunOutcome>): SshStepOutput {
  const out: SshStepOutput = { results: {}, succeeded: [], failed: [], unreachable: [] };
  for (const t of targets) {
    const o = outcomes.get(t.label);
    if (!o) continue;
    const result: HostResult = { exitCode: o.exitCode, stdout: ctx.mask(o.stdout), stderr: ctx.mask(o.stderr), durationMs: o.durationMs };
    if (o.error) result.error = { code: o.error.code, message: ctx.mask(o.error.message) };
    out.results[t.label] = result;
    out[statusOf(o)].push(t.label);
  }
  return out;
}

/** Throws per failOn, carrying the outputs so they survive the failure. */
function judge(ctx: StepContext, input: SshStepInput, outputs: SshStepOutput): void {
  const total = Object.keys(outputs.results).length;
  const bad = [...outputs.failed, ...outputs.unreachable];
  const details = { outputs, failed: outputs.failed, unreachable: outputs.unreachable };
  if (ctx.signal.aborted) throw new StepError('ssh: stopped before every host finished', { code: 'cancelled', details });
  const failOn = input.failOn ?? 'any';
  const fails = failOn === 'any' ? bad.length > 0 : failOn === 'all' ? bad.length === total : false;
  if (!fails) return;
  const shown = bad.slice(0, 5).map((h) => {
    const r = outputs.results[h]!;
    const why = r.error ? `${r.error.code}: ${r.error.message}` : `exit ${r.exitCode}${tail(r.stderr)}`;
    return `${h}: ${why.length > 600 ? `${why.slice(0, 600)}...` : why}`;
  });
  const more = bad.length > shown.length ? `; and ${bad.length - shown.length} more` : '';
  const counts = [outputs.failed.length > 0 ? `${outputs.failed.length} failed` : '', outputs.unreachable.length > 0 ? `${outputs.unreachable.length} unreachable` : ''].filter(Boolean).join(', ');
  throw new StepError(`ssh: ${bad.length} of ${total} hosts did not succeed (${counts}): ${shown.join('; ')}${more}`, {
    code: outputs.failed.length > 0 ? 'exit-code' : 'unreachable',
    details,
  });
}

function tail(stderr: string): string {
  const t = stderr.trim().split('\n').slice(-2).join(' | ');
  return t ? `: ${t.length > 200 ? t.slice(-200) : t}` : '';
}
