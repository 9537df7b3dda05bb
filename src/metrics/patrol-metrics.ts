import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { RunEvents } from '../engine/run-events.js';

const DURATION_BUCKETS = [0.05, 0.25, 1, 5, 15, 60, 300, 900, 3600, 14_400];
const WAIT_BUCKETS = [0.001, 0.005, 0.02, 0.1, 0.5, 2, 10, 60, 300];

/**
 * Patrol's Prometheus metrics, in their own registry (no global state). Every metric has the
 * `patrol_` prefix, a unit suffix and only bounded labels: run status, step type, step status,
 * HTTP method/route pattern/status class, channel type — never run ids, hosts or user names.
 * Each process (server, worker) exposes what it did; Prometheus sums them.
 */
export class PatrolMetrics {
  readonly registry = new Registry();
  readonly runsFinished: Counter<'status'>;
  readonly runDuration: Histogram<'status'>;
  readonly stepsFinished: Counter<'type' | 'status'>;
  readonly stepDuration: Histogram<'type' | 'status'>;
  readonly queueWait: Histogram<'type'>;
  readonly queueDepth: Gauge;
  readonly workers: Gauge<'role'>;
  readonly workerHeartbeatAge: Gauge;
  readonly stepsRunning: Gauge;
  readonly schedulerLag: Gauge;
  readonly schedulerLastTick: Gauge;
  readonly scheduleFirings: Counter<'outcome'>;
  readonly notifications: Counter<'channel' | 'outcome'>;
  readonly httpDuration: Histogram<'method' | 'route' | 'status'>;

  constructor(opts: { defaultMetrics?: boolean } = {}) {
    const r = [this.registry];
    this.runsFinished = new Counter({ name: 'patrol_runs_finished_total', help: 'Runs that reached a final state.', labelNames: ['status'], registers: r });
    this.runDuration = new Histogram({ name: 'patrol_run_duration_seconds', help: 'Run duration from start to its final state.', labelNames: ['status'], buckets: DURATION_BUCKETS, registers: r });
    this.stepsFinished = new Counter({ name: 'patrol_step_attempts_finished_total', help: 'Step attempts that ended, by step type and how they ended.', labelNames: ['type', 'status'], registers: r });
    this.stepDuration = new Histogram({ name: 'patrol_step_attempt_duration_seconds', help: 'Step attempt duration.', labelNames: ['type', 'status'], buckets: DURATION_BUCKETS, registers: r });
    this.queueWait = new Histogram({ name: 'patrol_queue_wait_seconds', help: 'Time a step attempt waited between being queued and starting.', labelNames: ['type'], buckets: WAIT_BUCKETS, registers: r });
    this.queueDepth = new Gauge({ name: 'patrol_queue_depth', help: 'Engine tasks waiting in the queue.', registers: r });
    this.workers = new Gauge({ name: 'patrol_workers', help: 'Live servers and workers (heartbeat within the lease).', labelNames: ['role'], registers: r });
    this.workerHeartbeatAge = new Gauge({ name: 'patrol_worker_heartbeat_age_max_seconds', help: 'Age of the oldest heartbeat among live workers.', registers: r });
    this.stepsRunning = new Gauge({ name: 'patrol_step_attempts_running', help: 'Step attempts running in this process.', registers: r });
    this.schedulerLag = new Gauge({ name: 'patrol_scheduler_lag_seconds', help: 'Delay between a schedule\'s due time and its firing (latest firing).', registers: r });
    this.schedulerLastTick = new Gauge({ name: 'patrol_scheduler_last_tick_timestamp_seconds', help: 'When this process\'s scheduler last looked for due schedules.', registers: r });
    this.scheduleFirings = new Counter({ name: 'patrol_schedule_firings_total', help: 'Schedule due times handled by this process.', labelNames: ['outcome'], registers: r });
    this.notifications = new Counter({ name: 'patrol_notifications_total', help: 'Alert and report notifications, by channel type and outcome (sent, failed).', labelNames: ['channel', 'outcome'], registers: r });
    this.httpDuration = new Histogram({ name: 'patrol_http_request_duration_seconds', help: 'API and console request duration by route pattern.', labelNames: ['method', 'route', 'status'], buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5], registers: r });
    if (opts.defaultMetrics !== false) {
      collectDefaultMetrics({ register: this.registry, prefix: 'patrol_process_' });
      // prom-client names these gauges *_total, which Prometheus reserves for counters (promtool flags them).
      for (const n of ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total']) this.registry.removeSingleMetric(`patrol_process_${n}`);
    }
  }

  /** Records runs and step attempts from the engine's event stream of this process. */
  observeEngine(events: RunEvents): () => void {
    const onRun = (e: { status: string; at: number; startedAt?: number | null }) => {
      if (!['succeeded', 'failed', 'cancelled', 'timed-out'].includes(e.status)) return;
      this.runsFinished.inc({ status: e.status });
      if (e.startedAt) this.runDuration.observe({ status: e.status }, Math.max(0, (e.at - e.startedAt) / 1000));
    };
    const onStep = (e: { status: string; at: number; type?: string; queuedAt?: number; startedAt?: number; attemptStatus?: string }) => {
      if (!e.type) return;
      if (e.status === 'running' && e.queuedAt !== undefined) this.queueWait.observe({ type: e.type }, Math.max(0, (e.at - e.queuedAt) / 1000));
      if (e.attemptStatus && e.startedAt !== undefined) {
        this.stepsFinished.inc({ type: e.type, status: e.attemptStatus });
        this.stepDuration.observe({ type: e.type, status: e.attemptStatus }, Math.max(0, (e.at - e.startedAt) / 1000));
      }
    };
    events.on('run', onRun);
    events.on('step', onStep);
    return () => {
      events.off('run', onRun);
      events.off('step', onStep);
    };
  }

  /** Gauges read at scrape time from the live process. */
  bindSources(src: {
    queueDepth?: () => number;
    stepsRunning?: () => number;
    workers?: () => Promise<{ role: string; heartbeatAt: number }[]>;
    scheduler?: () => { lastTickAt: number; lagMs?: number } | undefined;
  }): void {
    const self = this;
    if (src.queueDepth) (this.queueDepth as unknown as { collect: () => void }).collect = () => self.queueDepth.set(src.queueDepth!());
    if (src.stepsRunning) (this.stepsRunning as unknown as { collect: () => void }).collect = () => self.stepsRunning.set(src.stepsRunning!());
    if (src.workers) {
      (this.workers as unknown as { collect: () => Promise<void> }).collect = async () => {
        const list = await src.workers!();
        self.workers.reset();
        for (const role of ['server', 'worker']) self.workers.set({ role }, list.filter((w) => w.role === role).length);
        const now = Date.now();
        self.workerHeartbeatAge.set(list.length ? Math.max(...list.map((w) => (now - w.heartbeatAt) / 1000)) : 0);
      };
    }
    if (src.scheduler) {
      (this.schedulerLastTick as unknown as { collect: () => void }).collect = () => {
        const st = src.scheduler!();
        if (!st) return;
        self.schedulerLastTick.set(st.lastTickAt / 1000);
        if (st.lagMs !== undefined) self.schedulerLag.set(st.lagMs / 1000);
      };
    }
  }

  /** Prometheus text exposition. */
  async text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
