/**
 * The relations a query sees over a run or a sweep (each has a `run` column — the run's id — and one
 * VARCHAR column per variant key, NULL where a run does not have that key):
 *
 *   events           events.parquet of every run, unioned
 *   timeline         timeline.parquet of every run, unioned
 *   runs             one row per run: the headline numbers of summary.json, and `seq`, the run's
 *                    position in natural variant order (sizes by size: 256MiB before 1GiB)
 *   summary_metrics  every number of summary.json, tidy (metric = dotted path, value DOUBLE)
 *   bar              summary.json BAR figures per run and GPU
 *   links            summary.json link figures per run, link and direction
 *   event_vocabulary what every events.kind and events.cause value means (field = 'kind' | 'cause',
 *                    name, meaning): the run contract's table (replay/run-output.ts), no `run` column
 */
import { join } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { BadInputError } from '../common/bad-input.ts';
import { EVENT_CAUSES, EVENT_KINDS, RUN_FILES, type RunSummary } from '../replay/run-output.ts';
import { readRunInfo, readRunSummary } from '../replay/run-schema.ts';
import type { Dataset, RunRef } from './dataset.ts';
import { sqlIdent, sqlString } from './duckdb.ts';

export const VIEW_NAMES = ['events', 'timeline', 'runs', 'summary_metrics', 'bar', 'links', 'event_vocabulary'] as const;

/** Headline columns of `runs`: name, SQL type, and how to read it from summary.json. */
const RUN_COLUMNS: [name: string, type: 'BIGINT' | 'DOUBLE', get: (s: RunSummary) => number][] = [
  ['end_ns', 'BIGINT', (s) => s.end_ns],
  ['trace_rows', 'BIGINT', (s) => s.trace.rows],
  ['migrations', 'BIGINT', (s) => s.migrations.total.count],
  ['migrated_bytes', 'BIGINT', (s) => s.migrations.total.bytes],
  ['gpu_faults', 'BIGINT', (s) => s.faults.gpu],
  ['cpu_faults', 'BIGINT', (s) => s.faults.cpu],
  ['fault_batches', 'BIGINT', (s) => s.faults.gpu_batches],
  ['evictions', 'BIGINT', (s) => s.evictions.count],
  ['evicted_bytes', 'BIGINT', (s) => s.evictions.bytes],
  ['remote_bytes', 'BIGINT', (s) => s.remote.bytes],
  ['stall_ns', 'BIGINT', (s) => sumValues(s.stall_ns)],
  ['peer_maps', 'BIGINT', (s) => s.p2p.peer_maps],
  ['fallbacks', 'BIGINT', (s) => s.p2p.fallbacks],
  ['bounce_bytes', 'BIGINT', (s) => s.p2p.bounce_bytes],
  ['map_refused', 'BIGINT', (s) => s.p2p.refused],
  ['revocations', 'BIGINT', (s) => s.p2p.revocations],
  ['odp_invalidations', 'BIGINT', (s) => s.odp.invalidations],
  ['nic_faults', 'BIGINT', (s) => s.odp.nic_faults],
  ['pte_zaps', 'BIGINT', (s) => s.devobj.pte_zaps],
  ['hazards', 'BIGINT', (s) => s.hazards],
  ['bar_aperture_bytes', 'BIGINT', (s) => maxOf(Object.values(s.bar).map((b) => b.aperture_bytes))],
  ['bar_peak_bytes', 'BIGINT', (s) => maxOf(Object.values(s.bar).map((b) => b.peak_bytes))],
  ['link_peak_util', 'DOUBLE', (s) => maxOf(Object.values(s.links).flatMap((d) => Object.values(d).map((l) => l.peak_util)))],
];

function sumValues(r: Record<string, number>): number {
  return Object.values(r).reduce((a, b) => a + (Number.isFinite(b) ? b : 0), 0);
}
function maxOf(xs: number[]): number {
  return xs.reduce((a, b) => (Number.isFinite(b) && b > a ? b : a), 0);
}

/** summary.json of a run, validated (replay/run-schema.ts); its run.json is validated too. */
export function readSummary(run: RunRef, shownRoot: string): RunSummary {
  readRunInfo(join(run.dir, RUN_FILES.run), join(shownRoot, run.id, RUN_FILES.run));
  return readRunSummary(join(run.dir, RUN_FILES.summary), join(shownRoot, run.id, RUN_FILES.summary));
}

/** Every finite number in `o` with its dotted path, in key order. */
export function flattenNumbers(o: unknown, prefix = '', out: [string, number][] = []): [string, number][] {
  if (typeof o === 'number') {
    if (Number.isFinite(o)) out.push([prefix, o]);
  } else if (o && typeof o === 'object' && !Array.isArray(o)) {
    for (const [k, v] of Object.entries(o)) flattenNumbers(v, prefix ? `${prefix}.${k}` : k, out);
  }
  return out;
}

const lit = (v: string | number | null | undefined): string =>
  v === null || v === undefined ? 'NULL' : typeof v === 'number' ? (Number.isFinite(v) ? String(v) : 'NULL') : sqlString(v);

