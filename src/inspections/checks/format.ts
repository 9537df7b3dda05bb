const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];

/** 1536 -> "1.5 KiB". */
export function formatBytes(n: number): string {
  let v = n;
  let i = 0;
  while (Math.abs(v) >= 1024 && i < UNITS.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v >= 100 || i === 0 ? Math.round(v) : v.toFixed(1)} ${UNITS[i]}`;
}

/** "5GiB", "512 MiB", "1.5G", 1024 -> bytes. */
export function parseBytes(v: string | number): number {
  if (typeof v === 'number') return v;
  const m = /^\s*(\d+(?:\.\d+)?)\s*([KMGTP]?)(i?B?)?\s*$/i.exec(v);
  if (!m) throw new Error(`"${v}" is not a size (examples: 500MiB, 5GiB, 1048576)`);
  const pow = ' KMGTP'.indexOf(m[2]!.toUpperCase() || ' ');
  return Math.round(Number(m[1]) * 1024 ** Math.max(0, pow));
}

export function formatSeconds(s: number): string {
  if (s < 120) return `${Math.round(s)} s`;
  if (s < 7200) return `${Math.round(s / 60)} min`;
  if (s < 172_800) return `${(s / 3600).toFixed(1)} h`;
  return `${(s / 86_400).toFixed(1)} days`;
}
