import { compileHttpRequest } from '../../../http/compile-http-request.js';
import { parseDuration } from '../../../util/duration.js';
import { evaluateExpectations } from '../../../http/http-expectations.js';
import type { HttpStepInput } from '../../../http/http-step-input.js';
import { loadCaCert } from '../../../http/load-ca-cert.js';
import { authorizationHeader } from '../../../http/authorization-header.js';
import { parseJsonBody, type ResponseBody } from '../../../http/response-body.js';
import { sendHttpRequest, type HttpExchange } from '../../../http/send-http-request.js';
import type { CertificateInfo } from '../../../http/certificate-info.js';
import { errorParts } from '../../../http/request-failure.js';
import type { StepContext } from '../../../steps/step-type.js';
import type { SectionEnvelope } from '../../measurement.js';
import type { ApplicationTarget, HealthEndpoint } from './app-targets.js';
import type { HealthSection, PoolsSection, TlsSection } from './app-sections.js';
import { formatSeries, parsePrometheusText, parseSelector, selectorMatches, type PromSample } from './prometheus-text.js';

/** Connection settings of one request (a health endpoint, the metrics page, a TLS URL). */
interface ClientSettings {
  timeout?: string | number | undefined;
  caCert?: string | undefined;
  insecureSkipVerify?: boolean | undefined;
  credential?: string | undefined;
  headers?: Record<string, string> | undefined;
}

export const USER_AGENT = 'patrol-inspect';
const METRICS_MAX_BYTES = 16 * 1024 * 1024;
const HEALTH_BODY_BYTES = 256 * 1024;

type Outcome = { ok: true; ex: HttpExchange; timeoutMs: number } | { ok: false; error: string; code: string; timeoutMs: number };

/**
 * Requests run from the Patrol host for one inspection: shared CA files and credentials are
 * loaded once, requests run at most `concurrency` at a time, and every one honours ctx.signal
 * (cancel, step timeout) besides its own timeout.
 */
export class AppProbes {
  private readonly cas = new Map<string, Promise<string>>();
  private running = 0;
  private readonly queue: (() => void)[] = [];
  /** Certificates seen on successful exchanges, by origin (https://host:port). */
  readonly certificates = new Map<string, CertificateInfo>();

  constructor(
    private readonly ctx: StepContext,
    private readonly concurrency = 8,
  ) {}

  private async slot<T>(fn: () => Promise<T>): Promise<T> {
    if (this.running >= this.concurrency) await new Promise<void>((r) => this.queue.push(r));
    this.running++;
    try {
      return await fn();
    } finally {
      this.running--;
      this.queue.shift()?.();
    }
  }

  private ca(value: string, field: string): Promise<string> {
    let p = this.cas.get(value);
    if (!p) {
      p = loadCaCert(value, field);
      this.cas.set(value, p);
    }
    return p;
  }

  /** One exchange; failures (refused, timeout, TLS, bad CA file, unknown credential) are returned, not thrown. */
  async request(url: string, s: ClientSettings, extra: Partial<HttpStepInput>, field: string): Promise<Outcome> {
    const input: HttpStepInput = {
      url,
      headers: { 'user-agent': USER_AGENT, ...(s.headers ?? {}) },
      ...(s.timeout !== undefined ? { timeout: s.timeout } : {}),
      ...(s.insecureSkipVerify !== undefined ? { insecureSkipVerify: s.insecureSkipVerify } : {}),
      ...extra,
    };
    const plan = compileHttpRequest(input);
    return this.slot(async () => {
      try {
        if (s.credential !== undefined) {
          plan.headers.authorization = authorizationHeader(await this.ctx.secrets.get(s.credential));
          this.ctx.secrets.mask(plan.headers.authorization);
        }
        const ca = s.caCert !== undefined ? await this.ca(s.caCert, `${field}.caCert`) : undefined;
        const ex = await sendHttpRequest(plan, { ...(ca !== undefined ? { ca } : {}), signal: this.ctx.signal });
        if (ex.certificate) this.certificates.set(ex.url.origin, ex.certificate);
        return { ok: true as const, ex, timeoutMs: plan.timeoutMs };
      } catch (err) {
        // Stopped by the engine (cancel, step timeout): not a finding, the run ends.
        if (this.ctx.signal.aborted) throw err;
        const { message, code } = errorParts(err);
        return { ok: false as const, error: message, code: code ?? 'error', timeoutMs: plan.timeoutMs };
      }
    });
  }

  async health(app: ApplicationTarget): Promise<SectionEnvelope> {
    const started = Date.now();
    const endpoints = await Promise.all(app.health.map((e, i) => this.healthEndpoint(e, `applications.${app.name}.health[${i}]`)));
    const data: HealthSection = { endpoints };
    const raw = endpoints.map((e) => `GET ${e.url} -> ${e.responded ? `${e.status} in ${e.latencyMs} ms` : e.error}${e.bodyExcerpt ? `  ${e.bodyExcerpt.slice(0, 200)}` : ''}`).join('\n');
    return { ok: true, data, command: app.health.map((e) => `curl -sS -o - -w '%{http_code} %{time_starttransfer}s\\n' ${e.url}`).join('\n'), raw, durationMs: Date.now() - started };
  }

