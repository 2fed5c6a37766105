/** The named queries: one `.sql` file each in analysis/queries/ (the file name is the query name). */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const QUERY_DIR = fileURLToPath(new URL('./queries/', import.meta.url));

export function namedQueryNames(): string[] {
  return readdirSync(QUERY_DIR).filter((f) => f.endsWith('.sql')).map((f) => f.slice(0, -4)).sort();
}

/** The SQL of a named query (trailing `;` removed so it can be wrapped), or undefined. */
export function namedQuerySql(name: string): string | undefined {
  if (!/^[a-z][a-z0-9_]*$/.test(name)) return undefined;
  const file = `${QUERY_DIR}${name}.sql`;
  if (!existsSync(file)) return undefined;
  return readFileSync(file, 'utf8').trim().replace(/;\s*$/, '');
}
