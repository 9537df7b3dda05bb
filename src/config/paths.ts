import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The installed package (repository) root: holds playbooks/, workflows/, reports/. */
export function packageRoot(): string {
  // This file is src/config/paths.ts (tests) or dist/config/paths.js (built): two levels below.
  return resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
}

/** Patrol's data directory: $PATROL_HOME, default ~/.patrol. */
export function patrolHome(env: NodeJS.ProcessEnv = process.env): string {
  return resolve(env.PATROL_HOME ?? join(homedir(), '.patrol'));
}

export interface PatrolPaths {
  home: string;
  /** SQLite database of the embedded mode. */
  database: string;
  /** Generated credentials key when PATROL_SECRET_KEY(_FILE) is not set. */
  secretKey: string;
  /** Scratch directories of step attempts. */
  work: string;
  /** known_hosts used by ssh steps (and Ansible through Patrol) by default. */
  knownHosts: string;
  /** Reports written by inspections. */
  reports: string;
  playbooks: string;
  workflows: string;
  /** Ansible plugins shipped with Patrol (callback plugin streaming events to Patrol). */
  ansiblePlugins: string;
}

export function patrolPaths(env: NodeJS.ProcessEnv = process.env): PatrolPaths {
  const home = patrolHome(env);
  const root = packageRoot();
  return {
    home,
    database: join(home, 'patrol.db'),
    secretKey: join(home, 'secret.key'),
    work: join(home, 'work'),
    knownHosts: join(home, 'known_hosts'),
    reports: join(home, 'reports'),
    playbooks: join(root, 'playbooks'),
    workflows: join(root, 'workflows'),
    ansiblePlugins: join(root, 'playbooks', 'plugins'),
  };
}
