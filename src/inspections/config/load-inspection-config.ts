import { basename, extname } from 'node:path';
import { loadYamlFile, YamlFileInvalidError } from '../../config/load-yaml-file.js';
import type { CheckCatalog } from '../check-catalog.js';
import { defaultInspectionConfig, inspectionConfigSchema, type InspectionConfig } from './inspection-config.js';
import { unknownCheckKeys } from './check-settings-resolver.js';

/**
 * Loads an InspectionConfig file; every problem is reported with file:line:col, including check
 * ids that name no check (typos would otherwise silently keep the defaults).
 */
export async function loadInspectionConfig(file: string, catalog: CheckCatalog): Promise<InspectionConfig> {
  const loaded = await loadYamlFile(file, inspectionConfigSchema);
  const issues = unknownCheckKeys(loaded.value, catalog).map((u) => loaded.issue(u.path, 'unknown-check', `"${u.key}" names no check; see \`patrol checks\` for the catalog`));
  if (issues.length > 0) throw new YamlFileInvalidError(file, issues);
  return loaded.value;
}

/** The config of an inspection: the given file, or the defaults named after the inventory. */
export async function inspectionConfigFor(opts: { config?: string; inventory: readonly string[]; kind: string; catalog: CheckCatalog }): Promise<InspectionConfig> {
  if (opts.config) return loadInspectionConfig(opts.config, opts.catalog);
  const inv = opts.inventory[0];
  const stem = inv ? basename(inv, extname(inv)) : 'local';
  const name = `${stem}-${opts.kind}`.toLowerCase().replace(/[^a-z0-9.-]+/g, '-').replace(/^-+|-+$/g, '') || 'inspection';
  return defaultInspectionConfig(name);
}
