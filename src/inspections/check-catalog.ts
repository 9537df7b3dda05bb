import { ConflictError, NotFoundError } from '../errors/index.js';
import type { AnyCheck } from './check.js';

/** Every check, by id. Duplicate ids are an error; lookups of unknown ids list what exists. */
export class CheckCatalog {
  private readonly checks = new Map<string, AnyCheck>();

  register(...checks: AnyCheck[]): this {
    for (const c of checks) {
      if (this.checks.has(c.id)) throw new ConflictError(`check "${c.id}" is registered twice`, { check: c.id });
      this.checks.set(c.id, c);
    }
    return this;
  }

  get(id: string): AnyCheck {
    const c = this.checks.get(id);
    if (!c) throw new NotFoundError(`unknown check "${id}"`, { check: id });
    return c;
  }

  has(id: string): boolean {
    return this.checks.has(id);
  }

  list(): AnyCheck[] {
    return [...this.checks.values()].sort((a, b) => a.id.localeCompare(b.id));
  }

  /** Checks reading a collector's measurements. */
  forCollector(collector: string): AnyCheck[] {
    return this.list().filter((c) => c.source.collector === collector);
  }
}
