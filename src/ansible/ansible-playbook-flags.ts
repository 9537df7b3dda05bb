import { joinList, type AnsibleStepInput } from './ansible-step-input.js';

/**
 * ansible-playbook flags for the step's plain inputs (files such as inventories, extra vars and
 * credentials are added by the caller). A dry run of the workflow means --check --diff.
 */
export function ansiblePlaybookFlags(input: AnsibleStepInput, opts: { dryRun: boolean }): string[] {
  const argv: string[] = [];
  const limit = joinList(input.limit);
  if (limit) argv.push('--limit', limit);
  const tags = joinList(input.tags);
  if (tags) argv.push('--tags', tags);
  const skipTags = joinList(input.skipTags);
  if (skipTags) argv.push('--skip-tags', skipTags);
  if (input.check === true || opts.dryRun) argv.push('--check');
  if (input.diff === true || opts.dryRun) argv.push('--diff');
  if (input.forks !== undefined) argv.push('--forks', String(input.forks));
  if (input.become === true) argv.push('--become');
  if (input.becomeUser) argv.push('--become-user', input.becomeUser);
  if (input.becomeMethod) argv.push('--become-method', input.becomeMethod);
  if (input.timeout !== undefined) argv.push('--timeout', String(input.timeout));
  if (input.verbosity) argv.push(`-${'v'.repeat(input.verbosity)}`);
  return argv;
}
