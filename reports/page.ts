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
  /** one line per chart left out because these runs cannot inform it (`Migration sizes: no migrations`) */
  omitted?: string[];
  /**
   * Charts inside a `<details>` closed by default (its summary names them), so a report of several
   * workloads reads as answers plus one line per workload; a link to a chart opens it. Default false.
   */
  collapsed?: boolean;
}

export interface Page {
  title: string;
  subtitle: string;
  /** the answers (HTML, already escaped): what this run or sweep can tell, first on the page */
  answers: string;
  /** charts that show the answers */
  answerCharts: ChartOutput[];
  overview: string;
  sections: Section[];
  /** chart id → CSV href relative to the HTML file */
  csvHref: (chartId: string) => string;
  footer: string;
}

const DATA_ROWS_SHOWN = 100;

const CSS = `
body { font: 14px/1.45 system-ui, sans-serif; margin: 0 auto; max-width: 1180px; padding: 1em 2em 4em; color: #1b1b1b; }
h1 { font-size: 1.6em; margin-bottom: 0.1em; } h2 { margin-top: 2em; border-bottom: 1px solid #ddd; } h3 { margin: 1.5em 0 0.3em; }
.subtitle, .caption, .note, footer { color: #555; } nav ul { columns: 2; }
.answers li { margin: 0.25em 0; } .answers { font-size: 15px; } .omitted { color: #555; font-size: 13px; }
table { border-collapse: collapse; margin: 0.5em 0; font-size: 12px; } th, td { border: 1px solid #ddd; padding: 2px 6px; text-align: left; white-space: nowrap; }
.table-wrap { overflow-x: auto; max-width: 100%; }
td.num { text-align: right; font-variant-numeric: tabular-nums; } td.text { white-space: normal; min-width: 24em; } th { background: #f4f4f4; white-space: normal; vertical-align: bottom; }
table.overview td:first-child { white-space: normal; min-width: 22em; }
.multiples { display: flex; flex-wrap: wrap; gap: 0.5em 1.5em; } .multiple h4 { margin: 0.6em 0 0.2em; font-size: 12px; font-weight: 600; }
figure { margin: 0; } svg { max-width: 100%; height: auto; } details { margin: 0.4em 0; } summary { cursor: pointer; color: #335; }
details.section-charts > summary { font-size: 15px; padding: 0.3em 0; }
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
  const drawn = c.figures.filter((f) => f.svg !== '');
  const figures = drawn.length === 1 && drawn[0]!.heading === null
    ? `<div class="figure">${drawn[0]!.svg}</div>`
    : `<div class="multiples">${drawn.map((f) => `<div class="multiple"><h4>${escapeHtml(f.heading ?? '')}</h4>${f.svg}</div>`).join('\n')}</div>`;
  // Runs with nothing to draw are named in one line per reason, not drawn as empty charts.
  const reasons = new Map<string, string[]>();
  for (const f of c.figures) if (f.svg === '' && f.empty) reasons.set(f.empty, [...(reasons.get(f.empty) ?? []), f.heading ?? 'the run']);
  const emptyNote = [...reasons].map(([why, runs]) => `<p class="note">Not drawn (${escapeHtml(why)}): ${escapeHtml(runs.join('; '))}.</p>`).join('\n');
  const shown = Math.min(DATA_ROWS_SHOWN, c.data.rows.length);
  return `<section class="chart" id="${escapeHtml(c.id)}" data-chart="${escapeHtml(c.id)}">
<h3>${escapeHtml(c.title)}</h3>
<p class="caption">${escapeHtml(c.caption)}</p>
${c.legend}
${figures}
${emptyNote}
${c.notes ?? ''}
<details><summary>Data: ${c.data.rows.length} rows${shown < c.data.rows.length ? ` (first ${shown} shown)` : ''} — <a href="${escapeHtml(csvHref)}">CSV</a></summary>
${dataTable(c.data)}
</details>
</section>`;
}

/** A section's intro and charts, folded into a closed `<details>` when the section is collapsed. */
function sectionBody(s: Section, p: Page): string {
  const body = `${s.intro ? `<p>${escapeHtml(s.intro)}</p>` : ''}\n${s.charts.map((c) => chartHtml(c, p.csvHref(c.id))).join('\n')}`;
  if (!s.collapsed || s.charts.length === 0) return body;
  const titles = s.charts.map((c) => c.title);
  return `<details class="section-charts"><summary>${s.charts.length} chart${s.charts.length === 1 ? '' : 's'}: ${escapeHtml(titles.join('; '))}</summary>\n${body}\n</details>`;
}

/** True when a chart drew at least one figure. */
export function drewSomething(c: ChartOutput): boolean {
  return c.figures.some((f) => f.svg !== '');
}

export function renderPage(p: Page): string {
  const nav = p.sections.map((s) => `<li><a href="#${escapeHtml(s.id)}">${escapeHtml(s.title)}</a></li>`).join('\n');
  const sections = p.sections.map((s) => `<section id="${escapeHtml(s.id)}" class="details">
<h2>${escapeHtml(s.title)}</h2>
${sectionBody(s, p)}
${(s.omitted ?? []).length > 0 ? `<p class="omitted">Left out, as these runs cannot inform them: ${(s.omitted ?? []).map(escapeHtml).join('; ')}.</p>` : ''}
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
<section id="answers">
<h2>Answers</h2>
${p.answers}
${p.answerCharts.map((c) => chartHtml(c, p.csvHref(c.id))).join('\n')}
</section>
<nav><h2>Details</h2><ul>
<li><a href="#overview">Every run's headline numbers</a></li>
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
