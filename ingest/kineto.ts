/**
 * PyTorch profiler / Kineto Chrome-trace JSON (`.json`, `.json.gz`) → canonical trace.
 *
 * Each file is streamed (io/json-scanner.ts: only one `traceEvents` element is parsed at a time)
 * and its rows are staged, with file-local agents and times, in a temporary sorted run
 * (SortingTraceWriter): a file's `baseTimeNanoseconds`, its rank and its earliest event may all come
 * after the events, and several ranks' files share one time origin. Once every file is read, the
 * staged rows go to the sink with global agents and times (kineto/merge.ts documents the numbering).
 * Memory stays bounded by the staging run and one element, not by the input.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import type { IngestContext, IngestFormat, RowSink } from './format.ts';
import { KinetoFileReader, type KinetoFileResult } from './kineto/file-reader.ts';
import { planMerge, replayStaged } from './kineto/merge.ts';
import { META } from './trace/schema.ts';
import { SortingTraceWriter } from './trace/sorter.ts';

/** Rows held in memory per staging run (≈ 19 MiB); the sink has its own, larger, run. */
const STAGE_RUN_ROWS = 1 << 18;

/** Top-level keys that only Kineto/PyTorch-profiler JSON has near its start. */
const KINETO_HEAD = /"(?:traceEvents|schemaVersion|deviceProperties)"\s*:/;

export const kinetoFormat: IngestFormat = {
  name: 'kineto',
  description: 'PyTorch profiler / Kineto trace JSON (.json/.json.gz; several ranks\' files merge into one trace)',

  sniff(_path: string, head: Uint8Array): boolean {
    const text = Buffer.from(head.buffer, head.byteOffset, Math.min(head.byteLength, 65536)).toString('latin1');
    return /^(?:\xef\xbb\xbf)?\s*\{/.test(text) && KINETO_HEAD.test(text);
  },

  async read(files: readonly string[], sink: RowSink, ctx: IngestContext): Promise<void> {
    await readKineto(files, sink, ctx);
  },
};

/** Reads Kineto files into `sink` (see the module comment); also used by tests and the bench. */
export async function readKineto(files: readonly string[], sink: RowSink, ctx: IngestContext = { progress: () => {} }): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'hetmem-kineto-'));
  try {
    const results: KinetoFileResult[] = [];
    const stages: string[] = [];
    let progressBase = 0;
    for (const [i, file] of files.entries()) {
      const stagePath = join(dir, `stage-${i}.arrow`);
      const stage = new SortingTraceWriter(stagePath, { runRows: STAGE_RUN_ROWS });
      try {
        results.push(await new KinetoFileReader(file, stage, sink).read(ctx, progressBase));
        progressBase += statSync(file).size;
        await stage.close();
      } catch (e) {
        stage.abort();
        throw e;
      }
      stages.push(stagePath);
    }
    const plan = planMerge(results);
    for (const [i, stagePath] of stages.entries()) await replayStaged(stagePath, i, plan, sink);
    sink.metadata.set(META.devices, JSON.stringify(plan.devices));
    sink.metadata.set(META.sourceInfo, JSON.stringify({
      format: 'kineto',
      files: results.map((r) => ({ ...r.info, file: basename(r.file), ...(r.rank === null ? {} : { rank: r.rank }), events: r.events, rows: r.rows })),
    }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
