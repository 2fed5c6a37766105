import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { realTraces } from '../../common/testing/requirements.ts';
import { CollectingSink } from '../../fixtures/ingest/collecting-sink.ts';
import { readKineto } from '../kineto.ts';
import type { TraceRow } from '../trace/writer.ts';
import { runtimeCallKind } from './runtime-calls.ts';
import { StreamDependencies } from './stream-dependencies.ts';

const FIXTURE = new URL('../../fixtures/ingest/kineto-streams.json', import.meta.url).pathname;

/** The rows a test compares: only the columns stream order uses. */
const pick = (r: TraceRow) => ({ ts: r.ts, op: r.op, agent: r.agent, stream: r.stream, corr: r.corr, peer: r.peer, name: r.name, dur: r.dur });
const stableByTs = (rows: TraceRow[]) => rows.map((r, i) => [r, i] as const).sort((a, b) => a[0].ts - b[0].ts || a[1] - b[1]).map(([r]) => r);

describe('stream order from a Kineto trace: the hand-made fixture', () => {
  it('gives threads, memsets, submits, the inferred wait and every sync as worked out by hand', async () => {
    const sink = new CollectingSink();
    await readKineto([FIXTURE], sink);
    const rows = stableByTs(sink.rows).map(pick);
    // Origin: the earliest row is the cudaMemcpyAsync at 1000 µs, so ts = (t − 1000 µs) in ns.
    // Threads: pid 100 tid 100 makes the first runtime call → thread 0; tid 200 (cudaMemsetAsync) → 1.
    // GPU ops (launch µs → start..end µs): copy corr 1 (1000 → 1010..1030, stream 7),
    //   gemm corr 2 (1006 → 1030..1080, s7), memset corr 3 (1011 → 1015..1020, s9), relu corr 5 (1022 → 1081..1091, s9),
    //   DtoH copy corr 7 (1100 → 1105..1115, s7).
    // Wait (cudaStreamWaitEvent at 1020, tid 100): X = tid 100's next launch after 1020 = corr 5 (relu, stream 9,
    //   starts 1081). Y = on gpu0, stream ≠ 9, launched before 1020, latest end ≤ 1081: corr 1 ends 1030, corr 2
    //   ends 1080 → corr 2. Row: ts 20000, gpu0, stream 9, corr 2, derived:stream-wait.
    // cudaStreamSynchronize (tid 200, 1030..1092): ops launched before 1030 are corr 1, 2, 3, 5 with ends 1030,
    //   1080, 1020, 1091; latest end ≤ 1092 → corr 5. Row: ts 30000, dur 62000, cpu0, thread 1, corr 5.
    // cudaMemcpy (synchronous, tid 100, 1100): submit corr 7, then sync corr 7 at the same ts.
    // cudaDeviceSynchronize (tid 100, 1130): thread 0's latest launch before is corr 7 on gpu0 → peer gpu0.
    // cudaEventRecord and cudaEventQuery make no row (counted as unmapped).
    const n = null;
    expect(rows).toEqual([
      { ts: 0, op: 'submit', agent: 'cpu0', stream: 0, corr: 1, peer: n, name: 'cudaMemcpyAsync', dur: 5000 },
      { ts: 6000, op: 'submit', agent: 'cpu0', stream: 0, corr: 2, peer: n, name: 'cudaLaunchKernel', dur: 4000 },
      { ts: 10000, op: 'copy', agent: 'cpu0', stream: 7, corr: 1, peer: 'gpu0', name: 'Memcpy HtoD (Pinned -> Device)', dur: 20000 },
      { ts: 11000, op: 'submit', agent: 'cpu0', stream: 1, corr: 3, peer: n, name: 'cudaMemsetAsync', dur: 3000 },
      { ts: 15000, op: 'memset', agent: 'gpu0', stream: 9, corr: 3, peer: n, name: 'Memset (Device)', dur: 5000 },
      { ts: 20000, op: 'wait', agent: 'gpu0', stream: 9, corr: 2, peer: n, name: 'derived:stream-wait', dur: n },
      { ts: 22000, op: 'submit', agent: 'cpu0', stream: 0, corr: 5, peer: n, name: 'cudaLaunchKernel', dur: 4000 },
      { ts: 30000, op: 'kernel', agent: 'gpu0', stream: 7, corr: 2, peer: n, name: 'gemm', dur: 50000 },
      { ts: 30000, op: 'sync', agent: 'cpu0', stream: 1, corr: 5, peer: n, name: 'cudaStreamSynchronize', dur: 62000 },
      { ts: 81000, op: 'kernel', agent: 'gpu0', stream: 9, corr: 5, peer: n, name: 'relu', dur: 10000 },
      { ts: 100000, op: 'submit', agent: 'cpu0', stream: 0, corr: 7, peer: n, name: 'cudaMemcpy', dur: 20000 },
      { ts: 100000, op: 'sync', agent: 'cpu0', stream: 0, corr: 7, peer: n, name: 'cudaMemcpy', dur: 20000 },
      { ts: 105000, op: 'copy', agent: 'gpu0', stream: 7, corr: 7, peer: 'cpu0', name: 'Memcpy DtoH (Device -> Pageable)', dur: 10000 },
      { ts: 130000, op: 'sync', agent: 'cpu0', stream: 0, corr: n, peer: 'gpu0', name: 'cudaDeviceSynchronize', dur: 2000 },
    ]);
    expect(sink.rows.find((r) => r.op === 'memset')!.bytes).toBe(256);
    expect(sink.unmappedCounts.get('cuda_runtime:cudaEventRecord')).toBe(1);
    expect(sink.unmappedCounts.get('cuda_runtime:cudaEventQuery')).toBe(1);
  });
});

