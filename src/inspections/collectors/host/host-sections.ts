import { z } from 'zod';

/**
 * Data shapes of the host collection module's sections (playbooks/library/patrol_host.py).
 * One schema per section; checks name the section they read.
 */
export const disksSection = z.object({
  mounts: z.array(
    z.object({
      mount: z.string(),
      device: z.string(),
      fstype: z.string(),
      sizeBytes: z.number(),
      usedBytes: z.number(),
      availBytes: z.number(),
      usedPercent: z.number(),
      inodesTotal: z.number(),
      inodesUsed: z.number(),
      inodesUsedPercent: z.number(),
    }),
  ),
  /** Mounts that could not be measured (hung, permission denied), each becomes an error finding. */
  failed: z.array(z.object({ mount: z.string(), fstype: z.string(), error: z.string() })),
});
export type DisksSection = z.infer<typeof disksSection>;
