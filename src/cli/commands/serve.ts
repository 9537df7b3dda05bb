import type { Command } from 'commander';
import { action } from '../cli-errors.js';
import { EXIT } from '../exit-codes.js';
import { startServer } from '../../server/start-server.js';
import { createLogger } from '../../logging/logger.js';
import { withConsole } from '../../console/create-console.js';
import { openRuntime } from '../../runtime/open-runtime.js';
import { platformHooks } from '../../server/platform-hooks.js';

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('run the Patrol server: web console (/), REST API (OpenAPI at /api/v1/openapi.json), /healthz, /readyz; in the embedded mode it also runs workflows')
    .option('--listen <host:port>', 'address to listen on (PATROL_LISTEN)', process.env.PATROL_LISTEN ?? '127.0.0.1:8080')
    .option('--no-engine', 'serve the API only; workflows run elsewhere (distributed mode)')
    .option('--no-scheduler', 'do not fire schedules from this server')
    .option('--execute', 'in the distributed mode, also run step attempts in this server (default: only workers do)')
    .option('--concurrency <n>', 'step attempts at once in this process', process.env.PATROL_CONCURRENCY ?? '16')
    .action(
      action(async (opts: { listen: string; engine: boolean; scheduler: boolean; execute?: boolean; concurrency: string }) => {
        const logger = createLogger();
        // REDIS_URL switches to the distributed mode: steps go to workers through BullMQ.
        const distributed = Boolean(process.env.REDIS_URL);
        const concurrency = Number(opts.concurrency);
        const runtime = await openRuntime({
          logger,
          ...(distributed ? { distributed: { role: 'server' as const, accept: { stepTypes: opts.execute ? ('all' as const) : [], advance: true }, concurrency } } : {}),
        });
        const hooks = withConsole(platformHooks({ runtime, logger, env: process.env, distributed, scheduler: opts.scheduler }), { env: process.env });
        let server;
        try {
          server = await startServer({ listen: opts.listen, logger, runtime, runEngine: opts.engine, hooks });
        } catch (err) {
          await runtime.close();
          throw err;
        }
        process.stderr.write(`Patrol ${server.url}  (console ${server.url}/, API ${server.url}/api/v1, OpenAPI ${server.url}/api/v1/openapi.json)\n`);
        await new Promise<void>((resolve) => {
          let stopping = false;
          const stop = (signal: string) => {
            if (stopping) process.exit(EXIT.failed);
            stopping = true;
            logger.info({ signal }, 'shutting down: finishing requests, stopping the engine (signal again to exit at once)');
            resolve();
          };
          process.on('SIGTERM', () => stop('SIGTERM'));
          process.on('SIGINT', () => stop('SIGINT'));
        });
        await server.close();
        await runtime.close();
        return EXIT.ok;
      }),
    );
}
