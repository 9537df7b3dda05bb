import { EventEmitter } from 'node:events';
import type { StepProgress } from '../steps/step-type.js';
import type { RunStatus, StepStatus } from './run-states.js';

export interface RunStatusEvent {
  runId: string;
  status: RunStatus;
  reason: string | null;
  at: number;
  /** On terminal events: when the run started (for duration metrics). */
  startedAt?: number | null;
}

export interface StepStatusEvent {
  runId: string;
  step: string;
  status: StepStatus;
  attempt: number;
  at: number;
  error?: string;
  reason?: string | null;
  /** Step type, on events from the executor (running and the end of an attempt). */
  type?: string;
  /** On `running`: when the attempt was queued (queue wait = at - queuedAt). */
  queuedAt?: number;
  /** At the end of an attempt: when it started, and how the attempt itself ended. */
  startedAt?: number;
  attemptStatus?: string;
}

export interface StepProgressEvent {
  runId: string;
  step: string;
  progress: StepProgress;
}

export interface StepLogEvent {
  runId: string;
  step: string;
  stream: string;
  message: string;
}

interface EventMap {
  run: [RunStatusEvent];
  step: [StepStatusEvent];
  progress: [StepProgressEvent];
  log: [StepLogEvent];
}

/** In-process stream of run events for live views (CLI progress, SSE). Not a source of truth. */
export class RunEvents extends EventEmitter<EventMap> {
  constructor() {
    super();
    this.setMaxListeners(1000);
  }
}
