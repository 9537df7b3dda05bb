import v8 from 'node:v8';

let applied = false;

/**
 * Caps V8's young generation (semi-space) at `mb` MiB for this process, once, unless NODE_OPTIONS
 * or the command line already chose a size.
 *
 * Why: a cluster inspection parses every object of every list on its own (streaming, nothing
 * kept), so it allocates hundreds of thousands of short-lived objects. With V8's default
 * semi-space (up to 16 MiB, grown under allocation pressure) the process's RSS rose to 318 MB on a
 * 150,000-pod cluster; with 4 MiB the same inspection peaked at 200-288 MB and was no slower
 * (docs/benchmarks.md). Objects that survive are few (bounded aggregates), so scavenges stay cheap.
 */
export function limitYoungGeneration(mb = 4): void {
  if (applied) return;
  applied = true;
  const chosen = `${process.env.NODE_OPTIONS ?? ''} ${process.execArgv.join(' ')}`;
  if (/--max-semi-space-size/.test(chosen)) return;
  v8.setFlagsFromString(`--max-semi-space-size=${mb}`);
}
