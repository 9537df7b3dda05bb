import type { Logger } from '../logging/logger.js';
import { createLogger } from '../logging/logger.js';
import { patrolPaths, type PatrolPaths } from '../config/paths.js';
import { openStore } from '../store/open-store.js';
import type { Store } from '../store/store.js';
import { loadSecretKey, type SecretKey } from '../credentials/secret-key.js';
import { CredentialService, secretValues } from '../credentials/credential-service.js';
import { builtinRegistry } from '../steps/builtin/index.js';
import { linkRemediation, type RemediationLink } from '../remediation/remediation-link.js';
import { builtinWorkflowResolver } from '../scheduler/workflow-resolver.js';
import { storeFindingHistory } from '../inspections/history.js';
import { loadPatrolConfig } from '../config/patrol-config.js';
import { approvalWaitResolver } from '../approvals/approval-wait-resolver.js';
import type { StepTypeRegistry } from '../steps/step-type-registry.js';
import { Engine, type EngineSettings } from '../engine/engine.js';
import type { Dispatcher } from '../queue/dispatcher.js';
import { InProcessDispatcher } from '../queue/in-process-dispatcher.js';
import type { EngineDeps } from '../engine/engine.js';
import { InputError } from '../errors/index.js';
import { PATROL_VERSION } from '../config/version.js';

export interface RuntimeOptions {
  env?: NodeJS.ProcessEnv;
  logger?: Logger;
  dispatcher?: Dispatcher;
  settings?: EngineSettings;
  /**
   * Join the distributed mode (needs REDIS_URL; DATABASE_URL should be PostgreSQL): steps travel
   * as BullMQ jobs; `accept` says what this process executes.
   */
  distributed?: { role: 'server' | 'worker'; accept: { stepTypes: string[] | 'all'; advance: boolean }; concurrency?: number };
}

/** Everything a Patrol process needs, wired once (the composition root). */
export interface Runtime {
  paths: PatrolPaths;
  store: Store;
  secretKey: SecretKey;
  credentials: CredentialService;
  registry: StepTypeRegistry;
  engine: Engine;
  logger: Logger;
  close(): Promise<void>;
}

/**
 * Opens the store named by DATABASE_URL (default: SQLite in PATROL_HOME), loads the credentials
 * key, registers the step types and builds the engine. The engine is not started: commands that
 * only read (runs list, logs) never execute steps.
 */
export async function openRuntime(opts: RuntimeOptions = {}): Promise<Runtime> {
  const env = opts.env ?? process.env;
  const paths = patrolPaths(env);
  const logger = opts.logger ?? createLogger();
  const store = await openStore({ url: env.DATABASE_URL ?? `sqlite://${paths.database}` });
  try {
    const secretKey = loadSecretKey({ value: env.PATROL_SECRET_KEY, file: env.PATROL_SECRET_KEY_FILE, generatedFile: paths.secretKey });
    const credentials = new CredentialService(store, secretKey);
    const remediationLink: RemediationLink = {};
    const registry = builtinRegistry({ paths, findingHistory: storeFindingHistory(store), store, patrolSettings: () => loadPatrolConfig(env), remediationLink });
    const concurrency = opts.distributed?.concurrency ?? Number(env.PATROL_CONCURRENCY ?? 16);
    let dispatcher = opts.dispatcher;
    let distributed: Pick<EngineDeps, 'mode' | 'role'> = {};
    if (opts.distributed) {
      if (!env.REDIS_URL) throw new InputError('the distributed mode needs REDIS_URL (redis://host:6379) and a PostgreSQL DATABASE_URL; without them run `patrol serve` alone (embedded mode)', { field: 'REDIS_URL' });
      const stepTypes = opts.distributed.accept.stepTypes === 'all' ? registry.names() : opts.distributed.accept.stepTypes;
      for (const t of stepTypes) if (!registry.has(t)) throw new InputError(`unknown step type "${t}"; known: ${registry.names().join(', ')}`, { field: '--types' });
      // BullMQ and ioredis load only in the distributed mode.
      const { BullMqDispatcher } = await import('../queue/bullmq-dispatcher.js');
      dispatcher ??= new BullMqDispatcher({ redisUrl: env.REDIS_URL, prefix: env.PATROL_QUEUE_PREFIX ?? 'patrol', stepTypes: registry.names(), accept: { stepTypes, advance: opts.distributed.accept.advance }, concurrency, logger });
      distributed = { mode: 'distributed', role: { kind: opts.distributed.role, accepts: { stepTypes, advance: opts.distributed.accept.advance }, concurrency, version: PATROL_VERSION } };
    }
    const engine = new Engine({
      store,
      registry,
      workRoot: paths.work,
      dispatcher: dispatcher ?? new InProcessDispatcher({ concurrency }),
      ...distributed,
      logger,
      secrets: { reveal: (name) => credentials.reveal(name), secretValues },
      waitResolvers: [approvalWaitResolver],
      ...(opts.settings ? { settings: opts.settings } : {}),
    });
    linkRemediation(remediationLink, { store, engine, workflows: builtinWorkflowResolver(paths.workflows, registry) });
    return {
      paths,
      store,
      secretKey,
      credentials,
      registry,
      engine,
      logger,
      async close() {
        await engine.stop();
        await store.close();
      },
    };
  } catch (err) {
    await store.close();
    throw err;
  }
}