  private async healthEndpoint(e: HealthEndpoint, field: string): Promise<HealthSection['endpoints'][number]> {
    const expectStatus = e.expectStatus ?? ['2xx'];
    const out = await this.request(e.url, e, { maxBodyBytes: HEALTH_BODY_BYTES, ...(e.followRedirects !== undefined ? { followRedirects: e.followRedirects } : {}), expect: { status: expectStatus, body: e.body ?? [] } }, field);
    const maxLatencyMs = e.maxLatency !== undefined ? parseDuration(e.maxLatency, `${field}.maxLatency`) : null;
    const base = { url: e.url, expectStatus, timeoutMs: out.timeoutMs, maxLatencyMs, bodyChecks: e.body?.length ?? 0 };
    if (!out.ok) return { ...base, responded: false, status: null, latencyMs: null, error: out.error, errorCode: out.code, body: [], bodyExcerpt: '', redirects: [] };
    const { ex } = out;
    const text = ex.body.kept.toString('utf8');
    const body: ResponseBody = { text, totalBytes: ex.body.totalBytes, truncated: ex.body.truncated, json: parseJsonBody(text, ex.body.truncated, HEALTH_BODY_BYTES) };
    const plan = compileHttpRequest({ url: e.url, expect: { status: expectStatus, body: e.body ?? [] } });
    const results = evaluateExpectations(plan.expect, { status: ex.status, latencyMs: ex.latencyMs, body, certificate: ex.certificate });
    return {
      ...base,
      responded: true,
      status: ex.status,
      latencyMs: ex.latencyMs,
      error: null,
      errorCode: null,
      body: results.filter((r) => r.assertion !== 'status').map((r) => ({ assertion: r.assertion, passed: r.passed, expected: r.expected, actual: r.actual, ...(r.detail !== undefined ? { detail: r.detail } : {}) })),
      bodyExcerpt: text.slice(0, 500),
      redirects: ex.redirects,
    };
  }

  /**
   * Certificates of every https origin of the application. Origins already answered over a
   * verified connection reuse that certificate; the others (a failed handshake, e.g. an expired
   * certificate, or URLs only listed under `tls`) get a HEAD request that accepts any
   * certificate, so an expired or untrusted one is still read and reported.
   */
  async tls(app: ApplicationTarget): Promise<SectionEnvelope> {
    const started = Date.now();
    const byOrigin = new Map<string, { url: string; settings: ClientSettings; urls: string[] }>();
    const add = (url: string, settings: ClientSettings) => {
      const u = new URL(url);
      if (u.protocol !== 'https:') return;
      const origin = `https://${u.hostname.includes(':') && !u.hostname.startsWith('[') ? `[${u.hostname}]` : u.hostname}:${u.port || '443'}`;
      const entry = byOrigin.get(origin);
      if (entry) entry.urls.push(url);
      else byOrigin.set(origin, { url, settings, urls: [url] });
    };
    for (const e of app.health) add(e.url, e);
    if (app.metrics) add(app.metrics.url, app.metrics);
    for (const t of app.tls) add(t.url, t);
    const certificates = await Promise.all(
      [...byOrigin.entries()].map(async ([origin, { url, settings, urls }], i): Promise<TlsSection['certificates'][number]> => {
        const seen = this.certificates.get(new URL(url).origin);
        if (seen) return { origin, urls, certificate: pickCertificate(seen), error: null };
        const out = await this.request(url, { ...settings, insecureSkipVerify: true }, { method: 'HEAD', followRedirects: false, maxBodyBytes: 0 }, `applications.${app.name}.tls[${i}]`);
        if (!out.ok) return { origin, urls, certificate: null, error: out.error };
        if (!out.ex.certificate) return { origin, urls, certificate: null, error: `${origin} sent no certificate` };
        return { origin, urls, certificate: pickCertificate(out.ex.certificate), error: null };
      }),
    );
    const data: TlsSection = { certificates };
    const raw = certificates.map((c) => `${c.origin}: ${c.certificate ? `subject=${c.certificate.subject ?? '-'} issuer=${c.certificate.issuer} notAfter=${c.certificate.validTo} verified=${c.certificate.authorized}${c.certificate.authorizationError ? ` (${c.certificate.authorizationError})` : ''}` : c.error}`).join('\n');
    return { ok: true, data, command: certificates.map((c) => `openssl s_client -connect ${c.origin.replace('https://', '')} -servername ${new URL(c.origin).hostname} </dev/null | openssl x509 -noout -subject -issuer -enddate`).join('\n'), raw, durationMs: Date.now() - started };
  }

