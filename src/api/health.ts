/** One readiness check: resolves when the dependency works, throws (with a reason) when not. */
export type ReadinessCheck = (signal: AbortSignal) => Promise<void>;

export interface ReadinessResult {
  ready: boolean;
  checks: Record<string, { ok: boolean; ms: number; error?: string }>;
}

/**
 * Readiness checks of the server (/readyz): the store by default; the composition root adds more
 * (Redis, the scheduler, ...). Liveness (/healthz) only says the process answers.
 */
export class HealthChecks {
  private readonly checks = new Map<string, ReadinessCheck>();

  constructor(private readonly timeoutMs = 2000) {}

  addReadinessCheck(name: string, check: ReadinessCheck): this {
    this.checks.set(name, check);
    return this;
  }

  names(): string[] {
    return [...this.checks.keys()];
  }

  /**
   * Runs every check but those named in `exclude` (like kube-apiserver's /readyz?exclude=etcd: a
   * Kubernetes readiness probe leaves out what must not take every replica out of its Service).
   */
  async run(exclude: readonly string[] = []): Promise<ReadinessResult> {
    const out: ReadinessResult = { ready: true, checks: {} };
    await Promise.all(
      [...this.checks].filter(([name]) => !exclude.includes(name)).map(async ([name, check]) => {
        const started = performance.now();
        const ctl = new AbortController();
        const timer = setTimeout(() => ctl.abort(), this.timeoutMs);
        try {
          await Promise.race([
            check(ctl.signal),
            new Promise<never>((_, reject) => ctl.signal.addEventListener('abort', () => reject(new Error(`no answer within ${this.timeoutMs} ms`)), { once: true })),
          ]);
          out.checks[name] = { ok: true, ms: Math.round(performance.now() - started) };
        } catch (err) {
          out.ready = false;
          out.checks[name] = { ok: false, ms: Math.round(performance.now() - started), error: err instanceof Error ? err.message.slice(0, 200) : 'failed' };
        } finally {
          clearTimeout(timer);
        }
      }),
    );
    return out;
  }
}
