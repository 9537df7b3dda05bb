import type { Permission } from '../auth/permissions.js';

interface NavEntry {
  section: string;
  href: string;
  label: string;
  /** Shown to holders of any of these (in some namespace); none = everyone signed in. */
  needs: Permission[];
}

/** The console's sections in menu order, with the permission each list page needs. */
export const NAV: readonly NavEntry[] = [
  { section: 'dashboard', href: '/', label: 'Dashboard', needs: [] },
  { section: 'runs', href: '/runs', label: 'Runs', needs: ['runs.read'] },
  { section: 'workflows', href: '/workflows', label: 'Workflows', needs: ['workflows.read'] },
  { section: 'approvals', href: '/approvals', label: 'Approvals', needs: ['approvals.read'] },
  { section: 'inspections', href: '/inspections', label: 'Inspections', needs: ['findings.read'] },
  { section: 'findings', href: '/findings', label: 'Findings', needs: ['findings.read'] },
  { section: 'reports', href: '/reports', label: 'Reports', needs: ['reports.read'] },
  { section: 'schedules', href: '/schedules', label: 'Schedules', needs: ['schedules.read'] },
  { section: 'alerts', href: '/alerts', label: 'Alerts', needs: ['alerts.read'] },
  { section: 'credentials', href: '/credentials', label: 'Credentials', needs: ['credentials.read', 'credentials.write'] },
  { section: 'users', href: '/users', label: 'Users', needs: ['users.manage'] },
  { section: 'roles', href: '/roles', label: 'Roles', needs: ['roles.manage'] },
  { section: 'audit', href: '/audit', label: 'Audit', needs: ['audit.read'] },
];

/** The menu of one user: only sections they may open. */
export function navFor(user: { any(p: Permission): boolean }, active: string): { href: string; label: string; active: boolean }[] {
  return NAV.filter((e) => e.needs.length === 0 || e.needs.some((p) => user.any(p))).map((e) => ({ href: e.href, label: e.label, active: e.section === active }));
}
