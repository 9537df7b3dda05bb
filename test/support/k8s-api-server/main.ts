/**
 * The test API server as a standalone process, for the benchmark, for trying Patrol (or kubectl)
 * by hand, and for other test suites:
 *
 *   npx tsx test/support/k8s-api-server/main.ts --nodes 5000 --pods 150000 --events 50000 \
 *     --kubeconfig /tmp/k8s-test.yaml [--port 6443] [--fixtures test/fixtures/k8s/problems] [--no-gzip]
 *
 * Prints one JSON line when ready: {"url", "kubeconfig", "pid", "counts"}. Stops on SIGTERM/SIGINT.
 * With --log-requests N, SIGUSR2 prints {"requests", "byPath"} for the requests since the last SIGUSR2.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { KubeApiServer } from './server.js';
import { generateCluster } from './generator/cluster.js';

const { values } = parseArgs({
  options: {
    nodes: { type: 'string', default: '0' },
    pods: { type: 'string', default: '0' },
    events: { type: 'string', default: '0' },
    seed: { type: 'string', default: '1' },
    port: { type: 'string', default: '0' },
    host: { type: 'string', default: '127.0.0.1' },
    version: { type: 'string', default: 'v1.32.4' },
    kubeconfig: { type: 'string' },
    context: { type: 'string', default: 'test' },
    fixtures: { type: 'string', multiple: true },
    'no-gzip': { type: 'boolean', default: false },
    'log-requests': { type: 'string', default: '0' },
  },
});

const nodes = Number(values.nodes);
const objects: unknown[] = [];
for (const f of values.fixtures ?? []) {
  const files = statSync(f).isDirectory() ? readdirSync(f).filter((x) => x.endsWith('.json')).map((x) => join(f, x)) : [f];
  for (const file of files) objects.push(JSON.parse(readFileSync(file, 'utf8')));
}
const cluster = nodes > 0 ? generateCluster({ nodes, pods: Number(values.pods), events: Number(values.events), seed: Number(values.seed), kubeletVersion: values.version }) : undefined;
const server = await KubeApiServer.start({
  host: values.host,
  port: Number(values.port),
  version: values.version,
  objects,
  ...(cluster ? { sources: cluster.sources, configz: cluster.configz } : {}),
  gzip: !values['no-gzip'],
  logRequests: Number(values['log-requests']),
});
const kubeconfig = server.writeKubeconfig({ name: values.context, ...(values.kubeconfig ? { file: values.kubeconfig } : {}) });
const stop = () => {
  void server.stop().then(() => process.exit(0));
};
// SIGUSR2: print the requests served since the last SIGUSR2 (needs --log-requests), for the benchmark's API call counts.
process.on('SIGUSR2', () => {
  const byPath: Record<string, number> = {};
  for (const r of server.requests) byPath[r.path] = (byPath[r.path] ?? 0) + 1;
  process.stdout.write(`${JSON.stringify({ requests: server.requests.length, byPath })}\n`);
  server.requests.length = 0;
});
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
// Ready only once the signal handlers are in place (an early SIGUSR2 would kill the process).
process.stdout.write(`${JSON.stringify({ url: server.url, kubeconfig, pid: process.pid, token: server.adminToken, counts: cluster?.counts ?? {} })}\n`);
