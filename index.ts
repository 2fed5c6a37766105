/**
 * hetmem as a library: every CLI verb is a typed function, so a notebook (or a script) can run the
 * pipeline step by step and look at the results in between.
 *
 *   synth(workload, params, out)            → synthetic canonical trace (Arrow IPC)
 *   ingest(files, { format?, out })         → canonical trace from a real trace file
 *   replay({ trace, platform, set?, out })  → run directory; resolves to its RunSummary
 *   sweep({ trace, platform?, vary, out })  → hive-style sweep directory of run directories
 *   query(dir, nameOrSql)                   → { columns, types, rows } (DuckDB over a run or sweep)
 *   report(dir, { out })                    → self-contained HTML report + CSVs
 *   calibrate({ source, platform, out })    → observed vs predicted transfers + calibrated platform
 */
export { synth, WORKLOADS } from './ingest/synth/index.ts';
export { ingest } from './ingest/ingest.ts';
export type { IngestOptions, IngestResult } from './ingest/ingest.ts';
export { replay, presetNames } from './replay/index.ts';
export type { RunSummary, RunInfo } from './replay/run-output.ts';
export { sweep } from './replay/sweep/sweep.ts';
export type { SweepOptions, SweepResult } from './replay/sweep/sweep.ts';
export { query, openAnalysis } from './analysis/query.ts';
export type { QueryResult, Cell } from './analysis/query.ts';
export { namedQueryNames } from './analysis/named-queries.ts';
export { report } from './reports/report.ts';
export type { ReportOptions, ReportResult } from './reports/report.ts';
export { calibrate } from './replay/calibrate/calibrate.ts';
export type { CalibrateOptions, Calibration } from './replay/calibrate/calibrate.ts';