  /** Reads the metrics page once and resolves every pool's series; a failed page makes every pool an error. */
  async pools(app: ApplicationTarget): Promise<SectionEnvelope> {
    const started = Date.now();
    const m = app.metrics;
    if (!m) return { ok: true, data: { url: null, parseErrors: 0, pools: [] } satisfies PoolsSection, durationMs: 0 };
    const out = await this.request(m.url, m, { maxBodyBytes: METRICS_MAX_BYTES, expect: { status: ['2xx'] } }, `applications.${app.name}.metrics`);
    const command = `curl -sS ${m.url}`;
    let failure: string | undefined;
    if (!out.ok) failure = `metrics endpoint ${m.url}: ${out.error}`;
    else if (out.ex.status < 200 || out.ex.status > 299) failure = `metrics endpoint ${m.url} answered ${out.ex.status}`;
    else if (out.ex.body.truncated) failure = `metrics page ${m.url} is larger than ${METRICS_MAX_BYTES} bytes`;
    if (failure !== undefined || !out.ok) {
      const pools = m.pools.map((p) => ({ name: p.name, error: failure ?? 'no response', active: null, max: null, pending: null, pendingConfigured: p.pending !== undefined, series: { active: null, max: null, pending: null } }));
      return { ok: true, data: { url: m.url, parseErrors: 0, pools } satisfies PoolsSection, command, raw: failure ?? '', durationMs: Date.now() - started };
    }
    const text = out.ex.body.kept.toString('utf8');
    const parsed = parsePrometheusText(text);
    const pools = m.pools.map((p) => resolvePool(p, parsed.samples));
    // Evidence: the page's lines of the metrics the pools name (HELP/TYPE included).
    const names = new Set(m.pools.flatMap((p) => [p.active, p.max, p.pending].filter((x): x is string => typeof x === 'string').map((x) => parseSelector(x).name)));
    const rawLines = text.split('\n').filter((l) => [...names].some((n) => l.startsWith(n) || l.startsWith(`# HELP ${n} `) || l.startsWith(`# TYPE ${n} `)));
    const raw = [`GET ${m.url} -> ${out.ex.status}, ${parsed.samples.length} samples${parsed.errors.length ? `, ${parsed.errors.length} lines skipped (first: line ${parsed.errors[0]!.line}: ${parsed.errors[0]!.message})` : ''}`, ...rawLines.slice(0, 40)].join('\n');
    return { ok: true, data: { url: m.url, parseErrors: parsed.errors.length, pools } satisfies PoolsSection, command, raw, durationMs: Date.now() - started };
  }
}

function pickCertificate(c: CertificateInfo) {
  return { subject: c.subject, issuer: c.issuer, subjectAltNames: c.subjectAltNames, validFrom: c.validFrom, validTo: c.validTo, fingerprint256: c.fingerprint256, authorized: c.authorized, authorizationError: c.authorizationError };
}

type Resolved = { value: number; series: string } | { error: string };

/** The one sample a selector names; none or several is an error that lists what the page has. */
export function resolveSeries(selector: string, samples: readonly PromSample[], what: string): Resolved {
  const sel = parseSelector(selector);
  const found = samples.filter((s) => selectorMatches(sel, s));
  if (found.length === 0) {
    const sameName = samples.filter((s) => s.name === sel.name).map(formatSeries);
    const hint = sameName.length > 0 ? `; series of ${sel.name}: ${sameName.slice(0, 5).join(', ')}${sameName.length > 5 ? ` and ${sameName.length - 5} more` : ''}` : `; the page has no ${sel.name} at all`;
    return { error: `${what}: no series matches ${selector}${hint}` };
  }
  if (found.length > 1) return { error: `${what}: ${selector} matches ${found.length} series (${found.slice(0, 5).map(formatSeries).join(', ')}); add labels to select one` };
  const s = found[0]!;
  if (!Number.isFinite(s.value)) return { error: `${what}: ${formatSeries(s)} is ${s.value}` };
  return { value: s.value, series: formatSeries(s) };
}

export function resolvePool(p: { name: string; active: string; max: string | number; pending?: string | undefined }, samples: readonly PromSample[]): PoolsSection['pools'][number] {
  const active = resolveSeries(p.active, samples, 'active');
  const max: Resolved = typeof p.max === 'number' ? { value: p.max, series: `${p.max} (configured)` } : resolveSeries(p.max, samples, 'max');
  const pending: Resolved | undefined = p.pending !== undefined ? resolveSeries(p.pending, samples, 'pending') : undefined;
  const errors = [active, max, ...(pending ? [pending] : [])].filter((r): r is { error: string } => 'error' in r).map((r) => r.error);
  if ('value' in max && max.value <= 0) errors.push(`max: ${max.series} is ${max.value}; a pool maximum must be positive`);
  const val = (r: Resolved | undefined) => (r && 'value' in r ? r.value : null);
  const ser = (r: Resolved | undefined) => (r && 'series' in r ? r.series : null);
  return {
    name: p.name,
    error: errors.length > 0 ? errors.join('; ') : null,
    active: val(active),
    max: val(max),
    pending: val(pending),
    pendingConfigured: p.pending !== undefined,
    series: { active: ser(active), max: ser(max), pending: ser(pending) },
  };
}
