/** "v1.29.10", "v1.30.2-eks-1234", "1.31" -> { major, minor, patch }. */
export function parseVersion(v: string | undefined): { major: number; minor: number; patch: number } | undefined {
  if (!v) return undefined;
  const m = /^v?(\d+)\.(\d+)(?:\.(\d+))?/.exec(v.trim());
  if (!m) return undefined;
  return { major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3] ?? 0) };
}

export function compareVersions(a: { major: number; minor: number; patch: number }, b: { major: number; minor: number; patch: number }): number {
  return a.major - b.major || a.minor - b.minor || a.patch - b.patch;
}
