import type { PeerCertificate, TLSSocket } from 'node:tls';
import { errorParts } from './request-failure.js';

/** The server certificate of a TLS response, as reported in outputs.certificate. */
export interface CertificateInfo {
  /** Subject common name (CN), or null when the certificate has none. */
  subject: string | null;
  /** subjectAltName entries as the certificate lists them: `DNS:example.com`, `IP Address:10.0.0.1`. */
  subjectAltNames: string[];
  /** Issuer distinguished name: `CN=R11, O=Let's Encrypt, C=US`. */
  issuer: string;
  /** ISO 8601. */
  validFrom: string;
  validTo: string;
  /** Days until validTo, fractional; negative once expired. */
  daysRemaining: number;
  serialNumber: string;
  /** SHA-256 fingerprint, colon-separated hex. */
  fingerprint256: string;
  /** Whether the chain and host name verified against the trusted CAs (false is only seen with insecureSkipVerify). */
  authorized: boolean;
  /** Why verification failed (an OpenSSL code such as CERT_HAS_EXPIRED), or null. */
  authorizationError: string | null;
}

const DAY_MS = 86_400_000;

/** Reads the peer certificate of a TLS socket; null when there is none (plain HTTP). */
export function certificateInfo(socket: TLSSocket, now: number = Date.now()): CertificateInfo | null {
  const cert: PeerCertificate = socket.getPeerCertificate(false);
  // Node returns an empty object, not null, when the peer sent no certificate.
  if (!cert || !cert.valid_to) return null;
  const validTo = new Date(cert.valid_to);
  // Node documents an Error but sets the OpenSSL code string (e.g. CERT_HAS_EXPIRED).
  const authError: unknown = socket.authorizationError;
  return {
    subject: firstValue(cert.subject?.CN),
    subjectAltNames: cert.subjectaltname ? cert.subjectaltname.split(/,\s*/).filter((s) => s.length > 0) : [],
    issuer: distinguishedName(cert.issuer),
    validFrom: new Date(cert.valid_from).toISOString(),
    validTo: validTo.toISOString(),
    daysRemaining: Math.round(((validTo.getTime() - now) / DAY_MS) * 1e6) / 1e6,
    serialNumber: cert.serialNumber,
    fingerprint256: cert.fingerprint256,
    authorized: socket.authorized,
    authorizationError: authError === undefined || authError === null ? null : typeof authError === 'string' ? authError : errorParts(authError).message,
  };
}

function firstValue(v: string | string[] | undefined): string | null {
  if (v === undefined) return null;
  return Array.isArray(v) ? (v[0] ?? null) : v;
}

function distinguishedName(dn: Record<string, string | string[] | undefined> | undefined): string {
  if (!dn) return '';
  return Object.entries(dn)
    .flatMap(([k, v]) => (v === undefined ? [] : (Array.isArray(v) ? v : [v]).map((x) => `${k}=${x}`)))
    .reverse()
    .join(', ');
}
