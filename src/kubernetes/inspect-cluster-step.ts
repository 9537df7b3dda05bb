import { z } from 'zod';
import { defineStepType } from '../steps/step-type.js';
import { NonRetryableError } from '../errors/index.js';
import { SEVERITIES, type FindingInput, type Severity } from '../findings/finding.js';
import { YamlFileInvalidError } from '../config/load-yaml-file.js';
import { durationSchema } from '../workflow/workflow-schema.js';
import { parseDuration } from '../util/duration.js';
import type { CheckCatalog } from '../inspections/check-catalog.js';
import { inspectionConfigFor } from '../inspections/config/load-inspection-config.js';
import { scoreFindings } from '../inspections/score.js';
import type { ClusterSpec } from './client/connection.js';
import { Limiter } from './client/limiter.js';
import { clusterChecks } from './checks/index.js';
import type { ClusterCheck } from './checks/cluster-check.js';
import { inspectCluster, type ClusterProgress } from './inspect/cluster-inspection.js';
import { limitYoungGeneration } from './inspect/young-generation.js';

export interface InspectClusterStepDeps {
  catalog: CheckCatalog;
  checks?: readonly ClusterCheck[];
}

const clusterSchema = z
  .object({
    /** Name in finding targets (`<name>/ns/pod`). @defaultValue the context name */
    name: z.string().regex(/^[A-Za-z0-9]([-A-Za-z0-9_.:@]*[A-Za-z0-9])?$/).optional(),
    /** kubeconfig file. @defaultValue $KUBECONFIG, ~/.kube/config, then the in-cluster service account */
    kubeconfig: z.string().optional(),
    /** Context of the kubeconfig. @defaultValue its current-context */
    context: z.string().optional(),
    /** Use the pod's service account (Patrol running in the cluster). */
    inCluster: z.boolean().optional(),
    /** Groups for `overrides[].match.groups` of the InspectionConfig. */
    groups: z.array(z.string()).optional(),
    /** With inCluster: root of a non-standard service account mount. */
    serviceAccountRoot: z.string().optional(),
  })
  .strict();

const inputSchema = z
  .object({
    /** Clusters to inspect. Without it: `kubeconfig` with each of `contexts` (or its current context), or `inCluster`. */
    clusters: z.array(clusterSchema).optional(),
    /** kubeconfig file for the shorthand form ("" = the default kubeconfig). */
    kubeconfig: z.string().optional(),
    /** Contexts of `kubeconfig`, one cluster each ([] = the current context). */
    contexts: z.union([z.string(), z.array(z.string())]).optional(),
    /** Inspect the cluster Patrol runs in (service account). */
    inCluster: z.boolean().optional(),
    /** InspectionConfig YAML (thresholds, overrides, exemptions; shared with the other inspections). "" = defaults. */
    config: z.string().optional(),
    /** Objects per list page (limit). @defaultValue 500 */
    pageSize: z.number().int().min(10).max(5000).default(500),
    /** API requests (and kinds listed) in flight at once per cluster. @defaultValue 4 */
    concurrency: z.number().int().min(1).max(32).default(4),
    /** A request fails when the API server sends nothing for this long. @defaultValue 30s */
    requestTimeout: durationSchema.default('30s'),
    /** Clusters inspected at once. @defaultValue 1 */
    parallelClusters: z.number().int().min(1).max(16).default(1),
    /** gzip responses (as kubectl does). @defaultValue true */
    compression: z.boolean().default(true),
  })
  .strict();

type Input = z.infer<typeof inputSchema>;

const counts = z.record(z.enum(SEVERITIES), z.number());

/** The clusters an input names. */
export function clustersOf(input: Pick<Input, 'clusters' | 'kubeconfig' | 'contexts' | 'inCluster'>): ClusterSpec[] {
  if (input.clusters && input.clusters.length > 0) return input.clusters;
  if (input.inCluster) return [{ inCluster: true }];
  const kubeconfig = input.kubeconfig ? { kubeconfig: input.kubeconfig } : {};
  const contexts = (typeof input.contexts === 'string' ? [input.contexts] : (input.contexts ?? [])).filter((c) => c !== '');
  if (contexts.length === 0) return [{ ...kubeconfig }];
  return contexts.map((context) => ({ ...kubeconfig, context }));
}

/**
 * The `inspect-cluster` step type: inspects Kubernetes clusters through their API (kubeconfig
 * contexts or the in-cluster service account) with the k8s.* checks and reports findings like
 * every inspection. Problems of a cluster (unreachable, rejected credentials, forbidden kinds) are
 * `error` findings, not step failures; the step fails only on bad input (config file) or cancel.
 */
