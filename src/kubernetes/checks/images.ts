import { globMatch } from '../../inspections/config/glob.js';
import { isLatest, parseImage } from '../model/images.js';
import { podImages } from '../model/pods.js';
import type { Pod } from '../model/types.js';
import { defineClusterCheck, severityParam, stringListParam, type CheckEnv } from './cluster-check.js';

const IMAGE_LIMIT = 10_000;

interface ImageUse {
  pods: number;
  namespaces: Set<string>;
  samples: string[];
}

/** Collects offending images, deduplicated: one finding per image, with how many pods use it. */
function imageCollector(env: CheckEnv, offends: (image: string) => string | undefined) {
  const images = new Map<string, ImageUse & { why: string }>();
  let overflowPods = 0;
  let pods = 0;
  const ignore = new Set(stringListParam(env.settings(), 'ignoreNamespaces', []));
  return {
    visit(p: Pod) {
      const ns = p.metadata.namespace ?? '';
      if (ignore.has(ns)) return;
      pods++;
      const seen = new Set<string>();
      for (const img of podImages(p)) {
        if (seen.has(img)) continue;
        seen.add(img);
        let u = images.get(img);
        if (!u) {
          const why = offends(img);
          if (why === undefined) continue;
          if (images.size >= IMAGE_LIMIT) {
            overflowPods++;
            continue;
          }
          images.set(img, (u = { pods: 0, namespaces: new Set(), samples: [], why }));
        }
        u.pods++;
        if (u.namespaces.size < 50) u.namespaces.add(ns);
        if (u.samples.length < 5) u.samples.push(`${ns}/${p.metadata.name}`);
      }
    },
    images,
    get pods() {
      return pods;
    },
    get overflowPods() {
      return overflowPods;
    },
  };
}

export const imageLatestTag = defineClusterCheck({
  info: {
    id: 'k8s.image.latest_tag',
    category: 'cluster',
    title: 'Images with :latest or no tag',
    description: 'Container images (init and regular) referenced as :latest or without a tag and digest: what runs depends on when each node pulled it, rollbacks are impossible and imagePullPolicy defaults to Always. One finding per image with the number of pods using it.',
    defaults: { severity: 'warning', ignoreNamespaces: [], maxFindings: 100 },
    remediation: 'Pin a version tag (or a digest, image@sha256:...) in the workload spec and roll it out.',
    reference: 'KubeEye/Polaris tagNotSpecified, pullPolicyNotAlways',
  },
  kinds: ['pods'],
  start(env) {
    const c = imageCollector(env, (img) => (isLatest(parseImage(img)) ? (parseImage(img).tag === 'latest' ? ':latest tag' : 'no tag') : undefined));
    const sev = severityParam(env.settings(), 'severity', 'warning');
    return {
      visit: { pods: (p: Pod) => c.visit(p) },
      finish() {
        const problems = env.problems();
        problems.checked = c.pods;
        for (const [img, u] of c.images) {
          const t = `${env.cluster.name}/image/${img}`;
          const s = env.settings(t);
          if (!s.enabled) continue;
          problems.add({ target: t, group: [...u.namespaces][0] ?? '-', severity: severityParam(s, 'severity', sev), value: u.pods, rank: u.pods, message: `image ${img} (${u.why}) is used by ${u.pods} pods in ${u.namespaces.size} namespaces (e.g. ${u.samples.join(', ')})`, details: { pods: u.pods, namespaces: [...u.namespaces].slice(0, 10), samples: u.samples } });
        }
        if (c.overflowPods > 0) problems.count(sev, c.overflowPods);
        return problems.findings({ ok: `every image of ${c.pods} pods has a version tag or digest`, noun: 'images with :latest or no tag', unit: 'images' });
      },
    };
  },
});

export const imageRegistry = defineClusterCheck({
  info: {
    id: 'k8s.image.registry',
    category: 'cluster',
    title: 'Images from registries outside the allow-list',
    description: 'Container images pulled from a registry not matching `allowedRegistries` (globs such as "registry.bank.internal", "*.corp.example", "quay.io/org/*" match registry or registry/repository). Images without a registry come from docker.io. With an empty allow-list nothing is judged and the summary lists the registries in use.',
    defaults: { allowedRegistries: [], severity: 'warning', ignoreNamespaces: [], maxFindings: 100 },
    remediation: 'Mirror the image into an allowed registry and change the workload to use it; enforce the rule at admission (Kyverno/Gatekeeper policy).',
    reference: 'Polaris/KubeEye trusted registries; regulated environments (offline installs)',
  },
  kinds: ['pods'],
  start(env) {
    const base = env.settings();
    const allowed = stringListParam(base, 'allowedRegistries', []);
    const sev = severityParam(base, 'severity', 'warning');
    const registries = new Map<string, number>();
    const ok = (img: string) => {
      const r = parseImage(img);
      return allowed.some((g) => globMatch(g, r.registry) || globMatch(g, `${r.registry}/${r.repository}`));
    };
    const c = imageCollector(env, (img) => {
      const r = parseImage(img);
      if (registries.size < 1000 || registries.has(r.registry)) registries.set(r.registry, (registries.get(r.registry) ?? 0) + 1);
      if (allowed.length === 0 || ok(img)) return undefined;
      return `registry ${r.registry}`;
    });
    return {
      visit: { pods: (p: Pod) => c.visit(p) },
      finish() {
        const problems = env.problems();
        problems.checked = c.pods;
        const inUse = [...registries].sort((a, b) => b[1] - a[1]).map(([r, n]) => `${r} (${n} images)`);
        if (allowed.length === 0) {
          return [{ target: env.cluster.name, severity: 'info', value: registries.size, unit: 'registries', message: `no allowedRegistries configured; registries in use: ${inUse.slice(0, 10).join(', ') || 'none'}`, details: { registries: Object.fromEntries(registries) } }];
        }
        for (const [img, u] of c.images) {
          const t = `${env.cluster.name}/image/${img}`;
          const s = env.settings(t);
          if (!s.enabled) continue;
          problems.add({ target: t, group: [...u.namespaces][0] ?? '-', severity: severityParam(s, 'severity', sev), value: u.pods, rank: u.pods, message: `image ${img} comes from ${u.why.replace('registry ', '')}, not in the allowed registries; used by ${u.pods} pods (e.g. ${u.samples.join(', ')})`, details: { pods: u.pods, samples: u.samples, namespaces: [...u.namespaces].slice(0, 10) } });
        }
        if (c.overflowPods > 0) problems.count(sev, c.overflowPods);
        return problems.findings({ ok: `all images of ${c.pods} pods come from allowed registries (${allowed.join(', ')})`, noun: 'images from registries outside the allow-list', unit: 'images', details: { allowedRegistries: allowed, registriesInUse: inUse.slice(0, 20) } });
      },
    };
  },
});
