import { z } from 'zod';
import { durationSchema } from '../workflow/workflow-schema.js';
import { httpCheckSchema, prometheusCheckSchema } from '../kubernetes-deploy/verification.js';

const dnsName = z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'must be lowercase letters, digits and "-" (a Kubernetes name)').max(63);
const quantity = z.union([z.string().min(1), z.number()]);
const resources = z.object({ requests: z.record(z.string(), quantity).optional(), limits: z.record(z.string(), quantity).optional() }).strict();

const portSchema = z.union([z.number().int().min(1).max(65535), z.object({ name: dnsName.optional(), port: z.number().int().min(1).max(65535), protocol: z.enum(['TCP', 'UDP']).default('TCP') }).strict()]);

/** PVC: `create: true` creates it when absent and never modifies an existing one; otherwise a reference. */
const storageTrait = z
  .object({
    name: dnsName,
    mountPath: z.string().startsWith('/', 'must be an absolute path'),
    create: z.boolean().default(false),
    size: quantity.optional(),
    storageClass: z.string().min(1).optional(),
    accessModes: z.array(z.enum(['ReadWriteOnce', 'ReadOnlyMany', 'ReadWriteMany', 'ReadWriteOncePod'])).default(['ReadWriteOnce']),
  })
  .strict()
  .refine((s) => !s.create || s.size !== undefined, { message: 'size is required with create: true', path: ['size'] });

/** With `data`: created or updated (later definitions win); with only a name: a reference. */
const configTrait = z
  .object({
    name: dnsName,
    data: z.record(z.string(), z.string()).optional(),
    /** Mount as files here; without it every key becomes an environment variable. */
    mountPath: z.string().startsWith('/', 'must be an absolute path').optional(),
  })
  .strict();

const exposeTrait = z.union([
  z.object({ ingress: z.object({ host: z.string().min(1), path: z.string().startsWith('/').default('/'), port: z.number().int().optional(), className: z.string().optional(), tlsSecret: z.string().optional() }).strict() }).strict(),
  z.object({ httpRoute: z.object({ gateway: z.string().min(1), gatewayNamespace: z.string().optional(), hostnames: z.array(z.string().min(1)).default([]), path: z.string().startsWith('/').default('/'), port: z.number().int().optional() }).strict() }).strict(),
]);

const verifyTrait = z
  .object({
    http: httpCheckSchema.optional(),
    prometheus: prometheusCheckSchema.optional(),
    /** Attempts before the verification counts as failed, `interval` apart. @defaultValue 3 */
    attempts: z.number().int().min(1).max(60).default(3),
    interval: durationSchema.default('2s'),
    /** Roll the Deployment back when verification fails. @defaultValue true */
    rollback: z.boolean().default(true),
  })
  .strict()
  .refine((v) => v.http !== undefined || v.prometheus !== undefined, { message: 'give http or prometheus', path: ['http'] });

const initJob = z
  .object({
    name: dnsName,
    image: z.string().min(1).optional(),
    command: z.array(z.string()).optional(),
    args: z.array(z.string()).optional(),
    env: z.record(z.string(), z.string()).default({}),
    resources: resources.optional(),
    backoffLimit: z.number().int().min(0).default(0),
  })
  .strict();

export const componentSchema = z
  .object({
    name: dnsName,
    image: z.string().min(1),
    workload: z.enum(['Deployment', 'StatefulSet']).default('Deployment'),
    replicas: z.number().int().min(0).default(1),
    ports: z.array(portSchema).default([]),
    env: z.record(z.string(), z.string()).default({}),
    command: z.array(z.string()).optional(),
    args: z.array(z.string()).optional(),
    resources: resources.optional(),
    dependsOn: z.array(dnsName).default([]),
    /** Jobs that must succeed before this component starts (e.g. create tables); image defaults to the component's. */
    init: z.array(initJob).default([]),
    traits: z
      .object({
        storage: z.array(storageTrait).default([]),
        configMaps: z.array(configTrait).default([]),
        secrets: z.array(configTrait).default([]),
        expose: exposeTrait.optional(),
        verify: verifyTrait.optional(),
      })
      .strict()
      .default({ storage: [], configMaps: [], secrets: [] }),
    /** Rollout wait. @defaultValue 5m */
    rolloutTimeout: durationSchema.default('5m'),
  })
  .strict();

export const applicationSchema = z
  .object({
    apiVersion: z.literal('patrol.dev/v1'),
    kind: z.literal('Application'),
    metadata: z
      .object({
        name: dnsName,
        namespace: dnsName.default('default'),
        labels: z.record(z.string(), z.string()).default({}),
        description: z.string().optional(),
      })
      .strict(),
    spec: z
      .object({
        cluster: z.object({ kubeconfig: z.string().min(1).optional(), context: z.string().min(1).optional(), inCluster: z.boolean().optional() }).strict().default({}),
        components: z.array(componentSchema).min(1, 'an application needs at least one component'),
      })
      .strict(),
  })
  .strict();

export type Application = z.infer<typeof applicationSchema>;
export type Component = z.infer<typeof componentSchema>;
export type VerifyTrait = z.infer<typeof verifyTrait>;
