/** The report page: one self-contained HTML document (inline CSS and SVG, no script, no network). */
import type { Cell, QueryResult } from '../analysis/duckdb.ts';
import type { ChartOutput } from './chart.ts';
import { cellBytes, cellNs, cellPercent } from './format.ts';
import { escapeHtml, htmlTable, type CellFormatter } from './html.ts';

export interface Section {
  id: string;
  title: string;
  intro?: string;
  charts: ChartOutput[];
}

export interface Page {
  title: string;
  subtitle: string;
  overview: string;
  sections: Section[];
  /** chart id → CSV href relative to the HTML file */
  csvHref: (chartId: string) => string;
  footer: string;
}

const DATA_ROWS_SHOWN = 100;

const CSS = `
body { font: 14px/1.45 system-ui, sans-serif; margin: 0 auto; max-width: 1100px; padding: 1em 2em 4em; color: #1b1b1b; }
h1 { font-size: 1.6em; margin-bottom: 0.1em; } h2 { margin-top: 2em; border-bottom: 1px solid #ddd; } h3 { margin: 1.5em 0 0.3em; }
.subtitle, .caption, .note, footer { color: #555; } nav ul { columns: 2; }
table { border-collapse: collapse; margin: 0.5em 0; font-size: 12px; } th, td { border: 1px solid #ddd; padding: 2px 6px; text-align: left; white-space: nowrap; }
.table-wrap { overflow-x: auto; max-width: 100%; }
td.num { text-align: right; font-variant-numeric: tabular-nums; } td.text { white-space: normal; min-width: 24em; } th { background: #f4f4f4; }
.multiples { display: flex; flex-wrap: wrap; gap: 0.5em 1.5em; } .multiple h4 { margin: 0.6em 0 0.2em; font-size: 12px; font-weight: 600; }
figure { margin: 0; } svg { max-width: 100%; height: auto; } details { margin: 0.4em 0; } summary { cursor: pointer; color: #335; }
`;

function formatterFor(column: string): CellFormatter | undefined {
  if (/(^|_)bytes$|^size_lo$/.test(column)) return cellBytes;
  if (/(^|_)ns$|^(t0|ts|dur|width|first_ts)$/.test(column)) return cellNs;
  if (/util|headroom|fill$/.test(column)) return cellPercent;
  return undefined;
}

export function dataTable(data: QueryResult): string {
  const format: Record<string, CellFormatter> = {};
  for (const c of data.columns) {
    const f = formatterFor(c);
    if (f) format[c] = f;
  }
  return `<div class="table-wrap">${htmlTable(data.columns, data.rows.slice(0, DATA_ROWS_SHOWN) as Cell[][], format)}</div>`;
}

function chartHtml(c: ChartOutput, csvHref: string): string {
  const figures = c.figures.length === 1 && c.figures[0]!.heading === null
    ? `<div class="figure">${c.figures[0]!.svg}</div>`
    : `<div class="multiples">${c.figures.map((f) => `<div class="multiple"><h4>${escapeHtml(f.heading ?? '')}</h4>${f.svg}</div>`).join('\n')}</div>`;
  const shown = Math.min(DATA_ROWS_SHOWN, c.data.rows.length);
  return `<section class="chart" id="${escapeHtml(c.id)}" data-chart="${escapeHtml(c.id)}">
<h3>${escapeHtml(c.title)}</h3>
<p class="caption">${escapeHtml(c.caption)}</p>
${c.legend}
${figures}
${c.notes ?? ''}
<details><summary>Data: ${c.data.rows.length} rows${shown < c.data.rows.length ? ` (first ${shown} shown)` : ''} — <a href="${escapeHtml(csvHref)}">CSV</a></summary>
${dataTable(c.data)}
</details>
</section>`;
}

export function renderPage(p: Page): string {
  const nav = p.sections.map((s) => `<li><a href="#${escapeHtml(s.id)}">${escapeHtml(s.title)}</a><ul>${s.charts.map((c) => `<li><a href="#${escapeHtml(c.id)}">${escapeHtml(c.title)}</a></li>`).join('')}</ul></li>`).join('\n');
  const sections = p.sections.map((s) => `<section id="${escapeHtml(s.id)}">
<h2>${escapeHtml(s.title)}</h2>
${s.intro ? `<p>${escapeHtml(s.intro)}</p>` : ''}
${s.charts.map((c) => chartHtml(c, p.csvHref(c.id))).join('\n')}
</section>`).join('\n');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(p.title)}</title>
<style>${CSS}</style>
</head>
<body>
<header>
<h1>${escapeHtml(p.title)}</h1>
<p class="subtitle">${escapeHtml(p.subtitle)}</p>
</header>
<nav><ul>
${nav}
</ul></nav>
<section id="overview">
<h2>Overview</h2>
${p.overview}
</section>
${sections}
<footer><p>${escapeHtml(p.footer)}</p></footer>
</body>
</html>
`;
}
