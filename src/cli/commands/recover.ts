import type { Command } from 'commander';
import { action } from '../cli-errors.js';
import { EXIT } from '../exit-codes.js';
import { printJson, statusText, useColor } from '../output.js';
import { runJson } from '../run-json.js';
import { openRuntime } from '../../runtime/open-runtime.js';
import { silentLogger } from '../../logging/logger.js';

export function registerRecover(program: Command): void {
  program
    .command('recover')
    .description('resume runs left by a process that died: interrupted steps are retried when their type is safe to repeat, failed otherwise')
    .option('--json', 'print the recovered runs as JSON')
    .action(
      action(async (opts: { json?: boolean }) => {
        const rt = await openRuntime({ logger: silentLogger() });
        try {
          rt.engine.start();
          const ids = await rt.engine.recover();
          if (ids.length === 0 && !opts.json) process.stderr.write('no interrupted runs\n');
          const results = [];
          for (const id of ids) {
            if (!opts.json) process.stderr.write(`resuming ${id}\n`);
            const done = await rt.engine.waitFor(id);
            results.push(await rt.engine.detail(done.id));
            if (!opts.json) process.stdout.write(`${id} ${statusText(done.status, useColor())}${done.reason ? `  ${done.reason}` : ''}\n`);
          }
          if (opts.json) printJson(results.map(runJson));
          return results.every((d) => d.run.status === 'succeeded') ? EXIT.ok : EXIT.failed;
        } finally {
          await rt.close();
        }
      }),
    );
}
