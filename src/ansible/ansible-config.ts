import { existsSync, readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { deleteIni, getIni, parseIni, serializeIni, setIni, type IniFile } from './ini-file.js';

export const PATROL_CALLBACK = 'patrol_events';
/** Ansible's own default ssh_args: one ControlPersist master per host, reused across tasks. */
const SSH_ARGS_PERSIST = '-C -o ControlMaster=auto -o ControlPersist=60s';
/** Without ControlPersist in ssh_args Ansible sets no ControlPath; ControlMaster=no also keeps a master from ~/.ssh/config from starting. */
const SSH_ARGS_PLAIN = '-C -o ControlMaster=no';

/**
 * Path settings Ansible resolves relative to the directory of the ansible.cfg that sets them
 * (config/base.yml types path, pathspec (":"-separated) and pathlist (","-separated)). When a
 * user's settings move into Patrol's generated file, relative ones are made absolute so they still
 * point where the user meant.
 */
const PATH_SETTINGS: Record<string, 'path' | 'pathspec' | 'pathlist'> = {
  'defaults.home': 'path',
  'defaults.become_password_file': 'path',
  'defaults.connection_password_file': 'path',
  'defaults.log_path': 'path',
  'defaults.private_key_file': 'path',
  'defaults.vault_password_file': 'path',
  'defaults.playbook_dir': 'path',
  'defaults.plugin_filters_cfg': 'path',
  'defaults.retry_files_save_path': 'path',
  'defaults.inventory': 'pathlist',
  'defaults.hostfile': 'pathlist',
  'defaults.collections_path': 'pathspec',
  'defaults.collections_paths': 'pathspec',
  'defaults.roles_path': 'pathspec',
  'defaults.library': 'pathspec',
  'defaults.module_utils': 'pathspec',
  'defaults.doc_fragment_plugins': 'pathspec',
  'defaults.action_plugins': 'pathspec',
  'defaults.become_plugins': 'pathspec',
  'defaults.cache_plugins': 'pathspec',
  'defaults.callback_plugins': 'pathspec',
  'defaults.cliconf_plugins': 'pathspec',
  'defaults.connection_plugins': 'pathspec',
  'defaults.filter_plugins': 'pathspec',
  'defaults.httpapi_plugins': 'pathspec',
  'defaults.inventory_plugins': 'pathspec',
  'defaults.lookup_plugins': 'pathspec',
  'defaults.netconf_plugins': 'pathspec',
  'defaults.strategy_plugins': 'pathspec',
  'defaults.terminal_plugins': 'pathspec',
  'defaults.test_plugins': 'pathspec',
  'defaults.vars_plugins': 'pathspec',
  'galaxy.role_skeleton': 'path',
  'galaxy.collection_skeleton': 'path',
  'galaxy.token_path': 'path',
  'galaxy.cache_dir': 'path',
  'galaxy.gpg_keyring': 'path',
  'persistent_connection.ansible_connection_path': 'path',
};

export interface UserConfigSearch {
  /** ANSIBLE_CONFIG as the child will see it (step env, else Patrol's environment). */
  ansibleConfigEnv?: string;
  playbookDir: string;
  /** Patrol's own working directory. */
  cwd: string;
  home?: string;
}

/**
 * Finds the ansible.cfg a user expects to apply, in Ansible's order adapted to a server that does
 * not run from the project directory: ANSIBLE_CONFIG; the nearest ansible.cfg at or above the
 * playbook (stopping at a repository root); Patrol's working directory; ~/.ansible.cfg;
 * /etc/ansible/ansible.cfg. Like Ansible, a world-writable directory's ansible.cfg is ignored.
 */
export function findUserAnsibleConfig(s: UserConfigSearch): string | undefined {
  if (s.ansibleConfigEnv) {
    const p = resolve(s.ansibleConfigEnv);
    const file = isDir(p) ? join(p, 'ansible.cfg') : p;
    // Ansible moves on to the other places when ANSIBLE_CONFIG names no file.
    if (existsSync(file)) return file;
  }
  for (let dir = resolve(s.playbookDir); ; dir = dirname(dir)) {
    const candidate = join(dir, 'ansible.cfg');
    if (existsSync(candidate) && !worldWritable(dir)) return candidate;
    if (existsSync(join(dir, '.git')) || dirname(dir) === dir) break;
  }
  const rest = [join(resolve(s.cwd), 'ansible.cfg'), join(s.home ?? homedir(), '.ansible.cfg'), '/etc/ansible/ansible.cfg'];
  return rest.find((f, i) => existsSync(f) && (i !== 0 || !worldWritable(dirname(f))));
}

export interface AnsibleConfigOptions {
  /** The user's ansible.cfg (see findUserAnsibleConfig). */
  userConfigFile?: string;
  /** Directory holding Patrol's callback plugin (playbooks/plugins/callback). */
  callbackDir: string;
  localTmp: string;
  controlPathDir: string;
  persistentControlPathDir: string;
  /** Default forks when neither the user's file nor input.config sets them. */
  defaultForks: number;
  /**
   * Patrol's default ssh_args keep a ControlPersist master per host. false: plain connections
   * (`-o ControlMaster=no`), for playbooks that make one connection per host (one task, with
   * pipelining), where a master only costs its set-up and closing. Applies only while ssh_args
   * stays Patrol's default and pipelining is on: without pipelining a task makes several
   * connections, which a master does speed up. @defaultValue true
   */
  controlPersist?: boolean;
  /** Values of ANSIBLE_PIPELINING / ANSIBLE_SSH_PIPELINING set in the environment (they beat any file). */
  envPipelining?: string[];
  knownHostsFile?: string;
  hostKeyChecking?: boolean;
  taskTimeout?: number;
  /** Step input `config`: section -> key -> value. */
  overrides?: Record<string, Record<string, string | number | boolean>>;
  /** Callbacks enabled through the environment (ANSIBLE_CALLBACKS_ENABLED / ANSIBLE_CALLBACK_WHITELIST). */
  envCallbacks?: string;
  /** ANSIBLE_CALLBACK_PLUGINS from the environment. */
  envCallbackPlugins?: string;
  header?: string[];
}

export interface AnsibleConfig {
  text: string;
  ini: IniFile;
  /** Settings Patrol needs whatever the files say; also set in the environment, which beats any file. */
  env: Record<string, string>;
}

/**
 * Builds Patrol's per-attempt ansible.cfg. Layers, lowest first:
 *  1. Patrol's defaults: forks sized to the inventory, pipelining, SSH ControlPersist, host key checking on.
 *  2. The user's ansible.cfg, all of it (relative paths made absolute).
 *  3. Patrol's required settings: temp and control-socket directories in the attempt's work dir,
 *     failing on an unparsable inventory, Patrol's callback added to the enabled ones.
 *  4. Step input `config`.
 *  5. Dedicated inputs (hostKeyChecking, taskTimeout).
 * ANSIBLE_* environment variables and command-line flags then apply on top, as Ansible defines.
 */
export function buildAnsibleConfig(o: AnsibleConfigOptions): AnsibleConfig {
  const ini: IniFile = new Map();
  // 1. Patrol's defaults.
  setIni(ini, 'defaults', 'forks', String(o.defaultForks));
  setIni(ini, 'defaults', 'host_key_checking', 'True');
  setIni(ini, 'defaults', 'retry_files_enabled', 'False');
  setIni(ini, 'ssh_connection', 'pipelining', 'True');
  setIni(ini, 'ssh_connection', 'ssh_args', SSH_ARGS_PERSIST);

  // 2. The user's file.
  const userCallbacks: string[] = [];
  let userCallbackPlugins: string | undefined;
  let userIni: IniFile = new Map();
  if (o.userConfigFile) {
    const user = parseIni(readFileSync(o.userConfigFile, 'utf8'), o.userConfigFile);
    userIni = user;
    const base = dirname(o.userConfigFile);
    for (const [section, entries] of user) {
      for (const [key, value] of entries) setIni(ini, section, key, absolutize(`${section}.${key}`, value, base));
    }
    userCallbacks.push(...splitList(getIni(user, 'defaults', 'callback_whitelist')), ...splitList(getIni(user, 'defaults', 'callbacks_enabled')));
    userCallbackPlugins = getIni(ini, 'defaults', 'callback_plugins');
  }

  // 4 (before 3, so required settings can merge with it). Step input `config`.
  for (const [section, entries] of Object.entries(o.overrides ?? {})) {
    for (const [key, value] of Object.entries(entries)) setIni(ini, section, key, typeof value === 'boolean' ? (value ? 'True' : 'False') : String(value));
  }
  const overrideCallbacks = o.overrides?.defaults ? splitList(stringOf(o.overrides.defaults.callbacks_enabled)) : [];
  const overridePlugins = o.overrides?.defaults ? stringOf(o.overrides.defaults.callback_plugins) : undefined;

  // 3. Required settings.
  // Ansible takes these lists from the environment when set there, else from the file; Patrol's
  // callback (and its directory) is added to whichever list would have applied.
  const fileCallbacks = o.overrides?.defaults?.callbacks_enabled !== undefined ? overrideCallbacks : userCallbacks;
  const callbacks = unique([...(o.envCallbacks !== undefined ? splitList(o.envCallbacks) : fileCallbacks), PATROL_CALLBACK]).join(',');
  const otherPlugins = o.envCallbackPlugins ?? overridePlugins ?? userCallbackPlugins;
  const pluginPath = unique([o.callbackDir, ...(otherPlugins ? otherPlugins.split(':') : [])]).join(':');
  deleteIni(ini, 'defaults', 'callback_whitelist');
  setIni(ini, 'defaults', 'callbacks_enabled', callbacks);
  setIni(ini, 'defaults', 'callback_plugins', pluginPath);
  setIni(ini, 'defaults', 'local_tmp', o.localTmp);
  setIni(ini, 'ssh_connection', 'control_path_dir', o.controlPathDir);
  setIni(ini, 'persistent_connection', 'control_path_dir', o.persistentControlPathDir);
  if (getIni(ini, 'inventory', 'unparsed_is_failed') === undefined) setIni(ini, 'inventory', 'unparsed_is_failed', 'True');
  if (o.knownHostsFile) {
    // ssh_common_args, not ssh_args: an inventory's ansible_ssh_common_args replaces it, as it should.
    const common = getIni(ini, 'ssh_connection', 'ssh_common_args');
    const opt = `-o 'UserKnownHostsFile=${o.knownHostsFile} ~/.ssh/known_hosts'`;
    setIni(ini, 'ssh_connection', 'ssh_common_args', common ? `${common} ${opt}` : opt);
  }

  // 5. Dedicated inputs.
  // Only Patrol's own default gives way: ssh_args chosen in a file or `config` are kept as they are.
  const sshArgsChosen = getIni(userIni, 'ssh_connection', 'ssh_args') !== undefined || o.overrides?.ssh_connection?.ssh_args !== undefined;
  if (o.controlPersist === false && !sshArgsChosen && (o.envPipelining?.length ? o.envPipelining : [getIni(ini, 'ssh_connection', 'pipelining')]).every(isTrue)) setIni(ini, 'ssh_connection', 'ssh_args', SSH_ARGS_PLAIN);
  if (o.hostKeyChecking !== undefined) setIni(ini, 'defaults', 'host_key_checking', o.hostKeyChecking ? 'True' : 'False');
  if (o.taskTimeout !== undefined) setIni(ini, 'defaults', 'task_timeout', String(o.taskTimeout));

  const env: Record<string, string> = {
    ANSIBLE_CALLBACKS_ENABLED: callbacks,
    ANSIBLE_CALLBACK_PLUGINS: pluginPath,
    ANSIBLE_LOCAL_TEMP: o.localTmp,
    ANSIBLE_SSH_CONTROL_PATH_DIR: o.controlPathDir,
    ANSIBLE_PERSISTENT_CONTROL_PATH_DIR: o.persistentControlPathDir,
  };
  if (o.hostKeyChecking !== undefined) env.ANSIBLE_HOST_KEY_CHECKING = o.hostKeyChecking ? 'True' : 'False';
  return { ini, env, text: serializeIni(ini, o.header) };
}

function absolutize(setting: string, value: string, base: string): string {
  const kind = PATH_SETTINGS[setting];
  if (!kind || value === '') return value;
  const sep = kind === 'pathspec' ? ':' : kind === 'pathlist' ? ',' : undefined;
  const fix = (p: string) => {
    const t = p.trim();
    // Absolute, home, variables and Ansible's {{CWD}} are resolved by Ansible itself.
    if (t === '' || isAbsolute(t) || /^[~$]|\{\{/.test(t)) return p;
    return resolve(base, t);
  };
  return sep ? value.split(sep).map(fix).join(sep) : fix(value);
}

/** Ansible's boolean reading of a setting (config/manager.py ensure_type 'boolean'). */
function isTrue(v: string | undefined): boolean {
  return v !== undefined && ['y', 'yes', 'on', '1', 'true', 't'].includes(v.trim().toLowerCase());
}

function splitList(v: string | undefined): string[] {
  return (v ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

function stringOf(v: string | number | boolean | undefined): string | undefined {
  return v === undefined ? undefined : String(v);
}

function unique(xs: string[]): string[] {
  return [...new Set(xs.filter(Boolean))];
}

function isDir(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

function worldWritable(dir: string): boolean {
  try {
    return (statSync(dir).mode & 0o002) !== 0;
  } catch {
    return false;
  }
}
