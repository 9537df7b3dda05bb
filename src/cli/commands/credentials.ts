import { readFile, writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { action } from '../cli-errors.js';
import { printJson, table, when } from '../output.js';
import { collectParam } from '../params-option.js';
import { openRuntime } from '../../runtime/open-runtime.js';
import { silentLogger } from '../../logging/logger.js';
import { InputError, NotFoundError } from '../../errors/index.js';
import { CREDENTIAL_TYPES } from '../../credentials/credential.js';
import { CredentialService } from '../../credentials/credential-service.js';
import { loadSecretKey } from '../../credentials/secret-key.js';
import { EXIT } from '../exit-codes.js';
import { clientFromEnv } from '../../api-client/api-client.js';
import { remoteCredentialsAdd, remoteCredentialsDelete, remoteCredentialsList } from '../remote/remote-commands.js';
import { cliAudit } from '../cli-audit.js';

/**
 * Field values: `key=value`, `key=@path` (read a file, e.g. a private key), or `key=-` (read from
 * standard input) — so secrets need not appear in the shell history or the process list.
 */
async function readFields(specs: string[]): Promise<Record<string, string>> {
  const fields: Record<string, string> = {};
  let stdinUsed = false;
  for (const spec of specs) {
    const i = spec.indexOf('=');
    if (i <= 0) throw new InputError(`--field "${spec}" must be key=value, key=@file or key=-`, { field: '--field' });
    const key = spec.slice(0, i);
    const raw = spec.slice(i + 1);
    if (raw === '-') {
      if (stdinUsed) throw new InputError('only one --field may read standard input', { field: '--field' });
      stdinUsed = true;
      const chunks: Buffer[] = [];
      for await (const c of process.stdin) chunks.push(c as Buffer);
      fields[key] = Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
    } else if (raw.startsWith('@')) {
      try {
        fields[key] = await readFile(raw.slice(1), 'utf8');
      } catch {
        throw new InputError(`--field ${key}: cannot read file ${raw.slice(1)}`, { field: `--field ${key}` });
      }
    } else fields[key] = raw;
  }
  return fields;
}

export function registerCredentials(program: Command): void {
  const cmd = program.command('credentials').description('credentials for steps (encrypted at rest, never printed)');
  cmd
    .command('add')
    .description(`add or replace a credential; types: ${CREDENTIAL_TYPES.join(', ')}`)
    .argument('<name>', 'name workflows refer to')
    .requiredOption('--type <type>', CREDENTIAL_TYPES.join(' | '))
    .option('--field <key=value>', 'a field: key=value, key=@file, key=- (stdin); repeatable', collectParam, [])
    .option('--description <text>', 'what it is for')
    .action(
      action(async (name: string, opts: { type: string; field: string[]; description?: string }) => {
        const fields = await readFields(opts.field);
        const client = clientFromEnv();
        if (client) return remoteCredentialsAdd(client, name, { type: opts.type, fields, ...(opts.description ? { description: opts.description } : {}) });
        const rt = await openRuntime({ logger: silentLogger() });
        try {
          const meta = await rt.credentials.put({ name, type: opts.type, fields, ...(opts.description ? { description: opts.description } : {}) });
          await cliAudit(rt.store, { action: 'credentials.write', resourceType: 'credential', resourceId: meta.name, details: { type: meta.type, fieldNames: meta.fieldNames } });
          process.stdout.write(`credential ${meta.name} (${meta.type}) saved with fields ${meta.fieldNames.join(', ')}\n`);
        } finally {
          await rt.close();
        }
      }),
    );
  cmd
    .command('list')
    .description('credential metadata (never secret values)')
    .option('--json', 'JSON output')
    .action(
      action(async (opts: { json?: boolean }) => {
        const client = clientFromEnv();
        if (client) return remoteCredentialsList(client, opts.json ?? false);
        const rt = await openRuntime({ logger: silentLogger() });
        try {
          const list = await rt.credentials.list();
          if (opts.json) printJson(list);
          else process.stdout.write(`${table(['NAME', 'TYPE', 'USERNAME', 'FIELDS', 'UPDATED', 'DESCRIPTION'], list.map((c) => [c.name, c.type, c.username ?? '', c.fieldNames.join(','), when(c.updatedAt), c.description ?? '']))}\n`);
        } finally {
          await rt.close();
        }
      }),
    );
  cmd
    .command('delete')
    .argument('<name>')
    .action(
      action(async (name: string) => {
        const client = clientFromEnv();
        if (client) return remoteCredentialsDelete(client, name);
        const rt = await openRuntime({ logger: silentLogger() });
        try {
          if (!(await rt.credentials.delete(name))) throw new NotFoundError(`credential "${name}" does not exist`);
          await cliAudit(rt.store, { action: 'credentials.delete', resourceType: 'credential', resourceId: name });
          process.stdout.write(`credential ${name} deleted\n`);
        } finally {
          await rt.close();
        }
      }),
    );
  cmd
    .command('rotate-key')
    .description('re-encrypt every credential with a new key (then point PATROL_SECRET_KEY or PATROL_SECRET_KEY_FILE at it)')
    .requiredOption('--new-key-file <file>', 'file with the new 32-byte key, base64 or hex (e.g. `openssl rand -base64 32 > key`)')
    .action(
      action(async (opts: { newKeyFile: string }) => {
        if (clientFromEnv()) throw new InputError('rotate-key works on the store and the key of the server host: run it there without PATROL_SERVER');
        const newKey = loadSecretKey({ file: opts.newKeyFile });
        const rt = await openRuntime({ logger: silentLogger() });
        try {
          const n = await new CredentialService(rt.store, rt.secretKey).rotate(newKey);
          await cliAudit(rt.store, { action: 'credentials.rotate-key', resourceType: 'credential', details: { credentials: n, keyId: newKey.id } });
          const usingGenerated = !process.env.PATROL_SECRET_KEY && !process.env.PATROL_SECRET_KEY_FILE;
          if (usingGenerated) await writeFile(rt.paths.secretKey, await readFile(opts.newKeyFile, 'utf8'), { mode: 0o600 });
          process.stdout.write(`${n} credential(s) re-encrypted with key ${newKey.id}${usingGenerated ? ` (stored in ${rt.paths.secretKey})` : '; now set PATROL_SECRET_KEY(_FILE) to the new key'}\n`);
          return EXIT.ok;
        } finally {
          await rt.close();
        }
      }),
    );
}
