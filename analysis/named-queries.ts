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

/**
 * One line about a named query, for `hetmem query --list`: the first sentence of the comment at the
 * top of its file (`-- BAR aperture pressure per run and GPU: …` → up to the first `:` or `. `).
 */
export function namedQueryDescription(name: string): string {
  const file = `${QUERY_DIR}${name}.sql`;
  if (!existsSync(file)) return '';
  const comment: string[] = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line.startsWith('--')) break;
    comment.push(line.replace(/^--\s?/, '').trim());
  }
  const text = comment.join(' ');
  const end = text.search(/: |\. |\.$/);
  return (end < 0 ? text : text.slice(0, end)).trim();
}
