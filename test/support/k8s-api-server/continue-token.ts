/**
 * Continue tokens as kube-apiserver's etcd3 store encodes them (storage/continue.go):
 * base64url(JSON {"v":"meta.k8s.io/v1","rv":<list resourceVersion>,"start":"<last key>\u0000"}).
 * rv -1 is the "inconsistent" token handed out with a 410: continue at the latest revision.
 */
export interface ContinueToken {
  rv: number;
  /** The next key to read (the last returned key + "\0"). */
  start: string;
}

export function encodeContinue(t: ContinueToken): string {
  return Buffer.from(JSON.stringify({ v: 'meta.k8s.io/v1', rv: t.rv, start: t.start })).toString('base64url');
}

export function decodeContinue(token: string): ContinueToken {
  let v: { v?: unknown; rv?: unknown; start?: unknown };
  try {
    v = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as typeof v;
  } catch {
    throw new Error('continue key is not valid: illegal base64 data');
  }
  if (v.v !== 'meta.k8s.io/v1') throw new Error('continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)');
  if (typeof v.rv !== 'number' || typeof v.start !== 'string' || v.start === '') throw new Error('continue key is not valid: key is empty');
  return { rv: v.rv, start: v.start };
}