describe('stream dependencies: recorded information wins over inference', () => {
  /** Two streams on gpu0: A (corr 1) on stream 7 ends at 50, B (corr 2) on stream 7 ends at 90, C (corr 3) on stream 9. */
  function store(): StreamDependencies {
    const d = new StreamDependencies();
    d.call('cpu0', 0, 0, 1, 1, 'launch', 'cudaLaunchKernel');
    d.call('cpu0', 0, 2, 1, 10, 'event-record', 'cudaEventRecord');
    d.call('cpu0', 0, 3, 1, 2, 'launch', 'cudaLaunchKernel');
    d.call('cpu0', 0, 4, 1, 11, 'stream-wait', 'cudaStreamWaitEvent');
    d.call('cpu0', 0, 5, 1, 3, 'launch', 'cudaLaunchKernel');
    d.call('cpu0', 0, 6, 100, 12, 'stream-sync', 'cudaStreamSynchronize');
    d.gpuOp('gpu0', 7, 10, 40, 1);
    d.gpuOp('gpu0', 7, 50, 40, 2);
    d.gpuOp('gpu0', 9, 95, 5, 3);
    return d;
  }
  const run = (d: StreamDependencies) => { const s = new CollectingSink(); d.emit(s); return s; };

  it('infers without records: the wait names the latest end before C starts, the sync the latest end before it returns', () => {
    // Wait at 4: X = next launch of thread 0 after 4 = corr 3 (stream 9, starts 95); on other streams,
    // launched before 4: corr 1 (end 50), corr 2 (end 90) → corr 2. Sync at 6..106: ends ≤ 106 → corr 3 (100).
    const rows = run(store()).rows.map(pick);
    expect(rows.map((r) => [r.op, r.agent, r.stream, r.corr, r.name])).toEqual([
      ['wait', 'gpu0', 9, 2, 'derived:stream-wait'],
      ['sync', 'cpu0', 0, 3, 'cudaStreamSynchronize'],
    ]);
  });

  it('a recorded event (wait_on_stream 7, record corr 10 at ts 2) names the last op launched on stream 7 by then: corr 1', () => {
    const d = store();
    d.recorded('cpu0', 11, { gpu: 'gpu0', stream: 9, waitOnStream: 7, recordCorr: 10 });
    // A recorded stream (9) for the sync: the last op launched on stream 9 before 6 is corr 3 (launched at 5).
    d.recorded('cpu0', 12, { gpu: 'gpu0', stream: 7 });
    const rows = run(d).rows.map(pick);
    // Stream 7 for the sync: launched before 6 → corr 1 (0) and corr 2 (3) → corr 2.
    expect(rows.map((r) => [r.op, r.agent, r.stream, r.corr, r.name])).toEqual([
      ['wait', 'gpu0', 9, 1, 'cudaStreamWaitEvent'],
      ['sync', 'cpu0', 0, 2, 'cudaStreamSynchronize'],
    ]);
  });
});

