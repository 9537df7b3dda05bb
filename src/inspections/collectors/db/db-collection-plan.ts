import type { AnsibleStepOutput } from '../../../ansible/ansible-step-output.js';
import type { Credential } from '../../../credentials/credential.js';
import { parseDuration } from '../../../util/duration.js';
import { globMatch } from '../../config/glob.js';
import type { TargetInfo, TargetMeasurements } from '../../measurement.js';
import { measurementsFromPlaybook } from '../playbook-measurements.js';
import type { DatabaseTarget } from './db-targets.js';

/**
 * Pure parts of the db collector: which databases a run covers, the login for each, the extra
 * vars of inspect-db.yml, and turning its registered results into measurements. Kept apart from
 * the collector so they are unit-tested without Ansible.
 */

export const DB_REGISTER = 'patrol_db';
export const DB_TASK = 'Collect database measurements';

/** The measurement set (check source.collector) of a database: its engine. */
export function collectorNameOf(db: Pick<DatabaseTarget, 'type'>): string {
  return db.type;
}

/** Target of a database: its configured name; groups are its type and labels as key=value. */
export function targetInfoOf(db: DatabaseTarget): TargetInfo {
  return {
    name: db.name,
    groups: [db.type, ...Object.entries(db.labels).map(([k, v]) => `${k}=${v}`)],
    attributes: { type: db.type, host: db.host, ...(db.port ? { port: db.port } : {}), ...(db.database ? { database: db.database } : {}), via: db.via },
  };
}

/**
 * Databases selected by an Ansible-style --limit: comma- or colon-separated name globs, "!glob"
 * excludes, "all" / "*" select everything. (Groups do not apply: databases are not in an inventory.)
 */
export function selectDatabases<D extends { name: string }>(dbs: readonly D[], limit: string | undefined): D[] {
  if (!limit || limit.trim() === '') return [...dbs];
  const parts = limit.split(/[,:]/).map((p) => p.trim()).filter(Boolean);
  const include = parts.filter((p) => !p.startsWith('!')).map((p) => (p === 'all' ? '*' : p.replace(/^&/, '')));
  const exclude = parts.filter((p) => p.startsWith('!')).map((p) => p.slice(1));
  return dbs.filter((d) => (include.length === 0 || include.some((g) => globMatch(g, d.name))) && !exclude.some((g) => globMatch(g, d.name)));
}

export interface DbLogin {
  user?: string;
  password?: string;
}

/** The login of a database from its credential: password (or token) and the credential's username, else the target's user. */
export function loginFrom(db: DatabaseTarget, cred: Credential | undefined): DbLogin {
  const out: DbLogin = {};
  if (db.user) out.user = db.user;
  if (!cred) return out;
  const user = cred.fields.username;
  if (user) out.user = user;
  if (cred.type === 'password' && cred.fields.password) out.password = cred.fields.password;
  else if (cred.type === 'token' && cred.fields.token) out.password = cred.fields.token;
  else if (cred.type === 'generic' && (cred.fields.password ?? cred.fields.token)) out.password = (cred.fields.password ?? cred.fields.token)!;
  else throw new Error(`credential "${cred.name}" is of type ${cred.type}; databases need a password credential (or token, for Redis)`);
  return out;
}

/** Per-database module arguments (no secrets: passwords travel separately, see dbExtraVars). */
export function moduleParamsOf(db: DatabaseTarget, login: DbLogin): Record<string, unknown> {
  const params: Record<string, unknown> = { type: db.type, host: db.host, top: db.top, via: db.via };
  if (db.port !== undefined) params.port = db.port;
  if (db.database !== undefined) params.database = db.database;
  if (login.user !== undefined) params.user = login.user;
  if (db.type === 'mysql') {
    const sq = db.slowQueries;
    params.params = { mysql_statements: { source: sq?.source ?? 'auto', window_seconds: Math.round(parseDuration(sq?.window ?? '24h', 'slowQueries.window') / 1000) } };
  }
  return params;
}

/**
 * Extra vars of playbooks/inspect-db.yml. The ansible step writes them to a 0600 JSON file in the
 * attempt's private work directory (--extra-vars @file), so passwords never reach argv, the
 * environment or the generated inventory; the module takes them as a no_log parameter.
 */
export function dbExtraVars(dbs: readonly { db: DatabaseTarget; login: DbLogin }[], sectionTimeoutSeconds: number): Record<string, unknown> {
  const databases: Record<string, unknown> = {};
  const passwords: Record<string, string> = {};
  for (const { db, login } of dbs) {
    databases[db.name] = moduleParamsOf(db, login);
    if (login.password !== undefined) passwords[db.name] = login.password;
  }
  return {
    patrol_db_hosts: dbs.map((d) => d.db.name).join(','),
    patrol_databases: databases,
    patrol_db_passwords: passwords,
    patrol_section_timeout: sectionTimeoutSeconds,
  };
}

const TASK_PREFIX = `task "${DB_TASK}" failed: `;

/**
 * Measurements from the run: each database's registered module result, or why there is none
 * (cannot connect or log in, the `via` host unreachable) as an error on the whole database.
 */
export function dbMeasurements(dbs: readonly DatabaseTarget[], output: AnsibleStepOutput): TargetMeasurements[] {
  return dbs.map((db) => {
    const [m] = measurementsFromPlaybook({ collector: collectorNameOf(db), registerName: DB_REGISTER, hosts: [{ name: db.name, groups: [], vars: {} }], output });
    const out: TargetMeasurements = { collector: collectorNameOf(db), target: targetInfoOf(db), sections: m!.sections };
    if (m!.error !== undefined) {
      const why = (m!.error.startsWith(TASK_PREFIX) ? m!.error.slice(TASK_PREFIX.length) : m!.error).replace('did not reach this host', 'did not reach this database');
      out.error = why.startsWith('unreachable: ') && db.via !== 'localhost' ? `the via host ${db.via} is unreachable: ${why.slice('unreachable: '.length)}` : why;
    }
    return out;
  });
}
