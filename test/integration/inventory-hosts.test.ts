import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listInventoryHosts, prefetchInventoryHosts } from '../../src/ansible/inventory-hosts.js';

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

describe('prefetchInventoryHosts', () => {
  const names = async (file: string, limit?: string) => (await listInventoryHosts([file], { signal, ...(limit ? { limit } : {}) })).map((h) => h.name);

  test('the step takes the resolution started ahead for the same inventory and limit (one ansible-inventory run); another limit resolves on its own', async () => {
    // ansible-inventory through a wrapper that counts its runs.
    const bin = join(dir, 'bin');
    const runs = join(dir, 'runs.txt');
    mkdirSync(bin, { recursive: true });
    writeFileSync(join(bin, 'ansible-inventory'), `#!/bin/sh\necho run >> ${runs}\nexec ${execFileSync('which', ['ansible-inventory'], { encoding: 'utf8' }).trim()} "$@"\n`, { mode: 0o755 });
    const path = process.env.PATH;
    process.env.PATH = `${bin}:${path}`;
    try {
      const file = join(dir, 'ahead.ini');
      writeFileSync(file, '[web]\nw1\nw2\n[db]\nd1\n');
      const stop = prefetchInventoryHosts([file], { limit: 'web' });
      expect(await names(file)).toEqual(['d1', 'w1', 'w2']);
      expect(await names(file, 'web')).toEqual(['w1', 'w2']);
      expect(readFileSync(runs, 'utf8').split('\n').filter(Boolean)).toHaveLength(2);
      // Taken once: the next call runs Ansible again.
      expect(await names(file, 'web')).toEqual(['w1', 'w2']);
      expect(readFileSync(runs, 'utf8').split('\n').filter(Boolean)).toHaveLength(3);
      stop();
    } finally {
      process.env.PATH = path;
    }
  });

  test('an inventory changed since the prefetch started is read again', async () => {
    const file = join(dir, 'changed.ini');
    writeFileSync(file, '[web]\nw1\n');
    const stop = prefetchInventoryHosts([file]);
    await new Promise((r) => setTimeout(r, 2000)); // the prefetch has read the old file
    writeFileSync(file, '[web]\nw1\nw2\nw3\n');
    expect(await names(file)).toEqual(['w1', 'w2', 'w3']);
    stop();
  });

  test('an untaken prefetch is stopped; a failing one fails only whoever takes it, with the usual error', async () => {
    const file = join(dir, 'stopped.ini');
    writeFileSync(file, '[web]\nw1\n');
    prefetchInventoryHosts([file])();
    expect(await names(file)).toEqual(['w1']);
    const bad = join(dir, 'bad.ini');
    writeFileSync(bad, '[web\nw1\n');
    const stop = prefetchInventoryHosts([bad]);
    await new Promise((r) => setTimeout(r, 3000)); // long enough to fail untaken (no unhandled rejection)
    await expect(listInventoryHosts([bad], { signal })).rejects.toThrow(`cannot read inventory ${bad}`);
    stop();
  });
});
