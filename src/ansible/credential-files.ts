import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import type { Credential } from '../credentials/credential.js';
import { MissingDependencyError, NonRetryableError } from '../errors/index.js';
import { commandExists } from '../process/run-process.js';

export interface CredentialInputs {
  credential?: string;
  becomeCredential?: string;
  vaultCredential?: string;
  /** Variable name -> credential name ("" = none): the credential's fields as that extra var. */
  credentialVars?: Record<string, string>;
}

export interface CredentialArgs {
  /** ansible-playbook arguments (--private-key, --user, --become-password-file, ...). */
  args: string[];
}

/**
 * Turns the step's credentials into what ansible-playbook reads: files (0600, in a 0700 directory
 * of the attempt's work dir, removed with it) named on the command line, never secret values in
 * argv or the environment where `ps` would show them.
 */
export async function writeCredentialFiles(dir: string, input: CredentialInputs, get: (name: string) => Promise<Credential>, signal: AbortSignal): Promise<CredentialArgs> {
  const args: string[] = [];
  const credentialVars = Object.entries(input.credentialVars ?? {}).filter(([, cred]) => cred !== '');
  if (!input.credential && !input.becomeCredential && !input.vaultCredential && credentialVars.length === 0) return { args };
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const write = (name: string, content: string) => writeFile(join(dir, name), content, { mode: 0o600, flag: 'wx' }).then(() => join(dir, name));

  if (input.credential) {
    const c = await get(input.credential);
    if (c.type === 'ssh-key') {
      // ssh rejects a key without its final newline, and CRLF from a pasted key.
      const key = await write('ssh-key', `${c.fields.privateKey!.replace(/\r\n/g, '\n').trimEnd()}\n`);
      if (c.fields.passphrase) await removePassphrase(key, c.fields.passphrase, dir, c.name, signal);
      args.push('--private-key', key);
    } else if (c.type === 'password') {
      if (!(await commandExists('sshpass'))) throw new MissingDependencyError(`sshpass (needed for SSH password logins with credential "${c.name}")`, 'apt-get install -y sshpass');
      // Extra vars outrank inventory variables, so the credential's password is the one used.
      const vars = await write('connection-vars.json', JSON.stringify({ ansible_password: c.fields.password }));
      args.push('--extra-vars', `@${vars}`);
    } else {
      throw new NonRetryableError(`with.credential: credential "${c.name}" is of type ${c.type}; use an ssh-key or password credential`, { code: 'invalid-input', details: { field: 'credential' } });
    }
    if (c.fields.username) args.push('--user', c.fields.username);
  }
  if (input.becomeCredential) {
    const c = await get(input.becomeCredential);
    if (c.type !== 'password') throw new NonRetryableError(`with.becomeCredential: credential "${c.name}" is of type ${c.type}; use a password credential`, { code: 'invalid-input', details: { field: 'becomeCredential' } });
    args.push('--become-password-file', await write('become-password', c.fields.password!));
  }
  if (input.vaultCredential) {
    const c = await get(input.vaultCredential);
    if (c.type !== 'vault-password') throw new NonRetryableError(`with.vaultCredential: credential "${c.name}" is of type ${c.type}; use a vault-password credential`, { code: 'invalid-input', details: { field: 'vaultCredential' } });
    // Not executable: Ansible would run an executable password file as a script.
    args.push('--vault-password-file', await write('vault-password', c.fields.password!));
  }
  if (credentialVars.length > 0) {
    const vars: Record<string, Record<string, string>> = {};
    for (const [variable, cred] of credentialVars) {
      const c = await get(cred);
      vars[variable] = { ...c.fields, type: c.type };
    }
    args.push('--extra-vars', `@${await write('credential-vars.json', JSON.stringify(vars))}`);
  }
  return { args };
}

/**
 * ansible-playbook cannot type a key's passphrase. Decrypt the attempt's private copy instead
 * (ssh-keygen reads the old passphrase through SSH_ASKPASS, from a 0600 file, never from argv).
 */
async function removePassphrase(keyFile: string, passphrase: string, dir: string, credential: string, signal: AbortSignal): Promise<void> {
  const passFile = join(dir, 'ssh-key-passphrase');
  const askpass = join(dir, 'askpass.sh');
  await writeFile(passFile, passphrase, { mode: 0o600, flag: 'wx' });
  await writeFile(askpass, '#!/bin/sh\nexec cat "$PATROL_ASKPASS_FILE"\n', { mode: 0o700, flag: 'wx' });
  const r = await execa('ssh-keygen', ['-p', '-q', '-f', keyFile, '-N', ''], {
    env: { SSH_ASKPASS: askpass, SSH_ASKPASS_REQUIRE: 'force', PATROL_ASKPASS_FILE: passFile, DISPLAY: ':0' },
    stdin: 'ignore',
    reject: false,
    cancelSignal: signal,
    timeout: 15000,
    detached: true,
  });
  if (r.exitCode !== 0) {
    if ((r as { code?: string }).code === 'ENOENT') throw new MissingDependencyError('ssh-keygen (needed to use the passphrase of an ssh-key credential)', 'apt-get install -y openssh-client');
    throw new NonRetryableError(`credential "${credential}": could not unlock the private key with its passphrase: ${String(r.stderr).trim() || `ssh-keygen exited with ${r.exitCode}`}`, { code: 'bad-credential', details: { credential } });
  }
}
