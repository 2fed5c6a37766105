/**
 * The contract of a chart module (one file per chart under reports/charts/): a query that yields the
 * chart's data (written beside the report as CSV) and the rendering of that data as SVG — one figure
 * for the whole dataset, or one small multiple per run with a shared colour legend.
 */
import type { Dataset, RunRef } from '../analysis/dataset.ts';
import type { Cell, Db, QueryResult } from '../analysis/duckdb.ts';
import { rowObjects } from '../analysis/duckdb.ts';
import { runSql } from '../analysis/query.ts';
import { renderLegend } from './plot.ts';

export type Row = Record<string, Cell>;

export interface ReportContext {
  db: Db;
  dataset: Dataset;
  /** run id → short label for headings and axes */
  label: (runId: string) => string;
  /** run id → modeled end (ns) */
  endNs: (runId: string) => number;
}

/** Width of one small multiple (two fit side by side in the page), and of a lone figure. */
export const MULTIPLE_WIDTH = 520;
export const FIGURE_WIDTH = 960;

/** Left margin that fits the longest of `labels` (11 px system-ui), within reason. */
export function labelMargin(labels: readonly string[]): number {
  return Math.min(460, 20 + 6.3 * Math.max(0, ...labels.map((l) => l.length)));
}

export interface Figure {
  /** heading of a small multiple (a run label), or null for a single figure */
  heading: string | null;
  /** the SVG markup; '' when the run had nothing to draw (see `empty`) */
  svg: string;
  /** why nothing was drawn for this run (`no migrations`); the page lists such runs in one line */
  empty?: string;
}

export interface ChartOutput {
  id: string;
  title: string;
  /** one or two sentences: what the chart shows and how to read it */
  caption: string;
  data: QueryResult;
  legend: string;
  figures: Figure[];
  /** extra HTML (already escaped) shown under the figures, e.g. an answer table */
  notes?: string;
}

export interface Chart {
  id: string;
  title: string;
  caption: string;
  build(ctx: ReportContext): Promise<ChartOutput>;
}

export async function chartData(ctx: ReportContext, sql: string): Promise<{ result: QueryResult; rows: Row[] }> {
  const result = await runSql(ctx.db, sql);
  return { result, rows: rowObjects(result) };
}

/** Distinct values of `key` in order of first appearance (a stable colour domain). */
export function distinct(rows: Row[], key: (r: Row) => string): string[] {
  return [...new Set(rows.map(key))];
}

/**
 * One figure per run of the dataset, in dataset order. A run with nothing to draw — no rows, or rows
 * that `informative` rejects (a BAR line flat at zero) — gets no SVG but its reason (`empty`), so
 * the page can say in one line which runs had nothing instead of drawing empty charts.
 */
export function perRun(ctx: ReportContext, rows: Row[], empty: string, render: (rows: Row[], run: RunRef) => string,
  informative: (rows: Row[]) => boolean = (r) => r.length > 0): Figure[] {
  const byRun = new Map<string, Row[]>();
  for (const r of rows) {
    const id = String(r.run);
    if (!byRun.has(id)) byRun.set(id, []);
    byRun.get(id)!.push(r);
  }
  return ctx.dataset.runs.map((run) => {
    const mine = byRun.get(run.id) ?? [];
    const heading = ctx.dataset.kind === 'run' ? null : ctx.label(run.id);
    return informative(mine) ? { heading, svg: render(mine, run) } : { heading, svg: '', empty };
  });
}

export function legendFor(domain: string[], label?: string): string {
  return renderLegend(domain, label);
}

/** A time axis unit that suits a span of `ns`. */
export function timeUnit(ns: number): { div: number; label: string } {
  if (ns >= 10e9) return { div: 1e9, label: 's' };
  if (ns >= 10e6) return { div: 1e6, label: 'ms' };
  if (ns >= 10e3) return { div: 1e3, label: 'µs' };
  return { div: 1, label: 'ns' };
}

export const num = (v: Cell | undefined): number => (typeof v === 'number' ? v : v === null || v === undefined ? 0 : Number(v));
export const str = (v: Cell | undefined): string => (v === null || v === undefined ? '' : String(v));
