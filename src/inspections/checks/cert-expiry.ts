import { thresholdOf, type CheckSettings, type FindingDraft } from '../check.js';

const DAY = 86_400_000;
const date = (ms: number) => new Date(ms).toISOString().slice(0, 10);

export interface CertInfo {
  subject: string;
  issuer: string;
  serial?: string | null | undefined;
  notBefore: number;
  notAfter: number;
  source?: string | undefined;
}

/**
 * The finding of one certificate file (a PEM bundle, a DER file, a kubeconfig): days until its
 * earliest certificate expires, strictly fewer than the thresholds (< 30 warning, < 7 critical);
 * expired is critical, not yet valid a warning, unreadable an error.
 */
export function certFileFinding(f: { path: string; format: string | null; certs: CertInfo[]; error?: string | undefined }, target: string, s: CheckSettings, now: number, evidenceCommand: string): FindingDraft {
  if (f.error || f.certs.length === 0) return { target, severity: 'error', message: `${f.path}: ${f.error ?? 'no certificate found'}` };
  const first = [...f.certs].sort((a, b) => a.notAfter - b.notAfter)[0]!;
  const left = (first.notAfter - now) / DAY;
  const notYet = f.certs.find((c) => c.notBefore > now);
  const sev = left <= 0 || (s.critical !== undefined && left < s.critical) ? 'critical' : s.warning !== undefined && left < s.warning ? 'warning' : 'ok';
  const which = f.certs.length > 1 ? ` (earliest of ${f.certs.length} certificates in the file${first.source ? `: ${first.source}` : ''})` : first.source ? ` (${first.source})` : '';
  const days = Math.round(left * 10) / 10;
  return {
    target,
    severity: notYet && sev === 'ok' ? 'warning' : sev,
    value: days,
    threshold: thresholdOf(s, 'below'),
    message:
      left <= 0
        ? `${f.path}: ${first.subject || 'certificate'} expired ${Math.round(-left * 10) / 10} days ago (${date(first.notAfter)})${which}`
        : `${f.path}: ${first.subject || 'certificate'} expires in ${days} days (${date(first.notAfter)}, issuer ${first.issuer || 'unknown'})${which}${notYet ? `; ${notYet.subject} is not valid before ${date(notYet.notBefore)}` : ''}`,
    details: { format: f.format, certificates: f.certs.map((c) => ({ subject: c.subject, issuer: c.issuer, serial: c.serial, notBefore: date(c.notBefore), notAfter: date(c.notAfter), ...(c.source ? { source: c.source } : {}) })) },
    evidence: { command: evidenceCommand, raw: f.certs.map((c) => `${c.source ? `[${c.source}] ` : ''}subject=${c.subject}\nissuer=${c.issuer}\nnotAfter=${new Date(c.notAfter).toUTCString()}`).join('\n') },
  };
}
