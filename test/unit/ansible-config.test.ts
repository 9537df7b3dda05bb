import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildAnsibleConfig, findUserAnsibleConfig, type AnsibleConfigOptions } from '../../src/ansible/ansible-config.js';
import { getIni, parseIni, serializeIni } from '../../src/ansible/ini-file.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'patrol-ansible-config-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const base: AnsibleConfigOptions = {
  callbackDir: '/opt/patrol/playbooks/plugins/callback',
  localTmp: '/w/ansible/tmp',
  controlPathDir: '/w/cp',
  persistentControlPathDir: '/w/ansible/pc',
  defaultForks: 3,
};

test('ansible.cfg is read as configparser reads it: comments, inline ";" comments, ":" delimiters, continuations, lower-cased keys', () => {
  const ini = parseIni(
    ['# top comment', '[defaults]', 'Forks = 7', 'roles_path: roles ; trailing comment', '; whole-line comment', 'vault_identity_list = a@x,', '  b@y', '', '[ssh_connection]', 'ssh_args=-o A=1;not-a-comment'].join('\n'),
    'ansible.cfg',
  );
  expect(getIni(ini, 'defaults', 'forks')).toBe('7');
  expect(getIni(ini, 'defaults', 'roles_path')).toBe('roles');
  expect(getIni(ini, 'defaults', 'vault_identity_list')).toBe('a@x,\nb@y');
  expect(getIni(ini, 'ssh_connection', 'ssh_args')).toBe('-o A=1;not-a-comment');
  expect(parseIni(serializeIni(ini), 'again')).toEqual(ini);
  expect(() => parseIni('forks = 1', '/p/ansible.cfg')).toThrow('/p/ansible.cfg:1: "forks = 1" comes before any [section] header');
});

test("without a user ansible.cfg: Patrol's defaults and required settings", () => {
  const c = buildAnsibleConfig(base);
  expect(c.text).toBe(
    [
      '[defaults]',
      'forks = 3',
      'host_key_checking = True',
      'retry_files_enabled = False',
      'callbacks_enabled = patrol_events',
      'callback_plugins = /opt/patrol/playbooks/plugins/callback',
      'local_tmp = /w/ansible/tmp',
      '',
      '[ssh_connection]',
      'pipelining = True',
      'ssh_args = -C -o ControlMaster=auto -o ControlPersist=60s',
      'control_path_dir = /w/cp',
      '',
      '[persistent_connection]',
      'control_path_dir = /w/ansible/pc',
      '',
      '[inventory]',
      'unparsed_is_failed = True',
      '',
    ].join('\n'),
  );
  expect(c.env).toEqual({
    ANSIBLE_CALLBACKS_ENABLED: 'patrol_events',
    ANSIBLE_CALLBACK_PLUGINS: '/opt/patrol/playbooks/plugins/callback',
    ANSIBLE_LOCAL_TEMP: '/w/ansible/tmp',
    ANSIBLE_SSH_CONTROL_PATH_DIR: '/w/cp',
    ANSIBLE_PERSISTENT_CONTROL_PATH_DIR: '/w/ansible/pc',
  });
});

test("the user's ansible.cfg overrides Patrol's defaults, keeps its own callbacks and plugins, and its relative paths still point next to it", () => {
  const file = join(dir, 'ansible.cfg');
  writeFileSync(
    file,
    [
      '[defaults]',
      'forks = 25',
      'pipelining_note = kept as is',
      'roles_path = roles:../shared/roles:~/roles:/abs/roles',
      'inventory = hosts.ini, /etc/ansible/hosts',
      'callback_whitelist = timer',
      'callbacks_enabled = profile_tasks',
      'callback_plugins = ./callbacks',
      'local_tmp = /should/not/win',
      'stdout_callback = yaml',
      '[ssh_connection]',
      'pipelining = False',
      'ssh_args = -o ControlMaster=no',
    ].join('\n'),
  );
  const c = buildAnsibleConfig({ ...base, userConfigFile: file });
  const d = (k: string) => getIni(c.ini, 'defaults', k);
  expect(d('forks')).toBe('25');
  expect(d('pipelining_note')).toBe('kept as is');
  expect(d('stdout_callback')).toBe('yaml');
  expect(d('roles_path')).toBe(`${join(dir, 'roles')}:${join(dir, '..', 'shared', 'roles')}:~/roles:/abs/roles`);
  expect(d('inventory')).toBe(`${join(dir, 'hosts.ini')}, /etc/ansible/hosts`);
  expect(d('callbacks_enabled')).toBe('timer,profile_tasks,patrol_events');
  expect(d('callback_whitelist')).toBeUndefined();
  expect(d('callback_plugins')).toBe(`/opt/patrol/playbooks/plugins/callback:${join(dir, 'callbacks')}`);
  expect(d('local_tmp')).toBe('/w/ansible/tmp');
  expect(getIni(c.ini, 'ssh_connection', 'pipelining')).toBe('False');
  expect(getIni(c.ini, 'ssh_connection', 'ssh_args')).toBe('-o ControlMaster=no');
});

