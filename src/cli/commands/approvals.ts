import type { Command } from 'commander';
import { action } from '../cli-errors.js';
import { printJson, table, when, paint, useColor } from '../output.js';
import { openRuntime } from '../../runtime/open-runtime.js';
import { silentLogger } from '../../logging/logger.js';
import { ApprovalService } from '../../approvals/approval-service.js';
import { APPROVAL_STATUSES, type ApprovalStatus } from '../../store/approvals-repository.js';
import { InputError } from '../../errors/index.js';
import { clientFromEnv } from '../../api-client/api-client.js';
import { remoteApprovalShow, remoteApprovalsList, remoteDecide } from '../remote/remote-commands.js';
import { cliAudit } from '../cli-audit.js';

/** In the embedded mode the local user is the administrator (the server checks roles). */
const localActor = () => ({ name: process.env.USER || 'local', roles: ['admin'] });

export function registerApprovals(program: Command): void {
  const cmd = program.command('approvals').description('approval requests of waiting runs: list, show the plan, approve or reject with a comment');
  cmd
    .command('list')
    .option('--status <s>', `${APPROVAL_STATUSES.join(', ')} (default pending)`, 'pending')
    .option('--json', 'JSON output')
    .action(
      action(async (opts: { status: string; json?: boolean }) => {
        const statuses = opts.status.split(',');
        for (const s of statuses) if (!(APPROVAL_STATUSES as readonly string[]).includes(s)) throw new InputError(`--status ${s}: use ${APPROVAL_STATUSES.join(', ')}`);
        const client = clientFromEnv();
        if (client) return remoteApprovalsList(client, statuses, opts.json ?? false);
        const rt = await openRuntime({ logger: silentLogger() });
        try {
          const page = await rt.store.approvals.list({ status: statuses as ApprovalStatus[] });
          if (opts.json) return printJson(page);
          process.stdout.write(`${table(['ID', 'RUN', 'STEP', 'STATUS', 'REQUESTED', 'EXPIRES', 'MESSAGE'], page.items.map((a) => [a.id, a.runId, a.step, a.status, when(a.requestedAt), when(a.expiresAt), a.message]))}\n`);
        } finally {
          await rt.close();
        }
      }),
    );
  cmd
    .command('show')
    .argument('<id>')
    .option('--json', 'JSON output')
    .action(
      action(async (id: string, opts: { json?: boolean }) => {
        const client = clientFromEnv();
        if (client) return remoteApprovalShow(client, id, opts.json ?? false);
        const rt = await openRuntime({ logger: silentLogger() });
        try {
          const a = await rt.store.approvals.get(id);
          if (!a) throw new InputError(`approval ${id} not found (patrol approvals list)`);
          if (opts.json) return printJson(a);
          const c = useColor();
          process.stdout.write(`approval  ${a.id}  ${a.status}\nrun       ${a.runId}  step ${a.step}\nmessage   ${a.message}\napprovers ${[...a.approvers.users, ...a.approvers.roles.map((r) => `role:${r}`)].join(', ') || 'anyone who may approve'}\nexpires   ${when(a.expiresAt)} (then: ${a.onTimeout})\n`);
          if (a.decidedBy) process.stdout.write(`decided   ${a.status} by ${a.decidedBy} at ${when(a.decidedAt)}${a.comment ? `: ${a.comment}` : ''}\n`);
          process.stdout.write(`\n${paint('plan', 'bold', c)}\n${a.plan ?? '(no plan given)'}\n`);
        } finally {
          await rt.close();
        }
      }),
    );
  for (const decision of ['approve', 'reject'] as const) {
    cmd
      .command(decision)
      .argument('<id>')
      .option('-m, --comment <text>', decision === 'reject' ? 'why (required)' : 'a comment')
      .action(
        action(async (id: string, opts: { comment?: string }) => {
          const client = clientFromEnv();
          if (client) return remoteDecide(client, id, decision, opts.comment);
          const rt = await openRuntime({ logger: silentLogger() });
          try {
            const a = await new ApprovalService(rt.store).decide(id, decision, localActor(), opts.comment);
            await cliAudit(rt.store, { action: `approvals.${decision}`, resourceType: 'approval', resourceId: a.id, namespace: a.namespace, details: { run: a.runId, step: a.step, comment: a.comment } });
            process.stdout.write(`approval ${a.id} ${a.status} by ${a.decidedBy}; run ${a.runId} continues${a.status === 'rejected' ? ' to its failure handling' : ''}\n`);
          } finally {
            await rt.close();
          }
        }),
      );
  }
}
