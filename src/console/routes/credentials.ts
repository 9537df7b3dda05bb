import type { Router } from 'express';
import { pageOf } from '../../api/schemas/common.js';
import { credentialSchema } from '../../api/routes/credentials.js';
import { CREDENTIAL_TYPES } from '../../credentials/credential.js';
import { InputError } from '../../errors/index.js';
import { formProblem, page, type ConsoleDeps, type Ctx, type FormProblem } from '../console-context.js';

/** The secret inputs of the form, and the credential types that use each. */
const SECRET_FIELDS = [
  { name: 'password', label: 'Password', types: ['password', 'vault-password'], multiline: false },
  { name: 'token', label: 'Token', types: ['token'], multiline: false },
  { name: 'privateKey', label: 'Private key (PEM)', types: ['ssh-key'], multiline: true },
  { name: 'passphrase', label: 'Key passphrase (optional)', types: ['ssh-key'], multiline: false },
];

/**
 * Credentials, write-only: the list shows metadata (type, field names, user name, dates); the
 * form sends values that are never shown again, not even when the form comes back with an error.
 */
export function credentialPages(router: Router, deps: ConsoleDeps): void {
  const show = async (c: Ctx, opts: { problem?: FormProblem; v?: { name: string; type: string; description: string } } = {}) => {
    if (!c.can('credentials.read') && !c.can('credentials.write')) c.require('credentials.read');
    const list = c.can('credentials.read') ? await c.call('GET /api/v1/credentials', { query: { limit: '500' } }, pageOf(credentialSchema)) : undefined;
    const v = opts.v ?? { name: '', type: 'password', description: '' };
    c.render(
      'credentials',
      {
        title: 'Credentials',
        credentials: list?.items,
        canRead: list !== undefined,
        canWrite: c.can('credentials.write'),
        types: CREDENTIAL_TYPES.map((t) => ({ value: t, selected: t === v.type })),
        secretFields: SECRET_FIELDS.map((f) => ({ ...f, types: f.types.join(' '), shown: f.types.includes(v.type) })),
        v,
        problem: opts.problem,
        field: opts.problem?.field?.replace(/^fields\./, '') ?? null,
      },
      opts.problem?.status ?? 200,
    );
  };
  router.get('/credentials', page(deps, (c) => show(c)));
  router.post(
    '/credentials',
    page(deps, async (c) => {
      const f = c.form;
      const v = { name: f.str('name').trim(), type: f.str('type'), description: f.str('description').trim() };
      try {
        const fields: Record<string, string> = {};
        const username = f.str('username').trim();
        if (username && v.type !== 'vault-password' && v.type !== 'generic') fields.username = username;
        for (const s of SECRET_FIELDS) if (s.types.includes(v.type) && f.str(s.name) !== '') fields[s.name] = f.str(s.name);
        if (v.type === 'generic') {
          for (const line of f.str('generic').split(/\r?\n/).filter((l) => l.trim() !== '')) {
            const i = line.indexOf('=');
            if (i <= 0) throw new InputError('generic fields are NAME=VALUE lines', { field: 'generic' });
            fields[line.slice(0, i).trim()] = line.slice(i + 1);
          }
        }
        await c.call('POST /api/v1/credentials', { body: { name: v.name, type: v.type, fields, ...(v.description ? { description: v.description } : {}) } }, credentialSchema);
        c.redirect('/credentials', 'credential-saved');
      } catch (err) {
        const p = formProblem(err);
        if (!p) throw err;
        await show(c, { problem: p, v });
      }
    }),
  );
  router.post(
    '/credentials/:name/delete',
    page(deps, async (c) => {
      await c.run('DELETE /api/v1/credentials/:name', { params: { name: String(c.req.params.name) } });
      c.redirect('/credentials', 'credential-deleted');
    }),
  );
}
