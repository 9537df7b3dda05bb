import { z } from 'zod';

const certificateSchema = z.object({
  subject: z.string().nullable(),
  subjectAltNames: z.array(z.string()),
  issuer: z.string(),
  validFrom: z.string(),
  validTo: z.string(),
  daysRemaining: z.number(),
  serialNumber: z.string(),
  fingerprint256: z.string(),
  authorized: z.boolean(),
  authorizationError: z.string().nullable(),
});

/** Outputs of the `http` step type; also attached to an assertion failure (details.outputs). */
export const httpStepOutputSchema = z.object({
  /** The URL that answered (after redirects). */
  url: z.string(),
  /** Response status; null only in a dry run of a non-safe method. */
  status: z.number().int().nullable(),
  /** Milliseconds from the start to the final response's headers, redirects included. */
  latencyMs: z.number().nullable(),
  /** Milliseconds from the start to the end of the body. */
  totalMs: z.number().nullable(),
  /** Response headers, lower-case names; long values cut; credentials and cookies redacted. */
  headers: z.record(z.string(), z.string()),
  /** Body text, at most maxBodyBytes. */
  body: z.string(),
  /** Bytes of body received in all, including any discarded beyond maxBodyBytes. */
  bodyBytes: z.number().int(),
  bodyTruncated: z.boolean(),
  /** The parsed body when the response is JSON and within maxBodyBytes; otherwise null. */
  json: z.unknown(),
  /** The server certificate; null for plain HTTP. */
  certificate: certificateSchema.nullable(),
  assertions: z.array(z.object({ assertion: z.string(), passed: z.boolean(), expected: z.string(), actual: z.unknown(), detail: z.string().optional() })),
  /** Each Location followed, in order. */
  redirects: z.array(z.string()),
});

export type HttpStepOutput = z.infer<typeof httpStepOutputSchema>;
