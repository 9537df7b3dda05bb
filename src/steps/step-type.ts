import type { z } from 'zod';
import type { FindingInput } from '../findings/finding.js';
import type { Credential } from '../credentials/credential.js';
import type { Logger } from '../logging/logger.js';

/** Output lines and messages of one step attempt; stored per step, capped, masked, streamed live. */
export interface StepLogger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
  debug(message: string, fields?: Record<string, unknown>): void;
  /** A line of a child process's standard output (or a remote command's). */
  stdout(line: string): void;
  stderr(line: string): void;
}

/** Credentials by name, decrypted on demand; every secret value returned is masked from then on. */
export interface SecretResolver {
  get(name: string): Promise<Credential>;
  /** Registers an extra value (e.g. a derived token) to be masked in logs and outputs. */
  mask(value: string): void;
}

/** Where a step reports inspection findings (see src/findings). */
export interface FindingSink {
  report(findings: FindingInput[]): void;
}

/** Structured progress for live views, e.g. ansible per-host counts. Not persisted as log lines. */
export interface StepProgress {
  kind: string;
  message?: string;
  done?: number;
  total?: number;
  data?: Record<string, unknown>;
}

/**
 * What a step type's `run` receives besides its input. The signal fires on the step's timeout,
 * on the run's timeout and on cancel; child processes and I/O must honour it.
 */
export interface StepContext {
  readonly runId: string;
  /** Instance name: `scan`, or `scan[3]` for a forEach instance. */
  readonly stepName: string;
  readonly attempt: number;
  readonly run: { readonly id: string; readonly workflow: string; readonly namespace: string; readonly params: Readonly<Record<string, unknown>> };
  readonly log: StepLogger;
  /** Process-level structured logger carrying runId and step. */
  readonly logger: Logger;
  readonly signal: AbortSignal;
  readonly secrets: SecretResolver;
  /** A private scratch directory, removed after the attempt. */
  readonly workDir: string;
  readonly dryRun: boolean;
  readonly findings: FindingSink;
  progress(event: StepProgress): void;
  /** Masks registered secrets in a string (for outputs a step builds itself). */
  mask(text: string): string;
  /**
   * Tells the engine a child process group was started (pass it as runProcess's onSpawn), so a
   * crash of Patrol never leaves it running: recovery kills it.
   */
  processStarted(pgid: number): void;
  /**
   * Ends this attempt without finishing the step: the step waits (e.g. for an approval) until the
   * wait kind's resolver (registered with the engine) reports an outcome, or `timeoutMs` passes.
   * Never returns.
   */
  suspend(wait: StepSuspension): never;
}

export interface StepSuspension {
  /** Names the resolver that decides when the wait ends (e.g. "approval"). */
  kind: string;
  /** What the resolver looks up (e.g. the approval id). */
  ref: string;
  /** Give up after this long; the resolver's timeout() decides the outcome. */
  timeoutMs?: number;
  message?: string;
}

export interface StepExample {
  description: string;
  with: Record<string, unknown>;
}

/**
 * A step type: one module, registered once. The engine knows nothing else about it.
 * `retrySafe` says whether an attempt interrupted by a crash may run again automatically.
 */
export interface StepType<I = unknown, O extends Record<string, unknown> = Record<string, unknown>> {
  readonly type: string;
  readonly description: string;
  readonly input: z.ZodType<I>;
  readonly output: z.ZodType<O>;
  readonly defaults: { readonly timeout?: string; readonly retries?: number };
  readonly retrySafe: boolean | ((input: I) => boolean);
  /** The type may suspend its step (ctx.suspend), e.g. to wait for an approval. */
  readonly suspends?: boolean;
  readonly examples: readonly StepExample[];
  run(ctx: StepContext, input: I): Promise<O>;
  /**
   * For "rerun only what failed": given a failed attempt's outputs, the input fields that narrow a
   * new attempt to the failed targets (e.g. ansible: limit to the failed and unreachable hosts).
   */
  rerunInput?(failed: { outputs: Record<string, unknown> | null }): Partial<I> | undefined;
}

// Registries hold step types of different input types side by side.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyStepType = StepType<any, Record<string, unknown>>;

export function defineStepType<I, O extends Record<string, unknown>>(def: {
  type: string;
  description: string;
  input: z.ZodType<I>;
  output: z.ZodType<O>;
  defaults?: { timeout?: string; retries?: number };
  retrySafe?: boolean | ((input: I) => boolean);
  suspends?: boolean;
  examples?: StepExample[];
  run(ctx: StepContext, input: I): Promise<O>;
  rerunInput?(failed: { outputs: Record<string, unknown> | null }): Partial<I> | undefined;
}): StepType<I, O> {
  return {
    defaults: {},
    retrySafe: false,
    examples: [],
    ...def,
  };
}
