import { StepError } from '../../errors/index.js';
import { describeFailures } from '../../http/assertion-result.js';
import { authorizationHeader } from '../../http/authorization-header.js';
import { compileHttpRequest, type HttpRequestPlan } from '../../http/compile-http-request.js';
import { evaluateExpectations } from '../../http/http-expectations.js';
import { httpStepInputSchema, SAFE_METHODS, type HttpStepInput } from '../../http/http-step-input.js';
import { httpStepOutputSchema, type HttpStepOutput } from '../../http/http-step-output.js';
import { loadCaCert } from '../../http/load-ca-cert.js';
import { isJsonContentType, parseJsonBody, type ResponseBody } from '../../http/response-body.js';
import { isSecretHeader, loggableHeaders, outputHeaders } from '../../http/response-headers.js';
import { sendHttpRequest } from '../../http/send-http-request.js';
import { defineStepType, type StepContext } from '../step-type.js';

/**
 * Sends one HTTP(S) request and checks the response: status, latency, body (JSON path, regex,
 * substring) and the server certificate's remaining days. Failed checks throw StepError
 * `assertion` carrying the outputs; network trouble throws `connection` or `timeout`.
 */
export const httpStepType = defineStepType({
  type: 'http',
  description:
    'Sends an HTTP(S) request and asserts on status, latency, body (JSON path, regex, contains) and TLS certificate expiry. Outputs status, latencyMs, totalMs, headers, body (capped), json, certificate, assertions and redirects.',
  input: httpStepInputSchema,
  output: httpStepOutputSchema,
  // Only reads may run again after a crash; the engine passes the raw `with`, so read it loosely.
  retrySafe: (input: HttpStepInput) => SAFE_METHODS.has(String(input.method ?? 'GET').toUpperCase()),
  examples: [
    { description: 'Health check', with: { url: 'https://app.internal/healthz', expect: { status: [200], maxLatency: '500ms' } } },
    { description: 'JSON body assertion', with: { url: 'https://app.internal/status', expect: { body: [{ jsonPath: '$.status', equals: 'ok' }] } } },
    { description: 'TLS expiry on a private CA', with: { url: 'https://vault.internal:8200/v1/sys/health', caCert: '/etc/patrol/ca.pem', expect: { certificate: { minDaysRemaining: 21 } } } },
    { description: 'An API call with a token', with: { url: 'https://api.internal/v1/jobs', method: 'POST', credential: 'ops-api', json: { action: 'rotate' }, expect: { status: [202] } } },
  ],
  async run(ctx, input) {
    const plan = compileHttpRequest(input);
    if (input.credential !== undefined) plan.headers.authorization = authorizationHeader(await ctx.secrets.get(input.credential));
    // Credential-like headers written in `with` (a pasted token, a secret param) are masked like stored secrets.
    for (const [name, value] of Object.entries(plan.headers)) if (isSecretHeader(name)) ctx.secrets.mask(value);
    const ca = input.caCert !== undefined ? await loadCaCert(input.caCert) : undefined;
    const what = `${plan.method} ${plan.url.href}`;

    if (ctx.dryRun && !SAFE_METHODS.has(plan.method)) return dryRun(ctx, plan, what);
    if (plan.insecureSkipVerify && plan.url.protocol === 'https:') ctx.log.warn(`insecureSkipVerify: the certificate of ${plan.url.host} is not verified (it is still read and reported)`);

    const ex = await sendHttpRequest(plan, { ...(ca !== undefined ? { ca } : {}), signal: ctx.signal, onRedirect: (status, to) => ctx.log.info(`${status} redirect to ${to.href}`) });
    // Assertions see the body as sent: masking first could turn a value that happens to equal a
    // short secret into "********" and break JSON. The engine masks every output before storing.
    const text = ex.body.kept.toString('utf8');
    const body: ResponseBody = { text, totalBytes: ex.body.totalBytes, truncated: ex.body.truncated, json: parseJsonBody(text, ex.body.truncated, plan.maxBodyBytes) };
    const contentType = ex.headers['content-type'];
    ctx.log.info(`${what} -> ${ex.status} in ${ex.latencyMs} ms (${ex.body.totalBytes} bytes${ex.body.truncated ? `, ${plan.maxBodyBytes} kept` : ''}, ${ex.totalMs} ms in all)`);
    if (ex.certificate) ctx.log.info(`certificate ${ex.certificate.subject ?? '(no CN)'} from ${ex.certificate.issuer} valid until ${ex.certificate.validTo} (${ex.certificate.daysRemaining.toFixed(1)} days)`);

    const assertions = evaluateExpectations(plan.expect, { status: ex.status, latencyMs: ex.latencyMs, body, certificate: ex.certificate });
    const outputs: HttpStepOutput = {
      url: ex.url.href,
      status: ex.status,
      latencyMs: ex.latencyMs,
      totalMs: ex.totalMs,
      headers: maskValues(ctx, outputHeaders(ex.headers)),
      body: ctx.mask(text),
      bodyBytes: ex.body.totalBytes,
      bodyTruncated: ex.body.truncated,
      json: isJsonContentType(typeof contentType === 'string' ? contentType : undefined) && body.json.ok ? body.json.value : null,
      certificate: ex.certificate,
      assertions,
      redirects: ex.redirects,
    };
    const failures = describeFailures(assertions);
    if (failures.length > 0) {
      const n = failures.length === 1 ? '1 assertion' : `${failures.length} assertions`;
      throw new StepError(`${what}: ${n} failed: ${failures.join('; ')}`, { code: 'assertion', retryable: true, details: { outputs } });
    }
    ctx.log.info(`${assertions.length} assertion${assertions.length === 1 ? '' : 's'} passed`);
    return outputs;
  },
});

function dryRun(ctx: StepContext, plan: HttpRequestPlan, what: string): HttpStepOutput {
  const size = plan.body ? `, body ${plan.body.length} bytes` : '';
  ctx.log.info(`dry run: would send ${what} with headers ${JSON.stringify(loggableHeaders(plan.headers))}${size}`);
  return { url: plan.url.href, status: null, latencyMs: null, totalMs: null, headers: {}, body: '', bodyBytes: 0, bodyTruncated: false, json: null, certificate: null, assertions: [], redirects: [] };
}

function maskValues(ctx: StepContext, headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, ctx.mask(v)]));
}