describe('runtime call kinds', () => {
  it('classifies by name as the CUDA runtime reference says', () => {
    const kinds = ['cudaLaunchKernel', 'cudaGraphLaunch', 'cudaMemcpyAsync', 'cudaMemcpy', 'hipMemcpyWithStream', 'cudaMemsetAsync',
      'cudaDeviceSynchronize', 'cuCtxSynchronize', 'cudaStreamSynchronize', 'hipEventSynchronize', 'cudaStreamWaitEvent', 'cudaEventRecord', 'cudaEventQuery']
      .map(runtimeCallKind);
    expect(kinds).toEqual(['launch', 'launch', 'launch', 'memcpy-sync', 'memcpy-sync', 'launch',
      'device-sync', 'device-sync', 'stream-sync', 'event-sync', 'stream-wait', 'event-record', null]);
  });
});

realTraces.describe('stream order on the 8×A100 rank (kineto-hta/negative_queue_length_values_check/rank0.json.gz)', () => {
  const file = join(realTraces.file(''), 'kineto-hta/negative_queue_length_values_check/rank0.json.gz');

  it('memset, wait and sync rows match an independent reading of the JSON', async () => {
    const ev = (JSON.parse(gunzipSync(readFileSync(file)).toString('utf8')) as { traceEvents: Record<string, any>[] }).traceEvents;
    const ops = ev.filter((e) => e.ph === 'X' && ['kernel', 'gpu_memcpy', 'gpu_memset'].includes(e.cat))
      .map((e) => ({ ts: e.ts as number, end: e.ts + e.dur as number, dev: e.args.device as number, stream: e.args.stream as number, corr: e.args.correlation as number }));
    const calls = ev.filter((e) => e.ph === 'X' && (e.cat === 'cuda_runtime' || e.cat === 'cuda_driver'));
    const callTs = new Map<number, number>();
    for (const c of calls) if (!callTs.has(c.args.correlation)) callTs.set(c.args.correlation, c.ts);
    const opCorrs = new Set(ops.map((o) => o.corr));
    const launchOf = (o: { ts: number; corr: number }) => callTs.get(o.corr) ?? o.ts;
    // Waits, by the documented rule: X = the thread's next call (by ts) that launched a GPU op; Y = an op on
    // X's device, another stream, launched before the wait, ended by X's start. A wait row exists iff both do.
    const expectedWaits: [number, number][] = [];
    for (const w of calls.filter((c) => c.name === 'cudaStreamWaitEvent')) {
      const wi = calls.indexOf(w);
    const next = calls.filter((c, i) => c.tid === w.tid && opCorrs.has(c.args.correlation) && (c.ts > w.ts || (c.ts === w.ts && i > wi)))
      .sort((a, b) => a.ts - b.ts)[0];
      if (!next) continue;
      const x = ops.filter((o) => o.corr === next.args.correlation).sort((a, b) => a.ts - b.ts)[0]!;
      const y = ops.some((o) => o.dev === x.dev && o.stream !== x.stream && launchOf(o) < w.ts && o.end <= x.ts);
      if (y) expectedWaits.push([w.ts, x.stream]);
    }
    const sink = new CollectingSink();
    await readKineto([file], sink);
    const waits = sink.rows.filter((r) => r.op === 'wait');
    expect(waits.length).toBe(expectedWaits.length);
    expect(waits.length).toBeGreaterThan(400); // 425 calls; a few have no later launch on their thread
    expect(waits.map((r) => r.stream).sort()).toEqual(expectedWaits.map(([, s]) => s).sort());
    expect(waits.every((r) => r.name === 'derived:stream-wait' && r.agent === 'gpu0')).toBe(true);
    // Memsets: one row per gpu_memset.
    expect(sink.rows.filter((r) => r.op === 'memset').length).toBe(ev.filter((e) => e.cat === 'gpu_memset').length);
    // Syncs: each cudaStreamSynchronize names an op (this trace has ops ending before every one); the one
    // cudaDeviceSynchronize names gpu0 (the rank's only device).
    const syncs = sink.rows.filter((r) => r.op === 'sync');
    expect(syncs.filter((r) => r.corr !== null).length).toBe(calls.filter((c) => c.name === 'cudaStreamSynchronize').length);
    expect(syncs.filter((r) => r.peer === 'gpu0').length).toBe(calls.filter((c) => c.name === 'cudaDeviceSynchronize').length);
    // CPU threads: the tids that made a launch, memcpy, memset, sync or wait call, numbered densely.
    const mapped = calls.filter((c) => /Launch|^cuda(Memcpy|Memset)|Synchronize|StreamWaitEvent/.test(c.name));
    const tids = new Set(mapped.map((c) => c.tid));
    expect(new Set(sink.rows.filter((r) => r.agent === 'cpu0' && (r.op === 'submit' || r.op === 'sync')).map((r) => r.stream)))
      .toEqual(new Set([...Array(tids.size).keys()]));
  }, 60_000);
});
