import type { Command } from 'commander';
import { action } from '../cli-errors.js';
import { EXIT } from '../exit-codes.js';
import { startServer } from '../../server/start-server.js';
import { createLogger } from '../../logging/logger.js';

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('run the Patrol server: REST API (OpenAPI at /api/v1/openapi.json), /healthz, /readyz; in the embedded mode it also runs workflows')
    .option('--listen <host:port>', 'address to listen on (PATROL_LISTEN)', process.env.PATROL_LISTEN ?? '127.0.0.1:8080')
    .option('--no-engine', 'serve the API only; workflows run elsewhere (distributed mode)')
    .action(
      action(async (opts: { listen: string; engine: boolean }) => {
        const logger = createLogger();
        const server = await startServer({ listen: opts.listen, logger, runEngine: opts.engine });
        process.stderr.write(`Patrol ${server.url}  (API ${server.url}/api/v1, OpenAPI ${server.url}/api/v1/openapi.json)\n`);
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
        return EXIT.ok;
      }),
    );
}
