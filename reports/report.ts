/**
 * `report(dir, { out })`: the HTML report of a run or a sweep directory — one self-contained file
 * with server-rendered SVG charts — and beside it `<name>-data/<chart>.csv`, the data of every
 * chart. Both are written atomically; same inputs give byte-identical outputs.
 */
import { writeFileSync } from 'node:fs';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { openDataset } from '../analysis/dataset.ts';
import { openDb, rowObjects, selectAll } from '../analysis/duckdb.ts';
import { toCsv } from '../analysis/csv.ts';
import { attachDataset } from '../analysis/views.ts';
import { writeDirectoryAtomic, writeFileAtomic } from '../common/atomic-output.ts';
import { claimOutput } from '../common/output-guard.ts';
import { HETMEM_VERSION } from '../common/package-version.ts';
import type { ChartOutput, ReportContext } from './chart.ts';
import { CAPACITY_CHARTS, COMPARISON_CHARTS, RUN_CHARTS } from './charts/index.ts';
import { buildAnswers, subset } from './answers.ts';
import { cellBytes, cellNs } from './format.ts';
import { escapeHtml, htmlTable, type CellFormatter } from './html.ts';
import { drewSomething, renderPage, type Section } from './page.ts';
import type { QueryResult } from '../analysis/duckdb.ts';
import { keyValueLabel } from './run-label.ts';
import { checkSweepComplete, isSweepComplete, missingPhrase } from '../replay/sweep/status.ts';
import { calibrationOf } from './calibration-section.ts';
import { writeChartFiles } from './chart-files.ts';
import { mergeIdenticalFigures } from './identical-figures.ts';

export interface ReportOptions {
  /** the HTML file to write (its CSVs go to `<name>-data/` beside it) */
  out: string;
  /** page title (default: `hetmem report: <directory name>`) */
  title?: string;
  /** replace a hetmem output of another kind at `out` or its data folder (never foreign data). Default false. */
  force?: boolean;
  /**
   * Report a sweep whose plan still has variants that are not done (the page says how many);
   * default false: such a sweep is a UsageError.
   */
  partial?: boolean;
  /**
   * Also write every chart as a standalone SVG and PNG into this folder (`<chart id>.svg`/`.png`,
   * listed in `charts.csv`), for slides and tickets. Default: none. Example: `out/charts`.
   */
  chartsDir?: string;
}

export interface ReportResult {
  html: string;
  dataDir: string;
  charts: { id: string; title: string; csv: string }[];
  /** with `chartsDir`: the folder and the files written there (absolute paths) */
  chartFiles?: { dir: string; files: { id: string; svg: string; png: string }[] };
}


/** Overview columns from `runs`, with the headers people read (units are in the cells). */
const OVERVIEW: [column: string, header: string][] = [
  ['end_ns', 'Modeled end'], ['migrations', 'Migrations'], ['migrated_bytes', 'Migrated'], ['gpu_faults', 'GPU faults'],
  ['cpu_faults', 'CPU faults'], ['evictions', 'Evictions'], ['stall_ns', 'Stall (all agents)'], ['peer_maps', 'Peer maps'],
  ['fallbacks', 'P2P fallbacks'], ['bounce_bytes', 'Bounced'], ['bar_peak_bytes', 'BAR peak'], ['odp_invalidations', 'ODP invalidations'],
  ['pte_zaps', 'PTE zaps'], ['hazards', 'Hazards'],
];
const OVERVIEW_SQL = `SELECT run, preset, ${OVERVIEW.map(([c]) => c).join(', ')} FROM runs ORDER BY seq`;

/** A file- and anchor-safe form of a workload name. */
const slug = (s: string) => s.replace(/[^A-Za-z0-9_.-]+/g, '-');

