import { parseDuration } from '../../../util/duration.js';
import type { AnyCheck } from '../../check.js';
import { CheckSettingsResolver } from '../../config/check-settings-resolver.js';
import type { InspectionConfig } from '../../config/inspection-config.js';
import type { TargetInfo } from '../../measurement.js';
import { nodeChecks } from '../../checks/node/index.js';
import type { Collector } from '../collector.js';
import { measurementsFromPlaybook } from '../playbook-measurements.js';
import { NODE_SECTIONS, RUNTIME_UNITS, type NodeSectionName } from './node-sections.js';
import type { NodeSettings } from './node-settings.js';

/** Sections that exist only when configured (spec.nodes.registry, spec.nodes.loki). */
const OPTIONAL: Partial<Record<NodeSectionName, (n: NodeSettings) => boolean>> = { registry: (n) => n.registry !== undefined, loki: (n) => n.loki !== undefined };

/** The module's parameters, from spec.nodes (the same for every node). */
export function nodeModuleParams(n: NodeSettings): Record<string, Record<string, unknown>> {
  const rt = n.containerRuntime;
  return {
    certs: { pki_dir: n.pkiDir, kubeconfig_dir: n.kubeconfigDir, kubeconfigs: n.kubeconfigs },
    etcd_backup: { dir: n.etcdBackupDir, patterns: n.etcdBackupPatterns, verify: n.etcdSnapshotVerify },
    services: { units: ['kubelet', ...(rt.service ? [rt.service] : RUNTIME_UNITS), ...n.services] },
    images: { cli: rt.cli, ...(rt.endpoint ? { endpoint: rt.endpoint } : {}) },
    ...(n.registry ? { registry: { url: n.registry.url, harbor: n.registry.harbor, ...(n.registry.caCert ? { ca_cert: n.registry.caCert } : {}), ...(n.registry.insecureSkipVerify ? { insecure: true } : {}) } } : {}),
    ...(n.loki ? { loki: { config_file: n.loki.configFile, data_dir: n.loki.dataDir } } : {}),
  };
}

/** Sections to measure on one node: those an enabled check reads (after overrides) and that are configured. */
export function nodeSectionsFor(config: InspectionConfig, target: TargetInfo, checks: readonly AnyCheck[] = nodeChecks): NodeSectionName[] {
  const resolver = new CheckSettingsResolver(config);
  return NODE_SECTIONS.filter((s) => (OPTIONAL[s]?.(config.spec.nodes) ?? true) && checks.some((c) => c.source.section === s && resolver.resolve(c, target).enabled));
}

/**
 * Cluster-node measurements: one task per node runs playbooks/library/patrol_node.py, which measures
 * kubeadm certificates, etcd backups, the kubelet and runtime services, unused images, the registry
 * and Loki, each section under its own timeout. The node settings (spec.nodes) travel with every
 * target as `attributes.nodes`, for the checks' thresholds (backup age, Loki's size limit).
 */
export const nodeCollector: Collector = {
  kind: 'node',
  produces: ['node'],
  async collect(req) {
    const hosts = await req.inventoryHosts();
    if (hosts.length === 0) return [];
    const nodes = req.config.spec.nodes;
    const perHost = hosts.map((h) => ({ host: h.name, sections: nodeSectionsFor(req.config, { name: h.name, groups: h.groups }) }));
    const first = JSON.stringify(perHost[0]!.sections);
    const extraVars: Record<string, unknown> = {
      patrol_section_timeout: Math.ceil(parseDuration(req.config.spec.collection.sectionTimeout) / 1000),
      patrol_node_params: nodeModuleParams(nodes),
      patrol_sections: perHost[0]!.sections,
    };
    if (perHost.some((p) => JSON.stringify(p.sections) !== first)) extraVars.patrol_sections_by_host = Object.fromEntries(perHost.map((p) => [p.host, p.sections]));
    const output = await req.runPlaybook({ playbook: 'inspect-node.yml', extraVars });
    return measurementsFromPlaybook({ collector: 'node', registerName: 'patrol_node', hosts, output }).map((m) => {
      const target = { ...m.target, attributes: { nodes } };
      if (m.error) return { ...m, target };
      // Unconfigured optional sections: an explicit "not configured" for their checks to say so.
      const sections = { ...m.sections };
      for (const [name, configured] of Object.entries(OPTIONAL)) {
        if (!configured(nodes) && !sections[name]) sections[name] = { ok: true, data: null, raw: `spec.nodes.${name} is not set` };
      }
      return { ...m, target, sections };
    });
  },
};
