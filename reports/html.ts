/** HTML building blocks of the report. Every text that reaches the page goes through escapeHtml. */
import type { Cell } from '../analysis/duckdb.ts';

export function escapeHtml(s: string): string {
  return s.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;').replaceAll("'", '&#39;');
}

export type CellFormatter = (v: Cell) => string;

/** A table; `format` maps a column name to a formatter (plain text otherwise). Numbers align right. */
export function htmlTable(columns: readonly string[], rows: readonly (readonly Cell[])[], format: Record<string, CellFormatter> = {}): string {
  const head = columns.map((c) => `<th>${escapeHtml(c)}</th>`).join('');
  const body = rows.map((r) => `<tr>${columns.map((c, i) => {
    const v = r[i] ?? null;
    const text = v === null ? '' : format[c] ? format[c](v) : String(v);
    // Long prose (capacity answers) wraps; names and numbers stay on one line.
    const cls = typeof v === 'number' ? ' class="num"' : text.length > 60 ? ' class="text"' : '';
    return `<td${cls}>${escapeHtml(text)}</td>`;
  }).join('')}</tr>`).join('\n');
  return `<table>\n<thead><tr>${head}</tr></thead>\n<tbody>\n${body}\n</tbody>\n</table>`;
}
