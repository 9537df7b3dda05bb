import { mkdirSync } from 'node:fs';
import { findingInputSchema, fingerprintOf, type Finding, type FindingInput } from '../findings/finding.js';
import { InputError } from '../errors/index.js';
import type { Masker } from '../credentials/masker.js';
import type { Credential } from '../credentials/credential.js';
import type { Logger } from '../logging/logger.js';
import type { RunRecord } from '../store/records.js';
import type { StepContext, StepProgress } from '../steps/step-type.js';
import { newId } from '../util/ids.js';
import type { StepLogWriter } from './log-sink.js';
import type { RunEvents } from './run-events.js';
import { SuspendSignal } from './wait-resolver.js';

export interface StepContextParts {
  run: RunRecord;
  stepName: string;
  attempt: number;
  log: StepLogWriter;
  logger: Logger;
  signal: AbortSignal;
  workDir: string;
  masker: Masker;
  events: RunEvents;
  reveal(name: string): Promise<Credential>;
  secretValues(c: Credential): string[];
  processStarted(pgid: number): void;
}

/** Builds the context a step type's `run` receives, and collects the findings it reports. */
export function createStepContext(parts: StepContextParts): { ctx: StepContext; findings: Finding[]; usedWorkDir: () => boolean } {
  const findings: Finding[] = [];
  let workDirMade = false;
  const { run, stepName, log, masker } = parts;
  const fmt = (message: string, fields?: Record<string, unknown>) => (fields && Object.keys(fields).length > 0 ? `${message} ${JSON.stringify(fields)}` : message);
  const ctx: StepContext = {
    runId: run.id,
    stepName,
    attempt: parts.attempt,
    run: { id: run.id, workflow: run.workflow, namespace: run.namespace, params: run.params },
    log: {
      info: (m, f) => log.write('info', fmt(m, f)),
      warn: (m, f) => log.write('warn', fmt(m, f)),
      error: (m, f) => log.write('error', fmt(m, f)),
      debug: (m, f) => log.write('debug', fmt(m, f)),
      stdout: (line) => log.write('stdout', line),
      stderr: (line) => log.write('stderr', line),
    },
    logger: parts.logger,
    signal: parts.signal,
    secrets: {
      async get(name) {
        const c = await parts.reveal(name);
        for (const v of parts.secretValues(c)) masker.add(v);
        return c;
      },
      mask: (v) => masker.add(v),
    },
    // Created on first use: most steps (noop, http, ssh) never need a scratch directory.
    get workDir() {
      if (!workDirMade) {
        mkdirSync(parts.workDir, { recursive: true, mode: 0o700 });
        workDirMade = true;
      }
      return parts.workDir;
    },
    dryRun: run.dryRun,
    findings: {
      report(items: FindingInput[]) {
        const now = Date.now();
        items.forEach((item, i) => {
          const parsed = findingInputSchema.safeParse(item);
          if (!parsed.success) {
            const issue = parsed.error.issues[0]!;
            throw new InputError(`finding ${i} (${(item as { check?: string }).check ?? 'no check id'}): ${issue.path.join('.') || '(root)'}: ${issue.message}`, { finding: i });
          }
          const f = masker.maskValue(parsed.data);
          findings.push({ ...f, id: newId(), runId: run.id, step: stepName, fingerprint: fingerprintOf(f.check, f.target), createdAt: now });
        });
      },
    },
    progress(event: StepProgress) {
      parts.events.emit('progress', { runId: run.id, step: stepName, progress: event });
    },
    mask: (text) => masker.mask(text),
    processStarted: (pgid) => parts.processStarted(pgid),
    suspend: (wait) => {
      throw new SuspendSignal(wait);
    },
  };
  return { ctx, findings, usedWorkDir: () => workDirMade };
}
