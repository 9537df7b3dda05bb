import type { Command } from 'commander';
import { action } from '../cli-errors.js';
import { printJson, table, when } from '../output.js';
import { collectParam } from '../params-option.js';
import { openRuntime } from '../../runtime/open-runtime.js';
import { silentLogger } from '../../logging/logger.js';
import { RbacService } from '../../auth/rbac-service.js';
import { AuthService } from '../../auth/auth-service.js';
import { AuditService } from '../../audit/audit-service.js';
import { Grants } from '../../auth/grants.js';
import { PERMISSION_NAMES } from '../../auth/permissions.js';
import { randomSecret } from '../../auth/secrets.js';
import { InputError } from '../../errors/index.js';
import { readFile } from 'node:fs/promises';
import type { Actor } from '../../auth/actor.js';

/** The local operator acts as an administrator of the embedded store (they own its files). */
const localName = () => process.env.USER || 'local';

async function readPassword(opts: { passwordStdin?: boolean; passwordFile?: string }): Promise<string | undefined> {
  if (opts.passwordFile) return (await readFile(opts.passwordFile, 'utf8')).replace(/\r?\n$/, '');
  if (opts.passwordStdin) {
    const chunks: Buffer[] = [];
    for await (const c of process.stdin) chunks.push(c as Buffer);
    return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
  }
  return undefined;
}

async function services() {
  const rt = await openRuntime({ logger: silentLogger() });
  const rbac = new RbacService(rt.store);
  await rbac.ensureBuiltinRoles();
  const rounds = process.env.PATROL_BCRYPT_ROUNDS ? Number(process.env.PATROL_BCRYPT_ROUNDS) : undefined;
  const auth = new AuthService(rt.store, rbac, rounds ? { bcryptRounds: rounds } : {});
  const audit = new AuditService(rt.store);
  const record = (action: string, resourceId: string, details: Record<string, unknown> = {}) =>
    audit.record({ actor: localName(), actorKind: 'cli', action, resourceType: 'user', resourceId, outcome: 'success', details });
  return { rt, rbac, auth, record };
}

