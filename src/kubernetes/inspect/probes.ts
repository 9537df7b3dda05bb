import { isIP } from 'node:net';
import tls from 'node:tls';
import type { KubeApiClient } from '../client/api-client.js';
import { describeApiError, KubeApiError } from '../client/api-error.js';

export interface VersionInfo {
  major?: string;
  minor?: string;
  gitVersion: string;
  platform?: string;
  goVersion?: string;
}

export interface HealthCheckLine {
  name: string;
  ok: boolean;
  /** "reason withheld" or the failure text, for failed checks. */
  reason?: string;
  excluded?: boolean;
}

export interface HealthResult {
  status: number;
  checks: HealthCheckLine[];
  /** The endpoint's body, capped (evidence). */
  raw: string;
}

export interface ServingCert {
  subject: string;
  issuer: string;
  subjectAltName?: string;
  validFrom: string;
  validTo: string;
  notAfter: number;
  fingerprint256: string;
  /** Verified against the kubeconfig's CA. */
  trusted: boolean;
  trustError?: string;
}

/** What the inspection learns before listing anything; each part may fail on its own. */
export interface ProbeResults {
  version?: VersionInfo;
  versionError?: KubeApiError;
  /** Round trip of /version. */
  latencyMs?: number;
  readyz?: HealthResult;
  readyzError?: string;
  livez?: HealthResult;
  livezError?: string;
  tls?: ServingCert;
  tlsError?: string;
}

/** Parses `/readyz?verbose` / `/livez?verbose`: `[+]etcd ok`, `[-]etcd failed: reason withheld`, `[+]x excluded: ok`. */
export function parseHealth(text: string): HealthCheckLine[] {
  const out: HealthCheckLine[] = [];
  for (const line of text.split('\n')) {
    const m = /^\[([+-])\](\S+)\s+(.*)$/.exec(line.trim());
    if (!m) continue;
    const ok = m[1] === '+';
    const rest = m[3]!;
    out.push({ name: m[2]!, ok, ...(ok ? {} : { reason: rest.replace(/^failed:\s*/, '') }), ...(/^excluded/.test(rest) ? { excluded: true } : {}) });
  }
  return out;
}

async function health(client: KubeApiClient, path: '/readyz' | '/livez'): Promise<HealthResult> {
  // kube-apiserver answers a failing health check with HTTP 500 and the verdicts: not a retry case.
  const res = await client.getText(path, { verbose: '1' }, { answers: [500] });
  if (res.status === 401 || res.status === 403) {
    throw new KubeApiError(res.status === 401 ? 'unauthorized' : 'forbidden', `${path}: HTTP ${res.status}: ${res.text.slice(0, 300)}`, { status: res.status, path });
  }
  const checks = parseHealth(res.text);
  if (checks.length === 0 && res.status !== 200) throw new KubeApiError('http', `${path}: HTTP ${res.status}: ${res.text.slice(0, 300)}`, { status: res.status, path });
  return { status: res.status, checks, raw: res.text.slice(0, 8192) };
}

/** The API server's serving certificate, read in a TLS handshake (no request is sent). */
export function servingCertificate(client: KubeApiClient, timeoutMs: number): Promise<ServingCert> {
  const url = client.server;
  if (url.protocol !== 'https:') return Promise.reject(new Error(`the API server is plain HTTP (${url.origin}): no certificate`));
  const cluster = client.conn.kc.getCurrentCluster();
  if (cluster?.proxyUrl) return Promise.reject(new Error(`not measured: the API server is reached through the proxy ${cluster.proxyUrl}`));
  const o = client.tlsOptions();
  const host = url.hostname.replace(/^\[|\]$/g, '');
  return new Promise<ServingCert>((resolve, reject) => {
    const servername = o.servername ?? (isIP(host) ? undefined : host);
    const socket = tls.connect({ host, port: Number(url.port || 443), ...(servername ? { servername } : {}), ...(o.ca ? { ca: o.ca } : {}), rejectUnauthorized: false, ALPNProtocols: ['http/1.1'] });
    const timer = setTimeout(() => socket.destroy(new Error(`TLS handshake with ${url.host} took longer than ${Math.round(timeoutMs / 1000)} s`)), timeoutMs);
    socket.once('secureConnect', () => {
      clearTimeout(timer);
      const x = socket.getPeerX509Certificate();
      const authorized = socket.authorized;
      const err = socket.authorizationError;
      socket.end();
      if (!x) return reject(new Error('the API server presented no certificate'));
      resolve({
        subject: x.subject.replace(/\n/g, ', '),
        issuer: x.issuer.replace(/\n/g, ', '),
        ...(x.subjectAltName ? { subjectAltName: x.subjectAltName } : {}),
        validFrom: x.validFrom,
        validTo: x.validTo,
        notAfter: Date.parse(x.validTo),
        fingerprint256: x.fingerprint256,
        trusted: authorized,
        ...(err ? { trustError: String(err) } : {}),
      });
    });
    socket.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
  });
}

/** Runs the probes in parallel; none of them throws. */
export async function runProbes(client: KubeApiClient, timeoutMs: number): Promise<ProbeResults> {
  const out: ProbeResults = {};
  const started = Date.now();
  await Promise.all([
    client
      .getJson<VersionInfo>('/version')
      .then((v) => {
        out.version = v;
        out.latencyMs = Date.now() - started;
      })
      .catch((e: unknown) => {
        out.versionError = e instanceof KubeApiError ? e : new KubeApiError('unreachable', describeApiError(e));
      }),
    health(client, '/readyz')
      .then((h) => (out.readyz = h))
      .catch((e: unknown) => (out.readyzError = describeApiError(e))),
    health(client, '/livez')
      .then((h) => (out.livez = h))
      .catch((e: unknown) => (out.livezError = describeApiError(e))),
    servingCertificate(client, timeoutMs)
      .then((c) => (out.tls = c))
      .catch((e: unknown) => (out.tlsError = e instanceof Error ? e.message : String(e))),
  ]);
  return out;
}
