import { sql, type Expression, type SqlBool } from 'kysely';

/** `host.disk.*` → an index range; other globs → LIKE (escaped); no `*` → equality. */
export function globCondition(column: 'check_id' | 'target', glob: string): Expression<SqlBool> {
  const star = glob.indexOf('*');
  if (star === -1) return sql<SqlBool>`${sql.ref(column)} = ${glob}`;
  if (star === glob.length - 1) {
    const prefix = glob.slice(0, -1);
    if (prefix === '') return sql<SqlBool>`1 = 1`;
    const upper = prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1);
    return sql<SqlBool>`(${sql.ref(column)} >= ${prefix} and ${sql.ref(column)} < ${upper})`;
  }
  const pattern = glob.replace(/[\\%_]/g, (c) => `\\${c}`).replace(/\*/g, '%');
  return sql<SqlBool>`${sql.ref(column)} like ${pattern} escape '\\'`;
}
