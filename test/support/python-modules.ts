import { execFileSync } from 'node:child_process';
import { execa } from 'execa';
import { join } from 'node:path';

const PLAYBOOKS = join(import.meta.dirname, '..', '..', 'playbooks');

/**
 * Calls a function of one of Patrol's collection modules (playbooks/library/NAME.py) with the
 * targets' interpreter (/usr/bin/python3) and returns the JSON of the result. The shared helpers
 * are loaded as Ansible ships them: playbooks/module_utils/X.py becomes ansible.module_utils.X.
 */
export function callModule(module: string, expr: string, args: unknown[] = []): any {
  return JSON.parse(execFileSync('/usr/bin/python3', ['-c', moduleCode(module, expr)], { input: JSON.stringify(args), encoding: 'utf8' }));
}

/** callModule without blocking the event loop (for a module that talks to a server the test runs in this process). */
export async function callModuleAsync(module: string, expr: string, args: unknown[] = [], opts: { env?: Record<string, string>; timeoutMs?: number } = {}): Promise<any> {
  const r = await execa('/usr/bin/python3', ['-c', moduleCode(module, expr)], { input: JSON.stringify(args), timeout: opts.timeoutMs ?? 60_000, ...(opts.env ? { env: opts.env } : {}) });
  return JSON.parse(r.stdout);
}

function moduleCode(module: string, expr: string): string {
  return [importModuleCode(module), 'args = json.loads(sys.stdin.read())', `print(json.dumps(${expr}))`].join('\n');
}

/** Python that imports playbooks/library/NAME.py as `m` (with json and sys), its shared helpers loaded as Ansible ships them. */
export function importModuleCode(module: string): string {
  return [
    'import importlib.util, json, sys',
    'import ansible.module_utils',
    `_spec = importlib.util.spec_from_file_location('ansible.module_utils.patrol_sections', ${JSON.stringify(join(PLAYBOOKS, 'module_utils', 'patrol_sections.py'))})`,
    '_mu = importlib.util.module_from_spec(_spec)',
    '_spec.loader.exec_module(_mu)',
    "sys.modules['ansible.module_utils.patrol_sections'] = _mu",
    `sys.path.insert(0, ${JSON.stringify(join(PLAYBOOKS, 'library'))})`,
    `import ${module} as m`,
  ].join('\n');
}
