import type { Credential } from '../credentials/credential.js';
import { NonRetryableError } from '../errors/index.js';
import { parsePrivateKey } from './parse-private-key.js';
import type { SshAuth } from './run-on-host.js';

/**
 * Login material from an `ssh-key` or `password` credential, checked before any host is
 * contacted: a credential of another type or an unusable key fails the step once, clearly.
 */
export function sshAuthFrom(credential: Credential): { auth: SshAuth; label: string; username: string | undefined } {
  const label = `credential "${credential.name}" (${credential.type})`;
  const username = credential.fields.username;
  if (credential.type === 'ssh-key') {
    const privateKey = credential.fields.privateKey;
    if (!privateKey) throw new NonRetryableError(`${label} has no privateKey field`, { code: 'credential-invalid', details: { credential: credential.name } });
    const key = parsePrivateKey(privateKey, credential.fields.passphrase);
    if (typeof key === 'string') {
      throw new NonRetryableError(`${label}: the private key cannot be used: ${key}`, { code: 'credential-invalid', details: { credential: credential.name } });
    }
    return { auth: { kind: 'key', key }, label, username };
  }
  if (credential.type === 'password') {
    const password = credential.fields.password;
    if (!password) throw new NonRetryableError(`${label} has no password field`, { code: 'credential-invalid', details: { credential: credential.name } });
    return { auth: { kind: 'password', password }, label, username };
  }
  throw new NonRetryableError(`${label}: the ssh step needs an ssh-key or password credential`, { code: 'credential-type', details: { credential: credential.name, type: credential.type } });
}
