/**
 * `ingest()`: source trace files → canonical trace (Arrow IPC file). Picks the format (given, or
 * sniffed from each file's first bytes), lets the format's reader fill a SortingTraceWriter, records
 * where the trace came from in the metadata, and writes the file atomically: on any error nothing is
 * left behind.
 */
import { statSync, mkdirSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { BadInputError, UsageError } from '../common/bad-input.ts';
import { claimOutput } from '../common/output-guard.ts';
import { sha256OfFiles } from '../common/file-hash.ts';
import { HETMEM_VERSION } from '../common/package-version.ts';
import { startProgress } from '../common/progress.ts';
import { FORMAT_NAMES, type FormatName, type IngestFormat, type IngestSelection } from './format.ts';
import { FORMATS, formatByName } from './formats.ts';
import { readSniffHead } from './io/file-head.ts';
import { META } from './trace/schema.ts';
import { SortingTraceWriter } from './trace/sorter.ts';
import { readSniffHead as readHead } from './io/file-head.ts';

export { readHead };
import { corruptSqliteError, isSqliteHeader } from './sqlite/database.ts';

export interface IngestOptions {
  /** A format name, or `auto` (default) to sniff each file. */
  format?: FormatName | 'auto';
  /**
   * The trace file to write (Arrow IPC, written atomically), e.g. `'train.arrow'`. Required: either
   * this or its older spelling `output`.
   */
  out?: string;
  /** @deprecated The older spelling of `out` (every other verb says `out`); still accepted. */
  output?: string;
  /** Replace a hetmem output of another kind at `out` (never foreign data). Default false. */
  force?: boolean;
  /** Rows held in memory before the sorter spills a run (tests use small values). */
  runRows?: number;
  /** Keep one rank / process (format.ts IngestSelection), e.g. `{ rank: 3 }`. Default: keep all. Kineto only. */
  select?: IngestSelection;
}

export interface IngestResult {
  /** The trace file written. */
  out: string;
  /** @deprecated The same path as `out`, under its older name. */
  output: string;
  format: FormatName;
  rows: number;
  sourceFiles: string[];
  sourceSha256: string;
  unmapped: Record<string, number>;
}

export async function ingest(files: string[], options: IngestOptions): Promise<IngestResult> {
  if (files.length === 0) throw new UsageError('ingest needs at least one input file');
  const name = options.format ?? 'auto';
  if (name !== 'auto' && !(FORMAT_NAMES as readonly string[]).includes(name)) {
    throw new UsageError(`unknown format "${name}" (expected auto or one of ${FORMAT_NAMES.join(', ')})`);
  }
  const out = options.out ?? options.output;
  if (typeof out !== 'string' || out === '') throw new UsageError('ingest needs the trace file to write: { out: "trace.arrow" }');
  let total = 0;
  for (const f of files) total += fileSize(f);
  const format = name === 'auto' ? sniffFormat(files) : formatByName(name);
  const select = options.select && (options.select.rank !== undefined || options.select.pid !== undefined) ? options.select : undefined;
  if (select && format.name !== 'kineto') throw new UsageError(`--rank/--pid select among Kineto files; ${format.name} input has no ranks to select`);
  mkdirSync(dirname(out), { recursive: true });
  const claim = claimOutput(out, 'trace', { force: options.force });
  const sink = new SortingTraceWriter(out, { runRows: options.runRows });
  const progress = startProgress(`ingest ${format.name}`, total, 'bytes');
  try {
    sink.metadata.set(META.sourceFormat, format.name);
    await format.read(files, sink, { progress: (done) => progress.update(done), ...(select ? { select } : {}) });
    // nothing parsed but something skipped: the file is not of the forced format (an empty or
    // header-only file is an empty trace, not an error)
    if (sink.rows === 0 && name !== 'auto' && Object.keys(sink.unmappedSummary()).length > 0) throw noRowsOfFormat(files, format.name, sink.unmappedSummary());
    const sha = await sha256OfFiles(files);
    sink.metadata.set(META.sourceFiles, JSON.stringify(files.map((f) => basename(f))));
    sink.metadata.set(META.sourceSha256, sha);
    sink.metadata.set(META.ingestVersion, HETMEM_VERSION);
    const rows = sink.rows;
    const unmapped = sink.unmappedSummary();
    await sink.close();
    return { out, output: out, format: format.name, rows, sourceFiles: files.map((f) => basename(f)), sourceSha256: sha, unmapped };
  } catch (e) {
    sink.abort();
    throw corruptSqliteError(e, format.name, files.join(', '));
  } finally {
    progress.stop();
    claim.release();
  }
}

function fileSize(f: string): number {
  try {
    const st = statSync(f);
    if (!st.isFile()) throw new BadInputError(f, undefined, undefined, 'is not a regular file');
    return st.size;
  } catch (e) {
    if (e instanceof BadInputError) throw e;
    throw new BadInputError(f, undefined, undefined, `cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
}

/**
 * The one format every file sniffs as (FORMATS order decides between formats that both match), or the
 * format whose `companions` the other files are (an ET with its Kineto trace).
 */
function sniffFormat(files: string[]): IngestFormat {
  let chosen: IngestFormat | undefined;
  let chosenFrom = files[0];
  for (const f of files) {
    const head = readSniffHead(f);
    const fmt = FORMATS.find((x) => x.sniff(f, head));
    if (!fmt && isSqliteHeader(head)) {
      throw new BadInputError(f, undefined, undefined, 'corrupt SQLite file: it has the SQLite header but no readable nsys or nvprof tables (give --format to see SQLite\'s reason)');
    }
    if (!fmt) throw new BadInputError(f, undefined, undefined, `format not recognised (give --format; known formats: ${FORMAT_NAMES.join(', ')})`);
    if (!chosen || chosen === fmt || chosen.companions?.includes(fmt.name)) { chosen ??= fmt; continue; }
    if (fmt.companions?.includes(chosen.name)) { chosen = fmt; chosenFrom = f; continue; }
    throw new BadInputError(f, undefined, undefined, `looks like ${fmt.name} but ${chosenFrom} looks like ${chosen.name}; ingest one format at a time`);
  }
  return chosen!;
}
/**
 * A forced format that found nothing of its kind, only lines it skipped (random bytes given
 * `--format uvm-log`, a zlib stream as ftrace), is bad input, not an empty trace: the skipped lines
 * are listed.
 */
function noRowsOfFormat(files: string[], format: string, skipped: Record<string, number>): BadInputError {
  const what = Object.entries(skipped).map(([k, v]) => `${v} ${k}`).join(', ');
  return new BadInputError(files.join(', '), undefined, undefined,
    `no ${format} rows found${what ? ` (skipped: ${what})` : ''}; is it a ${format} file? (try --format auto)`);
}
