import { readFile } from 'node:fs/promises';
import nodemailer, { type Transporter } from 'nodemailer';
import type { PatrolSettings } from '../config/patrol-config.js';
import type { Credential } from '../credentials/credential.js';
import { DeliveryError } from '../notify/retry.js';

export type SmtpSettings = NonNullable<PatrolSettings['smtp']>;

const DEFAULT_PORTS = { tls: 465, starttls: 587, none: 25 } as const;

/** The PEM of `smtp.ca`: inline text, or read from the file it names. */
export async function resolveCa(ca: string | undefined): Promise<string | undefined> {
  if (!ca) return undefined;
  if (ca.includes('-----BEGIN')) return ca;
  try {
    return await readFile(ca, 'utf8');
  } catch (err) {
    throw new DeliveryError(`cannot read the CA file ${ca}: ${(err as Error).message}`, true);
  }
}

/**
 * A nodemailer SMTP transport from the settings: implicit TLS (tls), STARTTLS required
 * (starttls) or plain (none); AUTH from a `password` credential; an extra CA; timeouts.
 */
export async function createSmtpTransport(smtp: SmtpSettings, credential?: Credential): Promise<Transporter> {
  const ca = await resolveCa(smtp.ca);
  let auth: { user: string; pass: string } | undefined;
  if (credential) {
    const pass = credential.fields.password ?? credential.fields.token;
    const user = credential.fields.username;
    if (!pass || !user) throw new DeliveryError(`smtp.credential "${credential.name}" must be a password credential with a username`, true);
    auth = { user, pass };
  }
  return nodemailer.createTransport({
    host: smtp.host,
    port: smtp.port ?? DEFAULT_PORTS[smtp.secure],
    secure: smtp.secure === 'tls',
    requireTLS: smtp.secure === 'starttls',
    ignoreTLS: smtp.secure === 'none',
    ...(auth ? { auth } : {}),
    tls: { minVersion: 'TLSv1.2', ...(ca ? { ca: [ca] } : {}), ...(smtp.servername ? { servername: smtp.servername } : {}) },
    connectionTimeout: smtp.timeoutMs,
    greetingTimeout: smtp.timeoutMs,
    socketTimeout: smtp.timeoutMs,
    disableFileAccess: true,
    disableUrlAccess: true,
  });
}

/**
 * Whether an SMTP failure is worth retrying: connection problems and 4xx replies are (the server
 * is down or busy); 5xx replies, rejected authentication and TLS certificate errors are not.
 */
export function classifySmtpError(err: unknown): DeliveryError {
  if (err instanceof DeliveryError) return err;
  const e = err as { message?: string; code?: string; responseCode?: number; response?: string };
  const message = e.message ?? String(err);
  const code = e.responseCode;
  const tls = /certificate|self.signed|unable to verify|wrong version number/i.test(message);
  const permanent = tls || e.code === 'EAUTH' || (typeof code === 'number' && code >= 500);
  return new DeliveryError(`${e.code ? `${e.code}: ` : ''}${message}`, permanent, e.response);
}
