import type { Credential } from '../credentials/credential.js';
import { NonRetryableError } from '../errors/index.js';

/**
 * The Authorization header value for a stored credential: `token` -> Bearer, `password` -> Basic.
 * The caller must mask the returned value: a Basic header is an encoding of the secret, which
 * the credential masker does not know.
 */
export function authorizationHeader(credential: Credential): string {
  const { name, type, fields } = credential;
  if (type === 'token' && fields.token) return `Bearer ${fields.token}`;
  if (type === 'password' && fields.password) return `Basic ${Buffer.from(`${fields.username ?? ''}:${fields.password}`, 'utf8').toString('base64')}`;
  throw new NonRetryableError(`with.credential: credential "${name}" is of type ${type}; the http step needs a token credential (Bearer) or a password credential (Basic)`, {
    code: 'invalid-input',
    details: { field: 'credential', credential: name, type },
  });
}
