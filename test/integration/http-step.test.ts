import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { execa } from 'execa';
import { createHarness, waitForStep, type Harness } from '../support/engine-harness.js';
import type { HttpStepOutput } from '../../src/http/http-step-output.js';

// Real servers on 127.0.0.1 and real certificates made with the openssl CLI; the step runs
// through the engine, so what is asserted is what a user would see stored.

const LARGE_BODY_BYTES = 20 * 1024 * 1024;

const TOKEN = 'tok-3f9a1c77e2b54d0a';

interface SeenRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
}

let dir: string;
let seen: SeenRequest[] = [];
let closedEarly = 0;
const servers: Server[] = [];
let plain: string;
let tls: { ca: string; valid: string; expired: string; selfSigned: string };
let h: Harness;

const HEALTH = { status: 'ok', version: '1.4.2', checks: [{ name: 'db', state: 'up' }, { name: 'cache', state: 'up' }] };

/** The application under test: one handler behind every server, plain and TLS. */
const app: RequestListener = (req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const url = new URL(req.url ?? '/', 'http://x');
    seen.push({ method: req.method ?? '', path: url.pathname, headers: req.headers, body: Buffer.concat(chunks).toString() });
    route(url, req, res);
  });
};

function route(url: URL, req: IncomingMessage, res: ServerResponse): void {
  const json = (status: number, value: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(value));
  };
  switch (url.pathname) {
    case '/health':
      return json(200, HEALTH);
    case '/degraded':
      return json(503, { status: 'degraded', checks: [{ name: 'db', state: 'down' }] });
    case '/slow': {
      const timer = setTimeout(() => json(200, { status: 'ok' }), Number(url.searchParams.get('ms') ?? 1000));
      res.on('close', () => {
        if (!res.writableFinished) closedEarly++;
        clearTimeout(timer);
      });
      return;
    }
    case '/redirect':
      res.writeHead(302, { location: '/health' });
      return void res.end();
    case '/loop':
      res.writeHead(302, { location: `/loop?n=${Number(url.searchParams.get('n') ?? 0) + 1}` });
      return void res.end();
    case '/echo':
      // Echoes the credential back in a header and the body, as a careless server might.
      return json(200, { method: req.method, authorization: req.headers.authorization ?? null }, { authorization: req.headers.authorization ?? '', 'x-request-id': 'r-1' });
    case '/gzip': {
      res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
      return void res.end(gzipSync(JSON.stringify(HEALTH)));
    }
    case '/large':
      return streamLarge(res);
    default:
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found');
  }
}

/** 20 MB of text, written with backpressure from one reused chunk so the server holds little. */
function streamLarge(res: ServerResponse): void {
  const chunk = Buffer.alloc(64 * 1024, 'x');
  let sent = 0;
  res.writeHead(200, { 'content-type': 'text/plain', 'content-length': String(LARGE_BODY_BYTES) });
  const pump = () => {
    while (sent < LARGE_BODY_BYTES) {
      const part = chunk.subarray(0, Math.min(chunk.length, LARGE_BODY_BYTES - sent));
      sent += part.length;
      if (!res.write(part)) return void res.once('drain', pump);
    }
    res.end();
  };
  pump();
}

async function listen(server: Server, port = 0): Promise<number> {
  servers.push(server);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  return (server.address() as AddressInfo).port;
}

async function freePort(): Promise<number> {
  const s = createServer();
  const port = await listen(s);
  await new Promise((r) => s.close(r));
  servers.splice(servers.indexOf(s), 1);
  return port;
}

