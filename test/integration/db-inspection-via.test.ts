import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startSshHosts, type SshHosts } from '../support/ssh-hosts.js';
import { startPostgres, type PostgresServer } from '../support/postgres.js';
import { cliHome, findingOf, type CliHome, type InspectionResult } from '../support/db-inspection.js';

/**
 * `via`: the queries run on an inventory host, not on the Patrol host. A real PostgreSQL listens
 * on the bridge of an SSH test host's network; the collection module runs on that host over SSH
 * (delegation), with the password from Patrol's credential store. A `via` host that cannot be
 * reached makes its database an error naming the host.
 */

const PW = 'Via-pg-pw-19ce44';
let fleet: SshHosts;
let pg: PostgresServer;
let cli: CliHome;
let result: InspectionResult;
let bridgeIp: string;

beforeAll(async () => {
  fleet = await startSshHosts(1);
  bridgeIp = fleet.subnet.replace(/\.0\/24$/, '.1');
  pg = await startPostgres({ password: PW, settings: { listen_addresses: `127.0.0.1,${bridgeIp}`, log_connections: true }, hba: [`host all all ${fleet.subnet} scram-sha-256`] });
  cli = cliHome();
  await cli.addCredential('pg-super', 'password', { username: 'postgres', password: PW });
  const inventory = join(cli.home, 'inventory.ini');
  writeFileSync(inventory, `${fleet.inventoryIni()}\n[ghosts]\nghost ansible_host=${fleet.unusedIp} ansible_ssh_timeout=3\n`);
  const config = cli.writeConfig('via-inspection', {
    databases: [
      { name: 'remote-pg', type: 'postgres', host: bridgeIp, port: pg.port, credential: 'pg-super', via: 'host-1' },
      { name: 'local-pg', type: 'postgres', host: '127.0.0.1', port: pg.port, credential: 'pg-super' },
      { name: 'ghost-pg', type: 'postgres', host: bridgeIp, port: pg.port, credential: 'pg-super', via: 'ghost' },
    ],
  });
  result = await cli.inspect(config, ['-i', inventory]);
}, 120_000);

afterAll(async () => {
  await pg?.stop();
  await fleet?.stop();
  cli?.remove();
});

test('a database inspected via an inventory host over SSH, next to one inspected from the Patrol host', () => {
  for (const name of ['remote-pg', 'local-pg']) {
    const conn = findingOf(result, 'db.postgres.connections', name);
    expect([name, conn.severity]).toEqual([name, 'ok']);
    expect(findingOf(result, 'db.postgres.wraparound', name).severity).toBe('ok');
  }
  // The remote one connected from host-1's network: the server logged its address.
  expect(readFileSync(join(pg.dir, 'postgres.log'), 'utf8')).toContain(`connection received: host=${fleet.hosts[0]!.ip}`);
});

test('an unreachable via host makes every check of its database an error naming the host', () => {
  const ghost = result.findings.filter((f) => f.host === 'ghost-pg');
  expect(ghost.length).toBe(11);
  expect(ghost.every((f) => f.severity === 'error' && f.message.includes('the via host ghost is unreachable'))).toBe(true);
  expect(cli.filesContaining(PW)).toEqual([]);
  console.log(`via inspection: ${result.durationMs} ms`);
});
