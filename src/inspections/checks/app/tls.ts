import type { Severity } from '../../../findings/finding.js';
import { defineCheck, type FindingDraft } from '../../check.js';
import { tlsSection } from '../../collectors/app/app-sections.js';
import { appTargets, iso, round } from './app-check-util.js';

const DAY_MS = 86_400_000;

/** Severity of a certificate's remaining days: expired is critical whatever the thresholds. */
export function certificateSeverity(days: number, s: { warning?: number | undefined; critical?: number | undefined }): Severity {
  if (days < 0) return 'critical';
  if (s.critical !== undefined && days < s.critical) return 'critical';
  if (s.warning !== undefined && days < s.warning) return 'warning';
  return 'ok';
}

export const appTlsExpiry = defineCheck({
  id: 'app.tls.expiry',
  category: 'app',
  title: 'TLS certificate expiry of application URLs',
  description:
    'Days until the certificate of each https origin of the application expires (health, metrics and `tls` URLs). Fewer than 30 days is a warning, fewer than 7 critical, an expired certificate critical. The certificate is read even when it does not verify (expired, untrusted), and verification problems are named.',
  source: { collector: 'app', section: 'tls', schema: tlsSection },
  defaults: { warning: 30, critical: 7 },
  unit: 'days',
  remediation: 'Renew the certificate (certbot renew, your CA, or the cert-manager Certificate) and reload the server; then make renewal automatic and alert on it before the 30-day mark.',
  reference: 'Patrol anchors: certificates < 30 days warning, < 7 days critical (kubernetes-mixin uses 7 d / 1 d for kubelet certs); Lynis only flags already-expired ones',
  evaluate({ data, target, settings, now }) {
    return data.certificates.map((c): FindingDraft => {
      const t = appTargets.origin(target.name, c.origin);
      const s = settings(t);
      if (!c.certificate) return { target: t, severity: 'error', message: `${c.origin}: certificate not read: ${c.error ?? 'unknown error'}` };
      const cert = c.certificate;
      const days = (Date.parse(cert.validTo) - now) / DAY_MS;
      const severity = certificateSeverity(days, s);
      const who = `${cert.subject ? `CN=${cert.subject}` : 'certificate without CN'} issued by ${cert.issuer || '?'}`;
      const n = (d: number) => `${round(d)} day${round(d) === 1 ? '' : 's'}`;
      const when = days < 0 ? `expired ${n(-days)} ago (${iso(Date.parse(cert.validTo))})` : `expires in ${n(days)} (${iso(Date.parse(cert.validTo))})`;
      const trust = cert.authorized ? '' : `; it does not verify: ${cert.authorizationError ?? 'untrusted'}`;
      return {
        target: t,
        severity,
        value: round(days),
        threshold: { direction: 'below', warning: s.warning, critical: s.critical },
        message: `${c.origin}: ${who} ${when}${trust}`,
        details: { validTo: cert.validTo, validFrom: cert.validFrom, subjectAltNames: cert.subjectAltNames, fingerprint256: cert.fingerprint256, authorized: cert.authorized, urls: c.urls },
      };
    });
  },
});
