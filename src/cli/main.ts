import { Command } from 'commander';
import { PATROL_VERSION } from '../config/version.js';
import { EXIT } from './exit-codes.js';

type Register = (program: Command) => void;

/**
 * Every command, loaded on demand: `patrol run` never loads the API server, the Kubernetes client
 * or the report renderer. Startup time counts: it is part of every scripted call and of the
 * Ansible overhead measured in docs/benchmarks.md. Add a command with one line here.
 */
const COMMANDS: Record<string, () => Promise<Register>> = {
  validate: async () => (await import('./commands/validate.js')).registerValidate,
  run: async () => (await import('./commands/run.js')).registerRun,
  deploy: async () => (await import('./commands/deploy.js')).registerDeploy,
  runs: async () => (await import('./commands/runs.js')).registerRuns,
  logs: async () => (await import('./commands/logs.js')).registerLogs,
  cancel: async () => (await import('./commands/cancel.js')).registerCancel,
  retry: async () => (await import('./commands/retry.js')).registerRetry,
  recover: async () => (await import('./commands/recover.js')).registerRecover,
  credentials: async () => (await import('./commands/credentials.js')).registerCredentials,
  'step-types': async () => (await import('./commands/step-types.js')).registerStepTypes,
  inspect: async () => (await import('./commands/inspect.js')).registerInspect,
  checks: async () => (await import('./commands/checks.js')).registerChecks,
  report: async () => (await import('./commands/report.js')).registerReport,
  alerts: async () => (await import('./commands/alerts.js')).registerAlerts,
  silence: async () => (await import('./commands/silence.js')).registerSilence,
  approvals: async () => (await import('./commands/approvals.js')).registerApprovals,
  remediate: async () => (await import('./commands/remediate.js')).registerRemediate,
  remediations: async () => (await import('./commands/remediations.js')).registerRemediations,
  worker: async () => (await import('./commands/worker.js')).registerWorker,
  serve: async () => (await import('./commands/serve.js')).registerServe,
  users: async () => (await import('./commands/users.js')).registerUsers,
};

const program = new Command()
  .name('patrol')
  .description('Patrol: inspections, findings, reports and runbooks on one workflow engine. Data in $PATROL_HOME (default ~/.patrol).')
  .version(PATROL_VERSION)
  .showHelpAfterError()
  .exitOverride((err) => {
    // Usage errors (unknown option, missing argument) are invalid input: exit 2.
    process.exit(err.exitCode === 0 ? 0 : EXIT.invalid);
  });

// The command named on the command line, or every command (for help and "unknown command").
const args = process.argv.slice(2);
const named = args.find((a) => !a.startsWith('-'));
const versionOnly = !named && args.some((a) => a === '-V' || a === '--version');
const wanted = versionOnly ? [] : named && named in COMMANDS ? [named] : Object.keys(COMMANDS);
for (const register of await Promise.all(wanted.map((n) => COMMANDS[n]!()))) register(program);

await program.parseAsync(process.argv);
