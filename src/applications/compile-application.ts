import type { WorkflowDefinition } from '../workflow/workflow-schema.js';
import type { Application, Component } from './application-schema.js';
import { componentClaims, componentObjects, configObjects } from './component-manifests.js';

/** How to reach the cluster (the Application's spec.cluster, overridden on the command line). */
export interface DeployTarget {
  kubeconfig?: string;
  context?: string;
  inCluster?: boolean;
}

/** One step of the plan, for `patrol deploy` to show before running and to report per component. */
export interface PlanStep {
  step: string;
  component: string | null;
  type: string;
  needs: string[];
  summary: string;
}

export interface CompiledApplication {
  workflow: WorkflowDefinition;
  plan: PlanStep[];
}

/** Step names are identifiers; component names are DNS labels ("web-api" -> "web_api"). */
export const stepId = (component: string, what: string) => `${component.replace(/-/g, '_')}_${what.replace(/-/g, '_')}`;

/**
 * Compiles an Application into a workflow DAG. Per component: PVCs to create (create only),
 * init jobs, the workload with its Service and Ingress/HTTPRoute, the rollout wait and the
 * verification (which rolls back itself). A component starts after the components it depends on
 * are ready (and verified); everything else runs in parallel. ConfigMaps and Secrets with data
 * are applied first, in one step, in their defined order.
 */
export function compileApplication(app: Application, target: DeployTarget): CompiledApplication {
  const ns = app.metadata.namespace;
  const cluster = { ...app.spec.cluster, ...target, namespace: ns };
  const plan: PlanStep[] = [];
  const steps: WorkflowDefinition['spec']['steps'] = [];
  const add = (component: string | null, name: string, type: string, needs: string[], input: Record<string, unknown>, summary: string) => {
    steps.push({ name, type, needs, with: { ...cluster, ...input }, continueOnError: false });
    plan.push({ step: name, component, type, needs, summary });
  };

  const configs = configObjects(app);
  const configStep = configs.length > 0 ? 'config' : undefined;
  if (configStep) {
    const names = configs.map((c) => `${String(c.object.kind)}/${String((c.object.metadata as { name: string }).name)}${c.definedBy.length > 1 ? ` (defined by ${c.definedBy.join(', ')}; ${c.definedBy[c.definedBy.length - 1]} wins)` : ''}`);
    add(null, configStep, 'k8s-apply', [], { manifests: configs.map((c) => c.object) }, `apply ${names.join(', ')}`);
  }

  // The step a dependent waits for: the verification when there is one, else the rollout.
  const readyStep = (c: Component) => stepId(c.name, c.traits.verify ? 'verify' : 'ready');
  const byName = new Map(app.spec.components.map((c) => [c.name, c]));
  for (const c of app.spec.components) {
    const before = [...(configStep ? [configStep] : []), ...c.dependsOn.map((d) => readyStep(byName.get(d)!))];
    const claims = componentClaims(app, c);
    if (claims.length > 0) {
      add(c.name, stepId(c.name, 'storage'), 'k8s-apply', [], { manifests: claims, createOnly: true }, `create PVC ${claims.map((o) => String((o.metadata as { name: string }).name)).join(', ')} when absent (never modified)`);
      before.push(stepId(c.name, 'storage'));
    }
    const inits = c.init.map((j) => {
      const name = stepId(c.name, `init_${j.name}`);
      add(c.name, name, 'k8s-job', [...before], { name: j.name, image: j.image ?? c.image, ...(j.command ? { command: j.command } : {}), ...(j.args ? { args: j.args } : {}), env: { ...c.env, ...j.env }, ...(j.resources ? { resources: j.resources } : {}), backoffLimit: j.backoffLimit, interval: '1s' }, `run init job ${j.name} (${j.image ?? c.image}) to success`);
      return name;
    });
    const objects = componentObjects(app, c);
    const deploy = stepId(c.name, 'deploy');
    add(c.name, deploy, 'k8s-apply', inits.length > 0 ? inits : [...before], { manifests: objects }, `apply ${objects.map((o) => String(o.kind)).join(', ')} (${c.image}, ${c.replicas} replica${c.replicas === 1 ? '' : 's'})`);
    const ready = stepId(c.name, 'ready');
    add(c.name, ready, 'k8s-wait', [deploy], { object: { kind: c.workload, name: c.name }, timeout: c.rolloutTimeout, interval: '1s' }, `wait for the ${c.workload} rollout (${String(c.rolloutTimeout)})`);
    const v = c.traits.verify;
    if (v) {
      add(c.name, stepId(c.name, 'verify'), 'k8s-verify', [ready], { deployment: c.name, ...(v.http ? { http: v.http } : {}), ...(v.prometheus ? { prometheus: v.prometheus } : {}), attempts: v.attempts, interval: v.interval, rollback: v.rollback, rolloutTimeout: c.rolloutTimeout }, `verify ${[v.http ? `GET ${v.http.url}` : '', v.prometheus ? `${v.prometheus.query}` : ''].filter(Boolean).join(' and ')}${v.rollback ? '; roll back on failure' : ''}`);
    }
  }
  const workflow: WorkflowDefinition = {
    apiVersion: 'patrol.dev/v1',
    kind: 'Workflow',
    metadata: { name: `deploy-${app.metadata.name}`, namespace: 'default', labels: { 'patrol.dev/kind': 'deploy', 'patrol.dev/application': app.metadata.name }, description: `Deploy application ${app.metadata.name} to namespace ${ns}` },
    spec: { params: [], steps, finally: [] },
  };
  return { workflow, plan };
}
