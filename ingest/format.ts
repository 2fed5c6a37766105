/**
 * The contract every trace-format reader under ingest/ implements. A reader turns source files into
 * canonical rows (DESIGN.md schema) and hands them to a RowSink in any order: the sink sorts them by
 * `ts` (stably) before they reach the Arrow file.
 */
import type { TraceRow } from './trace/writer.ts';

export const FORMAT_NAMES = ['csv', 'kineto', 'et', 'rocprof', 'nsys', 'nvprof', 'uvm-log', 'ftrace', 'damo'] as const;
export type FormatName = (typeof FORMAT_NAMES)[number];

export interface RowSink {
  /** Appends one row (copied; reuse the object). Any `ts` order. */
  append(row: TraceRow): void;
  /**
   * Appends a row that goes before every `append`ed row of the same ts (and after earlier leading
   * rows): for rows known only at the end of a pass, such as implied allocations at ts 0.
   */
  appendLeading(row: TraceRow): void;
  /** Trace metadata (META keys of trace/schema.ts); set freely before the ingest ends. */
  readonly metadata: Map<string, string>;
  /**
   * Counts source records the canonical trace cannot say (never silently dropped, so a user sees what is missing); the
   * counts land in the `hetmem.unmapped` metadata and `hetmem inspect` shows them.
   */
  unmapped(kind: string, count?: number): void;
}

export interface IngestContext {
  /** Reports progress in bytes of source read (for the TTY progress bar). */
  progress(bytesRead: number): void;
  /** Keep one rank / process of a multi-rank ingest (IngestSelection); only the Kineto reader supports it. */
  select?: IngestSelection;
}

/**
 * Which process of several to keep (`hetmem ingest --rank N` / `--pid P`). The kept process becomes
 * `cpu0` and the GPUs it uses `gpu0`, `gpu1`, … in device-id order, whatever their ids were on the
 * recording machine (`hetmem.devices` says which source device each is): one rank of an 8-GPU job
 * replays on a one-GPU platform without `--map`.
 */
export interface IngestSelection {
  /** Kineto `distributedInfo.rank` of the file to keep, e.g. 3. */
  rank?: number;
  /** Process id of the file's CPU events (`pid` of its runtime calls), e.g. 4515. */
  pid?: number;
}

export interface IngestFormat {
  readonly name: FormatName;
  /** One line for `hetmem ingest --help`. */
  readonly description: string;
  /**
   * Whether a file looks like this format, from its name and its first bytes (already gunzipped when
   * the file is gzip-compressed). Used by `--format auto`.
   */
  sniff(path: string, head: Uint8Array): boolean;
  /**
   * Formats whose files may come along with this format's file in one ingest (e.g. an Execution Trace
   * with the Kineto trace of the same run): `--format auto` then picks this format for the whole set.
   */
  readonly companions?: readonly FormatName[];
  /** Reads the files (several only where the format allows, e.g. per-rank Kineto files) into `sink`. */
  read(files: readonly string[], sink: RowSink, ctx: IngestContext): Promise<void>;
}
