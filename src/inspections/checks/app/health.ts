import { describeFailures } from '../../../http/assertion-result.js';
import { statusMatchesAny } from '../../../http/status-pattern.js';
import { defineCheck, levelSeverity, thresholdOf, type FindingDraft } from '../../check.js';
import { healthSection } from '../../collectors/app/app-sections.js';
import { appTargets, severityParam } from './app-check-util.js';

/** An endpoint that gave no response: refused, timed out, TLS handshake failed, DNS. The client's error names the URL already. */
function noResponse(url: string, error: string | null): string {
  const why = error ?? 'unknown error';
  return why.includes(url) ? `no response: ${why}` : `${url}: no response: ${why}`;
}

export const appHealthStatus = defineCheck({
  id: 'app.health.status',
  category: 'app',
  title: 'Health endpoint answers with an expected status',
  description:
    'GET on each configured health endpoint from the Patrol host (redirects followed). An unexpected status, or no response at all (refused, timed out, TLS handshake failed), is critical: clients cannot use the application either.',
  source: { collector: 'app', section: 'health', schema: healthSection },
  defaults: { severity: 'critical' },
  remediation: 'Look at the application: is it running, are its dependencies (database, queues) reachable, what do its logs say at the time of the failure? A TLS failure usually means an expired or untrusted certificate (see app.tls.expiry).',
  reference: 'KubeEye serviceConnect / Kubernetes probes: a failing readiness endpoint takes the instance out of service',
  evaluate({ data, target, settings }) {
    return data.endpoints.map((e): FindingDraft => {
      const t = appTargets.endpoint(target.name, e.url);
      const bad = severityParam(settings(t));
      const threshold = { expected: e.expectStatus };
      if (!e.responded) return { target: t, severity: bad, value: null, threshold, message: noResponse(e.url, e.error), details: { errorCode: e.errorCode, timeoutMs: e.timeoutMs } };
      const ok = statusMatchesAny(e.status!, e.expectStatus);
      return {
        target: t,
        severity: ok ? 'ok' : bad,
        value: e.status,
        threshold,
        message: ok ? `${e.url} answered ${e.status}` : `${e.url} answered ${e.status}, expected ${e.expectStatus.join(' or ')}${e.bodyExcerpt ? `: ${e.bodyExcerpt.slice(0, 160)}` : ''}`,
        ...(e.redirects.length ? { details: { redirects: e.redirects } } : {}),
      };
    });
  },
});

export const appHealthLatency = defineCheck({
  id: 'app.health.latency',
  category: 'app',
  title: 'Health endpoint latency',
  description:
    "Time from the request to the response headers (connect, TLS and redirects included). An endpoint's own maxLatency sets warning at it and critical at twice it; otherwise the check's thresholds apply. A request that timed out is critical; one refused outright has no latency and is an error.",
  source: { collector: 'app', section: 'health', schema: healthSection },
  defaults: { warning: 1000, critical: 2000 },
  unit: 'ms',
  remediation: 'Find where the time goes: slow dependencies (database queries, downstream calls), saturated thread or connection pools (app.pool.saturation), garbage collection pauses, CPU throttling. A health endpoint should not do expensive work.',
  reference: 'node-mixin/blackbox_exporter style probe latency; default 1 s warning, 2 s critical',
  evaluate({ data, target, settings }) {
    return data.endpoints.map((e): FindingDraft => {
      const t = appTargets.endpoint(target.name, e.url);
      const s = settings(t);
      const limits = e.maxLatencyMs !== null ? { warning: e.maxLatencyMs, critical: 2 * e.maxLatencyMs } : { warning: s.warning, critical: s.critical };
      const threshold = { ...thresholdOf(limits), ...(e.maxLatencyMs !== null ? { source: 'maxLatency' } : {}) };
      if (!e.responded) {
        if (e.errorCode === 'timeout') return { target: t, severity: 'critical', value: e.timeoutMs, threshold, message: `${e.url}: no response within ${e.timeoutMs} ms (timed out)` };
        return { target: t, severity: 'error', message: `latency not measured, ${noResponse(e.url, e.error)}` };
      }
      const latency = e.latencyMs!;
      const severity = levelSeverity(latency, limits);
      return { target: t, severity, value: latency, threshold, message: `${e.url} answered in ${Math.round(latency)} ms${severity === 'ok' ? '' : ` (limit ${severity === 'critical' ? limits.critical : limits.warning} ms)`}` };
    });
  },
});

export const appHealthBody = defineCheck({
  id: 'app.health.body',
  category: 'app',
  title: 'Health endpoint body says healthy',
  description: 'The configured body checks of each health endpoint (JSON path equals/matches/exists, regex, contains; the shapes of the http step). A health document reporting DOWN or a missing component fails. Endpoints without body checks are not judged.',
  source: { collector: 'app', section: 'health', schema: healthSection },
  defaults: { severity: 'critical' },
  remediation: 'The application reports itself unhealthy: read which component its health document names (database, disk space, a downstream service) and fix that component.',
  evaluate({ data, target, settings }) {
    const out: FindingDraft[] = [];
    for (const e of data.endpoints) {
      if (e.bodyChecks === 0) continue;
      const t = appTargets.endpoint(target.name, e.url);
      if (!e.responded) {
        out.push({ target: t, severity: 'error', message: `body not checked, ${noResponse(e.url, e.error)}` });
        continue;
      }
      const failures = describeFailures(e.body);
      const passed = e.body.length - failures.length;
      out.push({
        target: t,
        severity: failures.length === 0 ? 'ok' : severityParam(settings(t)),
        value: failures.length,
        message: failures.length === 0 ? `${e.url}: ${passed} body check${passed === 1 ? '' : 's'} passed` : `${e.url}: ${failures.join('; ')}`,
        details: { checks: e.body },
        evidence: { command: `curl -sS ${e.url}`, raw: e.bodyExcerpt },
      });
    }
    return out;
  },
});
