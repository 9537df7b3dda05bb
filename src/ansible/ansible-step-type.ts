import { constants, existsSync, statSync } from 'node:fs';
import { access, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { defineStepType, type StepContext } from '../steps/step-type.js';
import { commandExists, runProcess } from '../process/run-process.js';
import { MissingDependencyError, NonRetryableError, StepError } from '../errors/index.js';
import { ansibleStepInputSchema, type AnsibleStepInput } from './ansible-step-input.js';
import { ansiblePlaybookFlags } from './ansible-playbook-flags.js';
import { ansibleStepOutputSchema, buildAnsibleOutputs, type AnsibleStepOutput } from './ansible-step-output.js';
import { AnsibleRunTracker } from './ansible-run-tracker.js';
import { ProgressThrottle } from './progress-throttle.js';
import { buildAnsibleConfig, findUserAnsibleConfig, PATROL_CALLBACK } from './ansible-config.js';
import { generatedInventory } from './generated-inventory.js';
import { IniParseError } from './ini-file.js';
import { writeCredentialFiles } from './credential-files.js';
import { closeControlMasters } from './ssh-control-masters.js';
import { ansibleErrorText, judgeAnsibleRun } from './judge-ansible-run.js';
import { playbookFindings } from './playbook-findings.js';
import { materializeInventories, type InventoryResolver } from '../inventories/stored-inventory.js';

export interface AnsibleStepTypeOptions {
  /** Patrol's Ansible plugins (paths.ansiblePlugins); the event callback is in its callback/ folder. */
  pluginsDir: string;
  /** The ansible-playbook program. @defaultValue "ansible-playbook" (from PATH) */
  ansiblePlaybook?: string;
  /** Where relative playbook paths are looked up after the working directory (paths.playbooks). */
  playbooksDir?: string;
  /** known_hosts used besides ~/.ssh/known_hosts unless the input names one (paths.knownHosts). */
  knownHostsFile?: string;
  /** Resolves relative paths in the input. @defaultValue process.cwd() */
  cwd?: string;
  /** Writes `store:NAME` inventories (stored in Patrol) into the work directory; without it they fail clearly. */
  inventories?: InventoryResolver;
}

const INSTALL_ANSIBLE = 'apt-get install -y ansible';
/** ssh binds ControlPath plus a 17-character temporary suffix; sun_path holds 107 bytes. */
const MAX_CONTROL_DIR_LENGTH = 75;

/** The `ansible` step type: runs a playbook with ansible-playbook and reports per-host results. */
export function createAnsibleStepType(opts: AnsibleStepTypeOptions) {
  const program = opts.ansiblePlaybook ?? 'ansible-playbook';
  const baseCwd = opts.cwd ?? process.cwd();
  return defineStepType({
    type: 'ansible',
    description:
      'Runs an Ansible playbook with ansible-playbook against an inventory or a list of hosts. Streams per-host task results to the step log and live per-host progress; outputs the per-host recap, failed and unreachable hosts, registered results and set_stats data. Fails when a host failed or was unreachable unless allowFailedHosts is set.',
    input: ansibleStepInputSchema,
    output: ansibleStepOutputSchema,
    // Check mode changes nothing, so an interrupted check run may simply run again.
    retrySafe: (input: AnsibleStepInput) => input.check === true,
    // "Rerun only the failed hosts": limit a new attempt to the hosts that failed or were unreachable.
    rerunInput({ outputs }) {
      const failed = [...new Set([...stringList(outputs?.failedHosts), ...stringList(outputs?.unreachableHosts)])];
      return failed.length > 0 ? { limit: failed } : undefined;
    },
    examples: [
      { description: 'Inspect hosts from an inventory file', with: { playbook: 'playbooks/host-inspect.yml', inventory: 'inventories/prod.ini', limit: 'web', tags: ['disk', 'memory'] } },
      { description: 'Dry-run a remediation on two hosts with an SSH key and sudo', with: { playbook: 'remediate-ntp.yml', hosts: ['10.0.0.5', { name: 'db1', address: '10.0.0.9', user: 'ops' }], credential: 'ops-ssh-key', become: true, becomeCredential: 'ops-sudo', check: true } },
    ],
    async run(ctx, input) {
      return runAnsible(ctx, input, { ...opts, program, baseCwd });
    },
  });
}

async function runAnsible(ctx: StepContext, input: AnsibleStepInput, o: AnsibleStepTypeOptions & { program: string; baseCwd: string }): Promise<AnsibleStepOutput> {
  const playbook = resolvePlaybook(input.playbook, o.baseCwd, o.playbooksDir);
  const listed = input.inventory === undefined ? undefined : await materializeInventories(Array.isArray(input.inventory) ? input.inventory : [input.inventory], o.inventories, { namespace: ctx.run.namespace, dir: ctx.workDir, log: (m) => ctx.log.info(m) });
  const inventories = resolveInventories(listed, o.baseCwd);
  await requireProgram(o.program);
  const callbackDir = join(o.pluginsDir, 'callback');
  // Without it Ansible would run blind (it only warns), and every result would be lost.
  if (!existsSync(join(callbackDir, `${PATROL_CALLBACK}.py`))) {
    throw new NonRetryableError(`Patrol's Ansible callback ${join(callbackDir, `${PATROL_CALLBACK}.py`)} is missing: the installation is incomplete`, { code: 'missing-dependency' });
  }

  const work = join(ctx.workDir, 'ansible');
  const secretsDir = join(work, 'secrets');
  await mkdir(join(work, 'tmp'), { recursive: true, mode: 0o700 });
  await mkdir(join(work, 'pc'), { recursive: true, mode: 0o700 });
  let controlDir = join(ctx.workDir, 'cp');
  const shortControlDir = controlDir.length > MAX_CONTROL_DIR_LENGTH;
  if (shortControlDir) controlDir = await mkdtemp(join(tmpdir(), 'patrol-cp-'));
  else await mkdir(controlDir, { recursive: true, mode: 0o700 });

  const check = input.check === true || ctx.dryRun;
  const tracker = new AnsibleRunTracker({
    log: (level, message) => ctx.log[level](message),
    changed: () => throttle.poke(),
  }, input.registeredLimit !== undefined ? { registeredChars: input.registeredLimit } : {});
  const throttle = new ProgressThrottle(() => {
    const p = tracker.progress();
    ctx.progress({ kind: 'ansible', done: p.done, total: p.total, message: p.message, data: p.data });
  });

  try {
    const argv = [o.program, playbook];
    for (const inv of inventories) argv.push('--inventory', inv);
    if (input.hosts) {
      const file = join(work, 'hosts.yml');
      await writeFile(file, JSON.stringify(generatedInventory(input.hosts, { localRemoteTmp: join(work, 'remote-tmp') }), null, 2), { mode: 0o600 });
      argv.push('--inventory', file);
    }
    const creds = await writeCredentialFiles(secretsDir, input, (n) => ctx.secrets.get(n), ctx.signal);
    argv.push(...creds.args);
    if (input.extraVars && Object.keys(input.extraVars).length > 0) {
      const file = join(work, 'extra-vars.json');
      await writeFile(file, JSON.stringify(input.extraVars), { mode: 0o600 });
      argv.push('--extra-vars', `@${file}`);
    }
    argv.push(...ansiblePlaybookFlags(input, { dryRun: ctx.dryRun }));

    // Run from the project directory (where its ansible.cfg is), as people run ansible-playbook.
    const parentEnv = { ...process.env, ...input.env };
    const userConfig = findUserAnsibleConfig({ ansibleConfigEnv: parentEnv.ANSIBLE_CONFIG, playbookDir: dirname(playbook), cwd: o.baseCwd });
    const runDir = userConfig && isWithin(dirname(playbook), dirname(userConfig)) ? dirname(userConfig) : dirname(playbook);
    const config = readConfig(() => buildAnsibleConfig({
      userConfigFile: userConfig,
      callbackDir,
      localTmp: join(work, 'tmp'),
      controlPathDir: controlDir,
      persistentControlPathDir: join(work, 'pc'),
      defaultForks: input.hosts && !input.inventory ? Math.min(Math.max(input.hosts.length, 1), 50) : 10,
      ...(input.sshControlPersist !== undefined ? { controlPersist: input.sshControlPersist } : {}),
      envPipelining: [parentEnv.ANSIBLE_PIPELINING, parentEnv.ANSIBLE_SSH_PIPELINING].filter((v): v is string => v !== undefined),
      knownHostsFile: input.knownHostsFile ?? o.knownHostsFile,
      hostKeyChecking: input.hostKeyChecking,
      taskTimeout: input.taskTimeout,
      overrides: input.config,
      envCallbacks: parentEnv.ANSIBLE_CALLBACKS_ENABLED ?? parentEnv.ANSIBLE_CALLBACK_WHITELIST,
      envCallbackPlugins: parentEnv.ANSIBLE_CALLBACK_PLUGINS,
      header: [`Generated by Patrol for run ${ctx.runId}, step ${ctx.stepName}, attempt ${ctx.attempt}.`, `Based on: ${userConfig ?? "Ansible's defaults (no ansible.cfg found)"}. See docs/ansible-step.md.`],
    }));
    const configFile = join(work, 'ansible.cfg');
    await writeFile(configFile, config.text, { mode: 0o600 });

    ctx.log.info(`running: ${argv.join(' ')}${check && !input.check ? ' (dry run: check mode)' : ''}`);
    ctx.log.info(`ansible.cfg: ${userConfig ? `${userConfig} with Patrol's settings` : "Patrol's settings"} (cwd ${runDir})`);
    for (const line of config.text.trimEnd().split('\n')) ctx.log.debug(`ansible.cfg| ${line}`);

    const captureLimit = input.captureLimit ?? 65536;
    const res = await runProcess({
      command: argv,
      cwd: runDir,
      env: {
        ...input.env,
        ...config.env,
        ANSIBLE_CONFIG: configFile,
        PATROL_EVENT_FD: '3',
        // Lines reach the log as they happen, not when Python's buffer fills.
        PYTHONUNBUFFERED: '1',
        PATROL_RUN_ID: ctx.runId,
        PATROL_STEP: ctx.stepName,
      },
      signal: ctx.signal,
      onSpawn: (pgid) => ctx.processStarted(pgid),
      onStdout: (l) => ctx.log.stdout(l),
      onStderr: (l) => ctx.log.stderr(l),
      extraPipes: [(l) => tracker.line(l)],
      captureLimit,
    });
    throttle.flush();

    if (res.spawnError) {
      if (/not found|ENOENT/i.test(res.spawnError)) throw new MissingDependencyError(`ansible-playbook (${o.program})`, INSTALL_ANSIBLE);
      throw new NonRetryableError(`could not start ${o.program}: ${res.spawnError}`, { code: 'spawn-failed' });
    }
    const outputs = buildAnsibleOutputs(tracker, { exitCode: res.exitCode, durationMs: res.durationMs, stdout: res.stdout, stdoutTruncated: res.stdout.length > captureLimit, check });
    const reported = playbookFindings(outputs, input.playbook);
    if (reported.length > 0) ctx.findings.report(reported);
    if (res.aborted) throw new StepError('ansible-playbook was stopped', { code: 'cancelled', details: { outputs } });
    const errorText = ansibleErrorText(res.stderr, res.stdout);
    const verdict = judgeAnsibleRun(tracker, outputs, { exitCode: res.exitCode, signal: res.signal, allowFailedHosts: input.allowFailedHosts === true, errorText });
    if (verdict.kind === 'ok') {
      if (outputs.hosts.length === 0) ctx.log.warn('the playbook ran on no hosts: check the inventory, limit and the plays\' hosts patterns');
      return outputs;
    }
    if (verdict.kind === 'not-started') {
      const where = [`playbook ${playbook}`, ...inventories.map((i) => `inventory ${i}`)].join(', ');
      throw new NonRetryableError(`ansible-playbook could not run (${where}; exit code ${res.exitCode ?? res.signal}): ${errorText}`, {
        code: 'ansible-error',
        details: { exitCode: res.exitCode, playbook, inventories, outputs },
      });
    }
    throw new StepError(verdict.message, { code: verdict.code, retryable: verdict.code !== 'ansible-error', details: { exitCode: res.exitCode, failedHosts: outputs.failedHosts, unreachableHosts: outputs.unreachableHosts, outputs } });
  } finally {
    throttle.stop();
    const closed = await closeControlMasters(controlDir).catch(() => []);
    if (closed.length > 0) ctx.log.info(`closed ${closed.length} SSH control master${closed.length === 1 ? '' : 's'} of this run`);
    await rm(secretsDir, { recursive: true, force: true }).catch(() => undefined);
    if (shortControlDir) await rm(controlDir, { recursive: true, force: true }).catch(() => undefined);
  }
}

function resolvePlaybook(playbook: string, cwd: string, playbooksDir: string | undefined): string {
  const candidates = isAbsolute(playbook) ? [playbook] : [resolve(cwd, playbook), ...(playbooksDir ? [resolve(playbooksDir, playbook)] : [])];
  const found = candidates.find((c) => existsSync(c) && statSync(c).isFile());
  if (!found) {
    throw new NonRetryableError(`playbook ${playbook} not found (looked for ${candidates.join(' and ')})`, { code: 'playbook-not-found', details: { field: 'playbook', playbook, candidates } });
  }
  return found;
}

function resolveInventories(inventory: string | string[] | undefined, cwd: string): string[] {
  const list = inventory === undefined ? [] : Array.isArray(inventory) ? inventory : [inventory];
  return list.map((inv) => {
    const p = resolve(cwd, inv);
    if (existsSync(p)) return p;
    // Ansible's inline host list ("web1,web2,") is not a path.
    if (inv.includes(',')) return inv;
    throw new NonRetryableError(`inventory ${inv} not found (looked for ${p})`, { code: 'inventory-not-found', details: { field: 'inventory', inventory: inv } });
  });
}

/** A user's ansible.cfg Patrol cannot read would fail every attempt the same way: say which file. */
function readConfig<T>(build: () => T): T {
  try {
    return build();
  } catch (err) {
    if (err instanceof IniParseError) throw new NonRetryableError(`cannot read ansible.cfg: ${err.message}`, { code: 'invalid-config', cause: err });
    throw err;
  }
}

/** True when `dir` is `root` or below it. */
function isWithin(dir: string, root: string): boolean {
  const rel = relative(root, dir);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

async function requireProgram(program: string): Promise<void> {
  const found = program.includes('/') ? await access(program, constants.X_OK).then(() => true, () => false) : await commandExists(program);
  if (!found) throw new MissingDependencyError(`ansible-playbook (${program})`, INSTALL_ANSIBLE);
}

function stringList(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}
