import { defineCheck, thresholdOf, type FindingDraft } from '../../check.js';
import { certsSection } from '../../collectors/host/host-sections.js';

export const DEFAULT_CERT_PATHS = ['/etc/kubernetes/pki/*.crt', '/etc/kubernetes/pki/etcd/*.crt', '/var/lib/kubelet/pki/*.crt', '/var/lib/kubelet/pki/kubelet-client-current.pem', '/etc/letsencrypt/live/*/cert.pem'];

const DAY = 86_400_000;
const date = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** Certificate files expiring soon (< 30 days warning, < 7 critical). */
export const hostCertExpiry = defineCheck({
  id: 'host.cert.expiry',
  category: 'host',
  title: 'Certificate files expiring',
  description: 'Days until the earliest certificate in each file matching `paths` (globs, ** allowed) expires. PEM files (bundles: every certificate is read) and DER files are decoded on the host with Python\'s ssl module (openssl as fallback). Expired or not yet valid certificates are critical / warning; files that hold no certificate (keys) are skipped; unreadable or undecodable files are errors. Default paths: kubeadm\'s PKI, the kubelet\'s certificates, Let\'s Encrypt.',
  source: { collector: 'host', section: 'certs', schema: certsSection },
  defaults: { warning: 30, critical: 7, paths: DEFAULT_CERT_PATHS },
  unit: 'days',
  remediation: 'Renew before it expires: kubeadm clusters `kubeadm certs check-expiration` and `kubeadm certs renew all` (then restart the control-plane pods); Let\'s Encrypt `certbot renew`; otherwise reissue from your CA and reload the service that uses it.',
  reference: 'Patrol anchors: certificate expiry with lead time, < 30 days warning, < 7 days critical (Lynis only flags expired ones)',
  evaluate({ data, target, settings, now }) {
    const out: FindingDraft[] = [];
    for (const f of data.files) {
      const t = `${target.name}:${f.path}`;
      const s = settings(t);
      if (f.error || f.certs.length === 0) {
        out.push({ target: t, severity: 'error', message: `${f.path}: ${f.error ?? 'no certificate found'}` });
        continue;
      }
      const first = [...f.certs].sort((a, b) => a.notAfter - b.notAfter)[0]!;
      const left = (first.notAfter - now) / DAY;
      const notYet = f.certs.find((c) => c.notBefore > now);
      // Strictly fewer days than the thresholds ("< 30 days warning, < 7 critical").
      const sev = left <= 0 || (s.critical !== undefined && left < s.critical) ? 'critical' : s.warning !== undefined && left < s.warning ? 'warning' : 'ok';
      const which = f.certs.length > 1 ? ` (earliest of ${f.certs.length} certificates in the file)` : '';
      out.push({
        target: t,
        severity: notYet && sev === 'ok' ? 'warning' : sev,
        value: Math.round(left * 10) / 10,
        threshold: thresholdOf(s, 'below'),
        message:
          left <= 0
            ? `${f.path}: ${first.subject || 'certificate'} expired ${Math.round(-left * 10) / 10} days ago (${date(first.notAfter)})${which}`
            : `${f.path}: ${first.subject || 'certificate'} expires in ${Math.round(left * 10) / 10} days (${date(first.notAfter)}, issuer ${first.issuer || 'unknown'})${which}${notYet ? `; ${notYet.subject} is not valid before ${date(notYet.notBefore)}` : ''}`,
        details: { format: f.format, certificates: f.certs.map((c) => ({ subject: c.subject, issuer: c.issuer, serial: c.serial, notBefore: date(c.notBefore), notAfter: date(c.notAfter) })) },
        evidence: { command: `openssl x509 -noout -subject -issuer -enddate ${f.format === 'DER' ? '-inform DER ' : ''}-in ${f.path}`, raw: f.certs.map((c) => `subject=${c.subject}\nissuer=${c.issuer}\nnotAfter=${new Date(c.notAfter).toUTCString()}`).join('\n') },
      });
    }
    if (data.files.length === 0) {
      out.push({ target: target.name, severity: 'ok', message: `no certificate files match ${data.patterns.join(', ')}${data.skipped.length ? ` (${data.skipped.length} files without certificates skipped)` : ''}` });
    }
    return out;
  },
});
