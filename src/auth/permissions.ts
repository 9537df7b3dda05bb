/**
 * Every permission, one per action. Routes and console buttons name exactly one; roles are sets of
 * them. Namespaced permissions apply to resources of the namespaces a role is bound in; the others
 * (users, roles, tokens, audit, credentials, alerts, reports) need a binding for every namespace ("*").
 */
export const PERMISSIONS = {
  'runs.read': 'see runs, their steps, outputs and logs',
  'runs.trigger': 'start runs of stored or built-in workflows',
  'runs.cancel': 'cancel runs',
  'runs.retry': 'retry failed runs (from the failure, or only the failed hosts)',
  'workflows.read': 'see workflows and their versions; validate workflow text',
  'workflows.edit': 'create, change and delete workflows (and run ad-hoc workflow text)',
  'approvals.read': 'see approval requests and their plans',
  'approvals.decide': 'approve or reject approval requests (when listed as an approver)',
  'schedules.read': 'see schedules',
  'schedules.edit': 'create, change and delete schedules',
  'findings.read': 'see findings, inspections, scores and their history',
  'exemptions.edit': 'change exemptions of findings',
  'reports.read': 'see reports',
  'reports.send': 'send reports by email again',
  'alerts.read': 'see alerts and silences',
  'silences.edit': 'create and expire silences',
  'credentials.read': 'see credential metadata (never secret values)',
  'credentials.write': 'create, replace and delete credentials',
  'inventories.read': 'see inventories',
  'inventories.edit': 'create, change and delete inventories',
  'users.manage': 'create, change, unlock and delete users',
  'roles.manage': 'create, change and delete custom roles and role bindings',
  'tokens.manage': "see and revoke every user's API tokens; create tokens for service accounts",
  'audit.read': 'query and export the audit log',
} as const;

export type Permission = keyof typeof PERMISSIONS;
export const PERMISSION_NAMES = Object.keys(PERMISSIONS) as Permission[];

/** Permissions whose resources live in namespaces; a binding in one namespace grants them there. */
export const NAMESPACED_PERMISSIONS: ReadonlySet<Permission> = new Set<Permission>([
  'runs.read',
  'runs.trigger',
  'runs.cancel',
  'runs.retry',
  'workflows.read',
  'workflows.edit',
  'approvals.read',
  'approvals.decide',
  'schedules.read',
  'schedules.edit',
  'findings.read',
  'exemptions.edit',
  'inventories.read',
  'inventories.edit',
]);

export function isPermission(p: string): p is Permission {
  return Object.hasOwn(PERMISSIONS, p);
}

/** The namespace that stands for every namespace (and for global resources) in bindings. */
export const ALL_NAMESPACES = '*';
