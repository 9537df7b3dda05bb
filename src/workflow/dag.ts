/** Graph helpers over `needs` edges (step -> the steps it needs). */

/** Finds one cycle and returns it as a path that starts and ends at the same node, or undefined. */
export function findCycle(nodes: readonly string[], needs: (n: string) => readonly string[]): string[] | undefined {
  const state = new Map<string, 1 | 2>(); // 1 = on stack, 2 = done
  const stack: string[] = [];
  const visit = (n: string): string[] | undefined => {
    state.set(n, 1);
    stack.push(n);
    for (const m of needs(n)) {
      const s = state.get(m);
      if (s === 1) return [...stack.slice(stack.indexOf(m)), m];
      if (s === undefined) {
        const c = visit(m);
        if (c) return c;
      }
    }
    stack.pop();
    state.set(n, 2);
    return undefined;
  };
  for (const n of nodes) {
    if (!state.has(n)) {
      const c = visit(n);
      if (c) return c.reverse();
    }
  }
  return undefined;
}

/** Kahn's algorithm; stable (ties keep declaration order). Assumes no cycles. */
export function topoOrder(nodes: readonly string[], needs: (n: string) => readonly string[]): string[] {
  const indeg = new Map<string, number>();
  const dependents = new Map<string, string[]>();
  for (const n of nodes) {
    indeg.set(n, needs(n).length);
    for (const m of needs(n)) {
      const list = dependents.get(m) ?? [];
      list.push(n);
      dependents.set(m, list);
    }
  }
  const order: string[] = [];
  const ready = nodes.filter((n) => indeg.get(n) === 0);
  while (ready.length > 0) {
    const n = ready.shift()!;
    order.push(n);
    for (const d of dependents.get(n) ?? []) {
      const left = indeg.get(d)! - 1;
      indeg.set(d, left);
      if (left === 0) ready.push(d);
    }
  }
  return order;
}

/** All transitive upstream nodes of each node. */
export function upstreamSets(order: readonly string[], needs: (n: string) => readonly string[]): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const n of order) {
    const set = new Set<string>();
    for (const m of needs(n)) {
      set.add(m);
      for (const u of out.get(m) ?? []) set.add(u);
    }
    out.set(n, set);
  }
  return out;
}
