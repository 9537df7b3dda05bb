import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { defineStepType } from '../step-type.js';
import { runProcess } from '../../process/run-process.js';
import { NonRetryableError, StepError } from '../../errors/index.js';

const OUTPUT_LINE = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/;

/**
 * Runs a local command (an argv array: no shell is involved unless you name one). Lines written
 * to the file named by $PATROL_OUTPUT as KEY=VALUE become outputs, like GitHub's $GITHUB_OUTPUT.
 */
export const shellStepType = defineStepType({
  type: 'shell',
  description:
    'Runs a local command given as an argument array. stdout/stderr stream to the step log; outputs are exitCode, stdout and stderr (capped), plus KEY=VALUE lines written to the file $PATROL_OUTPUT.',
  input: z
    .object({
      /** Program and arguments, e.g. ["df", "-h"]. To use a shell, name it: ["sh", "-c", "..."]. */
      command: z.array(z.string()).min(1, 'command needs at least the program'),
      env: z.record(z.string(), z.string()).optional(),
      cwd: z.string().optional(),
      /** Exit codes that count as success. @defaultValue [0] */
      successExitCodes: z.array(z.number().int()).min(1).optional(),
      /** Characters of stdout and stderr kept in outputs. @defaultValue 65536 */
      captureLimit: z.number().int().min(0).max(10 * 1024 * 1024).optional(),
      stdin: z.string().optional(),
    })
    .strict(),
  output: z.object({ exitCode: z.number().nullable(), stdout: z.string(), stderr: z.string() }).catchall(z.string()),
  retrySafe: false,
  examples: [
    { description: 'Disk usage', with: { command: ['df', '-h', '/'] } },
    { description: 'A shell pipeline, explicitly', with: { command: ['sh', '-c', 'ps aux | wc -l'] } },
  ],
  async run(ctx, input) {
    if (ctx.dryRun) {
      ctx.log.info(`dry run: would run ${JSON.stringify(input.command)}`);
      return { exitCode: null, stdout: '', stderr: '' };
    }
    const outputFile = join(ctx.workDir, 'outputs.env');
    const res = await runProcess({
      command: input.command,
      env: { ...(input.env ?? {}), PATROL_OUTPUT: outputFile, PATROL_RUN_ID: ctx.runId, PATROL_STEP: ctx.stepName },
      ...(input.cwd !== undefined ? { cwd: input.cwd } : {}),
      ...(input.stdin !== undefined ? { stdin: input.stdin } : {}),
      signal: ctx.signal,
      onSpawn: (pgid) => ctx.processStarted(pgid),
      onStdout: (l) => ctx.log.stdout(l),
      onStderr: (l) => ctx.log.stderr(l),
      captureLimit: input.captureLimit ?? 65536,
    });
    if (res.spawnError) throw new NonRetryableError(res.spawnError, { code: 'spawn-failed' });
    const extra: Record<string, string> = {};
    const text = await readFile(outputFile, 'utf8').catch(() => '');
    for (const line of text.split('\n')) {
      const m = OUTPUT_LINE.exec(line);
      if (m && !['exitCode', 'stdout', 'stderr'].includes(m[1]!)) extra[m[1]!] = m[2]!;
    }
    const outputs = { ...extra, exitCode: res.exitCode, stdout: ctx.mask(res.stdout), stderr: ctx.mask(res.stderr) };
    const ok = input.successExitCodes ?? [0];
    if (res.exitCode === null || !ok.includes(res.exitCode)) {
      const why = res.exitCode === null ? `was killed by ${res.signal ?? 'a signal'}` : `exited with code ${res.exitCode}`;
      const tail = res.stderr.trim().split('\n').slice(-3).join(' | ');
      throw new StepError(`${input.command[0]} ${why}${tail ? `: ${ctx.mask(tail)}` : ''}`, { code: 'exit-code', details: { exitCode: res.exitCode, outputs } });
    }
    return outputs;
  },
});
