/**
 * hetmem as a library: every CLI verb is a typed function, so a notebook (or a script) can run the
 * pipeline step by step and look at the results in between. Output paths are named `out` everywhere.
 *
 *   synth(workload, params, out)              → synthetic canonical trace (Arrow IPC)
 *   ingest(files, { format?, out })           → canonical trace from real trace files
 *   inspect(trace)                            → what a canonical trace holds (rows, agents, objects)
 *   presetNames() / loadPlatform(name)        → the platform presets (the `platforms` verb)
 *   replay({ trace, platform, set?, out })    → run directory; resolves to its RunSummary
 *   sweep({ trace, platform?, vary, out })    → hive-style sweep directory of run directories
 *   query(dir, nameOrSql, { rows? })          → { columns, types, rows } (DuckDB over a run or sweep);
 *                                               rows as arrays (default) or objects
 *   queryArrow(dir, nameOrSql)                → the same result as an Apache Arrow table
 *   submitSweep(sweepOptions, slurm?)         → the sweep as one Slurm job array; resolves to the job id
 *   sweepStatus(dir), waitForSweep(dir, …)    → variants done / failed / missing of a sweep
 *   report(dir, { out })                      → self-contained HTML report + CSVs
 *   exportRun(input, { format, out })         → a run as Perfetto/Chrome JSON, a trace as Parquet
 *   calibrate({ source, platform, out })      → observed vs predicted transfers + calibrated platform
 *   demo({ out })                             → the whole pipeline on three synthetic workloads
 *   renderPlot(plotOptions), Plot             → Observable Plot rendered to SVG markup in Node (no DOM)
 *
 * The package entry is the compiled build (dist/index.js): importing it needs no TypeScript loader.
 */
export { synth, WORKLOADS } from './ingest/synth/index.ts';
export { ingest } from './ingest/ingest.ts';
export type { IngestOptions, IngestResult } from './ingest/ingest.ts';
export { inspect } from './ingest/inspect.ts';
export type { TraceInspection } from './ingest/inspect.ts';
export { replay, presetNames } from './replay/index.ts';
export type { ReplayOptions } from './replay/index.ts';
export { loadPlatform } from './replay/platform-loader.ts';
export type { RunSummary, RunInfo } from './replay/run-output.ts';
export { sweep } from './replay/sweep/sweep.ts';
export type { SweepOptions, SweepResult } from './replay/sweep/sweep.ts';
export { submitSweep } from './replay/sweep/slurm.ts';
export type { SlurmOptions, SlurmSubmission } from './replay/sweep/slurm.ts';
export { sweepStatus, waitForSweep } from './replay/sweep/status.ts';
export type { SweepStatus, WaitOptions, WaitResult } from './replay/sweep/status.ts';
export { query, openAnalysis } from './analysis/query.ts';
export type { QueryResult, QueryObjectsResult, QueryOptions, Cell } from './analysis/query.ts';
export { queryArrow } from './analysis/query-arrow.ts';
export { namedQueryNames } from './analysis/named-queries.ts';
export { report } from './reports/report.ts';
export type { ReportOptions, ReportResult } from './reports/report.ts';
export { runDemo as demo } from './cli/demo.ts';
export { renderPlot, Plot } from './reports/plot.ts';
export type { PlotOptions } from './reports/plot.ts';
export type { DemoOptions } from './cli/demo.ts';
export { exportRun, EXPORT_FORMATS } from './analysis/export/index.ts';
export type { ExportOptions, ExportResult, ExportFormat } from './analysis/export/index.ts';
export { calibrate } from './replay/calibrate/calibrate.ts';
export type { CalibrateOptions, Calibration } from './replay/calibrate/calibrate.ts';
