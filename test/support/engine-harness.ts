import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { openStore } from '../../src/store/open-store.js';
import type { Store } from '../../src/store/store.js';
import { Engine, type EngineSettings } from '../../src/engine/engine.js';
import { builtinRegistry } from '../../src/steps/builtin/index.js';
import type { StepTypeRegistry } from '../../src/steps/step-type-registry.js';
import { validateWorkflowValue } from '../../src/workflow/validate-workflow.js';
import { formatIssue } from '../../src/workflow/validation-issue.js';
import type { WorkflowDefinition } from '../../src/workflow/workflow-schema.js';
import { InProcessDispatcher } from '../../src/queue/in-process-dispatcher.js';
import { patrolPaths } from '../../src/config/paths.js';
import { CredentialService, secretValues } from '../../src/credentials/credential-service.js';
import { parseKey } from '../../src/credentials/secret-key.js';
import type { RemediationLink } from '../../src/remediation/remediation-link.js';
import type { PatrolSettings } from '../../src/config/patrol-config.js';
import { storeFindingHistory } from '../../src/inspections/history.js';
import { approvalWaitResolver } from '../../src/approvals/approval-wait-resolver.js';

export interface Harness {
  dir: string;
  store: Store;
  engine: Engine;
  registry: StepTypeRegistry;
  /** Set when created with `credentials: true`: store credentials here for steps to use. */
  credentials: CredentialService | undefined;
  workflow(yamlText: string): WorkflowDefinition;
  close(): Promise<void>;
}

/**
 * An engine on a fresh SQLite file in a temp dir (or the store at `dbUrl`), with the built-in step types. With
 * `credentials: true` it also gets a credential store (random key) that steps read secrets from;
 * `patrolSettings` replaces the global Patrol config the report step reads (reports, smtp, alerting).
 */
export async function createHarness(opts: { registry?: StepTypeRegistry; settings?: EngineSettings; concurrency?: number; dbFile?: string; dbUrl?: string; credentials?: boolean; patrolSettings?: () => Promise<PatrolSettings>; remediationLink?: RemediationLink } = {}): Promise<Harness> {
  const dir = mkdtempSync(join(tmpdir(), 'patrol-test-'));
  const store = await openStore({ url: opts.dbUrl ?? opts.dbFile ?? join(dir, 'patrol.db') });
  const registry = opts.registry ?? builtinRegistry({ paths: patrolPaths({ ...process.env, PATROL_HOME: dir }), store, findingHistory: storeFindingHistory(store), ...(opts.patrolSettings ? { patrolSettings: opts.patrolSettings } : {}), ...(opts.remediationLink ? { remediationLink: opts.remediationLink } : {}) });
  const credentials = opts.credentials ? new CredentialService(store, parseKey(randomBytes(32).toString('base64'), 'test key')) : undefined;
  const engine = new Engine({
    store,
    registry,
    ...(credentials ? { secrets: { reveal: (name: string) => credentials.reveal(name), secretValues } } : {}),
    workRoot: join(dir, 'work'),
    waitResolvers: [approvalWaitResolver],
    dispatcher: new InProcessDispatcher({ concurrency: opts.concurrency ?? 8 }),
    settings: { heartbeatIntervalMs: 200, ...opts.settings },
  }).start();
  return {
    dir,
    store,
    engine,
    registry,
    credentials,
    workflow(text) {
      const res = validateWorkflowValue(parse(text), registry);
      if (!res.workflow) throw new Error(res.issues.map(formatIssue).join('\n'));
      return res.workflow;
    },
    async close() {
      await engine.stop();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Resolves once the step reaches `status` (checks the store, so events already emitted count). */
export async function waitForStep(engine: Engine, runId: string, step: string, status: string, timeoutMs = 10000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const row = await engine.store.runs.getStep(runId, step);
    if (row?.status === status) return;
    if (Date.now() > deadline) throw new Error(`step ${step} of run ${runId} did not reach ${status} (is ${row?.status})`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
