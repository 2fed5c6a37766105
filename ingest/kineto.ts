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
import { UsageError } from '../common/bad-input.ts';
import type { IngestContext, IngestFormat, IngestSelection, RowSink } from './format.ts';
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
    // Per file, so that a --rank/--pid selection reports only what the kept files could not say.
    const unmapped: Map<string, number>[] = [];
    let progressBase = 0;
    for (const [i, file] of files.entries()) {
      const stagePath = join(dir, `stage-${i}.arrow`);
      const stage = new SortingTraceWriter(stagePath, { runRows: STAGE_RUN_ROWS });
      const counts = new Map<string, number>();
      unmapped.push(counts);
      const counter = { unmapped: (kind: string, n = 1) => { counts.set(kind, (counts.get(kind) ?? 0) + n); } };
      try {
        results.push(await new KinetoFileReader(file, stage, counter).read(ctx, progressBase));
        progressBase += statSync(file).size;
        await stage.close();
      } catch (e) {
        stage.abort();
        throw e;
      }
      stages.push(stagePath);
    }
    const kept = selected(results, ctx.select);
    const plan = planMerge(kept.map((i) => results[i]!), ctx.select !== undefined);
    for (const [k, i] of kept.entries()) {
      await replayStaged(stages[i]!, k, plan, sink);
      for (const [kind, n] of unmapped[i]!) sink.unmapped(kind, n);
    }
    sink.metadata.set(META.devices, JSON.stringify(plan.devices));
    sink.metadata.set(META.sourceInfo, JSON.stringify({
      format: 'kineto',
      files: kept.map((i) => results[i]!).map((r) => ({ ...r.info, file: basename(r.file), ...(r.rank === null ? {} : { rank: r.rank }), events: r.events, rows: r.rows })),
      ...(ctx.select ? { selected: ctx.select } : {}),
    }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Indices of the files a selection keeps (all without one); a selection that keeps none is a usage error. */
function selected(results: readonly KinetoFileResult[], select: IngestSelection | undefined): number[] {
  const all = results.map((_, i) => i);
  if (!select) return all;
  const kept = all.filter((i) => {
    const r = results[i]!;
    return (select.rank === undefined || r.rank === select.rank) && (select.pid === undefined || r.pids.includes(select.pid));
  });
  if (kept.length === 0) {
    const have = results.map((r) => `${basename(r.file)}: rank ${r.rank ?? 'none'}, pid ${r.pids.join('/') || 'none'}`).join('; ');
    throw new UsageError(`no file matches ${select.rank !== undefined ? `--rank ${select.rank}` : ''}${select.rank !== undefined && select.pid !== undefined ? ' ' : ''}${select.pid !== undefined ? `--pid ${select.pid}` : ''} (${have})`);
  }
  return kept;
}
