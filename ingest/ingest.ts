/**
 * `ingest()`: source trace files → canonical trace (Arrow IPC file). Picks the format (given, or
 * sniffed from each file's first bytes), lets the format's reader fill a SortingTraceWriter, records
 * where the trace came from in the metadata, and writes the file atomically: on any error nothing is
 * left behind.
 */
import { statSync, mkdirSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { BadInputError, UsageError } from '../common/bad-input.ts';
import { sha256OfFiles } from '../common/file-hash.ts';
import { HETMEM_VERSION } from '../common/package-version.ts';
import { startProgress } from '../common/progress.ts';
import { FORMAT_NAMES, type FormatName, type IngestFormat } from './format.ts';
import { FORMATS, formatByName } from './formats.ts';
import { readSniffHead } from './io/file-head.ts';
import { META } from './trace/schema.ts';
import { SortingTraceWriter } from './trace/sorter.ts';

export interface IngestOptions {
  /** A format name, or `auto` (default) to sniff each file. */
  format?: FormatName | 'auto';
  /** The trace file to write. */
  output: string;
  /** Rows held in memory before the sorter spills a run (tests use small values). */
  runRows?: number;
}

export interface IngestResult {
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
  let total = 0;
  for (const f of files) total += fileSize(f);
  const format = name === 'auto' ? sniffFormat(files) : formatByName(name);
  mkdirSync(dirname(options.output), { recursive: true });
  const sink = new SortingTraceWriter(options.output, { runRows: options.runRows });
  const progress = startProgress(`ingest ${format.name}`, total, 'bytes');
  try {
    sink.metadata.set(META.sourceFormat, format.name);
    await format.read(files, sink, { progress: (done) => progress.update(done) });
    const sha = await sha256OfFiles(files);
    sink.metadata.set(META.sourceFiles, JSON.stringify(files.map((f) => basename(f))));
    sink.metadata.set(META.sourceSha256, sha);
    sink.metadata.set(META.ingestVersion, HETMEM_VERSION);
    const rows = sink.rows;
    const unmapped = sink.unmappedSummary();
    await sink.close();
    return { output: options.output, format: format.name, rows, sourceFiles: files.map((f) => basename(f)), sourceSha256: sha, unmapped };
  } catch (e) {
    sink.abort();
    throw e;
  } finally {
    progress.stop();
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

/** The one format every file sniffs as (FORMATS order decides between formats that both match). */
function sniffFormat(files: string[]): IngestFormat {
  let chosen: IngestFormat | undefined;
  for (const f of files) {
    const head = readSniffHead(f);
    const fmt = FORMATS.find((x) => x.sniff(f, head));
    if (!fmt) throw new BadInputError(f, undefined, undefined, `format not recognised (give --format; known formats: ${FORMAT_NAMES.join(', ')})`);
    if (chosen && chosen !== fmt) throw new BadInputError(f, undefined, undefined, `looks like ${fmt.name} but ${files[0]} looks like ${chosen.name}; ingest one format at a time`);
    chosen = fmt;
  }
  return chosen!;
}
