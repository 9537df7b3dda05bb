import { z } from 'zod';

const name = z.string().min(1);
/** `web` or `[web, db]`: Ansible takes comma-separated lists; a list reads better in YAML. */
const oneOrMany = z.union([name, z.array(name).min(1)]);
const hostName = z.string().regex(/^[^\s,]+$/, 'a host name is non-empty and holds no whitespace or commas');

export const ansibleHostEntrySchema = z.union([
  hostName,
  z
    .object({
      /** Inventory name: what `limit`, outputs and log lines use. */
      name: hostName,
      /** Address to connect to (ansible_host). @defaultValue name */
      address: z.string().min(1).optional(),
      /** SSH port (ansible_port). Setting it on localhost/127.0.0.1 selects SSH instead of a local connection. */
      port: z.number().int().min(1).max(65535).optional(),
      /** Remote user (ansible_user). */
      user: z.string().min(1).optional(),
      /** Any further host variables; they override what Patrol derives (e.g. ansible_connection). */
      vars: z.record(z.string(), z.unknown()).optional(),
    })
    .strict(),
]);
export type AnsibleHostEntry = z.infer<typeof ansibleHostEntrySchema>;

const configValue = z.union([z.string(), z.number(), z.boolean()]);

/**
 * Optional text fields a workflow fills from params: "" means "not given" (a param always has a
 * value, so `credential: "${{ params.credential }}"` with an empty default means no credential).
 */
const OPTIONAL_TEXT = ['inventory', 'limit', 'tags', 'skipTags', 'becomeUser', 'becomeMethod', 'credential', 'becomeCredential', 'vaultCredential', 'knownHostsFile'];

function dropEmpty(v: unknown): unknown {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return v;
  const out = { ...(v as Record<string, unknown>) };
  for (const k of OPTIONAL_TEXT) if (out[k] === '' || (Array.isArray(out[k]) && (out[k] as unknown[]).length === 0)) delete out[k];
  return out;
}

/** Input of the `ansible` step type. docs/ansible-step.md documents every field with examples. */
export const ansibleStepInputSchema = z.preprocess(dropEmpty, z
  .object({
    /** Playbook path: absolute, or relative to the working directory, then to Patrol's playbooks/. */
    playbook: name,
    /** Inventory: a file, a directory, or Ansible's inline list ("web1,web2,"). Several are allowed. */
    inventory: oneOrMany.optional(),
    /** Hosts to run on, written to a generated inventory (with `inventory`, both are used). */
    hosts: z.array(ansibleHostEntrySchema).min(1).optional(),
    limit: oneOrMany.optional(),
    tags: oneOrMany.optional(),
    skipTags: oneOrMany.optional(),
    /** Passed as a JSON file (-e @file): any value survives quoting, nothing shows in `ps`. */
    extraVars: z.record(z.string(), z.unknown()).optional(),
    /** Check mode (--check): modules report what they would change and change nothing. */
    check: z.boolean().optional(),
    diff: z.boolean().optional(),
    /** Parallel hosts. @defaultValue the number of `hosts` capped at 50, else the user's ansible.cfg, else 10 */
    forks: z.number().int().min(1).max(1000).optional(),
    become: z.boolean().optional(),
    becomeUser: name.optional(),
    becomeMethod: name.optional(),
    /** Machine credential: ssh-key (--private-key, --user) or password (ansible_password; needs sshpass). */
    credential: name.optional(),
    /** password credential for privilege escalation (--become-password-file). */
    becomeCredential: name.optional(),
    /** vault-password credential (--vault-password-file). */
    vaultCredential: name.optional(),
    /**
     * Extra vars filled from credentials: { db_login: "orders-pg" } gives the playbook `db_login`
     * = { type, username, password, ... } of that credential, through a 0600 extra-vars file (never
     * argv or the environment), masked in every log and output. An empty name sets nothing.
     */
    credentialVars: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'Ansible variable names are letters, digits and _'), z.string()).optional(),
    /** -v .. -vvvv. @defaultValue 0 */
    verbosity: z.number().int().min(0).max(4).optional(),
    /** Connection timeout in seconds (--timeout). @defaultValue Ansible's (10) */
    timeout: z.number().int().min(1).max(3600).optional(),
    /** Seconds any one task may run on a host before Ansible fails it (task_timeout). @defaultValue no limit */
    taskTimeout: z.number().int().min(1).optional(),
    /** Extra environment for ansible-playbook (ANSIBLE_* settings beat ansible.cfg, as in Ansible). */
    env: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'environment variable names are letters, digits and _'), z.string()).optional(),
    /** Extra ansible.cfg settings by section: { defaults: { gathering: smart }, ssh_connection: { ... } }. */
    config: z.record(z.string().regex(/^[A-Za-z0-9_.-]+$/, 'ansible.cfg section names are letters, digits, _ . -'), z.record(z.string().regex(/^[A-Za-z0-9_]+$/, 'ansible.cfg keys are letters, digits and _'), configValue)).optional(),
    /**
     * false: Patrol's default ssh_args open plain SSH connections instead of ControlPersist masters
     * (for one-task playbooks, where a master is only set up and closed again). Ignored when your
     * ansible.cfg or `config` sets ssh_args, or pipelining is off. @defaultValue true
     */
    sshControlPersist: z.boolean().optional(),
    /** SSH host key checking. @defaultValue the user's ansible.cfg, else true */
    hostKeyChecking: z.boolean().optional(),
    /** known_hosts file used in addition to ~/.ssh/known_hosts. @defaultValue Patrol's (PATROL_HOME/known_hosts) */
    knownHostsFile: name.optional(),
    /** Succeed even when hosts failed or were unreachable (they are still listed in outputs). @defaultValue false */
    allowFailedHosts: z.boolean().optional(),
    /**
     * Characters of registered results kept in outputs.registered over all hosts (beyond it a
     * result is dropped and `registered` is listed in outputs.truncated). @defaultValue 1048576
     */
    registeredLimit: z.number().int().min(0).max(512 * 1024 * 1024).optional(),
    /** Characters of ansible-playbook's stdout kept in outputs.stdout. @defaultValue 65536 */
    captureLimit: z.number().int().min(0).max(10 * 1024 * 1024).optional(),
  })
  .strict()
  .refine((i) => i.inventory !== undefined || i.hosts !== undefined, { message: 'give inventory (a file, directory or "host1,host2,") or hosts (a list)', path: ['inventory'] }));

export type AnsibleStepInput = z.infer<typeof ansibleStepInputSchema>;

/** `a` or `[a, b]` as Ansible's comma-separated form. */
export function joinList(v: string | string[] | undefined): string | undefined {
  if (v === undefined) return undefined;
  return Array.isArray(v) ? v.join(',') : v;
}
