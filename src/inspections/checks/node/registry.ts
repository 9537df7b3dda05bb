import { defineCheck, levelSeverity, thresholdOf, type FindingDraft } from '../../check.js';
import { nodeRegistrySection } from '../../collectors/node/node-sections.js';

/** The image registry's API answers from the node (and Harbor reports itself healthy). */
export const nodeRegistryHealth = defineCheck({
  id: 'node.registry.health',
  category: 'cluster',
  title: 'Image registry health',
  description:
    'From each node (where the kubelet pulls from): GET <spec.nodes.registry.url>/v2/ must answer 200, or 401 asking for a token (the Docker Registry HTTP API v2 version check); no answer, a TLS error, 404 (not a v2 registry) or 5xx is critical. A slow answer is judged against `warning`/`critical` (ms). With `harbor: true`, Harbor\'s GET /api/v2.0/health must report status "healthy"; unhealthy components are named.',
  source: { collector: 'node', section: 'registry', schema: nodeRegistrySection.nullable() },
  defaults: { warning: 2000 },
  unit: 'ms',
  remediation: 'From the node: `curl -v REGISTRY/v2/` (DNS, routes, proxies, the CA bundle in /etc/containerd/certs.d or /etc/docker/certs.d); on the registry host its logs and disk; for Harbor the failing component (docker compose ps / the harbor pods).',
  reference: 'Docker Registry HTTP API v2 (GET /v2/), Harbor API v2.0 /health; Patrol anchors: registry health (no inspection tool checks it)',
  evaluate({ data, target, settings }) {
    if (data === null) return [{ target: target.name, severity: 'info', message: 'no registry configured (spec.nodes.registry)' }];
    const s = settings();
    const t = `${target.name}:${data.url}`;
    const v2 = data.v2;
    const out: FindingDraft[] = [];
    if (v2.status === null) {
      out.push({ target: t, severity: 'critical', value: null, message: `registry ${data.url} is unreachable from ${target.name}: ${v2.error ?? 'no response'}` });
    } else if (v2.status !== 200 && v2.status !== 401) {
      out.push({ target: t, severity: 'critical', value: v2.latencyMs, message: `GET ${data.url}/v2/ answered ${v2.status}${v2.status === 404 ? ' (not a registry API v2 endpoint)' : ''}` });
    } else {
      const sev = levelSeverity(v2.latencyMs, s);
      out.push({ target: t, severity: sev, value: v2.latencyMs, threshold: thresholdOf(s), message: `GET ${data.url}/v2/ answered ${v2.status}${v2.status === 401 ? ' (authentication required: the API is up)' : ''} in ${v2.latencyMs} ms${sev === 'ok' ? '' : ' (slow)'}`, details: { apiVersion: v2.apiVersion ?? null } });
    }
    const h = data.harbor;
    if (h) {
      const bad = h.components.filter((c) => c.status !== 'healthy');
      if (h.status !== 200 || h.overall !== 'healthy') {
        const why = h.status === null ? `unreachable: ${h.error ?? 'no response'}` : h.status !== 200 ? `answered ${h.status}` : `reports "${h.overall ?? 'no status'}"${bad.length ? `: ${bad.map((c) => `${c.name} ${c.status}${c.error ? ` (${c.error})` : ''}`).join(', ')}` : ''}`;
        out[0] = { ...out[0]!, severity: 'critical', message: `${out[0]!.message}; Harbor health ${why}`, details: { ...(out[0]!.details ?? {}), harbor: h } };
      } else {
        out[0] = { ...out[0]!, message: `${out[0]!.message}; Harbor reports healthy (${h.components.length} components)`, details: { ...(out[0]!.details ?? {}), harbor: { overall: h.overall, components: h.components.length } } };
      }
    }
    return out;
  },
});
