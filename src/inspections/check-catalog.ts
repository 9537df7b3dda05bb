import { ConflictError, NotFoundError } from '../errors/index.js';
import type { AnyCheck, CheckInfo } from './check.js';

/**
 * Every check, by id: section checks (evaluated from collected measurements) and other checks
 * that evaluate themselves (e.g. Kubernetes API checks that stream objects) and only register
 * their CheckInfo here. Duplicate ids are an error.
 */
export class CheckCatalog {
  private readonly checks = new Map<string, CheckInfo>();

  register(...checks: CheckInfo[]): this {
    for (const c of checks) {
      if (this.checks.has(c.id)) throw new ConflictError(`check "${c.id}" is registered twice`, { check: c.id });
      this.checks.set(c.id, c);
    }
    return this;
  }

  get(id: string): CheckInfo {
    const c = this.checks.get(id);
    if (!c) throw new NotFoundError(`unknown check "${id}"`, { check: id });
    return c;
  }

  has(id: string): boolean {
    return this.checks.has(id);
  }

  list(): CheckInfo[] {
    return [...this.checks.values()].sort((a, b) => a.id.localeCompare(b.id));
  }

  /** Section checks reading a collector's measurements. */
  forCollector(collector: string): AnyCheck[] {
    return this.list().filter((c): c is AnyCheck => 'source' in c && (c as AnyCheck).source.collector === collector);
  }
}
