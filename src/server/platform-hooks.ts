import type express from 'express';
import type { Runtime } from '../runtime/open-runtime.js';
import type { Logger } from '../logging/logger.js';
import type { ServerHooks } from './start-server.js';
import { PatrolMetrics } from '../metrics/patrol-metrics.js';
import { Scheduler } from '../scheduler/scheduler.js';
import type { WorkflowResolver } from '../scheduler/workflow-resolver.js';
import { Reconciler } from '../engine/reconciler.js';
import type { BullMqDispatcher } from '../queue/bullmq-dispatcher.js';
import { NotFoundError } from '../errors/index.js';
import { newId } from '../util/ids.js';
import { sql } from 'kysely';

export interface PlatformOptions {
  runtime: Runtime;
  logger: Logger;
  env: NodeJS.ProcessEnv;
  /** REDIS_URL is set: BullMQ dispatch, reconciler, worker readiness. */
  distributed: boolean;
  /** Run the scheduler in this server. @defaultValue true */
  scheduler?: boolean;
}

const HEALTH_SCHEDULE = { namespace: 'patrol-system', name: 'patrol-health', cron: '*/5 * * * *' };

/**
 * What `patrol serve` adds around the API: /metrics, readiness of the database (and Redis and
 * workers in the distributed mode), the scheduler (exactly once across servers), the reconciler
 * of the distributed mode, and Patrol's checks of itself on a built-in schedule.
 */
export function platformHooks(opts: PlatformOptions): ServerHooks & { metrics: PatrolMetrics } {
  const { runtime, logger, env } = opts;
  const { store, engine } = runtime;
  const metrics = new PatrolMetrics();
  const stopObserving = metrics.observeEngine(engine.events);
  let scheduler: Scheduler | undefined;
  let reconciler: Reconciler | undefined;
  const metricsToken = env.PATROL_METRICS_TOKEN;

  return {
    metrics,
    mount(app: express.Express, parts) {
      app.use((req, res, next) => {
        const start = process.hrtime.bigint();
        res.on('finish', () => {
          // The route pattern, never the path: ids in paths would make labels unbounded.
          const route = req.route?.path ? `${req.baseUrl}${String(req.route.path)}` : 'unmatched';
          metrics.httpDuration.observe({ method: req.method, route, status: `${Math.floor(res.statusCode / 100)}xx` }, Number(process.hrtime.bigint() - start) / 1e9);
        });
        next();
      });
      app.get('/metrics', async (req, res) => {
        if (metricsToken && req.headers.authorization !== `Bearer ${metricsToken}`) {
          res.status(401).json({ error: { code: 'unauthenticated', message: 'GET /metrics needs Authorization: Bearer $PATROL_METRICS_TOKEN' } });
          return;
        }
        res.setHeader('content-type', metrics.contentType);
        res.send(await metrics.text());
      });
      parts.health.addReadinessCheck('database', async () => {
        await sql`select 1`.execute(store.db);
      });
      if (opts.distributed) {
        const dispatcher = engine.dispatcher as BullMqDispatcher;
        parts.health.addReadinessCheck('redis', async () => {
          if (!(await dispatcher.ping())) throw new Error('Redis does not answer PING');
        });
        parts.health.addReadinessCheck('workers', async () => {
          const live = (await store.workers.live(Date.now() - 30_000)).filter((w) => w.role === 'worker');
          if (live.length === 0) throw new Error('no worker has sent a heartbeat in the last 30 s');
        });
      }
    },
    async started(server) {
      const workflows: WorkflowResolver = {
        async resolve(namespace, name, version) {
          try {
            return (await server.workflows.get(namespace, name, version ?? undefined)).definition;
          } catch (err) {
            if (err instanceof NotFoundError && namespace !== 'default') return (await server.workflows.get('default', name, version ?? undefined)).definition;
            throw err;
          }
        },
      };
      metrics.bindSources({
        queueDepth: () => engine.dispatcher.depth(),
        stepsRunning: () => engine.runningCount(),
        workers: async () => (await store.workers.live(Date.now() - 30_000)).map((w) => ({ role: w.role, heartbeatAt: w.heartbeatAt })),
        scheduler: () => (scheduler ? { lastTickAt: scheduler.lastTickAt, ...latestLag(scheduler) } : undefined),
      });
      if (opts.scheduler !== false) {
        await ensureHealthSchedule(runtime, opts.distributed);
        scheduler = new Scheduler({
          store,
          engine,
          workflows,
          logger,
          selfId: engine.ownerId,
          onFiring: (r) => {
            metrics.scheduleFirings.inc({ outcome: r.outcome });
            // Every run is audited, scheduled ones included.
            if (r.outcome === 'fired' || r.outcome === 'failed') {
              void server.audit
                .record({ actor: 'system', actorKind: 'system', action: 'runs.trigger', resourceType: 'run', resourceId: r.runId ?? null, outcome: r.outcome === 'fired' ? 'success' : 'failure', details: { schedule: r.scheduleId, dueAt: new Date(r.dueAt).toISOString(), lagMs: r.lagMs ?? null, ...(r.error ? { error: r.error } : {}) } })
                .catch((err: unknown) => logger.warn({ err }, 'could not audit a scheduled run'));
            }
          },
        }).start();
        // A created or edited schedule gets its next due time at once, not at the next tick.
        server.schedules.onChange(() => scheduler?.wake());
      }
      if (opts.distributed) {
        reconciler = new Reconciler({ store, engine, dispatcher: engine.dispatcher as BullMqDispatcher, logger, selfId: engine.ownerId }).start();
      }
    },
    async stopping() {
      scheduler?.stop();
      reconciler?.stop();
      stopObserving();
    },
  };
}

function latestLag(s: Scheduler): { lagMs?: number } {
  const lags = [...s.lag.values()];
  return lags.length ? { lagMs: lags[lags.length - 1]! } : {};
}

/** The internal schedule of Patrol's self-checks (created once; users may pause it). */
async function ensureHealthSchedule(runtime: Runtime, distributed: boolean): Promise<void> {
  const { store } = runtime;
  if (await store.schedules.byName(HEALTH_SCHEDULE.namespace, HEALTH_SCHEDULE.name)) return;
  const now = Date.now();
  try {
    await store.schedules.insert({
      id: newId(),
      namespace: HEALTH_SCHEDULE.namespace,
      name: HEALTH_SCHEDULE.name,
      workflow: 'patrol-health',
      workflowVersion: null,
      cron: HEALTH_SCHEDULE.cron,
      timezone: 'UTC',
      params: { distributed },
      enabled: true,
      description: "Patrol's checks of itself (queue backlog, live workers, schedules firing)",
      createdBy: 'system',
      createdAt: now,
      updatedAt: now,
      nextRunAt: null,
      lastRunAt: null,
      lastRunId: null,
    });
    await store.db.updateTable('schedules').set({ misfire: 'skip', overlap: 'skip', inspection: 'patrol-health' }).where('namespace', '=', HEALTH_SCHEDULE.namespace).where('name', '=', HEALTH_SCHEDULE.name).execute();
  } catch {
    // Another server created it at the same moment (unique name): fine.
  }
}