test('step input config beats the user file; dedicated inputs beat both; environment callbacks replace file callbacks, as in Ansible', () => {
  const file = join(dir, 'ansible.cfg');
  writeFileSync(file, '[defaults]\nhost_key_checking = False\ngathering = implicit\ncallbacks_enabled = timer\n');
  const c = buildAnsibleConfig({
    ...base,
    userConfigFile: file,
    overrides: { defaults: { gathering: 'smart', host_key_checking: false, forks: 40 }, ssh_connection: { pipelining: false } },
    hostKeyChecking: true,
    taskTimeout: 300,
    envCallbacks: 'profile_roles',
    envCallbackPlugins: '/env/callbacks',
    knownHostsFile: '/home/p/.patrol/known_hosts',
  });
  expect(getIni(c.ini, 'defaults', 'gathering')).toBe('smart');
  expect(getIni(c.ini, 'defaults', 'forks')).toBe('40');
  expect(getIni(c.ini, 'defaults', 'host_key_checking')).toBe('True');
  expect(getIni(c.ini, 'defaults', 'task_timeout')).toBe('300');
  expect(getIni(c.ini, 'ssh_connection', 'pipelining')).toBe('False');
  expect(getIni(c.ini, 'defaults', 'callbacks_enabled')).toBe('profile_roles,patrol_events');
  expect(getIni(c.ini, 'ssh_connection', 'ssh_common_args')).toBe("-o 'UserKnownHostsFile=/home/p/.patrol/known_hosts ~/.ssh/known_hosts'");
  expect(c.env).toMatchObject({ ANSIBLE_CALLBACKS_ENABLED: 'profile_roles,patrol_events', ANSIBLE_CALLBACK_PLUGINS: '/opt/patrol/playbooks/plugins/callback:/env/callbacks', ANSIBLE_HOST_KEY_CHECKING: 'True' });
});

test('the user config is found like Ansible finds it, starting from the playbook: ANSIBLE_CONFIG, nearest ansible.cfg up to the repository root, cwd, home', () => {
  const project = join(dir, 'project');
  const playbooks = join(project, 'playbooks', 'inspect');
  mkdirSync(playbooks, { recursive: true });
  mkdirSync(join(project, '.git'));
  const home = join(dir, 'home');
  const cwd = join(dir, 'cwd');
  mkdirSync(home);
  mkdirSync(cwd);
  const search = { playbookDir: playbooks, cwd, home };
  expect(findUserAnsibleConfig(search)).toBe(existsEtc() ? '/etc/ansible/ansible.cfg' : undefined);
  writeFileSync(join(home, '.ansible.cfg'), '');
  expect(findUserAnsibleConfig(search)).toBe(join(home, '.ansible.cfg'));
  writeFileSync(join(cwd, 'ansible.cfg'), '');
  expect(findUserAnsibleConfig(search)).toBe(join(cwd, 'ansible.cfg'));
  // Above the repository root does not count.
  writeFileSync(join(dir, 'ansible.cfg'), '');
  expect(findUserAnsibleConfig(search)).toBe(join(cwd, 'ansible.cfg'));
  writeFileSync(join(project, 'ansible.cfg'), '');
  expect(findUserAnsibleConfig(search)).toBe(join(project, 'ansible.cfg'));
  // A world-writable directory's ansible.cfg is ignored, as Ansible ignores it.
  chmodSync(project, 0o777);
  expect(findUserAnsibleConfig(search)).toBe(join(cwd, 'ansible.cfg'));
  chmodSync(project, 0o755);
  const explicit = join(dir, 'explicit');
  mkdirSync(explicit);
  writeFileSync(join(explicit, 'ansible.cfg'), '');
  expect(findUserAnsibleConfig({ ...search, ansibleConfigEnv: explicit })).toBe(join(explicit, 'ansible.cfg'));
  // Like Ansible, a missing ANSIBLE_CONFIG file falls through to the other places.
  expect(findUserAnsibleConfig({ ...search, ansibleConfigEnv: join(dir, 'missing.cfg') })).toBe(join(project, 'ansible.cfg'));
});

function existsEtc(): boolean {
  return existsSync('/etc/ansible/ansible.cfg');
}

describe('controlPersist: false (one-task playbooks)', () => {
  const sshArgs = (o: Partial<AnsibleConfigOptions>) => getIni(buildAnsibleConfig({ ...base, controlPersist: false, ...o }).ini, 'ssh_connection', 'ssh_args');

  test("replaces Patrol's default ssh_args with plain connections (no ControlPersist, so Ansible sets no ControlPath)", () => {
    expect(sshArgs({})).toBe('-C -o ControlMaster=no');
    expect(getIni(buildAnsibleConfig(base).ini, 'ssh_connection', 'ssh_args')).toBe('-C -o ControlMaster=auto -o ControlPersist=60s');
  });

  test("keeps ssh_args that the user's ansible.cfg or the config input chose", () => {
    const file = join(dir, 'ansible.cfg');
    writeFileSync(file, '[ssh_connection]\nssh_args = -o ControlMaster=auto -o ControlPersist=30s -o ProxyJump=bastion\n');
    expect(sshArgs({ userConfigFile: file })).toBe('-o ControlMaster=auto -o ControlPersist=30s -o ProxyJump=bastion');
    expect(sshArgs({ overrides: { ssh_connection: { ssh_args: '-o ControlPersist=5s' } } })).toBe('-o ControlPersist=5s');
  });

  test('keeps the masters when pipelining is off (a task then makes several connections)', () => {
    const file = join(dir, 'ansible.cfg');
    writeFileSync(file, '[ssh_connection]\npipelining = False\n');
    expect(sshArgs({ userConfigFile: file })).toBe('-C -o ControlMaster=auto -o ControlPersist=60s');
    expect(sshArgs({ overrides: { ssh_connection: { pipelining: false } } })).toBe('-C -o ControlMaster=auto -o ControlPersist=60s');
    expect(sshArgs({ envPipelining: ['no'] })).toBe('-C -o ControlMaster=auto -o ControlPersist=60s');
    expect(sshArgs({ envPipelining: ['True', 'false'] })).toBe('-C -o ControlMaster=auto -o ControlPersist=60s');
    // The environment beats a file that turned pipelining off.
    expect(sshArgs({ userConfigFile: file, envPipelining: ['yes'] })).toBe('-C -o ControlMaster=no');
  });
});