/** A CA, a 10-day leaf and an expired leaf signed by it, and a self-signed leaf; all for 127.0.0.1. */
async function makeCertificates(): Promise<void> {
  const openssl = (...args: string[]) => execa('openssl', args, { cwd: dir });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  writeFileSync(join(dir, 'leaf.ext'), 'basicConstraints=CA:FALSE\nsubjectAltName=DNS:localhost,IP:127.0.0.1\n');
  await openssl('req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '30', '-subj', '/O=Patrol Test/CN=Patrol Test CA');
  const leaf = async (name: string, days: string) => {
    await openssl('req', ...ec, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}.patrol.test`);
    await openssl('x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-days', days, '-extfile', 'leaf.ext', '-out', `${name}.pem`);
  };
  await leaf('valid', '10');
  // -days -1: notAfter is a day before now, so the certificate is already expired.
  await leaf('expired', '-1');
  await openssl('req', '-x509', ...ec, '-keyout', 'self.key', '-out', 'self.pem', '-days', '10', '-subj', '/CN=self.patrol.test', '-addext', 'subjectAltName=IP:127.0.0.1');
}

async function tlsServer(name: string): Promise<string> {
  const port = await listen(createTlsServer({ key: readFileSync(join(dir, `${name}.key`)), cert: readFileSync(join(dir, `${name}.pem`)) }, app));
  return `https://127.0.0.1:${port}`;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'patrol-http-'));
  await makeCertificates();
  plain = `http://127.0.0.1:${await listen(createServer(app))}`;
  tls = { ca: join(dir, 'ca.pem'), valid: await tlsServer('valid'), expired: await tlsServer('expired'), selfSigned: await tlsServer('self') };
}, 30_000);

afterAll(async () => {
  for (const s of servers) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
  rmSync(dir, { recursive: true, force: true });
});

beforeEach(async () => {
  seen = [];
  closedEarly = 0;
  h = await createHarness({ credentials: true });
});

afterEach(async () => {
  await h.close();
});

function workflowText(input: Record<string, unknown>, retries?: unknown): string {
  // YAML is a superset of JSON, so inputs are written as JSON: no quoting surprises.
  return `apiVersion: patrol.dev/v1
kind: Workflow
metadata: { name: http-test }
spec:
  steps:
    - name: check
      type: http
${retries ? `      retries: ${JSON.stringify(retries)}\n` : ''}      with: ${JSON.stringify(input)}
`;
}

async function finish(runId: string) {
  const run = await h.engine.waitFor(runId, { timeoutMs: 30_000 });
  const detail = await h.engine.detail(runId);
  await h.engine.flushLogs();
  const logs = (await h.store.logs.read({ runId })).items;
  const step = detail.steps.find((s) => s.name === 'check')!;
  return { run, step, outputs: step.outputs as HttpStepOutput | null, error: step.error, detail, logs, logText: logs.map((l) => `${l.stream}: ${l.message}`).join('\n') };
}

async function runHttp(input: Record<string, unknown>, opts: { retries?: unknown; dryRun?: boolean } = {}) {
  const run = await h.engine.trigger(h.workflow(workflowText(input, opts.retries)), { dryRun: opts.dryRun ?? false });
  return finish(run.id);
}

describe('plain HTTP', () => {
  test('a JSON health check passes status, JSON-path and regex assertions and outputs the parsed body', async () => {
    const r = await runHttp({
      url: `${plain}/health`,
      expect: { status: [200], body: [{ jsonPath: '$.status', equals: 'ok' }, { jsonPath: '$.checks[*].state', matches: '^up$' }, { jsonPath: '$.error', exists: false }, { regex: 'version":"1\\.4' }, { contains: '"db"' }] },
    });
    expect([r.run.status, r.step.status, r.error]).toEqual(['succeeded', 'succeeded', null]);
    const o = r.outputs!;
    expect([o.status, o.json, o.certificate, o.redirects, o.bodyTruncated]).toEqual([200, HEALTH, null, [], false]);
    expect(o.headers['content-type']).toBe('application/json');
    expect(o.assertions.map((a) => [a.assertion, a.passed])).toEqual([
      ['status', true],
      ['json $.status', true],
      ['json $.checks[*].state', true],
      ['json $.error', true],
      ['body', true],
      ['body', true],
    ]);
    expect(o.latencyMs).toBeGreaterThan(0);
    expect(o.totalMs).toBeGreaterThanOrEqual(o.latencyMs!);
    expect(r.logText).toContain(`GET ${plain}/health -> 200`);
  });

  test('failed status and JSON-path assertions fail with code assertion, expected vs actual, and keep the outputs', async () => {
    const r = await runHttp({ url: `${plain}/degraded`, expect: { body: [{ jsonPath: '$.status', equals: 'ok' }, { jsonPath: '$.checks[0].state', matches: '^up$' }, { regex: 'healthy' }] } });
    expect([r.run.status, r.step.status, r.error?.code]).toEqual(['failed', 'failed', 'assertion']);
    expect(r.error!.message).toBe(
      `GET ${plain}/degraded: 4 assertions failed: status: expected one of 2xx, 3xx, got 503; json $.status: expected to equal "ok", got "degraded"; ` +
        `json $.checks[0].state: expected to match /^up$/, got "down"; body: expected to match /healthy/, got ${JSON.stringify(JSON.stringify({ status: 'degraded', checks: [{ name: 'db', state: 'down' }] }))}`,
    );
    expect(r.outputs!.status).toBe(503);
    expect(r.outputs!.json).toEqual({ status: 'degraded', checks: [{ name: 'db', state: 'down' }] });
    expect(r.outputs!.assertions.filter((a) => !a.passed)).toHaveLength(4);
  });

  test('maxLatency fails against the slow endpoint and reports the measured latency', async () => {
    const r = await runHttp({ url: `${plain}/slow?ms=400`, expect: { maxLatency: '100ms' } });
    expect([r.step.status, r.error?.code]).toEqual(['failed', 'assertion']);
    expect(r.error!.message).toMatch(/latencyMs: expected <= 100, got \d+/);
    expect(r.outputs!.latencyMs).toBeGreaterThanOrEqual(390);
    expect(r.outputs!.assertions.find((a) => a.assertion === 'latencyMs')).toMatchObject({ passed: false, actual: r.outputs!.latencyMs });
  });

  test('a response slower than with.timeout fails with code timeout, promptly', async () => {
    const t0 = Date.now();
    const r = await runHttp({ url: `${plain}/slow?ms=5000`, timeout: '300ms' });
    expect([r.step.status, r.error?.code]).toEqual(['failed', 'timeout']);
    expect(r.error!.message).toBe(`GET ${plain}/slow?ms=5000: timed out after 300 ms (with.timeout) while connecting or waiting for the response headers`);
    expect(Date.now() - t0).toBeLessThan(3000);
  });

  test('connection refused fails with code connection naming the URL and the error', async () => {
    const port = await freePort();
    const r = await runHttp({ url: `http://127.0.0.1:${port}/health` });
    expect([r.step.status, r.error?.code, r.error?.retryable]).toEqual(['failed', 'connection', true]);
    expect(r.error!.message).toBe(`GET http://127.0.0.1:${port}/health: request failed: connect ECONNREFUSED 127.0.0.1:${port}`);
  });

  test('redirects are followed and listed; with followRedirects false the 3xx is the answer', async () => {
    const followed = await runHttp({ url: `${plain}/redirect`, expect: { status: [200] } });
    expect([followed.step.status, followed.outputs!.status, followed.outputs!.url, followed.outputs!.redirects]).toEqual(['succeeded', 200, `${plain}/health`, [`${plain}/health`]]);
    const kept = await runHttp({ url: `${plain}/redirect`, followRedirects: false });
    expect([kept.step.status, kept.outputs!.status, kept.outputs!.headers.location, kept.outputs!.redirects]).toEqual(['succeeded', 302, '/health', []]);
  });

  test('more than 5 redirects fail with code too-many-redirects', async () => {
    const r = await runHttp({ url: `${plain}/loop` });
    expect([r.step.status, r.error?.code]).toEqual(['failed', 'too-many-redirects']);
    expect(r.error!.message).toBe(`GET ${plain}/loop: stopped after 5 redirects (the next was to ${plain}/loop?n=6)`);
    expect(seen.filter((s) => s.path === '/loop')).toHaveLength(6);
  });

  test('a 20 MB body is read to the end but only maxBodyBytes are kept in outputs', async () => {
    // That the rest is dropped as it arrives (never held whole) is proven in http-read-capped-body.test.ts.
    const r = await runHttp({ url: `${plain}/large`, timeout: '60s', expect: { body: [{ regex: '^x+$' }] } });
    expect([r.step.status, r.outputs!.status, r.outputs!.bodyBytes, r.outputs!.bodyTruncated]).toEqual(['succeeded', 200, LARGE_BODY_BYTES, true]);
    expect(r.outputs!.body).toBe('x'.repeat(64 * 1024));
    expect(r.outputs!.totalMs).toBeGreaterThanOrEqual(r.outputs!.latencyMs!);
  }, 60_000);

  test('a gzip-encoded response is decoded before assertions', async () => {
    const r = await runHttp({ url: `${plain}/gzip`, expect: { body: [{ jsonPath: '$.version', equals: '1.4.2' }] } });
    expect([r.step.status, r.outputs!.json]).toEqual(['succeeded', HEALTH]);
  });

  test('a dry run does not send a POST but still sends a GET', async () => {
    const post = await runHttp({ url: `${plain}/echo`, method: 'POST', json: { restart: true }, headers: { 'X-Api-Key': 'key-51f0c2d9' } }, { dryRun: true });
    expect([post.step.status, post.outputs!.status]).toEqual(['succeeded', null]);
    expect(post.logText).toContain(`dry run: would send POST ${plain}/echo with headers {"user-agent":"patrol-http-step","x-api-key":"[redacted]","content-type":"application/json","content-length":"16"}, body 16 bytes`);
    expect(post.logText).not.toContain('key-51f0c2d9');
    expect(seen).toEqual([]);
    const get = await runHttp({ url: `${plain}/health` }, { dryRun: true });
    expect([get.step.status, get.outputs!.status]).toEqual(['succeeded', 200]);
    expect(seen.map((s) => `${s.method} ${s.path}`)).toEqual(['GET /health']);
  });

  test('cancelling the run destroys the in-flight request at once', async () => {
    const run = await h.engine.trigger(h.workflow(workflowText({ url: `${plain}/slow?ms=20000`, timeout: '60s' })));
    await waitForStep(h.engine, run.id, 'check', 'running');
    while (!seen.some((s) => s.path === '/slow')) await new Promise((r) => setTimeout(r, 10));
    const t0 = Date.now();
    await h.engine.cancel(run.id, 'test cancel');
    const r = await finish(run.id);
    expect([r.run.status, r.step.status]).toEqual(['cancelled', 'cancelled']);
    expect(Date.now() - t0).toBeLessThan(2000);
    // The server saw its client go away before it answered (its close event may lag a moment).
    for (let i = 0; i < 50 && closedEarly === 0; i++) await new Promise((res) => setTimeout(res, 20));
    expect(closedEarly).toBe(1);
  });

  test('retries on connection errors until the server comes up', async () => {
    const port = await freePort();
    const run = await h.engine.trigger(
      h.workflow(workflowText({ url: `http://127.0.0.1:${port}/health`, expect: { body: [{ jsonPath: '$.status', equals: 'ok' }] } }, { limit: 3, on: ['connection'], backoff: { delay: '400ms', factor: 1, jitter: 0 } })),
    );
    // Bring the server up only after the first attempt has failed.
    for (;;) {
      const attempts = (await h.engine.detail(run.id)).attempts;
      if (attempts.some((a) => a.status === 'failed')) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    await listen(createServer(app), port);
    const r = await finish(run.id);
    expect([r.run.status, r.step.status, r.outputs!.status]).toEqual(['succeeded', 'succeeded', 200]);
    const attempts = r.detail.attempts.filter((a) => a.step === 'check');
    expect(attempts[0]!.error?.code).toBe('connection');
    expect(attempts.at(-1)!.status).toBe('succeeded');
    expect(attempts.length).toBeGreaterThanOrEqual(2);
  });
});

describe('credentials', () => {
  test('a bearer token reaches the server and never appears in stored logs, outputs or errors', async () => {
    await h.credentials!.put({ name: 'api-token', type: 'token', fields: { token: TOKEN } });
    const r = await runHttp({ url: `${plain}/echo`, credential: 'api-token', expect: { body: [{ jsonPath: '$.method', equals: 'PUT' }] } });
    expect(seen.map((s) => s.headers.authorization)).toEqual([`Bearer ${TOKEN}`]);
    // Failed on purpose (method is GET): the failure path must mask too.
    expect(r.error?.code).toBe('assertion');
    expect(r.outputs!.headers.authorization).toBe('[redacted]');
    expect(r.outputs!.headers['x-request-id']).toBe('r-1');
    // The whole header value is masked, so the echoed credential shows as the mask alone.
    expect(r.outputs!.json).toEqual({ method: 'GET', authorization: '********' });
    const stored = JSON.stringify({ detail: r.detail, logs: r.logs });
    expect(stored).not.toContain(TOKEN);
    expect(r.logs.length).toBeGreaterThan(0);
  });

  test('a password credential is sent as Basic and its encoded form is masked too', async () => {
    await h.credentials!.put({ name: 'api-basic', type: 'password', fields: { username: 'ops', password: 'pw-8d1e6b2a' } });
    const r = await runHttp({ url: `${plain}/echo`, credential: 'api-basic' });
    const encoded = Buffer.from('ops:pw-8d1e6b2a').toString('base64');
    expect([r.step.status, seen[0]!.headers.authorization]).toEqual(['succeeded', `Basic ${encoded}`]);
    const stored = JSON.stringify({ detail: r.detail, logs: r.logs });
    expect([stored.includes(encoded), stored.includes('pw-8d1e6b2a')]).toEqual([false, false]);
  });
});

describe('HTTPS and certificates', () => {
  test('with caCert as a file, the certificate is reported with about 10 days remaining', async () => {
    const r = await runHttp({ url: `${tls.valid}/health`, caCert: tls.ca, expect: { certificate: { minDaysRemaining: 9 } } });
    expect([r.step.status, r.outputs!.status]).toEqual(['succeeded', 200]);
    const c = r.outputs!.certificate!;
    expect(c).toMatchObject({ subject: 'valid.patrol.test', subjectAltNames: ['DNS:localhost', 'IP Address:127.0.0.1'], issuer: 'CN=Patrol Test CA, O=Patrol Test', authorized: true, authorizationError: null });
    expect(c.daysRemaining).toBeGreaterThan(9.99);
    expect(c.daysRemaining).toBeLessThanOrEqual(10);
    expect(Date.parse(c.validTo) - Date.parse(c.validFrom)).toBe(10 * 86_400_000);
    expect(c.serialNumber).toMatch(/^[0-9A-F]+$/);
    expect(c.fingerprint256).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
  });

  test('with caCert as PEM text, minDaysRemaining above the remaining days fails the step and keeps the certificate', async () => {
    const r = await runHttp({ url: `${tls.valid}/health`, caCert: readFileSync(tls.ca, 'utf8'), expect: { certificate: { minDaysRemaining: 30 } } });
    expect([r.step.status, r.error?.code]).toEqual(['failed', 'assertion']);
    expect(r.error!.message).toMatch(/certificate\.daysRemaining: expected >= 30, got 9\.99\d+$/);
    expect(r.outputs!.certificate!.daysRemaining).toBeGreaterThan(9.99);
  });

  test('a certificate from a CA the client does not trust fails with code connection and a hint', async () => {
    const r = await runHttp({ url: `${tls.valid}/health` });
    expect([r.step.status, r.error?.code]).toEqual(['failed', 'connection']);
    expect(r.error!.message).toBe(`GET ${tls.valid}/health: TLS handshake failed: unable to verify the first certificate (UNABLE_TO_VERIFY_LEAF_SIGNATURE); if the server uses a private CA, set caCert to that CA`);
  });

  test('a self-signed certificate without caCert fails with a clear message', async () => {
    const r = await runHttp({ url: `${tls.selfSigned}/health` });
    expect([r.step.status, r.error?.code]).toEqual(['failed', 'connection']);
    expect(r.error!.message).toContain(`GET ${tls.selfSigned}/health: TLS handshake failed: self-signed certificate (DEPTH_ZERO_SELF_SIGNED_CERT)`);
  });

  test('insecureSkipVerify still reads and reports the certificate, and logs a warning', async () => {
    const r = await runHttp({ url: `${tls.selfSigned}/health`, insecureSkipVerify: true });
    expect([r.step.status, r.outputs!.status]).toEqual(['succeeded', 200]);
    expect(r.outputs!.certificate).toMatchObject({ subject: 'self.patrol.test', issuer: 'CN=self.patrol.test', authorized: false, authorizationError: 'DEPTH_ZERO_SELF_SIGNED_CERT' });
    expect(r.outputs!.certificate!.daysRemaining).toBeGreaterThan(9.99);
    expect(r.logs.some((l) => l.stream === 'warn' && l.message.includes('insecureSkipVerify'))).toBe(true);
  });

  test('an expired certificate fails verification as "certificate has expired"', async () => {
    const r = await runHttp({ url: `${tls.expired}/health`, caCert: tls.ca });
    expect([r.step.status, r.error?.code]).toEqual(['failed', 'connection']);
    expect(r.error!.message).toBe(`GET ${tls.expired}/health: TLS handshake failed: certificate has expired (CERT_HAS_EXPIRED)`);
  });

  test('under insecureSkipVerify an expired certificate is reported with negative daysRemaining and fails minDaysRemaining', async () => {
    const r = await runHttp({ url: `${tls.expired}/health`, caCert: tls.ca, insecureSkipVerify: true, expect: { certificate: { minDaysRemaining: 7 } } });
    expect([r.step.status, r.error?.code, r.outputs!.status]).toEqual(['failed', 'assertion', 200]);
    const c = r.outputs!.certificate!;
    expect(c).toMatchObject({ subject: 'expired.patrol.test', authorized: false, authorizationError: 'CERT_HAS_EXPIRED' });
    expect(c.daysRemaining).toBeLessThan(-0.99);
    expect(r.error!.message).toMatch(new RegExp(`certificate\\.daysRemaining: expected >= 7, got -1\\.0\\d+ \\(expired on ${c.validTo.replace(/\./g, '\\.')}\\)`));
  });

  test('a bad caCert path fails as invalid input naming the field, without retrying', async () => {
    const r = await runHttp({ url: `${tls.valid}/health`, caCert: join(dir, 'missing.pem') }, { retries: 2 });
    expect([r.step.status, r.error?.code, r.step.attempts]).toEqual(['failed', 'invalid-input', 1]);
    expect(r.error!.message).toContain(`with.caCert: cannot read the CA file ${join(dir, 'missing.pem')}`);
  });
});
