import type { SerializedError } from '../errors/index.js';
import type { AttemptStatus, RunStatus, StepStatus } from '../engine/run-states.js';

/** A run as the engine and the CLI see it (JSON columns parsed). */
export interface RunRecord {
  id: string;
  workflow: string;
  namespace: string;
  params: Record<string, unknown>;
  status: RunStatus;
  reason: string | null;
  error: SerializedError | null;
  concurrencyKey: string | null;
  trigger: string;
  triggeredBy: string | null;
  retryOf: string | null;
  /** Name of the inspection this run belongs to (runs with the same name are compared). */
  inspection: string | null;
  labels: Record<string, string>;
  createdAt: number;
  startedAt: number | null;
  finishedAt: number | null;
  deadlineAt: number | null;
  cancelRequestedAt: number | null;
  cancelReason: string | null;
  owner: string | null;
  heartbeatAt: number | null;
  dryRun: boolean;
  /** Input fields merged over a step's rendered `with` (by step name). */
  overrides: Record<string, Record<string, unknown>>;
}

export interface StepRecord {
  runId: string;
  name: string;
  base: string;
  idx: number | null;
  phase: 'main' | 'finally';
  status: StepStatus;
  attempts: number;
  outputs: Record<string, unknown> | null;
  error: SerializedError | null;
  item: unknown;
  reason: string | null;
  reusedFrom: string | null;
  nextAttemptAt: number | null;
  startedAt: number | null;
  finishedAt: number | null;
  /** Needs that are not terminal yet; the step can start only at 0. */
  pendingNeeds: number;
  /** Set while the step is `waiting`: what it waits for. */
  wait: StepWait | null;
}

/** What a suspended step waits for (an approval, ...) and until when. */
export interface StepWait {
  kind: string;
  ref: string;
  since: number;
  expiresAt: number | null;
  message?: string;
}

export interface AttemptRecord {
  runId: string;
  step: string;
  attempt: number;
  status: AttemptStatus;
  owner: string | null;
  queuedAt: number;
  startedAt: number | null;
  finishedAt: number | null;
  exitCode: number | null;
  error: SerializedError | null;
  outputs: Record<string, unknown> | null;
  /** Process groups started by the attempt, as "host:pgid". */
  processes: string[];
}

export interface LogRecord {
  id: number;
  runId: string;
  step: string;
  attempt: number;
  seq: number;
  ts: number;
  stream: string;
  message: string;
}

export interface Page<T> {
  items: T[];
  /** Opaque cursor for the next page; absent on the last page. */
  next?: string;
}
