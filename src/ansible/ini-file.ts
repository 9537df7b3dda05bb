/**
 * ansible.cfg as Ansible reads it: Python's configparser with `;` inline comments, read raw (no
 * interpolation). Sections keep their order; keys are lower-cased like configparser's optionxform.
 * Values are kept as written so a setting copied into Patrol's generated file means the same thing.
 */
export type IniFile = Map<string, Map<string, string>>;

export class IniParseError extends Error {}

export function parseIni(text: string, file: string): IniFile {
  const ini: IniFile = new Map();
  let section: Map<string, string> | undefined;
  let lastKey: string | undefined;
  const lines = text.split(/\r?\n/);
  lines.forEach((raw, i) => {
    const trimmed = raw.trim();
    if (trimmed === '' || trimmed.startsWith('#') || trimmed.startsWith(';')) {
      // configparser ends a multi-line value at an empty line only when the next line is not indented;
      // treating blank lines as the end is what every real ansible.cfg expects.
      if (trimmed === '') lastKey = undefined;
      return;
    }
    if (/^\s/.test(raw) && lastKey !== undefined && section) {
      section.set(lastKey, `${section.get(lastKey)}\n${stripInlineComment(trimmed)}`);
      return;
    }
    const header = /^\[([^\]]+)\]\s*$/.exec(trimmed);
    if (header) {
      const name = header[1]!;
      section = ini.get(name) ?? new Map();
      ini.set(name, section);
      lastKey = undefined;
      return;
    }
    const m = /^([^=:]+?)\s*[=:]\s*(.*)$/.exec(trimmed) ?? /^([^=:]+?)\s*$/.exec(trimmed);
    if (!m) throw new IniParseError(`${file}:${i + 1}: cannot parse "${trimmed}"`);
    if (!section) throw new IniParseError(`${file}:${i + 1}: "${trimmed}" comes before any [section] header`);
    lastKey = m[1]!.toLowerCase();
    section.set(lastKey, stripInlineComment(m[2] ?? ''));
  });
  return ini;
}

function stripInlineComment(value: string): string {
  // configparser strips an inline prefix only when whitespace precedes it.
  const idx = value.search(/\s;/);
  return (idx >= 0 ? value.slice(0, idx) : value).trim();
}

export function serializeIni(ini: IniFile, header: string[] = []): string {
  const out = header.map((l) => `# ${l}`);
  for (const [name, entries] of ini) {
    if (entries.size === 0) continue;
    if (out.length > 0) out.push('');
    out.push(`[${name}]`);
    for (const [k, v] of entries) {
      const [first, ...rest] = v.split('\n');
      out.push(`${k} = ${first}`);
      for (const r of rest) out.push(`    ${r}`);
    }
  }
  return `${out.join('\n')}\n`;
}

export function setIni(ini: IniFile, section: string, key: string, value: string): void {
  let s = ini.get(section);
  if (!s) {
    s = new Map();
    ini.set(section, s);
  }
  s.set(key.toLowerCase(), value);
}

export function getIni(ini: IniFile, section: string, key: string): string | undefined {
  return ini.get(section)?.get(key.toLowerCase());
}

export function deleteIni(ini: IniFile, section: string, key: string): void {
  ini.get(section)?.delete(key.toLowerCase());
}
