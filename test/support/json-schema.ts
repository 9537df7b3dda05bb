/**
 * A small JSON Schema (2020-12 subset) validator: what zod's toJSONSchema emits and OpenAPI 3.1
 * documents use ($ref into components, type, enum, const, properties, required,
 * additionalProperties, items, anyOf/oneOf/allOf, bounds, pattern). Returns the problems found.
 */
type Schema = Record<string, unknown> | boolean;

export function validateJson(value: unknown, schema: Schema, root: Record<string, unknown>, path = '$'): string[] {
  if (schema === true) return [];
  if (schema === false) return [`${path}: no value allowed`];
  const s = schema;
  if (typeof s.$ref === 'string') {
    const target = resolveRef(s.$ref, root);
    if (!target) return [`${path}: unresolved $ref ${s.$ref}`];
    return validateJson(value, target, root, path);
  }
  const errors: string[] = [];
  if (s.type !== undefined) {
    const types = Array.isArray(s.type) ? (s.type as string[]) : [s.type as string];
    if (!types.some((t) => isType(value, t))) return [`${path}: expected ${types.join('|')}, got ${describe(value)}`];
  }
  if (s.enum !== undefined && !(s.enum as unknown[]).some((e) => JSON.stringify(e) === JSON.stringify(value))) errors.push(`${path}: ${JSON.stringify(value)} not in enum`);
  if (s.const !== undefined && JSON.stringify(s.const) !== JSON.stringify(value)) errors.push(`${path}: expected const ${JSON.stringify(s.const)}`);
  if (typeof value === 'number') {
    if (typeof s.minimum === 'number' && value < s.minimum) errors.push(`${path}: below minimum`);
    if (typeof s.maximum === 'number' && value > s.maximum) errors.push(`${path}: above maximum`);
  }
  if (typeof value === 'string') {
    if (typeof s.minLength === 'number' && value.length < s.minLength) errors.push(`${path}: shorter than ${s.minLength}`);
    if (typeof s.maxLength === 'number' && value.length > s.maxLength) errors.push(`${path}: longer than ${s.maxLength}`);
    if (typeof s.pattern === 'string' && !new RegExp(s.pattern, 'u').test(value)) errors.push(`${path}: does not match ${s.pattern}`);
  }
  if (Array.isArray(value) && s.items !== undefined) value.forEach((v, i) => errors.push(...validateJson(v, s.items as Schema, root, `${path}[${i}]`)));
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const obj = value as Record<string, unknown>;
    const props = (s.properties ?? {}) as Record<string, Schema>;
    for (const r of (s.required ?? []) as string[]) if (!(r in obj)) errors.push(`${path}: missing required ${r}`);
    for (const [k, v] of Object.entries(obj)) {
      if (k in props) errors.push(...validateJson(v, props[k]!, root, `${path}.${k}`));
      else if (s.additionalProperties === false) errors.push(`${path}: unexpected property ${k}`);
      else if (s.additionalProperties !== undefined && s.additionalProperties !== true) errors.push(...validateJson(v, s.additionalProperties as Schema, root, `${path}.${k}`));
    }
  }
  if (Array.isArray(s.allOf)) for (const sub of s.allOf as Schema[]) errors.push(...validateJson(value, sub, root, path));
  if (Array.isArray(s.anyOf) && !(s.anyOf as Schema[]).some((sub) => validateJson(value, sub, root, path).length === 0)) errors.push(`${path}: matches none of anyOf`);
  if (Array.isArray(s.oneOf) && (s.oneOf as Schema[]).filter((sub) => validateJson(value, sub, root, path).length === 0).length !== 1) errors.push(`${path}: does not match exactly one of oneOf`);
  return errors;
}

export function resolveRef(ref: string, root: Record<string, unknown>): Schema | undefined {
  if (!ref.startsWith('#/')) return undefined;
  let cur: unknown = root;
  for (const part of ref.slice(2).split('/')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[part.replace(/~1/g, '/').replace(/~0/g, '~')];
  }
  return cur as Schema | undefined;
}

/** Every $ref in a document, with where it is. */
export function allRefs(v: unknown, path = '$', out: { ref: string; at: string }[] = []): { ref: string; at: string }[] {
  if (Array.isArray(v)) v.forEach((x, i) => allRefs(x, `${path}[${i}]`, out));
  else if (v !== null && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) {
      if (k === '$ref' && typeof x === 'string') out.push({ ref: x, at: path });
      else allRefs(x, `${path}.${k}`, out);
    }
  }
  return out;
}

function isType(v: unknown, t: string): boolean {
  switch (t) {
    case 'string':
      return typeof v === 'string';
    case 'number':
      return typeof v === 'number' && Number.isFinite(v);
    case 'integer':
      return typeof v === 'number' && Number.isInteger(v);
    case 'boolean':
      return typeof v === 'boolean';
    case 'null':
      return v === null;
    case 'array':
      return Array.isArray(v);
    case 'object':
      return v !== null && typeof v === 'object' && !Array.isArray(v);
    default:
      return false;
  }
}

function describe(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v;
}
