import { parseAnsibleEventLine, type AnsibleEvent, type RunnerEvent, type StatsEvent } from './ansible-events.js';
import { itemLogLine, runnerLogLine, failureMessage, type LogLevel } from './event-log-line.js';
import { emptyRecap, recapFromSummary, type HostRecap } from './host-recap.js';

export type HostState = 'pending' | 'running' | 'failed' | 'unreachable' | 'done';

export interface HostProgress extends HostRecap {
  state: HostState;
}

export interface AnsibleProgress {
  done: number;
  total: number;
  message: string;
  data: { play: string | null; task: string | null; hosts: Record<string, HostProgress> };
}

export interface HostFailure {
  host: string;
  task: string;
  status: 'failed' | 'unreachable';
  msg: string;
}

export interface TrackerLimits {
  /** Characters of JSON kept for all registered results together. @defaultValue 1 MiB */
  registeredChars?: number;
  /** Failures listed in outputs. @defaultValue 200 */
  failures?: number;
}

export interface TrackerHooks {
  log?(level: LogLevel, message: string): void;
  /**
   * Called on every state change, without data: building a snapshot costs O(hosts), so the caller
   * throttles and pulls `progress()` when it wants one (see ProgressThrottle).
   */
  changed?(): void;
}

/**
 * Folds the event stream of one ansible-playbook run into live progress, step-log lines and the
 * material for outputs. Live counts follow Ansible's own accounting (a changed result is also ok,
 * an ignored failure counts as ok and ignored); the final `stats` event replaces them, since only
 * Ansible knows about rescued blocks and per-host handler outcomes for certain.
 */
export class AnsibleRunTracker {
  readonly live = new Map<string, HostProgress>();
  readonly registered: Record<string, Record<string, unknown>> = {};
  readonly failures: HostFailure[] = [];
  readonly truncated = new Set<string>();
  stats: StatsEvent | undefined;
  playbookStarted = false;
  checkMode = false;
  pid: number | undefined;
  play: string | null = null;
  task: string | null = null;
  invalidLines = 0;
  /** Per-host task results seen: zero means Ansible never got to run a task. */
  resultCount = 0;
  noHostsMatched: string[] = [];

  private readonly registeredSize = new Map<string, number>();
  private registeredTotal = 0;
  private readonly limits: Required<TrackerLimits>;

  constructor(
    private readonly hooks: TrackerHooks = {},
    limits: TrackerLimits = {},
  ) {
    this.limits = { registeredChars: limits.registeredChars ?? 1024 * 1024, failures: limits.failures ?? 200 };
  }

  /** Feeds one raw line from the event descriptor. */
  line(text: string): void {
    if (text.trim() === '') return;
    const parsed = parseAnsibleEventLine(text);
    if (parsed.kind === 'event') this.event(parsed.event);
    else if (parsed.kind === 'invalid') {
      this.invalidLines++;
      // A few are enough to diagnose a broken plugin; thousands would bury the log.
      if (this.invalidLines <= 3) this.hooks.log?.('warn', `ignored an invalid Ansible event line (${parsed.error}): ${text.slice(0, 200)}`);
    }
  }

  event(e: AnsibleEvent): void {
    switch (e.event) {
      case 'playbook_start':
        this.playbookStarted = true;
        this.checkMode = e.check;
        this.pid = e.pid;
        return;
      case 'play_start':
        this.play = e.play;
        this.task = null;
        for (const h of e.hosts ?? []) this.host(h);
        this.hooks.log?.('info', `PLAY [${e.play}] ${e.hostCount ?? '?'} host${e.hostCount === 1 ? '' : 's'}`);
        this.changed();
        return;
      case 'task_start':
        this.task = e.task;
        this.changed();
        return;
      case 'runner':
        this.runner(e);
        return;
      case 'item': {
        const line = itemLogLine(e);
        this.hooks.log?.(line.level, line.message);
        return;
      }
      case 'retry':
        this.hooks.log?.('info', `retrying: [${e.host}] ${e.task} (attempt ${e.attempt ?? '?'} of ${e.retries ?? '?'})`);
        return;
      case 'no_hosts_matched':
        this.noHostsMatched.push(e.play ?? '');
        this.hooks.log?.('warn', `no hosts matched play "${e.play ?? ''}"`);
        return;
      case 'no_hosts_remaining':
        this.hooks.log?.('warn', `no hosts remaining in play "${e.play ?? ''}": every host failed or was unreachable`);
        return;
      case 'stats':
        this.finish(e);
        return;
    }
  }

