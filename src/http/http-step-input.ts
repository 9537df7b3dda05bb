import { z } from 'zod';
import { durationSchema } from '../workflow/workflow-schema.js';
import { BODY_ASSERTION_SHAPES, bodyAssertionShape } from './body-assertion.js';
import { STATUS_PATTERN_RE } from './status-pattern.js';

export const HTTP_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;
export type HttpMethod = (typeof HTTP_METHODS)[number];

/** Methods that only read: retried after a crash, and still sent in a dry run. */
export const SAFE_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Most bytes of a response body a step may keep in its outputs. */
export const MAX_BODY_BYTES_LIMIT = 16 * 1024 * 1024;

// RFC 9110 token characters; Node would throw on anything else at request time, far from the YAML.
const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

const regexSchema = z.string().superRefine((s, ctx) => {
  try {
    new RegExp(s);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: `is not a valid regular expression: ${(err as Error).message}` });
  }
});

const urlSchema = z.string().superRefine((s, ctx) => {
  let url: URL;
  try {
    url = new URL(s);
  } catch {
    ctx.addIssue({ code: 'custom', message: `"${s}" is not an absolute URL (example: https://app.example.com/healthz)` });
    return;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') ctx.addIssue({ code: 'custom', message: `scheme must be http or https, not ${url.protocol.replace(':', '')}` });
  // Userinfo would leak into logs, outputs and redirects; credentials belong in the credential store.
  if (url.username || url.password) ctx.addIssue({ code: 'custom', message: 'must not contain a user name or password; store them as a credential and set `credential`' });
});

const headerValueSchema = z
  .union([z.string(), z.number(), z.boolean()])
  .transform(String)
  .pipe(z.string().regex(/^[^\r\n\0]*$/, 'must not contain line breaks'));

const bodyAssertionSchema = z
  .object({
    /** A JSONPath into the parsed body, e.g. `$.status` or `$.checks[?(@.name=="db")].state`. */
    jsonPath: z.string().min(1).optional(),
    /** The value at jsonPath equals this (deep equality; several matches compare as a list). */
    equals: z.unknown().optional(),
    /** Every value at jsonPath (as text) matches this regular expression. */
    matches: regexSchema.optional(),
    /** jsonPath selects at least one value (true) or none (false). */
    exists: z.boolean().optional(),
    /** The body text matches this regular expression. */
    regex: regexSchema.optional(),
    /** The body text contains this string. */
    contains: z.string().min(1).optional(),
  })
  .strict()
  .superRefine((a, ctx) => {
    const shape = bodyAssertionShape(a);
    if (!(BODY_ASSERTION_SHAPES as readonly string[]).includes(shape)) {
      ctx.addIssue({ code: 'custom', message: `a body assertion is one of ${BODY_ASSERTION_SHAPES.map((s) => `{${s.replace(',', ', ')}}`).join(', ')}; got {${shape.replace(/,/g, ', ')}}` });
    }
  });

const expectSchema = z
  .object({
    /** Accepted status codes: numbers or patterns such as "2xx", "30x". @defaultValue ["2xx", "3xx"] */
    status: z
      .array(z.union([z.number().int().min(100).max(599), z.string().regex(STATUS_PATTERN_RE, 'must be a status code or a pattern such as 2xx or 30x')]))
      .min(1)
      .optional(),
    /** Longest acceptable time to the response headers (all redirects included). No limit by default. */
    maxLatency: durationSchema.optional(),
    /** Checks of the response body, all of which must pass. @defaultValue [] */
    body: z.array(bodyAssertionSchema).optional(),
    /** Checks of the server certificate (https only). */
    certificate: z
      .object({
        /** Fail when the certificate expires in fewer days than this (fractions allowed). */
        minDaysRemaining: z.number().min(0),
      })
      .strict()
      .optional(),
  })
  .strict();

/** Input of the `http` step type. Defaults are applied by compileHttpRequest, not here, so `retrySafe` sees what the user wrote. */
export const httpStepInputSchema = z
  .object({
    /** http:// or https:// URL. */
    url: urlSchema,
    /** Request method (case-insensitive). @defaultValue "GET" */
    method: z.preprocess((v) => (typeof v === 'string' ? v.toUpperCase() : v), z.enum(HTTP_METHODS)).optional(),
    /** Extra request headers. @defaultValue {} */
    headers: z.record(z.string().regex(HEADER_NAME, 'is not a valid header name'), headerValueSchema).optional(),
    /** Request body sent as is. Mutually exclusive with `json`. */
    body: z.string().optional(),
    /** Request body serialised as JSON; sets content-type: application/json unless headers set one. */
    json: z.unknown().optional(),
    /** Limit for the whole exchange: connect, TLS, redirects, response headers and body. @defaultValue 10s */
    timeout: durationSchema.optional(),
    /** Name of a stored credential: `token` sends Authorization: Bearer, `password` sends Basic. */
    credential: z.string().min(1).optional(),
    /** Extra trusted CA for a private PKI: PEM text, or the path of a PEM file. Added to the system CAs. */
    caCert: z.string().min(1).optional(),
    /** Accept any certificate (still read and reported; a warning is logged). @defaultValue false */
    insecureSkipVerify: z.boolean().optional(),
    /** Follow 3xx responses with a Location, at most 5. @defaultValue true */
    followRedirects: z.boolean().optional(),
    /** Bytes of the body kept in outputs; the rest is read and discarded. @defaultValue 65536 */
    maxBodyBytes: z.number().int().min(0).max(MAX_BODY_BYTES_LIMIT).optional(),
    /** What the response must satisfy; by default only a 2xx or 3xx status. */
    expect: expectSchema.optional(),
  })
  .strict()
  .superRefine((input, ctx) => {
    if (input.body !== undefined && input.json !== undefined) ctx.addIssue({ code: 'custom', path: ['json'], message: 'set either body or json, not both' });
    const auth = Object.keys(input.headers ?? {}).find((h) => h.toLowerCase() === 'authorization');
    if (auth && input.credential !== undefined) ctx.addIssue({ code: 'custom', path: ['headers', auth], message: 'set either credential or an Authorization header, not both' });
  });

export type HttpStepInput = z.infer<typeof httpStepInputSchema>;
