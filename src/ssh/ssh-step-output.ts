import { z } from 'zod';

export const hostResultSchema = z.object({
  /** Null when the command never ran (unreachable) or was killed by a signal. */
  exitCode: z.number().int().nullable(),
  stdout: z.string(),
  stderr: z.string(),
  durationMs: z.number(),
  /** Why the host did not succeed beyond its exit code: connection, login, host key, signal. */
  error: z.object({ code: z.string(), message: z.string() }).optional(),
});

export type HostResult = z.infer<typeof hostResultSchema>;

export const sshStepOutputSchema = z.object({
  /** Per host label (`host`, or `host:port` off port 22). */
  results: z.record(z.string(), hostResultSchema),
  /** Hosts where the command exited 0. */
  succeeded: z.array(z.string()),
  /** Hosts where the command ran and exited non-zero, was killed, or lost its connection. */
  failed: z.array(z.string()),
  /** Hosts where the command never started: connection, host key or login failed. */
  unreachable: z.array(z.string()),
});

export type SshStepOutput = z.infer<typeof sshStepOutputSchema>;
