/** Renders a query result as an aligned text table, CSV or JSON (`hetmem query --format`). */
import { toCsv } from './csv.ts';
import type { QueryResult } from './duckdb.ts';
import { rowObjects } from './duckdb.ts';

export const RESULT_FORMATS = ['table', 'csv', 'json'] as const;
export type ResultFormat = (typeof RESULT_FORMATS)[number];

export function formatResult(result: QueryResult, format: ResultFormat): string {
  switch (format) {
    case 'csv':
      return toCsv(result.columns, result.rows);
    case 'json':
      return JSON.stringify(rowObjects(result), null, 2) + '\n';
    case 'table':
      return formatTable(result);
  }
}

/** Columns padded to their widest cell; numbers right-aligned; NULL shown as empty. */
export function formatTable(result: QueryResult): string {
  const text = result.rows.map((r) => r.map((v) => (v === null ? '' : String(v))));
  const widths = result.columns.map((c, i) => Math.max(c.length, ...text.map((r) => r[i]!.length)));
  const numeric = result.columns.map((_, i) => result.rows.length > 0 && result.rows.every((r) => r[i] === null || typeof r[i] === 'number'));
  const line = (cells: string[]): string =>
    cells.map((s, i) => (numeric[i] ? s.padStart(widths[i]!) : s.padEnd(widths[i]!))).join('  ').trimEnd();
  const out = [line(result.columns), widths.map((w) => '-'.repeat(w)).join('  ')];
  for (const r of text) out.push(line(r));
  out.push(`(${result.rows.length} row${result.rows.length === 1 ? '' : 's'})`);
  return out.join('\n') + '\n';
}
