/**
 * Messages shown after a change (POST-redirect-GET carries only their key in ?msg=), so a link
 * can never make the console display text of someone else's choosing.
 */
const MESSAGES: Record<string, string> = {
  'run-started': 'Run started.',
  'cancel-requested': 'Cancel requested: the run stops within seconds (finally steps still run).',
  'retry-started': 'Retry started: it reuses the steps that succeeded.',
  'rerun-failed-hosts': 'Rerun started: failed steps run again only on the hosts that failed.',
  approved: 'Approved: the run continues.',
  rejected: 'Rejected: the approval step fails and the run stops.',
  'report-sent': 'Report sent.',
  'silence-created': 'Silence created.',
  'silence-expired': 'Silence expired.',
  'schedule-created': 'Schedule created.',
  'schedule-saved': 'Schedule saved.',
  'schedule-paused': 'Schedule paused: it does not fire until resumed.',
  'schedule-resumed': 'Schedule resumed.',
  'schedule-deleted': 'Schedule deleted.',
  'credential-saved': 'Credential saved. Its values are write-only: they are never shown again.',
  'credential-deleted': 'Credential deleted.',
  'user-created': 'User created.',
  'user-saved': 'User saved.',
  'user-unlocked': 'User unlocked.',
  'user-deleted': 'User deleted.',
  'role-created': 'Role created.',
  'role-saved': 'Role saved.',
  'role-deleted': 'Role deleted.',
  'binding-created': 'Role binding added.',
  'binding-deleted': 'Role binding removed.',
  'password-changed': 'Password changed. Your other sessions were ended.',
  'signed-out': 'Signed out.',
};

export function flashText(key: string): string | undefined {
  return Object.hasOwn(MESSAGES, key) ? MESSAGES[key] : undefined;
}