export async function report(dir: string, options: ReportOptions): Promise<ReportResult> {
  const progress = checkSweepComplete(dir, options.partial);
  const calibration = calibrationOf(dir);
  const dataset = openDataset(calibration.runDir);
  const htmlPath = resolve(options.out);
  const stem = basename(htmlPath, extname(htmlPath));
  const dataDirName = `${stem}-data`;
  const dataDir = join(dirname(htmlPath), dataDirName);
  const claims = [claimOutput(htmlPath, 'report', { force: options.force })];
  const db = await openDb().catch((e: unknown) => { claims[0]!.release(); throw e; });
  try {
    claims.push(claimOutput(dataDir, 'report-data', { force: options.force }));
    const chartsDir = options.chartsDir === undefined ? undefined : resolve(options.chartsDir);
    if (chartsDir !== undefined) claims.push(claimOutput(chartsDir, 'report-charts', { force: options.force }));
    await attachDataset(db.connection, dataset, calibration.runDir);
    const overview = await selectAll(db.connection, OVERVIEW_SQL);
    const ends = new Map(rowObjects(overview).map((r) => [String(r.run), Number(r.end_ns)]));
    const labels = new Map(dataset.runs.map((r) => [r.id,
      dataset.kind === 'run' ? 'run' : keyValueLabel(dataset.keys, r.keys)]));
    const ctx: ReportContext = { db, dataset, label: (id) => labels.get(id) ?? id, endNs: (id) => ends.get(id) ?? 0 };

    const build = async (c: ReportContext, charts: readonly { build(c: ReportContext): Promise<ChartOutput> }[]): Promise<ChartOutput[]> => {
      const out: ChartOutput[] = [];
      for (const chart of charts) out.push(await chart.build(c)); // sequential: one DuckDB connection
      return out;
    };

    // Answers first, each with the chart that shows it; capacity charts are answers of a sweep.
    const groups = await buildAnswers(ctx);
    const several = groups.length > 1;
    const chartIdIn = (chartId: string, group: string | null) => (several && group !== null && !CAPACITY_IDS.has(chartId) ? `${chartId}--${slug(group)}` : chartId);
    const answerCharts = dataset.kind === 'sweep'
      ? (await build(ctx, CAPACITY_CHARTS)).filter((c) => groups.some((g) => g.answers.some((a) => a.chart === c.id)))
      : [];
    const answersHtml = groups.map((g) => `${several ? `<h3>${escapeHtml(g.group ?? '')}</h3>\n` : ''}<ul class="answers">\n${g.answers.map((a) =>
      `<li>${escapeHtml(a.text.charAt(0).toUpperCase() + a.text.slice(1))}${a.chart ? ` <a href="#${escapeHtml(chartIdIn(a.chart, g.group))}">chart</a>` : ''}</li>`).join('\n')}\n</ul>`).join('\n');

    // Details, per workload: the per-run charts (and the comparison of its variants), each left out
    // with one line when no run of the workload has anything to draw.
    const sections: Section[] = [];
    for (const g of groups) {
      const gctx: ReportContext = { ...ctx, dataset: subset(dataset, g.runs) };
      const ids = new Set(g.runs.map((r) => r.id));
      const charts = [...await build(gctx, RUN_CHARTS), ...(g.runs.length > 1 ? await build(gctx, COMPARISON_CHARTS) : [])]
        .map((c) => ({ ...c, id: chartIdIn(c.id, g.group), data: onlyRuns(c.data, ids), figures: mergeIdenticalFigures(c.figures) }));
      const shown = charts.filter((c) => c.figures.length === 0 || drewSomething(c));
      const omitted = charts.filter((c) => !shown.includes(c)).map((c) => `${c.title} (${c.figures.find((f) => f.empty)?.empty ?? 'nothing to draw'})`);
      sections.push({
        id: several ? `details--${slug(g.group ?? '')}` : 'details',
        title: several ? `Details: ${g.group}` : dataset.kind === 'run' ? 'Details' : 'Details, variant by variant',
        intro: dataset.kind === 'run' ? undefined : 'Per-run charts show one small multiple per variant, in sweep order.',
        charts: shown,
        omitted,
        collapsed: several,
      });
    }
    if (calibration.section) sections.unshift(calibration.section);
    const charts = [...answerCharts, ...sections.flatMap((s) => s.charts)];

    // a sweep over platforms names the platform in every variant label: the Platform column would repeat it
    const overviewShown = dataset.keys.includes('platform') ? dropColumn(overview, 'preset') : overview;
    const html = renderPage({
      title: options.title ?? `hetmem report: ${basename(dataset.root)}`,
      subtitle: dataset.kind === 'run'
        ? `One run (${String(overview.rows[0]?.[1] ?? '')}).`
        : `A sweep of ${dataset.runs.length} variants over ${dataset.keys.join(', ')}.`
          + (progress && !isSweepComplete(progress) ? ` Partial: ${missingPhrase(progress)}.` : ''),
      answers: answersHtml,
      answerCharts,
      overview: overviewTable(overviewShown, labels),
      sections,
      csvHref: (id) => `${encodeURIComponent(dataDirName)}/${encodeURIComponent(id)}.csv`,
      footer: `Generated by hetmem ${HETMEM_VERSION} from ${dataset.runs.length} run director${dataset.runs.length === 1 ? 'y' : 'ies'}. Chart data: ${dataDirName}/*.csv beside this file.`,
    });

    await writeDirectoryAtomic(dataDir, (tmp) => {
      for (const c of charts) writeFileSync(join(tmp, `${c.id}.csv`), toCsv(c.data.columns, c.data.rows));
      writeFileSync(join(tmp, 'overview.csv'), toCsv(overview.columns, overview.rows));
    });
    const chartFiles = chartsDir === undefined ? undefined : {
      dir: chartsDir,
      files: (await writeDirectoryAtomic(chartsDir, (tmp) => writeChartFiles(tmp, charts)))
        .map((f) => ({ id: f.id, svg: join(chartsDir, f.svg), png: join(chartsDir, f.png) })),
    };
    writeFileAtomic(htmlPath, html);
    return { html: htmlPath, dataDir, charts: charts.map((c) => ({ id: c.id, title: c.title, csv: join(dataDir, `${c.id}.csv`) })), chartFiles };
  } finally {
    db.close();
    for (const c of claims) c.release();
  }
}

