import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa, execaSync, type ResultPromise } from 'execa';
import { killQuietly, onProcessExit, tailFile, waitForExit, waitUntil } from './local-servers.js';
import { requireRoot, requireTool } from './system-tools.js';

const INSTALL = 'apt-get install -y containerd runc (scripts/install-system-deps.sh test)';

/** A containerd of the test's own: its own root, state directory and socket; nothing of the machine's. */
export interface Containerd {
  /** The gRPC socket (what ctr --address and spec.nodes.containerRuntime.endpoint take). */
  socket: string;
  /** Runs `ctr --address SOCKET -n NAMESPACE ARGS`; throws with stderr when it fails. */
  ctr(args: readonly string[], namespace?: string): Promise<string>;
  /**
   * Builds a one-layer OCI image offline (a layer holding `payloadBytes` random bytes and the
   * /bin, /lib, /lib64 links of a merged-/usr system) and imports it as `ref`. Returns the bytes of
   * its content (manifest + config + layer), what `ctr images list` reports as its size.
   */
  importImage(ref: string, payloadBytes: number, namespace?: string): Promise<{ ref: string; bytes: number }>;
  /** `ctr run -d` of `ref` as container `id` running /bin/sleep with the machine's /usr bind-mounted read-only. */
  runContainer(ref: string, id: string, namespace?: string): Promise<void>;
  /** Kills the containers' tasks, stops containerd and removes its directories. Idempotent. */
  stop(): Promise<void>;
}