async function insertRows(c: DuckDBConnection, table: string, rows: (string | number | null | undefined)[][]): Promise<void> {
  const CHUNK = 500;
  for (let i = 0; i < rows.length; i += CHUNK) {
    const values = rows.slice(i, i + CHUNK).map((r) => `(${r.map(lit).join(', ')})`);
    await c.run(`INSERT INTO ${table} VALUES ${values.join(',\n')}`);
  }
}

/** Creates the relations of VIEW_NAMES over `dataset` on connection `c`. `shownRoot` names files in errors. */
export async function attachDataset(c: DuckDBConnection, dataset: Dataset, shownRoot: string = dataset.root): Promise<void> {
  const keyCols = dataset.keys.map((k) => `${sqlIdent(k)} VARCHAR`);
  const keyVals = (r: RunRef): (string | null)[] => dataset.keys.map((k) => r.keys[k] ?? null);
  const summaries = dataset.runs.map((r) => readSummary(r, shownRoot));

  await c.run(`CREATE TABLE runs (run VARCHAR, ${[...keyCols, 'seq INTEGER', 'preset VARCHAR', ...RUN_COLUMNS.map(([n, t]) => `${n} ${t}`)].join(', ')})`);
  await insertRows(c, 'runs', dataset.runs.map((r, i) => {
    const s = summaries[i]!;
    return [r.id, ...keyVals(r), i, s.platform, ...RUN_COLUMNS.map(([, t, get]) => {
      const v = get(s);
      return typeof v === 'number' && Number.isFinite(v) ? (t === 'BIGINT' ? Math.round(v) : v) : 0;
    })];
  }));

  await c.run(`CREATE TABLE summary_metrics (run VARCHAR, ${[...keyCols, 'metric VARCHAR', 'value DOUBLE'].join(', ')})`);
  await insertRows(c, 'summary_metrics', dataset.runs.flatMap((r, i) =>
    flattenNumbers(summaries[i]).map(([m, v]) => [r.id, ...keyVals(r), m, v])));

  await c.run(`CREATE TABLE bar (run VARCHAR, ${[...keyCols, 'gpu VARCHAR', 'aperture_bytes BIGINT', 'peak_bytes BIGINT',
    'p50_bytes BIGINT', 'p99_bytes BIGINT', 'full_ns BIGINT'].join(', ')})`);
  await insertRows(c, 'bar', dataset.runs.flatMap((r, i) =>
    Object.entries(summaries[i]!.bar).map(([gpu, b]) =>
      [r.id, ...keyVals(r), gpu, b.aperture_bytes, b.peak_bytes, b.p50_bytes, b.p99_bytes, b.full_ns])));

  await c.run(`CREATE TABLE links (run VARCHAR, ${[...keyCols, 'link VARCHAR', 'dir VARCHAR', 'bytes BIGINT', 'busy_ns BIGINT',
    'peak_util DOUBLE', 'transfers BIGINT'].join(', ')})`);
  await insertRows(c, 'links', dataset.runs.flatMap((r, i) =>
    Object.entries(summaries[i]!.links).flatMap(([link, dirs]) =>
      Object.entries(dirs).map(([dir, l]) => [r.id, ...keyVals(r), link, dir, l.bytes, l.busy_ns, l.peak_util, l.transfers]))));

  await c.run('CREATE TABLE event_vocabulary (field VARCHAR, name VARCHAR, meaning VARCHAR)');
  await insertRows(c, 'event_vocabulary', [
    ...Object.entries(EVENT_KINDS).map(([name, meaning]) => ['kind', name, meaning]),
    ...Object.entries(EVENT_CAUSES).map(([name, meaning]) => ['cause', name, meaning]),
  ]);

  for (const [view, file] of [['events', RUN_FILES.events], ['timeline', RUN_FILES.timeline]] as const) {
    const parts = dataset.runs.map((r) => {
      const keys = dataset.keys.map((k) => `${lit(r.keys[k] ?? null)}::VARCHAR AS ${sqlIdent(k)}`);
      return `SELECT ${[`${sqlString(r.id)} AS run`, ...keys, '*'].join(', ')} FROM read_parquet(${sqlString(join(r.dir, file))}, hive_partitioning = false)`;
    });
    try {
      await c.run(`CREATE VIEW ${view} AS ${parts.join('\nUNION ALL BY NAME\n')}`);
    } catch (e) {
      throw unreadableParquet(e, join(shownRoot, file));
    }
  }
}

/**
 * A damaged run file (truncated, overwritten, not Parquet) is bad input: the error names the file
 * DuckDB names (else the view's file) and keeps DuckDB's reason.
 */
function unreadableParquet(e: unknown, fallback: string): BadInputError {
  const message = (e as Error).message ?? String(e);
  const file = /'([^']+\.parquet)'/.exec(message)?.[1] ?? fallback;
  return new BadInputError(file, undefined, undefined, `is not a readable Parquet file (${message.split('\n')[0]})`);
}
