import type { KubeApiClient, RawResponse, StreamedResponse } from '../client/api-client.js';
import { errorFor } from '../client/api-client.js';
import { KubeApiError, parseStatus } from '../client/api-error.js';
import type { KubeObject } from '../model/types.js';
import { listPath, type KindInfo } from './kinds.js';
import { ListStreamParser } from './list-stream-parser.js';

export interface ListOptions {
  /** Objects per page (`limit`). @defaultValue 500, as kubectl's --chunk-size */
  pageSize?: number;
  /** Restarts after an expired continue token without a replacement token. @defaultValue 3 */
  maxRestarts?: number;
  /** Re-requests of a page whose body was cut off (connection reset, idle timeout). @defaultValue 3 */
  maxPageRetries?: number;
  signal?: AbortSignal;
  /** Called after each page. */
  onPage?: (info: { kind: KindInfo; items: number; total: number; pages: number }) => void;
  /** Called when a continue token expired (410 Gone) and the list carried on or restarted. */
  onExpired?: (info: { kind: KindInfo; restarted: boolean; afterKey: string | undefined }) => void;
  /** Called when a page was cut off and is requested again. */
  onRetry?: (info: { kind: KindInfo; afterKey: string | undefined; error: string }) => void;
}

export interface ListResult {
  objects: number;
  pages: number;
  /** Lists restarted from the beginning after a 410 without a replacement continue token. */
  restarts: number;
  /** Continued with the API server's "inconsistent" continue token after a 410. */
  inconsistent: boolean;
  /** Objects seen twice (after a restart or retried page) and skipped. */
  duplicates: number;
  resourceVersion?: string;
}

/**
 * Lists one kind cluster-wide page by page (`limit` + `continue`) and hands each object to
 * `visit` as it is parsed from the response stream: no page is ever held whole, only the object
 * being visited (see ListStreamParser). The next page is requested as soon as this page's
 * metadata (which carries the continue token) has arrived, so requests overlap processing.
 *
 * Objects come in key order (namespace/name), which makes every recovery exact: objects at or
 * before the last visited key are skipped, so nothing is counted twice.
 * - A continue token expires (410 Gone, reason Expired) when the list outlives etcd compaction.
 *   The API server then offers a fresh token continuing after the last key at the current
 *   resourceVersion (`metadata.continue` of the Status): the list carries on with it. Without one,
 *   the list restarts from the beginning with a fresh resourceVersion, skipping visited keys.
 * - A page cut off mid-body is requested again with the same continue token.
 * - A server that keeps returning already-listed objects ends the list with an error instead of
 *   looping forever.
 */
export async function listKind(client: KubeApiClient, kind: KindInfo, visit: (obj: KubeObject) => void, opts: ListOptions = {}): Promise<ListResult> {
  const path = listPath(kind);
  const limit = String(opts.pageSize ?? 500);
  const maxRestarts = opts.maxRestarts ?? 3;
  const maxPageRetries = opts.maxPageRetries ?? 3;
  const result: ListResult = { objects: 0, pages: 0, restarts: 0, inconsistent: false, duplicates: 0 };
  let lastKey: string | undefined;
  let stalled = 0;
  let pageRetries = 0;
  // After a restart from the beginning, pages of already-visited objects are expected (skipped)
  // until the list passes the last visited key: they are not a stalled continue token.
  let catchingUp = false;

  type Pending = { cont: string | undefined; res: Promise<StreamedResponse | RawResponse> };
  const request = (cont: string | undefined): Pending => {
    const res = client.open(path, { limit, ...(cont ? { continue: cont } : {}), ...(kind.fieldSelector ? { fieldSelector: kind.fieldSelector } : {}) });
    // Awaited later: must not count as an unhandled rejection meanwhile.
    res.catch(() => undefined);
    return { cont, res };
  };
  /** A prefetched page we will not read (the current one failed): free its slot. */
  const discard = (p: Pending | undefined) => {
    void p?.res.then((r) => ('stream' in r ? r.close() : undefined)).catch(() => undefined);
  };

  let pending: Pending | undefined = request(undefined);
  while (pending) {
    const current: Pending = pending;
    pending = undefined;
    const res = await current.res;
    if (!('stream' in res)) {
      if (res.status === 410 && current.cont) {
        const fresh = parseStatus(res.body)?.metadata?.continue;
        if (fresh) {
          result.inconsistent = true;
          opts.onExpired?.({ kind, restarted: false, afterKey: lastKey });
          pending = request(fresh);
          continue;
        }
        if (result.restarts >= maxRestarts) throw new KubeApiError('gone', `listing ${kind.resource}: the continue token expired ${result.restarts + 1} times (410 Gone); the list takes longer than the API server keeps history`, { status: 410, path });
        result.restarts++;
        catchingUp = true;
        opts.onExpired?.({ kind, restarted: true, afterKey: lastKey });
        pending = request(undefined);
        continue;
      }
      throw errorFor(res, path);
    }

    let fresh = 0;
    const parser = new ListStreamParser({
      meta: (m) => {
        if (result.resourceVersion === undefined && m.resourceVersion) result.resourceVersion = m.resourceVersion;
        if (m.continue && !pending) pending = request(m.continue);
      },
      item: (text) => {
        const o = JSON.parse(text) as KubeObject;
        const k = keyOf(o);
        if (lastKey !== undefined && k <= lastKey) {
          result.duplicates++;
          return;
        }
        lastKey = k;
        fresh++;
        result.objects++;
        try {
          visit(o);
        } catch (err) {
          throw new VisitError(err);
        }
      },
    });
    try {
      for await (const chunk of res.stream) {
        client.stats.bytes += (chunk as Buffer).length;
        parser.write(chunk as Buffer);
      }
      parser.end();
    } catch (err) {
      res.close();
      discard(pending);
      pending = undefined;
      if (err instanceof VisitError) throw err.cause;
      if (opts.signal?.aborted || (err instanceof KubeApiError && err.code === 'aborted')) throw err;
      if (err instanceof KubeApiError && err.code !== 'timeout') throw err;
      if (err instanceof SyntaxError) throw new KubeApiError('bad-response', `listing ${kind.resource}: an object is not valid JSON: ${err.message}`, { path });
      if (++pageRetries > maxPageRetries) throw err instanceof KubeApiError ? err : new KubeApiError('unreachable', `listing ${kind.resource}: ${(err as Error).message}`, { path, cause: err });
      opts.onRetry?.({ kind, afterKey: lastKey, error: (err as Error).message });
      pending = request(current.cont);
      continue;
    } finally {
      res.close();
    }
    result.pages++;
    if (fresh > 0) catchingUp = false;
    if (fresh === 0 && parser.items > 0 && pending && !catchingUp) {
      if (++stalled >= 3) {
        discard(pending);
        throw new KubeApiError('bad-response', `listing ${kind.resource}: the API server keeps returning objects already listed (continue token does not advance after ${lastKey})`, { path });
      }
    } else stalled = 0;
    opts.onPage?.({ kind, items: fresh, total: result.objects, pages: result.pages });
  }
  return result;
}

/** An exception thrown by a visitor: a bug to report, not a transport failure to retry. */
class VisitError extends Error {
  constructor(override readonly cause: unknown) {
    super(cause instanceof Error ? cause.message : String(cause));
  }
}

/** The storage key order of list results: namespace/name, or name for cluster-scoped objects. */
export function keyOf(o: KubeObject): string {
  return o.metadata.namespace ? `${o.metadata.namespace}/${o.metadata.name}` : o.metadata.name;
}
