/**
 * `report(dir, { out })`: the HTML report of a run or a sweep directory — one self-contained file
 * with server-rendered SVG charts — and beside it `<name>-data/<chart>.csv`, the data of every
 * chart. Both are written atomically; same inputs give byte-identical outputs.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { openDataset } from '../analysis/dataset.ts';
import { openDb, rowObjects, selectAll } from '../analysis/duckdb.ts';
import { toCsv } from '../analysis/csv.ts';
import { attachDataset } from '../analysis/views.ts';
import { writeDirectoryAtomic, writeFileAtomic } from '../common/atomic-output.ts';
import { claimOutput } from '../common/output-guard.ts';
import type { ChartOutput, ReportContext } from './chart.ts';
import { CAPACITY_CHARTS, COMPARISON_CHARTS, RUN_CHARTS } from './charts/index.ts';
import { dataTable, renderPage, type Section } from './page.ts';
import { keyValueLabel } from './run-label.ts';
import { checkSweepComplete, isSweepComplete, missingPhrase } from '../replay/sweep/status.ts';

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
}

export interface ReportResult {
  html: string;
  dataDir: string;
  charts: { id: string; title: string; csv: string }[];
}

const VERSION = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;

/** Overview columns from `runs`. */
const OVERVIEW_SQL = `SELECT run, preset, end_ns, migrations, migrated_bytes, gpu_faults, cpu_faults, evictions,
  fallbacks, bounce_bytes, odp_invalidations, pte_zaps, hazards, stall_ns FROM runs ORDER BY seq`;

export async function report(dir: string, options: ReportOptions): Promise<ReportResult> {
  const progress = checkSweepComplete(dir, options.partial);
  const dataset = openDataset(dir);
  const htmlPath = resolve(options.out);
  const stem = basename(htmlPath, extname(htmlPath));
  const dataDirName = `${stem}-data`;
  const dataDir = join(dirname(htmlPath), dataDirName);
  const claims = [claimOutput(htmlPath, 'report', { force: options.force })];
  const db = await openDb().catch((e: unknown) => { claims[0]!.release(); throw e; });
  try {
    claims.push(claimOutput(dataDir, 'report-data', { force: options.force }));
    await attachDataset(db.connection, dataset, dir);
    const overview = await selectAll(db.connection, OVERVIEW_SQL);
    const ends = new Map(rowObjects(overview).map((r) => [String(r.run), Number(r.end_ns)]));
    const labels = new Map(dataset.runs.map((r) => [r.id,
      dataset.kind === 'run' ? 'run' : keyValueLabel(dataset.keys, r.keys)]));
    const ctx: ReportContext = { db, dataset, label: (id) => labels.get(id) ?? id, endNs: (id) => ends.get(id) ?? 0 };

    const build = async (charts: readonly { build(c: ReportContext): Promise<ChartOutput> }[]): Promise<ChartOutput[]> => {
      const out: ChartOutput[] = [];
      for (const c of charts) out.push(await c.build(ctx)); // sequential: one DuckDB connection
      return out;
    };
    const sections: Section[] = [{
      id: 'runs',
      title: dataset.kind === 'run' ? 'The run' : 'Every variant, run by run',
      intro: dataset.kind === 'run' ? undefined : 'Each chart shows one small multiple per variant, in sweep order.',
      charts: await build(RUN_CHARTS),
    }];
    if (dataset.kind === 'sweep') {
      sections.push({ id: 'comparison', title: 'Variants compared', charts: await build(COMPARISON_CHARTS) });
      sections.push({
        id: 'capacity', title: 'Capacity planning',
        intro: 'Answers read off the sweep: the smallest BAR aperture with no P2P fallbacks, the device memory that keeps the modeled time within 10 % of the fully resident run, and the headroom left on every link.',
        charts: await build(CAPACITY_CHARTS),
      });
    }
    const charts = sections.flatMap((s) => s.charts);

    const overviewRows = overview.rows.map((r) => [labels.get(String(r[0])) ?? String(r[0]), ...r.slice(1)]);
    const html = renderPage({
      title: options.title ?? `hetmem report: ${basename(dataset.root)}`,
      subtitle: dataset.kind === 'run'
        ? `One run (${String(overview.rows[0]?.[1] ?? '')}).`
        : `A sweep of ${dataset.runs.length} variants over ${dataset.keys.join(', ')}.`
          + (progress && !isSweepComplete(progress) ? ` Partial: ${missingPhrase(progress)}.` : ''),
      overview: dataTable({ ...overview, columns: ['variant', ...overview.columns.slice(1)], rows: overviewRows }),
      sections,
      csvHref: (id) => `${encodeURIComponent(dataDirName)}/${encodeURIComponent(id)}.csv`,
      footer: `Generated by hetmem ${VERSION} from ${dataset.runs.length} run director${dataset.runs.length === 1 ? 'y' : 'ies'}. Chart data: ${dataDirName}/*.csv beside this file.`,
    });

    await writeDirectoryAtomic(dataDir, (tmp) => {
      for (const c of charts) writeFileSync(join(tmp, `${c.id}.csv`), toCsv(c.data.columns, c.data.rows));
      writeFileSync(join(tmp, 'overview.csv'), toCsv(overview.columns, overview.rows));
    });
    writeFileAtomic(htmlPath, html);
    return { html: htmlPath, dataDir, charts: charts.map((c) => ({ id: c.id, title: c.title, csv: join(dataDir, `${c.id}.csv`) })) };
  } finally {
    db.close();
    for (const c of claims) c.release();
  }
}