const CAPACITY_IDS = new Set(CAPACITY_CHARTS.map((c) => c.id));

/** A chart's data restricted to some runs (when it has a `run` column). */
function onlyRuns(data: QueryResult, ids: Set<string>): QueryResult {
  const k = data.columns.indexOf('run');
  return k < 0 ? data : { ...data, rows: data.rows.filter((r) => ids.has(String(r[k]))) };
}

function dropColumn(r: QueryResult, column: string): QueryResult {
  const k = r.columns.indexOf(column);
  return k < 0 ? r : { columns: r.columns.filter((_, i) => i !== k), types: r.types.filter((_, i) => i !== k), rows: r.rows.map((row) => row.filter((_, i) => i !== k)) };
}

/** The overview as people read it: variant labels, human headers and units, all-zero columns left out. */
function overviewTable(overview: QueryResult, labels: Map<string, string>): string {
  const keep = overview.columns.map((c, i) => c === 'run' || c === 'preset' || overview.rows.some((r) => typeof r[i] === 'number' && r[i] !== 0));
  const header = (c: string) => (c === 'run' ? 'Variant' : c === 'preset' ? 'Platform' : OVERVIEW.find(([k]) => k === c)?.[1] ?? c);
  const columns = overview.columns.filter((_, i) => keep[i]).map(header);
  const rows = overview.rows.map((r) => r.filter((_, i) => keep[i]).map((v, i) => (i === 0 ? labels.get(String(v)) ?? String(v) : v)));
  const format: Record<string, CellFormatter> = {};
  for (const [c, h] of OVERVIEW) if (/_bytes$/.test(c)) format[h] = cellBytes; else if (/_ns$/.test(c)) format[h] = cellNs;
  return `<div class="table-wrap">${htmlTable(columns, rows, format).replace('<table>', '<table class="overview">')}</div>`;
}
