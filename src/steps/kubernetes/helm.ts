import { z } from 'zod';
import { MissingDependencyError, NonRetryableError, StepError } from '../../errors/index.js';
import { runProcess } from '../../process/run-process.js';
import { durationSchema } from '../../workflow/workflow-schema.js';
import { defineStepType } from '../step-type.js';
import { clusterInputShape } from './cluster-input.js';

// Helm is one static binary from a release tarball; there is no distribution package to point at.
const INSTALL_HELM = 'download helm-v3.x-linux-amd64.tar.gz from https://github.com/helm/helm/releases (offline: copy it from your artifact mirror), extract it and put the `helm` binary on PATH, or set `helm:` to its path';

export const helmInput = z
  .object({
    ...clusterInputShape,
    action: z.enum(['upgrade', 'rollback']).default('upgrade'),
    release: z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'must be a Helm release name').max(53),
    /** Chart reference (repo/chart, a path, an OCI URL); required for upgrade. */
    chart: z.string().min(1).optional(),
    version: z.string().min(1).optional(),
    valuesFiles: z.array(z.string().min(1)).default([]),
    /** --set key=value pairs (values stay strings with --set-string). */
    set: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).default({}),
    /** For rollback: the release revision. @defaultValue the previous one */
    revision: z.number().int().min(1).optional(),
    /** helm --wait --timeout. */
    wait: z.boolean().default(true),
    timeout: durationSchema.default('5m'),
    /** The helm binary. @defaultValue helm on PATH */
    helm: z.string().min(1).default('helm'),
  })
  .strict()
  .refine((i) => i.action !== 'upgrade' || i.chart !== undefined, { message: 'chart is required for upgrade', path: ['chart'] });

export const helmOutput = z.object({ release: z.string(), namespace: z.string(), action: z.string(), exitCode: z.number().nullable(), dryRun: z.boolean() });

type HelmInput = z.infer<typeof helmInput>;

/** helm's argv: never a shell string. Dry runs use helm's own --dry-run=server. */
export function helmArgs(i: HelmInput, dryRun: boolean): string[] {
  const common = ['--namespace', i.namespace, ...(i.kubeconfig ? ['--kubeconfig', i.kubeconfig] : []), ...(i.context ? ['--kube-context', i.context] : [])];
  const timeout = typeof i.timeout === 'number' ? `${i.timeout}ms` : i.timeout;
  const waiting = i.wait ? ['--wait', '--timeout', timeout] : [];
  if (i.action === 'rollback') return ['rollback', i.release, ...(i.revision !== undefined ? [String(i.revision)] : []), ...common, ...waiting, ...(dryRun ? ['--dry-run'] : [])];
  const sets = Object.entries(i.set).flatMap(([k, v]) => [typeof v === 'string' ? '--set-string' : '--set', `${k}=${String(v)}`]);
  return ['upgrade', '--install', i.release, i.chart!, ...common, '--create-namespace', ...(i.version ? ['--version', i.version] : []), ...i.valuesFiles.flatMap((f) => ['--values', f]), ...sets, ...waiting, ...(dryRun ? ['--dry-run=server'] : [])];
}

export const helmStepType = defineStepType({
  type: 'helm',
  description: 'helm upgrade --install or helm rollback through the helm CLI (must be installed); --dry-run=server in a dry run.',
  input: helmInput,
  output: helmOutput,
  defaults: { timeout: '15m' },
  // upgrade --install converges on the same release; a rollback without a revision would move again.
  retrySafe: (i: { action?: string; revision?: number }) => i.action !== 'rollback' || i.revision !== undefined,
  examples: [
    { description: 'Install or upgrade a release', with: { release: 'shop', chart: 'charts/shop', namespace: 'shop', valuesFiles: ['values/prod.yaml'], set: { 'image.tag': '1.4.2' } } },
    { description: 'Roll back to revision 3', with: { action: 'rollback', release: 'shop', namespace: 'shop', revision: 3 } },
  ],
  async run(ctx, input) {
    const args = helmArgs(input, ctx.dryRun);
    ctx.log.info(`${input.helm} ${args.join(' ')}`);
    const res = await runProcess({ command: [input.helm, ...args], signal: ctx.signal, onSpawn: (pgid) => ctx.processStarted(pgid), onStdout: (l) => ctx.log.stdout(l), onStderr: (l) => ctx.log.stderr(l) });
    if (res.spawnError) {
      if (/not found|ENOENT/i.test(res.spawnError)) throw new MissingDependencyError(`helm (the Helm 3 CLI, "${input.helm}")`, INSTALL_HELM);
      throw new NonRetryableError(`could not start ${input.helm}: ${res.spawnError}`, { code: 'spawn-failed' });
    }
    const outputs = { release: input.release, namespace: input.namespace, action: input.action, exitCode: res.exitCode, dryRun: ctx.dryRun };
    if (res.exitCode !== 0) throw new StepError(`helm ${input.action} ${input.release} failed with exit code ${res.exitCode}: ${res.stderr.trim().split('\n').pop() ?? ''}`, { code: 'exit-code', details: { outputs } });
    return outputs;
  },
});
