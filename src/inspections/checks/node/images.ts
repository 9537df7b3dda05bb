import { defineCheck, levelSeverity, thresholdOf } from '../../check.js';
import { nodeImagesSection } from '../../collectors/node/node-sections.js';
import { formatBytes } from '../format.js';
import { round2 } from '../host/settings.js';

const GiB = 1024 ** 3;
/** Two decimals hide a few MiB of unused images (0.00 GiB beside a warning): three significant digits below 1 GiB. */
const gibValue = (gib: number) => (gib > 0 && gib < 1 ? Number(gib.toPrecision(3)) : round2(gib));

/** Disk held by container images that no container uses. */
export const nodeImagesUnused = defineCheck({
  id: 'node.images.unused',
  category: 'cluster',
  title: 'Unused container images',
  description:
    'Space held by images that no container (running or stopped) uses, read through the runtime\'s CLI on the node: crictl (images / ps -a), ctr (every namespace, images grouped by digest), or docker (image ls / ps -a), the first that answers (spec.nodes.containerRuntime.cli forces one, .endpoint names the socket). Sizes are the runtime\'s own; layers shared between images are counted once per image, so it is an upper bound. When no CLI answers the check is an error naming each reason, never ok.',
  source: { collector: 'node', section: 'images', schema: nodeImagesSection },
  defaults: { warning: 10, critical: 30 },
  unit: 'GiB',
  remediation: '`crictl rmi --prune` (Kubernetes nodes), `docker image prune -a`, or the prune-images runbook; the kubelet\'s image GC (imageGCHighThresholdPercent) does it too when the disk fills.',
  remediationWorkflow: 'prune-images',
  reference: 'Patrol anchors: unused image cleanup (no inspection tool checks it)',
  evaluate({ data, target, settings }) {
    const s = settings();
    const gib = data.unusedBytes / GiB;
    const top = data.unused.slice(0, 5).map((i) => `${i.ref} (${formatBytes(i.size)})`);
    return [
      {
        target: target.name,
        severity: levelSeverity(gib, s),
        value: gibValue(gib),
        threshold: thresholdOf(s),
        message: `${data.unusedCount} of ${data.images} images are unused and hold ${formatBytes(data.unusedBytes)} (all images ${formatBytes(data.totalBytes)}; read with ${data.tool})${top.length ? `: ${top.join(', ')}${data.unusedCount > top.length ? ', ...' : ''}` : ''}`,
        details: { tool: data.tool, endpoint: data.endpoint, unused: data.unused.map((i) => ({ ref: i.ref, bytes: i.size, ...(i.namespace ? { namespace: i.namespace } : {}) })), attempts: data.attempts },
      },
    ];
  },
});
