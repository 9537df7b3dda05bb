import { defineCheck, type FindingDraft } from '../../check.js';
import { certFileFinding } from '../cert-expiry.js';
import { certsSection } from '../../collectors/host/host-sections.js';

export const DEFAULT_CERT_PATHS = ['/etc/kubernetes/pki/*.crt', '/etc/kubernetes/pki/etcd/*.crt', '/var/lib/kubelet/pki/*.crt', '/var/lib/kubelet/pki/kubelet-client-current.pem', '/etc/letsencrypt/live/*/cert.pem'];

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
      out.push(certFileFinding(f, t, settings(t), now, `openssl x509 -noout -subject -issuer -enddate ${f.format === 'DER' ? '-inform DER ' : ''}-in ${f.path}`));
    }
    if (data.files.length === 0) {
      out.push({ target: target.name, severity: 'ok', message: `no certificate files match ${data.patterns.join(', ')}${data.skipped.length ? ` (${data.skipped.length} files without certificates skipped)` : ''}` });
    }
    return out;
  },
});
