import { X509Certificate } from 'node:crypto';
import { levelSeverity } from '../../inspections/check.js';
import type { Severity } from '../../findings/finding.js';
import type { Secret } from '../model/types.js';
import { defineClusterCheck, stringListParam, thresholds } from './cluster-check.js';

const DAY = 86_400_000;
const round1 = (n: number) => Math.round(n * 10) / 10;

function expirySeverity(days: number, s: { warning?: number; critical?: number }): Severity {
  if (days <= 0) return 'critical';
  return levelSeverity(days, s, 'below');
}

export const certApiServer = defineClusterCheck({
  info: {
    id: 'k8s.cert.apiserver',
    category: 'cluster',
    title: 'API server serving certificate expiry',
    description: 'The certificate the API server presents in the TLS handshake (read even when the kubeconfig CA does not verify it; whether it does is reported). Days until notAfter: warning below `warning`, critical below `critical` and when expired.',
    defaults: { warning: 30, critical: 7 },
    unit: 'days',
    remediation: 'kubeadm certs check-expiration; kubeadm certs renew apiserver (or all) on each control-plane node and restart the kube-apiserver static pod; managed clusters rotate it themselves.',
    reference: 'kubernetes-mixin certificate expiry; anchors (< 30 days warn, < 7 critical)',
  },
  kinds: [],
  start(env) {
    return {
      finish() {
        const p = env.probes;
        const s = env.settings();
        const target = `${env.cluster.name}/apiserver`;
        const command = `openssl s_client -connect ${new URL(env.cluster.server).host} -showcerts </dev/null 2>/dev/null | openssl x509 -noout -subject -enddate`;
        if (!p.tls) return [{ target, severity: 'error', message: `could not read the serving certificate: ${p.tlsError ?? 'unknown error'}`, evidence: { command } }];
        const days = round1((p.tls.notAfter - env.now) / DAY);
        const severity = expirySeverity(days, s);
        return [
          {
            target,
            severity,
            value: days,
            threshold: thresholds(s, 'below'),
            message: `${days <= 0 ? `expired ${-days} days ago` : `expires in ${days} days`} (${p.tls.validTo}); subject ${p.tls.subject}, issuer ${p.tls.issuer}${p.tls.trusted ? '' : `; not verified by the kubeconfig CA (${p.tls.trustError ?? 'untrusted'})`}`,
            details: { notAfter: new Date(p.tls.notAfter).toISOString(), subject: p.tls.subject, issuer: p.tls.issuer, subjectAltName: p.tls.subjectAltName ?? null, trusted: p.tls.trusted, fingerprint256: p.tls.fingerprint256 },
            evidence: { command },
          },
        ];
      },
    };
  },
});

/** Every certificate of a PEM bundle (leaf first). */
export function parsePemBundle(pem: string): X509Certificate[] {
  const out: X509Certificate[] = [];
  for (const m of pem.matchAll(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g)) out.push(new X509Certificate(m[0]));
  return out;
}

export const certTlsSecrets = defineClusterCheck({
  info: {
    id: 'k8s.cert.tls_secret',
    category: 'cluster',
    title: 'TLS Secret certificate expiry',
    description: 'Every Secret of type kubernetes.io/tls (listed with fieldSelector type=kubernetes.io/tls): the earliest notAfter of the certificates in tls.crt (leaf and chain). Warning below `warning` days, critical below `critical` and when expired; a tls.crt that is not a certificate is a warning. Only problems are listed one by one; the summary counts all.',
    defaults: { warning: 30, critical: 7, ignoreNamespaces: [], maxFindings: 100 },
    unit: 'days',
    remediation: 'Renew the certificate (cert-manager: check the Certificate and its issuer, `cmctl renew`), update the Secret, and restart the pods/ingress that load it if they do not reload.',
    reference: 'anchors: certificate expiry with lead time (< 30 days warn, < 7 critical)',
  },
  kinds: ['secrets'],
  start(env) {
    const problems = env.problems();
    const ignore = new Set(stringListParam(env.settings(), 'ignoreNamespaces', []));
    let soonest: { days: number; target: string } | undefined;
    return {
      visit: {
        secrets: (sec: Secret) => {
          if (sec.type !== 'kubernetes.io/tls') return;
          const ns = sec.metadata.namespace ?? '';
          if (ignore.has(ns)) return;
          problems.checked++;
          const t = `${env.cluster.name}/${ns}/${sec.metadata.name}`;
          const s = env.settings(t);
          if (!s.enabled) return;
          const evidence = { command: `${env.cluster.kubectl} -n ${ns} get secret ${sec.metadata.name} -o jsonpath='{.data.tls\\.crt}' | base64 -d | openssl x509 -noout -subject -enddate` };
          const b64 = sec.data?.['tls.crt'];
          let certs: X509Certificate[] = [];
          try {
            certs = b64 ? parsePemBundle(Buffer.from(b64, 'base64').toString('utf8')) : [];
          } catch {
            certs = [];
          }
          if (certs.length === 0) {
            problems.add({ target: t, group: ns, severity: 'warning', value: null, message: `Secret ${ns}/${sec.metadata.name}: tls.crt ${b64 ? 'is not a PEM certificate' : 'is empty'}`, evidence });
            return;
          }
          let first = certs[0]!;
          for (const c of certs) if (Date.parse(c.validTo) < Date.parse(first.validTo)) first = c;
          const days = round1((Date.parse(first.validTo) - env.now) / DAY);
          if (!soonest || days < soonest.days) soonest = { days, target: t };
          const severity = expirySeverity(days, s);
          if (severity === 'ok') return;
          const leaf = certs[0]!;
          const which = first === leaf ? '' : ` (a chain certificate, ${first.subject.replace(/\n/g, ', ')})`;
          problems.add({
            target: t,
            group: ns,
            severity,
            value: days,
            rank: -days,
            threshold: thresholds(s, 'below'),
            message: `Secret ${ns}/${sec.metadata.name}: certificate ${leaf.subject.replace(/\n/g, ', ')}${which} ${days <= 0 ? `expired ${-days} days ago` : `expires in ${days} days`} (${first.validTo})`,
            details: { notAfter: new Date(Date.parse(first.validTo)).toISOString(), subject: leaf.subject.replace(/\n/g, ', '), issuer: leaf.issuer.replace(/\n/g, ', '), subjectAltName: leaf.subjectAltName ?? null, chainLength: certs.length },
            evidence,
          });
        },
      },
      finish: () =>
        problems.findings({
          ok: problems.checked === 0 ? 'no Secret of type kubernetes.io/tls' : `all ${problems.checked} TLS Secrets valid for more than the threshold${soonest ? ` (soonest: ${soonest.target} in ${soonest.days} days)` : ''}`,
          noun: 'TLS Secrets expiring or expired',
          unit: 'secrets',
          ...(soonest ? { details: { soonest } } : {}),
          evidence: { command: `${env.cluster.kubectl} get secrets -A --field-selector type=kubernetes.io/tls` },
        }),
    };
  },
});
