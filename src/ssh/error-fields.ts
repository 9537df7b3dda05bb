/**
 * Reads fields of thrown values without `instanceof Error`: errors from Node's fs and net, and
 * ssh2's, may come from another realm (e.g. under jest's VM), where instanceof is false.
 */
export function errorField(err: unknown, name: string): string | undefined {
  if (typeof err !== 'object' || err === null || !(name in err)) return undefined;
  const value: unknown = Reflect.get(err, name);
  return typeof value === 'string' ? value : undefined;
}

export function errorMessage(err: unknown): string {
  return errorField(err, 'message') ?? String(err);
}