/** `patrol users`: manage the server's users in the store directly (bootstrap, recovery). */
export function registerUsers(program: Command): void {
  const cmd = program.command('users').description("the server's users: add (the first administrator too), list, password, unlock, token, delete; works on the store directly");
  cmd
    .command('add')
    .argument('<name>')
    .option('--admin', 'bind the admin role in every namespace')
    .option('--role <role[:namespace]>', 'bind a role (namespace default "*"); repeatable', collectParam, [])
    .option('--group <name>', 'a group the user belongs to; repeatable', collectParam, [])
    .option('--password-stdin', 'read the password from standard input')
    .option('--password-file <file>', 'read the password from a file')
    .option('--no-password', 'a service account that signs in only with API tokens')
    .action(
      action(async (name: string, opts: { admin?: boolean; role: string[]; group: string[]; passwordStdin?: boolean; passwordFile?: string; password: boolean }) => {
        let password = await readPassword(opts);
        const generated = password === undefined && opts.password;
        if (generated) password = randomSecret(18);
        const { rt, rbac, auth, record } = await services();
        try {
          const user = await auth.createUser({ name, password: opts.password ? password! : null, groups: opts.group });
          const roles = [...(opts.admin ? ['admin:*'] : []), ...opts.role];
          for (const spec of roles) {
            const [role, namespace = '*'] = spec.split(':');
            await rbac.bind({ subjectKind: 'user', subject: user.name, role: role!, namespace }, localName());
          }
          await record('users.create', user.name, { roles, groups: opts.group });
          process.stdout.write(`user ${user.name} created${roles.length ? ` with ${roles.join(', ')}` : ' (no roles yet: patrol users add ... --role viewer)'}\n`);
          if (generated) process.stdout.write(`password (shown once): ${password}\n`);
        } finally {
          await rt.close();
        }
      }),
    );
  cmd
    .command('list')
    .option('--json', 'JSON output')
    .action(
      action(async (opts: { json?: boolean }) => {
        const { rt } = await services();
        try {
          const page = await rt.store.users.list({ limit: 1000 });
          const rows = [];
          for (const u of page.items) {
            const bindings = await rt.store.roles.bindingsFor(u.name, u.groups);
            rows.push({ name: u.name, groups: u.groups, roles: bindings.map((b) => `${b.role}:${b.namespace}`), disabled: u.disabled, lockedUntil: u.lockedUntil, lastLoginAt: u.lastLoginAt });
          }
          if (opts.json) return printJson(rows);
          process.stdout.write(`${table(['NAME', 'ROLES', 'GROUPS', 'STATE', 'LAST LOGIN'], rows.map((r) => [r.name, r.roles.join(' '), r.groups.join(','), r.disabled ? 'disabled' : r.lockedUntil && r.lockedUntil > Date.now() ? 'locked' : 'active', when(r.lastLoginAt)]))}\n`);
        } finally {
          await rt.close();
        }
      }),
    );
  cmd
    .command('password')
    .argument('<name>')
    .option('--password-stdin', 'read the password from standard input')
    .option('--password-file <file>', 'read the password from a file')
    .action(
      action(async (name: string, opts: { passwordStdin?: boolean; passwordFile?: string }) => {
        const password = await readPassword(opts);
        if (!password) throw new InputError('give the new password with --password-stdin or --password-file');
        const { rt, auth, record } = await services();
        try {
          await auth.updateUser(name, { password });
          await record('users.update', name, { changed: ['password'] });
          process.stdout.write(`password of ${name} changed; their sessions ended\n`);
        } finally {
          await rt.close();
        }
      }),
    );
  cmd
    .command('unlock')
    .argument('<name>')
    .action(
      action(async (name: string) => {
        const { rt, auth, record } = await services();
        try {
          await auth.unlockUser(name);
          await record('users.unlock', name);
          process.stdout.write(`${name} unlocked\n`);
        } finally {
          await rt.close();
        }
      }),
    );
  cmd
    .command('token')
    .description('create an API token for a user (for PATROL_TOKEN); the secret is printed once')
    .argument('<name>')
    .option('--name <token-name>', 'what the token is for', 'cli')
    .option('--scope <permission>', `limit to a permission; repeatable (${PERMISSION_NAMES.length} permissions: see GET /api/v1/permissions)`, collectParam, [])
    .option('--days <n>', 'days until it expires', '90')
    .action(
      action(async (name: string, opts: { name: string; scope: string[]; days: string }) => {
        const days = Number(opts.days);
        if (!Number.isInteger(days) || days < 1) throw new InputError('--days must be a positive integer');
        const { rt, auth, record } = await services();
        try {
          const user = await auth.getUser(name);
          // The local operator owns the store: they act as an administrator creating a token for the user.
          const creator: Actor = { userId: '', name: localName(), groups: [], via: 'token', grants: new Grants([{ role: 'admin', namespace: '*' }], new Map([['admin', PERMISSION_NAMES]])) };
          const { token, record: t } = await auth.createToken(user, { name: opts.name, scopes: opts.scope.length ? opts.scope : null, expiresInDays: days }, creator);
          await record('tokens.create', user.name, { token: t.id, name: t.name, scopes: t.scopes, expiresAt: t.expiresAt });
          process.stdout.write(`${token}\n`);
          process.stderr.write(`token ${t.id} for ${user.name} expires ${when(t.expiresAt)}; shown once (export PATROL_TOKEN=...)\n`);
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
        const { rt, auth, record } = await services();
        try {
          await auth.deleteUser(name);
          await record('users.delete', name);
          process.stdout.write(`user ${name} deleted with their tokens, sessions and role bindings\n`);
        } finally {
          await rt.close();
        }
      }),
    );
}
