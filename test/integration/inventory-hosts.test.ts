import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listInventoryHosts } from '../../src/ansible/inventory-hosts.js';

let dir: string;
let inv: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'patrol-inv-'));
  inv = join(dir, 'inv.ini');
  writeFileSync(inv, '[web]\nw1 ansible_host=10.0.0.1\nw2\n[db]\nd1\n[prod:children]\nweb\ndb\n');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const signal = new AbortController().signal;

test('hosts come with every group they belong to, transitively, and their vars', async () => {
  const hosts = await listInventoryHosts([inv], { signal });
  expect(hosts).toEqual([
    { name: 'd1', groups: ['db', 'prod'], vars: {} },
    { name: 'w1', groups: ['prod', 'web'], vars: { ansible_host: '10.0.0.1' } },
    { name: 'w2', groups: ['prod', 'web'], vars: {} },
  ]);
});

test('--limit patterns resolve as Ansible resolves them (groups, exclusions, intersections, globs)', async () => {
  const names = async (limit: string) => (await listInventoryHosts([inv], { signal, limit })).map((h) => h.name);
  expect(await names('web:!w2')).toEqual(['w1']);
  expect(await names('prod:&db')).toEqual(['d1']);
  expect(await names('w*')).toEqual(['w1', 'w2']);
  expect(await names('nothing-matches')).toEqual([]);
});

test('an unreadable inventory is a clear error naming it', async () => {
  await expect(listInventoryHosts([join(dir, 'missing.ini')], { signal })).rejects.toThrow('missing.ini');
});
