/** Shell-style globs (* and ?), anchored; used for check ids, hosts, groups and targets in config. */
export function globToRegExp(glob: string): RegExp {
  const re = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${re}$`);
}

const cache = new Map<string, RegExp>();

export function globMatch(glob: string, value: string): boolean {
  let re = cache.get(glob);
  if (!re) {
    re = globToRegExp(glob);
    cache.set(glob, re);
  }
  return re.test(value);
}

export function anyGlob(globs: readonly string[] | undefined, values: readonly string[]): boolean {
  if (!globs) return true;
  return globs.some((g) => values.some((v) => globMatch(g, v)));
}
