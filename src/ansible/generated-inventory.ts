import type { AnsibleHostEntry } from './ansible-step-input.js';

const LOCAL_ADDRESSES = new Set(['localhost', '127.0.0.1', '::1']);

export interface GeneratedInventoryOptions {
  /** remote_tmp for hosts reached through a local connection: keeps ~/.ansible on this machine untouched. */
  localRemoteTmp?: string;
}

/**
 * An Ansible YAML inventory (written as JSON, which the YAML plugin reads, so no value is ever
 * reinterpreted: "yes", "0755" and "{{ x }}" stay strings) from the step's `hosts` list.
 * localhost / 127.0.0.1 / ::1 without a port use a local connection and the Python running
 * ansible-playbook: the first python3 on PATH may be a different interpreter without Ansible's
 * dependencies (see notes/test-infra.md).
 */
export function generatedInventory(hosts: AnsibleHostEntry[], opts: GeneratedInventoryOptions = {}): { all: { hosts: Record<string, Record<string, unknown>> } } {
  const out: Record<string, Record<string, unknown>> = {};
  for (const entry of hosts) {
    const h = typeof entry === 'string' ? { name: entry } : entry;
    const vars: Record<string, unknown> = {};
    if (h.address !== undefined) vars.ansible_host = h.address;
    if (h.port !== undefined) vars.ansible_port = h.port;
    if (h.user !== undefined) vars.ansible_user = h.user;
    const address = h.address ?? h.name;
    if (LOCAL_ADDRESSES.has(address) && h.port === undefined) {
      vars.ansible_connection = 'local';
      vars.ansible_python_interpreter = '{{ ansible_playbook_python }}';
      if (opts.localRemoteTmp) vars.ansible_remote_tmp = opts.localRemoteTmp;
    }
    // A name listed twice merges, the later entry winning, as in an inventory file.
    out[h.name] = { ...out[h.name], ...vars, ...(h.vars ?? {}) };
  }
  return { all: { hosts: out } };
}
