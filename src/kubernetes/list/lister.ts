import type { KubeApiClient, RawResponse } from '../client/api-client.js';
import { errorFor } from '../client/api-client.js';
import { KubeApiError, parseStatus } from '../client/api-error.js';
import type { KubeObject, ListResponse } from '../model/types.js';
import { listPath, type KindInfo } from './kinds.js';

export interface ListOptions {
  /** Objects per page (`limit`). @defaultValue 500, as kubectl's --chunk-size */
  pageSize?: number;
  /** Restarts after an expired continue token without a replacement token. @defaultValue 3 */
  maxRestarts?: number;
  /** Called after each page is visited. */
  onPage?: (info: { kind: KindInfo; items: number; total: number; pages: number }) => void;
  /** Called when a continue token expired (410 Gone) and the list carried on or restarted. */
  onExpired?: (info: { kind: KindInfo; restarted: boolean; afterKey: string | undefined }) => void;
}

export interface ListResult {
  objects: number;
  pages: number;
  /** Lists restarted from the beginning after a 410 without a replacement continue token. */
  restarts: number;
  /** Continued with the API server's "inconsistent" continue token after a 410. */
  inconsistent: boolean;
  resourceVersion?: string;
}

/**
 * Lists one kind cluster-wide page by page (`limit` + `continue`), handing each page to `visit`
 * and dropping it: at most two pages of a kind are in memory (the one visited and the next one,
 * requested before visiting so network and processing overlap).
 *
 * A continue token expires (410 Gone, reason Expired) when the list outlives etcd compaction.
 * The API server then offers a fresh token continuing after the last key at the current
 * resourceVersion (`metadata.continue` of the Status): the list carries on with it. Without one,
 * the list restarts from the beginning with a fresh resourceVersion and skips the keys it already
 * visited (lists are ordered by key), so no object is counted twice.
 */
export async function listKind(client: KubeApiClient, kind: KindInfo, visit: (items: KubeObject[]) => void, opts: ListOptions = {}): Promise<ListResult> {
  const path = listPath(kind);
  const limit = String(opts.pageSize ?? 500);
  const maxRestarts = opts.maxRestarts ?? 3;
  const result: ListResult = { objects: 0, pages: 0, restarts: 0, inconsistent: false };
  let lastKey: string | undefined;
  let skipThrough: string | undefined;
  let stalled = 0;

  const fetchPage = (cont: string | undefined): Promise<RawResponse> => client.get(path, { limit, ...(cont ? { continue: cont } : {}), ...(kind.fieldSelector ? { fieldSelector: kind.fieldSelector } : {}) });

  let pending: Promise<RawResponse> | undefined = fetchPage(undefined);
  let sentContinue: string | undefined;
  while (pending) {
    const res: RawResponse = await pending;
    pending = undefined;
    if (res.status === 410 && sentContinue) {
      const st = parseStatus(res.body);
      const fresh = st?.metadata?.continue;
      if (fresh) {
        result.inconsistent = true;
        opts.onExpired?.({ kind, restarted: false, afterKey: lastKey });
        sentContinue = fresh;
        pending = guard(fetchPage(fresh));
        continue;
      }
      if (result.restarts >= maxRestarts) throw new KubeApiError('gone', `listing ${kind.resource}: the continue token expired ${result.restarts + 1} times (410 Gone); the list takes longer than the API server keeps history`, { status: 410, path });
      result.restarts++;
      skipThrough = lastKey;
      opts.onExpired?.({ kind, restarted: true, afterKey: lastKey });
      sentContinue = undefined;
      pending = guard(fetchPage(undefined));
      continue;
    }
    if (res.status < 200 || res.status >= 300) throw errorFor(res, path);
    let page: ListResponse<KubeObject>;
    try {
      page = JSON.parse(res.body.toString('utf8')) as ListResponse<KubeObject>;
    } catch (err) {
      throw new KubeApiError('bad-response', `listing ${kind.resource}: the response is not JSON: ${(err as Error).message}`, { status: res.status, path });
    }
    const next = page.metadata?.continue;
    if (result.resourceVersion === undefined && page.metadata?.resourceVersion) result.resourceVersion = page.metadata.resourceVersion;
    // Request the next page before visiting this one.
    if (next) {
      sentContinue = next;
      pending = guard(fetchPage(next));
    }
    let items = page.items ?? [];
    // Lists are ordered by key. A page that does not advance past what was already visited
    // (a broken server or proxy handing out the same continue token) would loop forever: its
    // repeated objects are dropped, and three such pages in a row end the list with an error.
    if (lastKey !== undefined && skipThrough === undefined && items.length > 0 && keyOf(items[0]!) <= lastKey) {
      const seen = lastKey;
      const fresh = items.filter((o) => keyOf(o) > seen);
      if (fresh.length === 0 && ++stalled >= 3) {
        throw new KubeApiError('bad-response', `listing ${kind.resource}: the API server keeps returning objects already listed (continue token does not advance after ${lastKey})`, { path });
      }
      items = fresh;
    } else stalled = 0;
    if (skipThrough !== undefined) {
      const through = skipThrough;
      const firstNew = items.findIndex((o) => keyOf(o) > through);
      if (firstNew === -1) items = [];
      else {
        items = items.slice(firstNew);
        skipThrough = undefined;
      }
    }
    if (items.length > 0) {
      lastKey = keyOf(items[items.length - 1]!);
      visit(items);
    }
    result.objects += items.length;
    result.pages++;
    opts.onPage?.({ kind, items: items.length, total: result.objects, pages: result.pages });
  }
  return result;
}

/** The storage key order of list results: namespace/name, or name for cluster-scoped objects. */
export function keyOf(o: KubeObject): string {
  return o.metadata.namespace ? `${o.metadata.namespace}/${o.metadata.name}` : o.metadata.name;
}

/** A prefetched page that is awaited later must not count as an unhandled rejection meanwhile. */
function guard<T>(p: Promise<T>): Promise<T> {
  p.catch(() => undefined);
  return p;
}
