/**
 * `exportRun(input, { format, out })`: a run as Chrome trace-event JSON (`perfetto`), or a canonical
 * trace as Parquet (`parquet`). The library face of `hetmem export`.
 */
import { statSync } from 'node:fs';
import { UsageError } from '../../common/bad-input.ts';
import { exportPerfetto, type PerfettoExportResult } from './perfetto.ts';
import { exportTraceParquet, type TraceParquetResult } from './trace-parquet.ts';

/** What `hetmem export` writes. */
export const EXPORT_FORMATS = ['perfetto', 'parquet'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export interface ExportOptions {
  /**
   * `perfetto`: a run (or one run of a sweep, see `run`) as Chrome trace-event JSON for
   * ui.perfetto.dev / chrome://tracing; `parquet`: a canonical trace (.arrow) as Parquet.
   * Default: `perfetto` for a directory, `parquet` for a trace file.
   */
  format?: ExportFormat;
  /** the file to write (replaced atomically), e.g. `run.json` or `trace.parquet` */
  out: string;
  /** with `perfetto` on a sweep: the run's id (`platform=a100-pcie4/gpu0.bar=256MiB`) */
  run?: string;
  /** replace a hetmem output of another kind at `out` (never a foreign file). Default false. */
  force?: boolean;
}

export type ExportResult = ({ format: 'perfetto' } & PerfettoExportResult) | ({ format: 'parquet' } & TraceParquetResult);

export async function exportRun(input: string, options: ExportOptions): Promise<ExportResult> {
  let isDir: boolean;
  try { isDir = statSync(input).isDirectory(); } catch { throw new UsageError(`${input}: no such file or directory`); }
  const format = options.format ?? (isDir ? 'perfetto' : 'parquet');
  if (!(EXPORT_FORMATS as readonly string[]).includes(format)) throw new UsageError(`--format ${String(format)}: expected one of ${EXPORT_FORMATS.join(', ')}`);
  if (format === 'perfetto') {
    if (!isDir) throw new UsageError(`${input}: --format perfetto exports a run or sweep directory (replay a trace first)`);
    return { format, ...(await exportPerfetto(input, options.out, { run: options.run, force: options.force })) };
  }
  if (isDir) throw new UsageError(`${input}: --format parquet exports a canonical trace file (.arrow); a run's tables already are Parquet`);
  return { format, ...(await exportTraceParquet(input, options.out, { force: options.force })) };
}
