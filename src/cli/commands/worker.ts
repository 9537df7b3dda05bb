import type { Command } from 'commander';
import { action } from '../cli-errors.js';
import { EXIT } from '../exit-codes.js';
import { openRuntime } from '../../runtime/open-runtime.js';
import { createLogger } from '../../logging/logger.js';
import { InputError } from '../../errors/index.js';
import { startWorkerHealth, type WorkerHealth } from '../../server/worker-health.js';
import { PATROL_VERSION } from '../../config/version.js';

export function registerWorker(program: Command): void {
  program
    .command('worker')
    .description('run step attempts from the queue (distributed mode: needs REDIS_URL and a PostgreSQL DATABASE_URL)')
    .option('--types <list>', 'step types this worker accepts, comma-separated (default: all)')
    .option('--concurrency <n>', 'step attempts at once', '8')
    .option('--no-advance', 'do not run engine advances (only steps)')
    .option('--health-listen <host:port>', 'serve /healthz and /readyz (database, Redis) for probes (PATROL_WORKER_HEALTH_LISTEN)', process.env.PATROL_WORKER_HEALTH_LISTEN)
    .action(
      action(async (opts: { types?: string; concurrency: string; advance: boolean; healthListen?: string }) => {
        const concurrency = Number(opts.concurrency);
        if (!Number.isInteger(concurrency) || concurrency < 1) throw new InputError('--concurrency must be a positive integer');
        const logger = createLogger();
        const rt = await openRuntime({
          logger,
          distributed: { role: 'worker', accept: { stepTypes: opts.types ? opts.types.split(',').map((t) => t.trim()).filter(Boolean) : 'all', advance: opts.advance }, concurrency },
        });
        let health: WorkerHealth | undefined;
        try {
          if (opts.healthListen) health = await startWorkerHealth({ listen: opts.healthListen, runtime: rt, logger, version: PATROL_VERSION });
        } catch (err) {
          await rt.close();
          throw err;
        }
        rt.engine.start();
        logger.info({ worker: rt.engine.ownerId, concurrency, types: opts.types ?? 'all' }, 'worker ready');
        await new Promise<void>((resolve) => {
          let stopping = false;
          const stop = (signal: string) => {
            if (stopping) process.exit(EXIT.failed);
            stopping = true;
            logger.info({ signal }, 'worker stopping: finishing running attempts (signal again to exit at once)');
            resolve();
          };
          process.once('SIGTERM', () => stop('SIGTERM'));
          process.once('SIGINT', () => stop('SIGINT'));
        });
        await rt.close();
        await health?.close();
        return EXIT.ok;
      }),
    );
}
