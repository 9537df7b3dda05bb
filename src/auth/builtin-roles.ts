import { PERMISSION_NAMES, type Permission } from './permissions.js';

const READ: Permission[] = ['runs.read', 'workflows.read', 'approvals.read', 'schedules.read', 'findings.read', 'reports.read', 'alerts.read', 'inventories.read'];

/**
 * Built-in roles; they cannot be edited or deleted. Custom roles are any other set of permissions.
 * - viewer: reads everything except credentials metadata, users and the audit log
 * - operator: a viewer who runs, cancels and retries workflows, silences alerts, sends reports
 * - approver: a viewer who decides approvals
 * - admin: everything
 */
export const BUILTIN_ROLES: Readonly<Record<string, { description: string; permissions: readonly Permission[] }>> = {
  viewer: { description: 'Read-only access to runs, workflows, findings, reports, alerts, schedules and inventories', permissions: READ },
  operator: {
    description: 'Runs, cancels and retries workflows; silences alerts; sends reports; sees credential metadata',
    permissions: [...READ, 'runs.trigger', 'runs.cancel', 'runs.retry', 'silences.edit', 'reports.send', 'credentials.read'],
  },
  approver: { description: 'Approves or rejects changes waiting for approval', permissions: [...READ, 'approvals.decide'] },
  admin: { description: 'Everything, including users, roles, tokens, credentials and the audit log', permissions: PERMISSION_NAMES },
};

export const BUILTIN_ROLE_NAMES = Object.keys(BUILTIN_ROLES);