/** Starts containerd (root only) with only the plugins ctr needs: no CRI, no network, no tracing. */
export async function startContainerd(): Promise<Containerd> {
  requireRoot('containerd');
  const bin = requireTool('containerd', INSTALL);
  const ctrBin = requireTool('ctr', INSTALL);
  requireTool('runc', INSTALL);
  const dir = mkdtempSync('/tmp/patrol-containerd-');
  const socket = join(dir, 'containerd.sock');
  const config = join(dir, 'config.toml');
  writeFileSync(
    config,
    [
      'version = 2',
      `root = ${JSON.stringify(join(dir, 'root'))}`,
      `state = ${JSON.stringify(join(dir, 'state'))}`,
      'disabled_plugins = ["io.containerd.grpc.v1.cri", "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.aufs", "io.containerd.tracing.processor.v1.otlp", "io.containerd.internal.v1.tracing"]',
      '[grpc]',
      `  address = ${JSON.stringify(socket)}`,
      '[ttrpc]',
      `  address = ${JSON.stringify(`${socket}.ttrpc`)}`,
      '[debug]',
      '  address = ""',
      '[metrics]',
      '  address = ""',
      '',
    ].join('\n'),
  );
  const logFile = join(dir, 'containerd.log');
  // containerd logs to stderr.
  const daemon: ResultPromise = execa(bin, ['--config', config], { reject: false, stdin: 'ignore', stdout: 'ignore', stderr: { file: logFile } });
  // The runc shims run detached from containerd: find them by this daemon's socket.
  const shims = () =>
    readdirSync('/proc')
      .filter((p) => /^\d+$/.test(p))
      .filter((p) => {
        try {
          return readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0').includes(socket);
        } catch {
          return false;
        }
      })
      .map(Number);
  const cleanupSync = () => {
    killQuietly(daemon.pid);
    for (const pid of shims()) killQuietly(pid);
    unmountUnder(dir);
    rmSync(dir, { recursive: true, force: true });
  };
  const removeExitHook = onProcessExit(cleanupSync);

  const ctr = async (args: readonly string[], namespace = 'k8s.io') => {
    const r = await execa(ctrBin, ['--address', socket, '-n', namespace, ...args], { reject: false, timeout: 30_000 });
    if (r.exitCode !== 0) throw new Error(`ctr ${args.join(' ')} exited ${r.exitCode}: ${String(r.stderr).trim() || String(r.stdout).trim()}`);
    return String(r.stdout);
  };
  try {
    await waitUntil('containerd to answer on its socket', async () => {
      if (daemon.exitCode !== undefined && daemon.exitCode !== null) throw new Error(`containerd exited ${daemon.exitCode}:\n${tailFile(logFile)}`);
      return (await execa(ctrBin, ['--address', socket, 'version'], { reject: false, timeout: 5_000 })).exitCode === 0;
    }, { timeoutMs: 20_000, intervalMs: 100, log: () => tailFile(logFile) });
  } catch (err) {
    removeExitHook();
    cleanupSync();
    throw err;
  }

  let stopping: Promise<void> | undefined;
  return {
    socket,
    ctr,
    async importImage(ref, payloadBytes, namespace = 'k8s.io') {
      const { tarball, bytes } = await buildOciImage(dir, ref, payloadBytes);
      await ctr(['images', 'import', tarball], namespace);
      return { ref, bytes };
    },
    async runContainer(ref, id, namespace = 'k8s.io') {
      await ctr(['run', '-d', '--mount', 'type=bind,src=/usr,dst=/usr,options=rbind:ro', ref, id, '/bin/sleep', '600'], namespace);
    },
    stop() {
      stopping ??= (async () => {
        for (const ns of (await ctr(['namespaces', 'list', '-q']).catch(() => '')).split('\n').filter(Boolean)) {
          for (const line of (await ctr(['tasks', 'list', '-q'], ns).catch(() => '')).split('\n').filter(Boolean)) {
            await ctr(['tasks', 'kill', '-s', 'SIGKILL', line], ns).catch(() => undefined);
            await ctr(['tasks', 'delete', '-f', line], ns).catch(() => undefined);
          }
        }
        killQuietly(daemon.pid, 'SIGTERM');
        if (daemon.pid && !(await waitForExit(daemon.pid, 10_000))) killQuietly(daemon.pid);
        await daemon;
        removeExitHook();
        cleanupSync();
      })();
      return stopping;
    },
  };
}

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** An OCI image layout (oci-layout, index.json, blobs/sha256) as a tarball, made without a registry. */
async function buildOciImage(dir: string, ref: string, payloadBytes: number): Promise<{ tarball: string; bytes: number }> {
  const work = mkdtempSync(join(dir, 'image-'));
  const rootfs = join(work, 'rootfs');
  const layout = join(work, 'layout');
  mkdirSync(join(rootfs, 'usr'), { recursive: true });
  for (const [link, target] of [['bin', 'usr/bin'], ['lib', 'usr/lib'], ['lib64', 'usr/lib64']] as const) symlinkSync(target, join(rootfs, link));
  writeFileSync(join(rootfs, 'payload'), randomBytes(payloadBytes));
  mkdirSync(join(layout, 'blobs', 'sha256'), { recursive: true });
  const layerTar = join(work, 'layer.tar');
  await execa('tar', ['-C', rootfs, '--owner=0', '--group=0', '-cf', layerTar, '.']);
  const blob = (content: Buffer, mediaType: string) => {
    const digest = sha256(content);
    writeFileSync(join(layout, 'blobs', 'sha256', digest), content);
    return { mediaType, digest: `sha256:${digest}`, size: content.length };
  };
  const layer = blob(readFileSync(layerTar), 'application/vnd.oci.image.layer.v1.tar');
  const platform = { architecture: process.arch === 'arm64' ? 'arm64' : 'amd64', os: 'linux' };
  const config = blob(Buffer.from(JSON.stringify({ ...platform, config: { Cmd: ['/bin/sleep', 'infinity'] }, rootfs: { type: 'layers', diff_ids: [layer.digest] } })), 'application/vnd.oci.image.config.v1+json');
  const manifest = blob(Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config, layers: [layer] })), 'application/vnd.oci.image.manifest.v1+json');
  writeFileSync(join(layout, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  writeFileSync(join(layout, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: [{ ...manifest, platform, annotations: { 'io.containerd.image.name': ref, 'org.opencontainers.image.ref.name': ref } }] }));
  const tarball = join(work, 'image.tar');
  await execa('tar', ['-C', layout, '-cf', tarball, '.']);
  return { tarball, bytes: manifest.size + config.size + layer.size };
}

/** Lazily unmounts whatever containerd left mounted under dir (rootfs of killed containers), deepest first. */
function unmountUnder(dir: string): void {
  const mounts = readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((l) => l.split(' ')[4])
    .filter((m): m is string => !!m && m.startsWith(`${dir}/`))
    .sort((a, b) => b.length - a.length);
  for (const m of mounts) execaSync('umount', ['-l', m], { reject: false });
}
