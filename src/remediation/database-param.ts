import type { Finding } from '../findings/finding.js';
import type { CheckCatalog } from '../inspections/check-catalog.js';
import { loadInspectionConfig } from '../inspections/config/load-inspection-config.js';
import { InputError } from '../errors/index.js';

/**
 * How a database runbook reaches the database of a finding. Never a password: `credential` is the
 * name of the store's credential, which the runbook's ansible step resolves (credentialVars).
 */
export interface DatabaseParam {
  name: string;
  type: 'postgres' | 'mysql' | 'redis';
  host: string;
  port: number;
  database: string;
  user: string;
  via: string;
  /** Name of the database's credential in Patrol's store; "" = the client's own login (socket, ~/.pgpass, ~/.my.cnf). */
  credential: string;
}

const DEFAULT_PORT = { postgres: 5432, mysql: 3306, redis: 6379 } as const;

/**
 * The `database` param of a database runbook: the entry of the inspection's InspectionConfig the
 * finding's target belongs to ("orders-pg" or "orders-pg/public.orders" -> orders-pg), so the
 * runbook connects where the inspection did.
 */
export async function databaseParam(finding: Finding, configFile: string, catalog: CheckCatalog): Promise<DatabaseParam> {
  if (!configFile) throw new InputError(`finding ${finding.id} (${finding.check} on ${finding.target}): the runbook needs the InspectionConfig that lists the database; pass --config`, { field: 'config' });
  const config = await loadInspectionConfig(configFile, catalog);
  const name = finding.target.split('/')[0]!;
  const db = config.spec.databases.find((d) => d.name === name);
  if (!db) throw new InputError(`${configFile} lists no database named ${name} (the target of finding ${finding.id}); known: ${config.spec.databases.map((d) => d.name).join(', ') || 'none'}`, { field: 'config' });
  return {
    name: db.name,
    type: db.type,
    host: db.host,
    port: db.port ?? DEFAULT_PORT[db.type],
    database: db.database ?? (db.type === 'postgres' ? 'postgres' : ''),
    user: db.user ?? (db.type === 'postgres' ? 'postgres' : 'root'),
    via: db.via,
    credential: db.credential ?? '',
  };
}
