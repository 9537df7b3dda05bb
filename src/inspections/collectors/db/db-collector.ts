import { parseDuration } from '../../../util/duration.js';
import type { Collector } from '../collector.js';
import type { TargetMeasurements } from '../../measurement.js';
import type { DatabaseTarget } from './db-targets.js';
import { collectorNameOf, dbExtraVars, dbMeasurements, loginFrom, selectDatabases, targetInfoOf, type DbLogin } from './db-collection-plan.js';
import { DB_SECTIONS } from './db-sections.js';

/**
 * Database measurements: playbooks/inspect-db.yml runs playbooks/library/patrol_db.py once per
 * configured database, from its `via` host (the Patrol host by default), each database being a
 * host of the run so forks query them in parallel and a failure stays with its database.
 * Credentials are read from Patrol's store here (ctx.secrets masks them in every log and output)
 * and reach the module only through the ansible step's 0600 extra-vars file.
 */
export const dbCollector: Collector = {
  kind: 'db',
  produces: ['postgres', 'mysql', 'redis'],
  async collect(req) {
    const selected = selectDatabases(req.config.spec.databases, req.limit);
    if (selected.length === 0) {
      req.ctx.log.warn(req.config.spec.databases.length === 0 ? 'no databases to inspect: list them under spec.databases of the InspectionConfig (docs/db-checks.md)' : `--limit ${req.limit} matches none of the databases (${req.config.spec.databases.map((d) => d.name).join(', ')})`);
      return [];
    }
    const results = new Map<DatabaseTarget, TargetMeasurements>();
    const ready: { db: DatabaseTarget; login: DbLogin }[] = [];
    const seen = new Set<string>();
    for (const db of selected) {
      const fail = (error: string) => results.set(db, { collector: collectorNameOf(db), target: targetInfoOf(db), error, sections: {} });
      if (seen.has(db.name)) {
        fail(`another database in spec.databases is named "${db.name}": names must be unique (they are the targets of findings)`);
        continue;
      }
      seen.add(db.name);
      try {
        const cred = db.credential ? await req.ctx.secrets.get(db.credential) : undefined;
        ready.push({ db, login: loginFrom(db, cred) });
      } catch (err) {
        fail(`credential "${db.credential}": ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    if (ready.length > 0) {
      const sectionTimeout = Math.max(1, Math.ceil(parseDuration(req.config.spec.collection.sectionTimeout) / 1000));
      const remote = ready.some((r) => r.db.via !== 'localhost');
      const maxSections = Math.max(...ready.map((r) => DB_SECTIONS[r.db.type].length));
      req.ctx.log.info(`inspecting ${ready.length} database${ready.length === 1 ? '' : 's'}: ${ready.map((r) => `${r.db.name} (${r.db.type} ${r.db.host}${r.db.port ? `:${r.db.port}` : ''} via ${r.db.via})`).join(', ')}`);
      const output = await req.runPlaybook({
        playbook: 'inspect-db.yml',
        // Each database is a host of the run (tasks are delegated to its `via` host); localhost
        // is listed so delegation to it uses a local connection and Ansible's own Python.
        hosts: [...ready.map((r) => ({ name: r.db.name, address: 'localhost' })), 'localhost'],
        // The inventory is only needed to reach remote `via` hosts.
        ...(remote ? {} : { inventory: [] }),
        forks: Math.min(ready.length, 20),
        extraVars: dbExtraVars(ready, sectionTimeout),
        // Sections run one after another on one connection: bound the whole task.
        taskTimeout: sectionTimeout * (maxSections + 1) + 30,
      });
      const measured = dbMeasurements(ready.map((r) => r.db), output);
      ready.forEach((r, i) => results.set(r.db, measured[i]!));
    }
    return selected.map((db) => results.get(db)!);
  },
};
