/** The response body as assertions see it: text up to the cap, and its JSON when it parses. */
export interface ResponseBody {
  /** Decoded UTF-8 text of the first `maxBodyBytes` bytes. */
  text: string;
  /** Bytes received in all (after content decoding), including those read and discarded. */
  totalBytes: number;
  truncated: boolean;
  json: JsonBody;
}

export type JsonBody = { ok: true; value: unknown } | { ok: false; reason: string };

/**
 * Parses the body as JSON whatever its content type (servers often send JSON as text/plain),
 * refusing a truncated body: half a document would fail with a misleading syntax error.
 */
export function parseJsonBody(text: string, truncated: boolean, maxBytes: number): JsonBody {
  if (truncated) return { ok: false, reason: `the body is larger than maxBodyBytes (${maxBytes}); raise maxBodyBytes to evaluate JSON paths` };
  if (text.trim() === '') return { ok: false, reason: 'the body is empty' };
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (err) {
    return { ok: false, reason: `the body is not JSON (${(err as Error).message})` };
  }
}

/** application/json, application/problem+json, application/vnd.api+json, ... */
export function isJsonContentType(contentType: string | undefined): boolean {
  return contentType !== undefined && /^application\/([\w.+-]*\+)?json\s*(;|$)/i.test(contentType.trim());
}
