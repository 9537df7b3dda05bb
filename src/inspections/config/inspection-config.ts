import { z } from 'zod';
import { durationSchema } from '../../workflow/workflow-schema.js';
import { applicationTargetSchema } from '../collectors/app/app-targets.js';
import { databaseTargetSchema } from '../collectors/db/db-targets.js';
import { nodeSettingsSchema } from '../collectors/node/node-settings.js';
import { inspectionReportSchema } from '../../config/patrol-config.js';
import { autoRemediationConfigSchema } from '../../remediation/auto-remediation-config.js';

/** Thresholds and parameters for a check; keys may be check ids or globs (host.disk.*). */
export const checkSettingsOverrideSchema = z
  .object({
    enabled: z.boolean().optional(),
    warning: z.number().optional(),
    critical: z.number().optional(),
  })
  .catchall(z.unknown());

const checkMap = z.record(z.string().regex(/^[a-z0-9_*]+(\.[a-z0-9_*]+)*$/, 'check ids are dotted lowercase (globs with * allowed)'), checkSettingsOverrideSchema);
const globList = z.array(z.string().min(1)).min(1);

export const exemptionSchema = z
  .object({
    /** Check id or glob. */
    check: z.string().min(1),
    /** Target or glob (e.g. "web-1:/var/log", "orders-pg/*"). @defaultValue "*" */
    target: z.string().min(1).default('*'),
    owner: z.string().min(1),
    reason: z.string().min(1),
    /** Last day the exemption applies (YYYY-MM-DD). After it the finding counts again. */
    expires: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expires must be a date, YYYY-MM-DD'),
  })
  .strict();

export const inspectionConfigSchema = z
  .object({
    apiVersion: z.literal('patrol.dev/v1'),
    kind: z.literal('InspectionConfig'),
    metadata: z
      .object({
        /** The inspection's name: runs with the same name are compared with each other. */
        name: z.string().regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, 'lowercase letters, digits, "-" and "."'),
        description: z.string().optional(),
        labels: z.record(z.string(), z.string()).default({}),
      })
      .strict(),
    spec: z
      .object({
        /** Settings per check for every target. */
        checks: checkMap.default({}),
        /** Later entries win. `match` fields are ANDed; each list matches any of its globs. */
        overrides: z
          .array(
            z
              .object({
                match: z.object({ groups: globList.optional(), hosts: globList.optional(), targets: globList.optional() }).strict(),
                checks: checkMap,
              })
              .strict(),
          )
          .default([]),
        exemptions: z.array(exemptionSchema).default([]),
        collection: z
          .object({
            /** Per-section time limit on a target (a hung mount stops one section, not the run). @defaultValue 20s */
            sectionTimeout: durationSchema.default('20s'),
            /** Parallel hosts per ansible-playbook process. @defaultValue hosts in the inventory, max 50 */
            forks: z.number().int().min(1).max(500).optional(),
            /** Split the inventory over this many ansible-playbook processes run at once. @defaultValue 1 */
            slices: z.number().int().min(1).max(32).optional(),
            /** Machine credential (ssh-key/password) for the hosts. */
            credential: z.string().optional(),
            becomeCredential: z.string().optional(),
            become: z.boolean().optional(),
            /** Process memory samples taken within one run, for leak detection inside the window. @defaultValue 3 */
            samples: z.number().int().min(1).max(30).default(3),
            /** Seconds between those samples. @defaultValue 2 */
            sampleInterval: z.number().min(0).max(60).default(2),
          })
          .strict()
          .default({ sectionTimeout: '20s', samples: 3, sampleInterval: 2 }),
        applications: z.array(applicationTargetSchema).default([]),
        databases: z.array(databaseTargetSchema).default([]),
        nodes: nodeSettingsSchema.default(nodeSettingsSchema.parse({})),
        /** Report recipients, files and alerting for this inspection (docs/reports.md). */
        report: inspectionReportSchema.optional(),
        /** Automatic remediation opt-ins, circuit breaker and blast radius (docs/remediation.md). */
        remediation: autoRemediationConfigSchema.optional(),
      })
      .strict(),
  })
  .strict();

export type InspectionConfig = z.infer<typeof inspectionConfigSchema>;
export type Exemption = z.infer<typeof exemptionSchema>;

/** The configuration used when none is given: every check with its defaults. */
export function defaultInspectionConfig(name: string): InspectionConfig {
  return inspectionConfigSchema.parse({ apiVersion: 'patrol.dev/v1', kind: 'InspectionConfig', metadata: { name }, spec: {} });
}
