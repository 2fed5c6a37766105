/**
 * Renders a query result as an aligned text table, CSV or JSON (`hetmem query --format`). Tables are
 * for people: byte and nanosecond columns (known by their names, see `columnUnit`) are shown in human
 * units unless `raw`; CSV and JSON are for programs and always carry the exact numbers.
 */
import { formatBytes, formatNs } from '../ingest/trace/units.ts';
import { toCsv } from './csv.ts';
import type { QueryResult } from './duckdb.ts';
import { rowObjects } from './duckdb.ts';

export const RESULT_FORMATS = ['table', 'csv', 'json'] as const;
export type ResultFormat = (typeof RESULT_FORMATS)[number];

export interface FormatOptions {
  /** Tables only: keep bytes and ns as plain numbers instead of `256 MiB` / `12.50 ms`. Default false. */
  raw?: boolean;
}

/**
 * The unit of a result column, from hetmem's naming conventions: `bytes`, `*_bytes`, `bytes_*` and
 * `size_*` are bytes; `ts`, `dur`, `*_ts`, `*_ns` are nanoseconds. Anything else has none.
 */
export function columnUnit(name: string): 'bytes' | 'ns' | null {
  if (/(^|_)bytes($|_)/.test(name) || /^size_/.test(name)) return 'bytes';
  if (/^(ts|dur)$/.test(name) || /_(ts|ns)$/.test(name)) return 'ns';
  return null;
}

export function formatResult(result: QueryResult, format: ResultFormat, options: FormatOptions = {}): string {
  switch (format) {
    case 'csv':
      return toCsv(result.columns, result.rows);
    case 'json':
      return JSON.stringify(rowObjects(result), null, 2) + '\n';
    case 'table':
      return formatTable(options.raw ? result : humanize(result));
  }
}

/** Byte and ns columns as human text (`256 MiB`, `12.50 ms`); a column keeps right alignment. */
function humanize(result: QueryResult): QueryResult {
  const units = result.columns.map(columnUnit);
  if (units.every((u) => u === null)) return result;
  const rows = result.rows.map((r) => r.map((v, i) => {
    const u = units[i];
    if (u === null || typeof v !== 'number') return v;
    return u === 'bytes' ? formatBytes(v) : formatNs(v);
  }));
  return { ...result, rows, numericColumns: result.columns.map((_, i) => units[i] !== null || isNumericColumn(result, i)) } as QueryResult;
}

function isNumericColumn(result: QueryResult, i: number): boolean {
  return result.rows.length > 0 && result.rows.every((r) => r[i] === null || typeof r[i] === 'number');
}

/** Columns padded to their widest cell; numbers right-aligned; NULL shown as empty. */
export function formatTable(result: QueryResult): string {
  const text = result.rows.map((r) => r.map((v) => (v === null ? '' : String(v))));
  const widths = result.columns.map((c, i) => Math.max(c.length, ...text.map((r) => r[i]!.length)));
  const given = (result as QueryResult & { numericColumns?: boolean[] }).numericColumns;
  const numeric = given ?? result.columns.map((_, i) => isNumericColumn(result, i));
  const line = (cells: string[]): string =>
    cells.map((s, i) => (numeric[i] ? s.padStart(widths[i]!) : s.padEnd(widths[i]!))).join('  ').trimEnd();
  const out = [line(result.columns), widths.map((w) => '-'.repeat(w)).join('  ')];
  for (const r of text) out.push(line(r));
  out.push(`(${result.rows.length} row${result.rows.length === 1 ? '' : 's'})`);
  return out.join('\n') + '\n';
}
