/**
 * rocprofv3 JSON (`rocprofv3 --output-format json`, `.json` or `.json.gz`) → canonical trace.
 *
 * The file is streamed (rocprof/file-reader.ts documents the mapping) and its rows are staged, with
 * times relative to the file's first timestamp, in a temporary sorted run: ts 0 is the earliest row,
 * which is only known at the end. The staged rows then go to the sink shifted (kineto/merge.ts
 * replays them). Memory stays bounded by the staging run and one record, not by the input.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { BadInputError } from '../common/bad-input.ts';
import type { IngestContext, IngestFormat, RowSink } from './format.ts';
import { replayStaged } from './kineto/merge.ts';
import { ROOT_KEY, RocprofFileReader } from './rocprof/file-reader.ts';
import { META } from './trace/schema.ts';
import { SortingTraceWriter } from './trace/sorter.ts';

/** Rows held in memory per staging run (≈ 19 MiB); the sink has its own, larger, run. */
const STAGE_RUN_ROWS = 1 << 18;

/** The document opens with `{"rocprofiler-sdk-tool": [` (whitespace allowed). */
const ROCPROF_HEAD = new RegExp(`^(?:\\xef\\xbb\\xbf)?\\s*\\{\\s*"${ROOT_KEY}"\\s*:`);

export const rocprofFormat: IngestFormat = {
  name: 'rocprof',
  description: 'rocprofv3 JSON (.json/.json.gz): kernel dispatches, memory copies and allocations, HIP API calls, agents',

  sniff(_path: string, head: Uint8Array): boolean {
    const text = Buffer.from(head.buffer, head.byteOffset, Math.min(head.byteLength, 4096)).toString('latin1');
    return ROCPROF_HEAD.test(text);
  },

  async read(files: readonly string[], sink: RowSink, ctx: IngestContext): Promise<void> {
    await readRocprof(files, sink, ctx);
  },
};

/** Reads one rocprofv3 JSON file into `sink` (see the module comment); also used by tests. */
export async function readRocprof(files: readonly string[], sink: RowSink, ctx: IngestContext = { progress: () => {} }): Promise<void> {
  if (files.length !== 1) {
    throw new BadInputError(files[1] ?? '(none)', undefined, undefined, 'the rocprof reader reads one file at a time (one process\'s rocprofv3 output)');
  }
  const file = files[0]!;
  const dir = mkdtempSync(join(tmpdir(), 'hetmem-rocprof-'));
  try {
    const stagePath = join(dir, 'stage.arrow');
    const stage = new SortingTraceWriter(stagePath, { runRows: STAGE_RUN_ROWS });
    let result;
    try {
      result = await new RocprofFileReader(file, stage, sink).read(ctx);
      await stage.close();
    } catch (e) {
      stage.abort();
      throw e;
    }
    const shift = result.rows === 0 ? 0 : -result.minLocalNs;
    await replayStaged(stagePath, 0, { agents: [new Map()], objectPrefix: [''], shiftNs: [shift], devices: [] }, sink);
    sink.metadata.set(META.devices, JSON.stringify(result.devices));
    sink.metadata.set(META.sourceInfo, JSON.stringify({ format: 'rocprof', file: basename(file), ...result.info, rows: result.rows }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