export function createInspectClusterStepType(deps: InspectClusterStepDeps) {
  const checks = deps.checks ?? clusterChecks;
  return defineStepType({
    type: 'inspect-cluster',
    description: 'Inspects Kubernetes clusters through the API (nodes, control plane, pods, workloads, storage, events, certificates, images, jobs, quotas, GPUs, CPU-manager topology), listing page by page with bounded memory, and reports findings.',
    input: inputSchema,
    output: z.object({
      kind: z.literal('cluster'),
      inspection: z.string(),
      clusters: z.number(),
      unreachable: z.number(),
      targets: z.number(),
      findings: z.number(),
      bySeverity: counts,
      score: z.number(),
      grade: z.string(),
      objects: z.number(),
      requests: z.number(),
    }),
    defaults: { timeout: '2h' },
    // Only reads: an interrupted inspection can run again.
    retrySafe: true,
    examples: [
      { description: 'Two contexts of a kubeconfig', with: { kubeconfig: '/etc/patrol/kubeconfig', contexts: ['prod', 'dr'], config: 'patrol.yaml' } },
      { description: 'The cluster Patrol runs in', with: { inCluster: true } },
    ],
    async run(ctx, input) {
      if (input.config === '') delete input.config;
      let config;
      try {
        config = await inspectionConfigFor({ ...(input.config ? { config: input.config } : {}), inventory: [], kind: 'cluster', catalog: deps.catalog });
      } catch (err) {
        if (err instanceof YamlFileInvalidError) throw new NonRetryableError(err.message, { code: 'invalid-config' });
        throw err;
      }
      const specs = clustersOf(input);
      limitYoungGeneration();
      const timeoutMs = parseDuration(input.requestTimeout, 'requestTimeout');
      const limiter = new Limiter(input.parallelClusters);
      const all: FindingInput[] = [];
      let objects = 0;
      let requests = 0;
      let unreachable = 0;
      let finishedObjects = 0;
      const live = new Map<string, ClusterProgress>();
      let lastEmit = 0;
      const emit = (force = false) => {
        const now = Date.now();
        if (!force && now - lastEmit < 1000) return;
        lastEmit = now;
        let scanned = finishedObjects;
        const parts: string[] = [];
        for (const p of live.values()) {
          scanned += p.objects;
          const kinds = Object.entries(p.kinds)
            .filter(([, s]) => s!.objects > 0 || !s!.done)
            .slice(0, 4)
            .map(([k, s]) => `${k} ${s!.objects}${s!.done ? '' : '…'}`);
          parts.push(`${p.cluster}: ${p.kindsDone}/${p.kindsTotal} kinds listed, ${p.objects} objects scanned (${kinds.join(', ')})`);
        }
        ctx.progress({ kind: 'k8s', message: parts.join('; '), done: scanned, data: { clusters: [...live.values()].map((p) => ({ cluster: p.cluster, kindsDone: p.kindsDone, kindsTotal: p.kindsTotal, objects: p.objects })) } });
      };
      ctx.log.info(`inspection ${config.metadata.name}: ${specs.length} cluster${specs.length === 1 ? '' : 's'}, ${checks.length} checks, page size ${input.pageSize}, concurrency ${input.concurrency}`);
      await Promise.all(
        specs.map((spec) =>
          limiter.run(async () => {
            const r = await inspectCluster(spec, {
              config,
              checks,
              signal: ctx.signal,
              pageSize: input.pageSize,
              concurrency: input.concurrency,
              timeoutMs,
              compression: input.compression,
              log: (level, message) => ctx.log[level](message),
              progress: (p) => {
                live.set(p.cluster, p);
                emit();
              },
            });
            live.delete(r.cluster);
            if (r.error) unreachable++;
            const scanned = Object.values(r.kinds).reduce((n, s) => n + s!.objects, 0);
            objects += scanned;
            finishedObjects += scanned;
            requests += r.requests;
            ctx.findings.report(r.findings);
            all.push(...r.findings);
            const bad = r.findings.filter((f) => f.severity === 'critical' || f.severity === 'error').length;
            ctx.log.info(`cluster ${r.cluster}: ${r.findings.length} findings (${bad} critical/error) in ${(r.durationMs / 1000).toFixed(1)} s, ${r.requests} requests, ${r.retries} retries`);
          }),
        ),
      );
      const bySeverity = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
      for (const f of all) if (!f.exemption) bySeverity[f.severity]++;
      const score = scoreFindings(all);
      return {
        kind: 'cluster' as const,
        inspection: config.metadata.name,
        clusters: specs.length,
        unreachable,
        targets: new Set(all.map((f) => f.host ?? f.target)).size,
        findings: all.length,
        bySeverity,
        score: score.overall.value,
        grade: score.overall.grade,
        objects,
        requests,
      };
    },
  });
}
