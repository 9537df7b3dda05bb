import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { NonRetryableError } from '../errors/index.js';
import type { KeyedMutex } from '../util/keyed-mutex.js';
import { describeKey, fingerprintOf, preferredHostKeyAlgorithms } from './host-key.js';
import { errorField, errorMessage } from './error-fields.js';
import { HostFailure } from './host-failure.js';
import { checkHostKey, hostLookupName, knownHostsLine, knownKeyTypes, parseKnownHosts, type KnownHostsEntry, type KnownHostsProblem } from './known-hosts.js';
import type { HostKeyChecking } from './ssh-step-input.js';
import type { SshTarget } from './ssh-target.js';
import { quoteShellArg as shellWord } from './shell-quote.js';

export interface HostKeyVerifierOptions {
  mode: HostKeyChecking;
  /** The file `accept-new` writes to; read first. */
  file: string;
  /** Further files read (e.g. ~/.ssh/known_hosts); never written. */
  alsoRead: readonly string[];
  /** Serialises appends per file, so parallel hosts and steps do not interleave lines. */
  mutex: KeyedMutex;
}

/** What verification did, for the step log. */
export type HostKeyVerdict = { ok: true; recorded?: string } | { ok: false; failure: HostFailure };

/**
 * Verifies servers' host keys against known_hosts for one step run: files are read once up front
 * (unreadable files fail the step: silently trusting less would hide a misconfiguration), and
 * `accept-new` re-reads its file under a lock before recording a key.
 */
export class HostKeyVerifier {
  private constructor(
    private readonly opts: HostKeyVerifierOptions,
    private entries: KnownHostsEntry[],
    readonly problems: KnownHostsProblem[],
  ) {}

  static async load(opts: HostKeyVerifierOptions): Promise<HostKeyVerifier> {
    const entries: KnownHostsEntry[] = [];
    const problems: KnownHostsProblem[] = [];
    if (opts.mode !== 'off') {
      for (const file of [opts.file, ...opts.alsoRead]) {
        const parsed = parseKnownHosts(await readIfExists(file), file);
        entries.push(...parsed.entries);
        problems.push(...parsed.problems);
      }
    }
    return new HostKeyVerifier(opts, entries, problems);
  }

  get files(): string[] {
    return [this.opts.file, ...this.opts.alsoRead];
  }

  /** Host key algorithms to offer this host: known key types first. */
  algorithmsFor(target: SshTarget): string[] {
    return preferredHostKeyAlgorithms(knownKeyTypes(this.entries, target.host, target.port));
  }

  async verify(target: SshTarget, key: Buffer): Promise<HostKeyVerdict> {
    if (this.opts.mode === 'off') return { ok: true };
    const failure = this.judge(target, key, this.entries);
    if (failure !== 'unknown') return failure === undefined ? { ok: true } : { ok: false, failure };
    if (this.opts.mode === 'strict') return { ok: false, failure: this.unknownFailure(target, key) };
    return this.opts.mutex.run(this.opts.file, () => this.record(target, key));
  }

  private async record(target: SshTarget, key: Buffer): Promise<HostKeyVerdict> {
    const file = this.opts.file;
    // Another step may have recorded this host since we loaded the file: judge by what it holds now.
    let current: string;
    try {
      current = await readIfExists(file);
    } catch (err) {
      return { ok: false, failure: new HostFailure('host-key-record-failed', `cannot record the host key of ${target.label}: ${errorMessage(err)}`) };
    }
    const fresh = parseKnownHosts(current, file).entries;
    const again = this.judge(target, key, fresh);
    if (again !== 'unknown') return again === undefined ? { ok: true } : { ok: false, failure: again };
    const line = knownHostsLine(target.host, target.port, key);
    try {
      await mkdir(dirname(file), { recursive: true, mode: 0o700 });
      await appendFile(file, `${current !== '' && !current.endsWith('\n') ? '\n' : ''}${line}\n`, { mode: 0o644 });
    } catch (err) {
      return { ok: false, failure: new HostFailure('host-key-record-failed', `cannot record the host key of ${target.label} in ${file}: ${errorMessage(err)}`) };
    }
    this.entries = [...this.entries, ...parseKnownHosts(line, file).entries];
    return { ok: true, recorded: `recorded ${describeKey(key)} for ${hostLookupName(target.host, target.port)} in ${file} (hostKeyChecking accept-new)` };
  }

  /** undefined: verified; 'unknown': no entry for the host; a failure otherwise. */
  private judge(target: SshTarget, key: Buffer, entries: readonly KnownHostsEntry[]): HostFailure | 'unknown' | undefined {
    const check = checkHostKey(entries, target.host, target.port, key);
    const presented = describeKey(key);
    const removeHint = (e: KnownHostsEntry) => `ssh-keygen -R ${shellWord(hostLookupName(target.host, target.port))} -f ${shellWord(e.file)}`;
    switch (check.status) {
      case 'known':
        return undefined;
      case 'unknown':
        return 'unknown';
      case 'revoked':
        return new HostFailure('host-key-revoked', `host key verification failed for ${target.label}: it presented ${presented}, which is marked @revoked in ${check.entry.file}:${check.entry.line}`);
      case 'changed': {
        const expected = check.expected.map((e) => `${e.keyType} ${fingerprintOf(e.key)} (${e.file}:${e.line})`).join(', ');
        return new HostFailure(
          'host-key-changed',
          `host key verification failed for ${target.label}: the host key has CHANGED (or someone is intercepting the connection). known_hosts expects ${expected}; the host presented ${presented}. If the change is legitimate, remove the old key (${removeHint(check.expected[0]!)}) and add the new one.`,
        );
      }
      case 'other-type': {
        const known = check.known.map((e) => `${e.keyType} ${fingerprintOf(e.key)} (${e.file}:${e.line})`).join(', ');
        return new HostFailure(
          'host-key-changed',
          `host key verification failed for ${target.label}: known_hosts knows it with ${known}, but the host presented ${presented}, a key of a type it is not known by. If the host's keys were replaced, remove the old entries (${removeHint(check.known[0]!)}) and add the new key.`,
        );
      }
    }
  }

  private unknownFailure(target: SshTarget, key: Buffer): HostFailure {
    return new HostFailure(
      'host-key-unknown',
      `host key verification failed for ${target.label}: its key ${describeKey(key)} is not in known_hosts (${this.files.join(', ')}) and hostKeyChecking is strict. After checking the fingerprint, add it with: ssh-keyscan -p ${target.port} ${shellWord(target.host)} >> ${shellWord(this.opts.file)} (or set hostKeyChecking: accept-new)`,
    );
  }
}

async function readIfExists(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    if (errorField(err, 'code') === 'ENOENT') return '';
    throw new NonRetryableError(`cannot read known_hosts file ${file}: ${errorMessage(err)}`, { code: 'known-hosts-unreadable', details: { file } });
  }
}
