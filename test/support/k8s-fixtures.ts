import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** When the fixture clusters were recorded (test/fixtures/k8s/make-fixtures.ts); checks run with this as now. */
export const FIXTURE_NOW = Date.parse('2026-11-20T09:00:00Z');
export const FIXTURES = resolve(import.meta.dirname, '..', 'fixtures', 'k8s');

/** The `kubectl get -o json` List dumps of a fixture cluster ("healthy" or "problems"). */
export function fixtureObjects(name: 'healthy' | 'problems'): unknown[] {
  const dir = join(FIXTURES, name);
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as unknown);
}
