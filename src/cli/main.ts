import { Command } from 'commander';
import { PATROL_VERSION } from '../config/version.js';
import { registerValidate } from './commands/validate.js';
import { registerRun } from './commands/run.js';
import { registerRuns } from './commands/runs.js';
import { registerLogs } from './commands/logs.js';
import { registerCancel } from './commands/cancel.js';
import { registerRetry } from './commands/retry.js';
import { registerRecover } from './commands/recover.js';
import { registerCredentials } from './commands/credentials.js';
import { registerStepTypes } from './commands/step-types.js';
import { registerInspect } from './commands/inspect.js';
import { registerChecks } from './commands/checks.js';
import { registerReport } from './commands/report.js';
import { registerAlerts } from './commands/alerts.js';
import { registerSilence } from './commands/silence.js';
import { registerApprovals } from './commands/approvals.js';
import { registerWorker } from './commands/worker.js';
import { registerRemediate } from './commands/remediate.js';
import { registerServe } from './commands/serve.js';
import { registerUsers } from './commands/users.js';
import { EXIT } from './exit-codes.js';

const version = PATROL_VERSION;

const program = new Command()
  .name('patrol')
  .description('Patrol: inspections, findings, reports and runbooks on one workflow engine. Data in $PATROL_HOME (default ~/.patrol).')
  .version(version)
  .showHelpAfterError()
  .exitOverride((err) => {
    // Usage errors (unknown option, missing argument) are invalid input: exit 2.
    process.exit(err.exitCode === 0 ? 0 : EXIT.invalid);
  });

registerValidate(program);
registerRun(program);
registerRuns(program);
registerLogs(program);
registerCancel(program);
registerRetry(program);
registerRecover(program);
registerCredentials(program);
registerStepTypes(program);
registerInspect(program);
registerChecks(program);
registerReport(program);
registerAlerts(program);
registerSilence(program);
registerApprovals(program);
registerWorker(program);
registerRemediate(program);
registerServe(program);
registerUsers(program);

await program.parseAsync(process.argv);
