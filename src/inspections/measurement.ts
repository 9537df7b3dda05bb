import { z } from 'zod';

/**
 * What a collector returns for one section of one target (e.g. the `disks` of host web-1).
 * Each section is collected under its own timeout, so one hung mount or slow command makes only
 * the checks reading that section `error`, never the whole inspection.
 */
export const sectionEnvelopeSchema = z.object({
  ok: z.boolean(),
  data: z.unknown().optional(),
  error: z.string().optional(),
  /** The command (or query) that reproduces the measurement on the target. */
  command: z.string().optional(),
  /** Raw output, capped, kept as evidence. */
  raw: z.string().optional(),
  durationMs: z.number().optional(),
});
export type SectionEnvelope = z.infer<typeof sectionEnvelopeSchema>;

/** One inspected target: a host, a database, an application. */
export interface TargetInfo {
  /** Inventory host name, or the configured name of a database / application. */
  name: string;
  /** Inventory groups (hosts) or configured labels. */
  groups: string[];
  /** Free-form attributes a check may need (db type, app URLs...). */
  attributes?: Record<string, unknown>;
}

/** Measurements of one target by one collector, by section name; or why none could be taken. */
export interface TargetMeasurements {
  collector: string;
  target: TargetInfo;
  /** Set when nothing could be collected (unreachable host, refused connection). */
  error?: string;
  sections: Record<string, SectionEnvelope>;
}