  /** Hosts Ansible ran against, in first-seen order (final stats add any the live view missed). */
  hosts(): string[] {
    return [...this.live.keys()];
  }

  /** Per-host recap: Ansible's final numbers when the run finished, the live counts otherwise. */
  recap(): Record<string, HostRecap> {
    const out: Record<string, HostRecap> = {};
    for (const [h, p] of this.live) {
      const { state: _state, ...counts } = p;
      out[h] = counts;
    }
    return out;
  }

  progress(): AnsibleProgress {
    const hosts: Record<string, HostProgress> = {};
    let done = 0;
    for (const [h, p] of this.live) {
      hosts[h] = { ...p };
      if (p.state === 'failed' || p.state === 'unreachable' || p.state === 'done') done++;
    }
    return { done, total: this.live.size, message: this.task ?? this.play ?? 'starting', data: { play: this.play, task: this.task, hosts } };
  }

  private host(name: string): HostProgress {
    let p = this.live.get(name);
    if (!p) {
      p = { ...emptyRecap(), state: 'pending' };
      this.live.set(name, p);
    }
    return p;
  }

  private runner(e: RunnerEvent): void {
    this.resultCount++;
    const p = this.host(e.host);
    // A host that failed and still runs tasks was rescued (or is in an always block).
    if (p.state === 'pending' || p.state === 'failed') p.state = 'running';
    switch (e.status) {
      case 'ok':
        p.ok++;
        break;
      case 'changed':
        p.ok++;
        p.changed++;
        break;
      case 'skipped':
        p.skipped++;
        break;
      case 'failed':
        if (e.ignoreErrors) {
          p.ok++;
          p.ignored++;
          if (e.result?.changed === true) p.changed++;
        } else {
          p.failed++;
          p.state = 'failed';
          this.failure(e, 'failed');
        }
        break;
      case 'unreachable':
        p.unreachable++;
        p.state = 'unreachable';
        this.failure(e, 'unreachable');
        break;
    }
    if (e.register && e.result) this.register(e.host, e.register, e.result);
    const line = runnerLogLine(e);
    this.hooks.log?.(line.level, line.message);
    this.changed();
  }

  private failure(e: RunnerEvent, status: HostFailure['status']): void {
    if (this.failures.length >= this.limits.failures) {
      this.truncated.add('failures');
      return;
    }
    this.failures.push({ host: e.host, task: e.task, status, msg: failureMessage(e) });
  }

  /** Like Ansible, the last registration of a name wins (a skipped task overwrites it too). */
  private register(host: string, name: string, result: Record<string, unknown>): void {
    const key = `${host}\u0000${name}`;
    const size = JSON.stringify(result).length;
    const previous = this.registeredSize.get(key) ?? 0;
    const byHost = (this.registered[host] ??= {});
    if (this.registeredTotal - previous + size > this.limits.registeredChars) {
      this.truncated.add('registered');
      byHost[name] = { _patrol_truncated: true, reason: `registered results are capped at ${this.limits.registeredChars} characters per step` };
      return;
    }
    // The plugin already cut this result to its per-result limit.
    if (result._patrol_truncated === true) this.truncated.add('registered');
    this.registeredTotal += size - previous;
    this.registeredSize.set(key, size);
    byHost[name] = result;
  }

  private finish(e: StatsEvent): void {
    this.stats = e;
    for (const [h, summary] of Object.entries(e.hosts)) {
      const p = this.host(h);
      Object.assign(p, recapFromSummary(summary));
      p.state = summary.unreachable > 0 ? 'unreachable' : summary.failures > 0 ? 'failed' : 'done';
    }
    // Hosts listed by a play that never ran a task (e.g. all skipped by a run_once): finished too.
    for (const p of this.live.values()) if (p.state === 'pending' || p.state === 'running') p.state = 'done';
    this.task = null;
    this.changed();
  }

  private changed(): void {
    this.hooks.changed?.();
  }
}
