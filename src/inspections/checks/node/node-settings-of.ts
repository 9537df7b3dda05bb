import type { TargetInfo } from '../../measurement.js';
import { nodeSettingsSchema, type NodeSettings } from '../../collectors/node/node-settings.js';

/** The spec.nodes settings the node collector attached to a target (defaults when absent). */
export function nodeSettingsOf(target: TargetInfo): NodeSettings {
  return nodeSettingsSchema.parse(target.attributes?.nodes ?? {});
}
