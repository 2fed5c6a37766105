import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { realTraces } from '../common/testing/requirements.ts';
import { CollectingSink } from '../fixtures/ingest/collecting-sink.ts';
import { tempFileWriter } from '../fixtures/ingest/temp-files.ts';
import { BadInputError } from '../common/bad-input.ts';
import { ingest } from './ingest.ts';
import { readSniffHead } from './io/file-head.ts';
import { kinetoFormat, readKineto } from './kineto.ts';
import { readAllRows } from './trace/reader.ts';
import { META } from './trace/schema.ts';
import type { TraceRow } from './trace/writer.ts';

const TRACES = realTraces.file('');
const SMALL = new URL('../fixtures/kineto/small.json', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'hetmem-kineto-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function read(files: string[]): Promise<CollectingSink> {
  const sink = new CollectingSink();
  await readKineto(files, sink);
  return sink;
}

const writeTemp = tempFileWriter(dir);

async function readError(files: string[]): Promise<BadInputError> {
  const e = await read(files).then(() => null, (err: unknown) => err);
  expect(e).toBeInstanceOf(BadInputError);
  return e as BadInputError;
}

/** A whole Kineto document around `events` (each an object literal in JSON text). */
const doc = (events: string[], extra = ''): string => `{"schemaVersion": 1,${extra}\n"traceEvents": [\n${events.join(',\n')}\n]}`;

const byTs = (a: TraceRow, b: TraceRow): number => a.ts - b.ts;

describe('kineto: the hand-written fixture, row by row', () => {
  it('maps kernels, copies, memsets, launches, syncs and allocator events as worked out by hand', async () => {
    const sink = await read([SMALL]);
    const rows = [...sink.rows].sort(byTs);
    // Times: the earliest row is the cudaMemcpyAsync call at 1002.125 µs, so ts = (t − 1002.125 µs) in ns.
    // cuLaunchKernel at 1004.0005 µs = 1004000.5 ns → rounds half up to 1004001 → 1876 ns.
    const gpuObj = (n: number) => `mem@0x${(139926520725504).toString(16)}#${n}`;
    const expected: Record<string, unknown>[] = [
      { ts: 0, dur: 5500, op: 'submit', agent: 'cpu0', corr: 11, name: 'cudaMemcpyAsync' },
      { ts: 875, dur: 4000, op: 'submit', agent: 'cpu0', corr: 12, name: 'cudaLaunchKernel' },
      { ts: 1876, dur: 2000, op: 'submit', agent: 'cpu0', corr: 20, name: 'cuLaunchKernel' },
      { ts: 2875, op: 'alloc', agent: 'gpu0', addr: 139926520725504, bytes: 1048576, mem: 'device', obj: gpuObj(1) },
      { ts: 7876, dur: 2500, op: 'copy', agent: 'cpu0', peer: 'gpu0', mem: 'pinned', bytes: 4096, stream: 7, corr: 11, name: 'Memcpy HtoD (Pinned -> Device)' },
      { ts: 10375, dur: 100250, op: 'kernel', agent: 'gpu0', stream: 7, corr: 12, name: 'gemm_kernel<float, "tile\\64">' },
      { ts: 117875, dur: 3000, op: 'copy', agent: 'gpu0', peer: 'cpu0', mem: 'pageable', bytes: 8, stream: 7, corr: 13 },
      { ts: 122875, dur: 1000, op: 'copy', agent: 'gpu1', peer: 'gpu1', mem: 'device', bytes: 1048576, stream: 9, corr: 14 },
      { ts: 127875, dur: 10000, op: 'copy', agent: 'gpu0', peer: 'gpu1', mem: 'device', bytes: 2097152, stream: 7, corr: 15 },
      { ts: 137875, dur: 1000, op: 'memset', agent: 'gpu1', addr: null, bytes: 256, stream: 9, corr: 16, name: 'Memset (Device)' },
      // cudaStreamSynchronize (1150..1170 µs, thread 0) names no stream: of the GPU ops that started before
      // 1150 µs (no launch call: their own start), the memset (corr 16) ends latest (1141 µs) by 1170 µs.
      { ts: 147875, dur: 20000, op: 'sync', agent: 'cpu0', stream: 0, corr: 16, peer: null, name: 'cudaStreamSynchronize' },
      { ts: 157875, op: 'free', agent: 'gpu0', addr: 139926520725504, bytes: 1048576, mem: 'device', obj: gpuObj(1) },
      { ts: 158875, op: 'alloc', agent: 'gpu0', addr: 139926520725504, bytes: 512, mem: 'device', obj: gpuObj(2) },
      // Freed without an alloc in the trace: object #0.
      { ts: 159875, op: 'free', agent: 'cpu0', addr: 94000000000000, bytes: 64, mem: 'pageable', obj: `mem@0x${(94000000000000).toString(16)}#0` },
      { ts: 197875, dur: 50000, op: 'kernel', agent: 'gpu1', stream: 20, corr: 19 },
    ];
    expect(rows.length).toBe(expected.length);
    expected.forEach((e, i) => expect(rows[i], `row ${i}`).toMatchObject(e));
    // 23 events: 15 rows, 8 unmapped; the NCCL kernel is a row *and* counts its collective info.
    expect(sink.unmappedObject).toEqual({
      metadata: 1, python_function: 1, cpu_op: 1, ac2g: 2, gpu_user_annotation: 1, 'ph:i': 1,
      'cuda_runtime:cudaEventQuery': 1, 'kernel:collective info': 1,
    });
  });

  it('records devices and source info in the metadata', async () => {
    const sink = await read([SMALL]);
    const devices = JSON.parse(sink.metadata.get(META.devices)!) as Record<string, unknown>[];
    expect(devices.map((d) => d.agent)).toEqual(['cpu0', 'gpu0', 'gpu1']);
    expect(devices[1]).toMatchObject({ name: 'NVIDIA H100 80GB HBM3', memory: 85045821440, device: 0, numSms: 132 });
    const info = JSON.parse(sink.metadata.get(META.sourceInfo)!) as { files: Record<string, unknown>[] };
    expect(info.files[0]).toMatchObject({
      rank: 0, events: 23, rows: 15, baseTimeNanoseconds: '1700000000000000000', traceName: 'small.json',
      distributedInfo: { backend: 'nccl', rank: 0, world_size: 1 },
    });
  });

  it('reads the same rows from .json.gz, and from a single-line document', async () => {
    const plain = await read([SMALL]);
    const text = readFileSync(SMALL, 'utf8');
    const gz = await read([writeTemp(gzipSync(text), 'small.json.gz')]);
    const oneLine = await read([writeTemp(JSON.stringify(JSON.parse(text)))]);
    expect(gz.rows).toEqual(plain.rows);
    expect(oneLine.rows).toEqual(plain.rows);
  });
});

describe('kineto: variants', () => {
  it('legacy 2021 form: capitalised cat, tid "stream N", lowercase external id', async () => {
    const file = writeTemp(doc([
      '{"ph": "X", "cat": "Runtime", "name": "cudaLaunchKernel", "pid": 5, "tid": "5", "ts": 100, "dur": 3, "args": {"cbid": 211, "correlation": 40, "external id": 2}}',
      '{"ph": "X", "cat": "Kernel", "name": "k", "pid": 0, "tid": "stream 7", "ts": 110, "dur": 5, "args": {"device": 0, "correlation": 40, "external id": 2}}',
      '{"ph": "X", "cat": "Memcpy", "name": "Memcpy HtoD (Pageable -> Device)", "pid": 0, "tid": "stream 7", "ts": 120, "dur": 2, "args": {"device": 0, "stream": 7, "correlation": 41, "bytes": 100}}',
      '{"ph": "X", "cat": "Memset", "name": "Memset (Device)", "pid": 0, "tid": "stream 7", "ts": 130, "dur": 1, "args": {"device": 0, "stream": 7, "correlation": 42, "bytes": 64}}',
      '{"ph": "i", "s": "t", "name": "[memory]", "pid": 5, "tid": 5, "ts": 140, "args": {"Device Type": 0, "Device Id": -1, "Bytes": 4}}',
      '{"ph": "X", "cat": "Operator", "name": "aten::empty", "pid": 5, "tid": "5", "ts": 90, "dur": 25, "args": {"External id": 2}}',
    ]));
    const rows = (await read([file])).rows.sort(byTs);
    // ts are integer µs: origin 100 µs.
    expect(rows.map((r) => [r.ts, r.op, r.agent, r.peer, r.stream, r.bytes])).toEqual([
      [0, 'submit', 'cpu0', null, 0, null], // CPU thread 0 (the only one)
      [10000, 'kernel', 'gpu0', null, 7, null], // stream from tid "stream 7"
      [20000, 'copy', 'cpu0', 'gpu0', 7, 100],
      [30000, 'memset', 'gpu0', null, 7, 64],
    ]);
    const sink = await read([file]);
    // The legacy allocator events have no Addr: counted, not guessed.
    expect(sink.unmappedObject).toEqual({ '[memory]:no Addr': 1, Operator: 1 });
  });

  it('old Kineto\'s bare "inf" bandwidth of a zero-duration copy (kineto#105) does not lose the copy', async () => {
    const file = writeTemp(doc([
      '{"ph": "X", "cat": "Memcpy", "name": "Memcpy HtoD (Pageable -> Device)", "pid": 0, "tid": "stream 7", "ts": 1614800519473220, "dur": 0, "args": {"device": 0, "context": 1, "stream": 7, "correlation": 20002, "external id": 3981, "bytes": 200, "memory bandwidth (GB/s)": inf}}',
    ]));
    const sink = await read([file]);
    expect(sink.rows.map((r) => [r.op, r.bytes, r.dur])).toEqual([['copy', 200, 0]]);
    expect(JSON.parse(sink.metadata.get(META.sourceInfo)!).files[0].nonFiniteNumbersReadAsNull).toBe(1);
  });

  it('ROCm: copy bytes joined from the runtime call by correlation, either order; sizes as strings', async () => {
    const file = writeTemp(doc([
      '{"ph": "X", "cat": "cuda_runtime", "name": "hipMemcpyWithStream", "pid": 9, "tid": 9, "ts": 10.5, "dur": 60.2, "args": {"stream": "0x0", "correlation": 117, "size": "2560", "kind": "1"}}',
      '{"ph": "X", "cat": "gpu_memcpy", "name": "Memcpy HtoD (Host -> Device)", "pid": 2, "tid": 0, "ts": 20.5, "dur": 22.441, "args": {"device": 2, "stream": 0, "correlation": 117, "kind": "HtoD"}}',
      '{"ph": "X", "cat": "gpu_memcpy", "name": "Memcpy DtoH (Device -> Host)", "pid": 2, "tid": 0, "ts": 30.5, "dur": 2, "args": {"device": 2, "stream": 0, "correlation": 118, "kind": "DtoH"}}',
      '{"ph": "X", "cat": "cuda_runtime", "name": "hipMemcpyAsync", "pid": 9, "tid": 9, "ts": 25.5, "dur": 3, "args": {"correlation": 118, "bytes": "0x100"}}',
      '{"ph": "X", "cat": "gpu_memcpy", "name": "Memcpy DtoD (Device -> Device)", "pid": 2, "tid": 0, "ts": 40.5, "dur": 2, "args": {"device": 2, "stream": 0, "correlation": 119, "bytes": "77"}}',
      '{"ph": "X", "cat": "gpu_memcpy", "name": "Memcpy HtoD (Host -> Device)", "pid": 2, "tid": 0, "ts": 50.5, "dur": 2, "args": {"device": 2, "stream": 0, "correlation": 120}}',
    ], '"baseTimeNanoseconds": 1735632360000000000,'));
    const sink = await read([file]);
    const copies = sink.rows.filter((r) => r.op === 'copy').sort(byTs);
    // 2560 from args.size (runtime first), 0x100 = 256 from args.bytes (runtime after the copy),
    // "77" on the copy itself, and no size anywhere for correlation 120.
    expect(copies.map((c) => [c.agent, c.peer, c.bytes, c.mem])).toEqual([
      ['cpu0', 'gpu2', 2560, null], ['gpu2', 'cpu0', 256, null], ['gpu2', 'gpu2', 77, 'device'], ['cpu0', 'gpu2', null, null],
    ]);
    expect(sink.unmappedCounts.get('gpu_memcpy:bytes unknown')).toBe(1);
  });

  it('several ranks: one time origin (baseTimeNanoseconds vs epoch µs), agents numbered by rank', async () => {
    // Rank 1: relative ts, kernel at base + 1000.5 µs = 1700000000001000500 ns (absolute).
    const a = writeTemp(doc([
      '{"ph": "X", "cat": "kernel", "name": "ka", "pid": 0, "tid": 7, "ts": 1000.5, "dur": 1, "args": {"device": 0, "stream": 7, "correlation": 1}}',
      '{"ph": "i", "cat": "cpu_instant_event", "name": "[memory]", "pid": 1, "tid": 1, "ts": 1001, "args": {"Device Type": 0, "Device Id": -1, "Addr": 4096, "Bytes": 8}}',
    ], '"distributedInfo": {"rank": 1, "world_size": 2}, "baseTimeNanoseconds": 1700000000000000000,'), 'rank1.json');
    // Rank 0: epoch µs, kernel at 1700000000000999 µs = 1700000000000999000 ns: the earliest row.
    const b = writeTemp(doc([
      '{"ph": "X", "cat": "kernel", "name": "kb", "pid": 3, "tid": 7, "ts": 1700000000000999, "dur": 1, "args": {"device": 3, "stream": 7, "correlation": 1}}',
      '{"ph": "i", "cat": "cpu_instant_event", "name": "[memory]", "pid": 1, "tid": 1, "ts": 1700000000001000, "args": {"Device Type": 0, "Device Id": -1, "Addr": 4096, "Bytes": 8}}',
    ], '"distributedInfo": {"rank": 0, "world_size": 2},'), 'rank0.json');
    for (const order of [[a, b], [b, a]]) {
      const sink = await read(order);
      const rows = sink.rows.sort(byTs);
      // 1700000000001000500 − 1700000000000999000 = 1500 ns; rank 0's alloc at +1000 ns, rank 1's at +2000 ns.
      expect(rows.map((r) => [r.ts, r.op, r.agent, r.obj])).toEqual([
        [0, 'kernel', 'gpu0', null],
        [1000, 'alloc', 'cpu0', 'cpu0:mem@0x1000#1'],
        [1500, 'kernel', 'gpu1', null],
        [2000, 'alloc', 'cpu1', 'cpu1:mem@0x1000#1'],
      ]);
      const devices = JSON.parse(sink.metadata.get(META.devices)!) as Record<string, unknown>[];
      expect(devices.map((d) => [d.agent, d.rank, d.device ?? null])).toEqual([
        ['cpu0', 0, null], ['gpu0', 0, 3], ['cpu1', 1, null], ['gpu1', 1, 0],
      ]);
    }
  });
});

describe('kineto: malformed input', () => {
  it('names file, line and field; the problem is clear', async () => {
    const cases: [string, RegExp][] = [
      [doc(['{"ph": "X", "cat": "kernel", "name": "k", "ts": "12", "dur": 1, "args": {"device": 0}}']), /:3: traceEvents\[0\]\.ts: is not a finite number \(got "12"\)$/],
      [doc(['{"ph": "X", "cat": "kernel", "name": "k", "ts": 1, "dur": 1, "args": {"device": 0}}', '{"ph": "X", "cat": "kernel", "name": "k", "ts": 2, "args": {"device": 0}}']), /:4: traceEvents\[1\]\.dur: missing$/],
      [doc(['{"ph": "X", "cat": "gpu_memcpy", "name": "Memcpy HtoD (Pinned -> Device)", "ts": 1, "dur": 1, "args": {"device": 0, "bytes": -5}}']), /traceEvents\[0\]\.args\.bytes: is not a byte count/],
      [doc(['{"ph": "X", "cat": "kernel", "name": "k", "ts": 1, "dur": 1, "args": {"device": "gpu0"}}']), /traceEvents\[0\]\.args\.device: is not a device id/],
      [doc(['{"ph": "X", "cat": "kernel",\n "name": "k", "ts": 1,, "dur": 1}']), /:4: traceEvents\[0\]: is not valid JSON/],
      [doc(['{"ph": "X", "cat": "kernel", "name": "k", "ts": 1, "dur": 1, "args": {"device": 0}}']).slice(0, -40), /:3: truncated JSON: the input ends inside traceEvents/],
      ['{"traceEvents": {}}', /:1: traceEvents: is not an array/],
      ['{"schemaVersion": 1}', /: traceEvents: missing/],
      ['', /truncated JSON: the input ends before any JSON value/],
      ['[1, 2]', /:1: expected a JSON object/],
      [doc([]) + ' x', /:4: unexpected "x" after the end/],
    ];
    for (const [text, pattern] of cases) {
      const file = writeTemp(text);
      const e = await readError([file]);
      expect(e.message.startsWith(file), e.message).toBe(true);
      expect(e.message, text.slice(0, 80)).toMatch(pattern);
    }
  });

  it('a truncated .json.gz is bad input too', async () => {
    const gz = gzipSync(readFileSync(SMALL));
    const e = await readError([writeTemp(gz.subarray(0, gz.length - 30), 't.json.gz')]);
    expect(e.message).toMatch(/gzip failed|truncated JSON/);
  });

  it('fuzz: truncations, byte flips and deletions never fail with anything but BadInputError', async () => {
    const base = readFileSync(SMALL);
    const mutation = fc.oneof(
      fc.record({ kind: fc.constant('truncate' as const), at: fc.nat(base.length - 1), byte: fc.constant(0) }),
      fc.record({ kind: fc.constant('flip' as const), at: fc.nat(base.length - 1), byte: fc.nat(255) }),
      fc.record({ kind: fc.constant('delete' as const), at: fc.nat(base.length - 1), byte: fc.constant(0) }),
    );
    const fuzzDir = mkdtempSync(join(dir, 'fuzz-'));
    const file = join(fuzzDir, 'm.json');
    let bad = 0;
    await fc.assert(fc.asyncProperty(fc.array(mutation, { minLength: 1, maxLength: 3 }), async (ms) => {
      let bytes = Buffer.from(base);
      for (const m of ms) {
        const at = Math.min(m.at, Math.max(0, bytes.length - 1));
        if (m.kind === 'truncate') bytes = bytes.subarray(0, at);
        else if (m.kind === 'delete') bytes = Buffer.concat([bytes.subarray(0, at), bytes.subarray(at + 1)]);
        else { bytes = Buffer.from(bytes); bytes[at] = m.byte; }
      }
      writeFileSync(file, bytes);
      try {
        await readKineto([file], new CollectingSink());
      } catch (e) {
        if (!(e instanceof BadInputError)) throw e;
        bad++;
      }
    }), { numRuns: 300, seed: 6 });
    // Most mutations of so small a file break it: the property must have seen errors, not only successes.
    expect(bad).toBeGreaterThan(50);
  });
});

// ---- real traces: compare with an independent plain JSON.parse of each file ----

interface Expected {
  events: number;
  rank: number | null;
  kernels: number;
  /** direction → [count, bytes] */
  copies: Record<string, [number, number]>;
  memsets: [number, number];
  allocs: [number, number];
  frees: [number, number];
  submits: number;
  syncs: number;
  /** Synchronous memcpy calls with their copy in the trace (each is a submit and a sync row). */
  syncCopies: number;
  /** Sorted kernel start times in ns after the earliest mapped event. */
  kernelTs: number[];
}

const LEGACY_CAT: Record<string, string> = { Kernel: 'kernel', Memcpy: 'gpu_memcpy', Memset: 'gpu_memset', Runtime: 'cuda_runtime' };

/** Works the expected counts out of the whole document, independently of the ingester's code. */
function expectedOf(path: string): Expected {
  const json = JSON.parse(gunzipSync(readFileSync(path)).toString('utf8')) as { traceEvents: Record<string, any>[]; distributedInfo?: { rank: number } };
  const ev = json.traceEvents;
  const cat = (e: Record<string, any>): string => LEGACY_CAT[e.cat] ?? e.cat;
  const x = (c: string) => ev.filter((e) => cat(e) === c && e.ph === 'X');
  const runtime = ev.filter((e) => (cat(e) === 'cuda_runtime' || cat(e) === 'cuda_driver') && e.ph === 'X');
  const sizeByCorr = new Map(runtime.filter((e) => e.args?.size !== undefined).map((e) => [e.args.correlation, Number(e.args.size)]));
  const copies: Record<string, [number, number]> = {};
  for (const e of x('gpu_memcpy')) {
    const dir = /^Memcpy (\w+)/.exec(e.name)![1]!;
    const c = (copies[dir] ??= [0, 0]);
    c[0]++;
    c[1] += Number(e.args.bytes ?? sizeByCorr.get(e.args.correlation) ?? 0);
  }
  const memsets = x('gpu_memset');
  const mem = ev.filter((e) => e.name === '[memory]' && e.args.Addr !== undefined && [0, 1].includes(e.args['Device Type']));
  const sum = (a: Record<string, any>[], f: (e: Record<string, any>) => number) => a.reduce((s, e) => s + f(e), 0);
  const submits = runtime.filter((e) => /Launch/.test(e.name) || /^(cuda|cu|hip)(Memcpy|Memset)/i.test(e.name));
  // A synchronous memcpy (no "Async") is a submit and a sync on its own copy, when the copy is in the trace.
  const copyCorrs = new Set(x('gpu_memcpy').map((e) => e.args.correlation));
  const syncCopies = runtime.filter((e) => /Memcpy/i.test(e.name) && !/Async/.test(e.name) && copyCorrs.has(e.args.correlation));
  const syncs = runtime.filter((e) => /Synchronize/.test(e.name));
  const mapped = [...x('kernel'), ...x('gpu_memcpy'), ...memsets, ...mem, ...submits, ...syncs];
  const origin = Math.min(...mapped.map((e) => e.ts));
  return {
    events: ev.length,
    rank: json.distributedInfo?.rank ?? null,
    kernels: x('kernel').length,
    copies,
    memsets: [memsets.length, sum(memsets, (e) => e.args.bytes)],
    allocs: [mem.filter((e) => e.args.Bytes > 0).length, sum(mem.filter((e) => e.args.Bytes > 0), (e) => e.args.Bytes)],
    frees: [mem.filter((e) => e.args.Bytes < 0).length, sum(mem.filter((e) => e.args.Bytes < 0), (e) => -e.args.Bytes)],
    submits: submits.length,
    syncs: syncs.length + syncCopies.length,
    syncCopies: syncCopies.length,
    // Differences of doubles within a trace are exact enough: the decimals have 3 digits.
    kernelTs: x('kernel').map((e) => Math.round((e.ts - origin) * 1000)).sort((a, b) => a - b),
  };
}

function actualOf(sink: CollectingSink): Omit<Expected, 'events' | 'rank' | 'syncCopies'> {
  const rows = sink.rows;
  const of = (op: string) => rows.filter((r) => r.op === op);
  const total = (a: TraceRow[]) => a.reduce((s, r) => s + (r.bytes ?? 0), 0);
  const copies: Record<string, [number, number]> = {};
  for (const r of of('copy')) {
    const dir = /^Memcpy (\w+)/.exec(r.name!)![1]!;
    // The agents say the direction too: source side → destination side.
    const kinds = `${r.agent.replace(/\d+$/, '')}>${r.peer!.replace(/\d+$/, '')}`;
    expect(kinds, `${r.name}`).toBe({ HtoD: 'cpu>gpu', DtoH: 'gpu>cpu', DtoD: 'gpu>gpu', PtoP: 'gpu>gpu', HtoH: 'cpu>cpu' }[dir]);
    const c = (copies[dir] ??= [0, 0]);
    c[0]++;
    c[1] += r.bytes ?? 0;
  }
  return {
    kernels: of('kernel').length,
    copies,
    memsets: [of('memset').length, total(of('memset'))],
    allocs: [of('alloc').length, total(of('alloc'))],
    frees: [of('free').length, total(of('free'))],
    submits: of('submit').length,
    syncs: of('sync').length,
    kernelTs: of('kernel').map((r) => r.ts).sort((a, b) => a - b),
  };
}

const REAL_FILES = [
  'kineto-hta/trace_filter/sampled_rank-0.json.gz',
  'kineto-hta/trace_filter/sampled_rank-1.json.gz',
  'kineto-hta/negative_queue_length_values_check/rank0.json.gz',
  'kineto-hta/df_index_resolver/df_index_resolver.json.gz',
  'kineto-hta/amd_trace/mi250_minitoy_train_ROCm6_2_kineto.json.gz',
  'kineto-hta/triton_example/triton_example.json.gz',
  'kineto-legacy/worker0.1623143089861.pt.trace.json.gz',
  'tracelens/b200/eager_trace.json.gz',
];

realTraces.describe('kineto: real traces (shared traces folder)', () => {
  for (const name of REAL_FILES) {
    it(`${name}: counts and bytes match a plain JSON.parse of the file`, async () => {
      const path = join(TRACES, name);
      const expected = expectedOf(path);
      const sink = await read([path]);
      const { events, rank, syncCopies, ...rest } = expected;
      expect(actualOf(sink)).toEqual(rest);
      // Every event is a row or counted as unmapped (collective info is counted on top of its kernel row;
      // a synchronous memcpy call is two rows, its submit and its sync).
      expect(sink.rows.length + sink.unmappedTotal - (sink.unmappedCounts.get('kernel:collective info') ?? 0) - syncCopies).toBe(events);
      const info = JSON.parse(sink.metadata.get(META.sourceInfo)!) as { files: { rank?: number; events: number }[] };
      expect(info.files[0]!.rank ?? null).toBe(rank);
      expect(info.files[0]!.events).toBe(events);
      expect(Math.min(...sink.rows.map((r) => r.ts))).toBe(0);
    });
  }

  it('the quirks are there: legacy allocator events without Addr, ROCm copy sizes from hipMemcpyWithStream', async () => {
    const legacy = await read([join(TRACES, 'kineto-legacy/worker0.1623143089861.pt.trace.json.gz')]);
    const json = JSON.parse(gunzipSync(readFileSync(join(TRACES, 'kineto-legacy/worker0.1623143089861.pt.trace.json.gz'))).toString('utf8')) as { traceEvents: Record<string, any>[] };
    expect(legacy.unmappedCounts.get('[memory]:no Addr')).toBe(json.traceEvents.filter((e) => e.name === '[memory]').length);
    expect(new Set(legacy.rows.filter((r) => r.op === 'kernel').map((r) => r.stream))).toEqual(new Set([7]));
    const amd = await read([join(TRACES, 'kineto-hta/amd_trace/mi250_minitoy_train_ROCm6_2_kineto.json.gz')]);
    const copies = amd.rows.filter((r) => r.op === 'copy');
    expect(copies.length).toBe(2);
    expect(copies.every((c) => c.bytes !== null && c.bytes > 0)).toBe(true);
  });

  it('two ranks (trace_filter/sampled_rank-{0,1}) merge into one trace with one time origin', async () => {
    const files = [0, 1].map((r) => join(TRACES, `kineto-hta/trace_filter/sampled_rank-${r}.json.gz`));
    const docs = files.map((f) => JSON.parse(gunzipSync(readFileSync(f)).toString('utf8')) as { traceEvents: Record<string, any>[] });
    const kernels = docs.map((d) => d.traceEvents.filter((e) => e.cat === 'kernel'));
    const runtime = docs.map((d) => d.traceEvents.filter((e) => e.cat === 'cuda_runtime' && (/Launch/.test(e.name) || /^cuda(Memcpy|Memset)/.test(e.name))));
    const mapped = docs.map((d) => d.traceEvents.filter((e) => ['kernel', 'gpu_memcpy', 'gpu_memset'].includes(e.cat)));
    // Integer epoch µs in both files: the origin is the earliest mapped event of either rank.
    const origin = Math.min(...[0, 1].flatMap((r) => [...mapped[r]!, ...runtime[r]!].map((e) => e.ts as number)));
    const sink = await read([...files].reverse());
    for (const r of [0, 1]) {
      const gpu = `gpu${r}`; // rank 0 uses device 0, rank 1 device 1: numbered by (rank, device)
      const got = sink.rows.filter((x) => x.op === 'kernel' && x.agent === gpu).map((x) => x.ts).sort((a, b) => a - b);
      expect(got).toEqual(kernels[r]!.map((e) => (e.ts - origin) * 1000).sort((a, b) => a - b));
      expect(sink.rows.filter((x) => x.op === 'submit' && x.agent === `cpu${r}`).length).toBe(runtime[r]!.length);
    }
    const devices = JSON.parse(sink.metadata.get(META.devices)!) as Record<string, unknown>[];
    expect(devices.map((d) => [d.agent, d.rank])).toEqual([['cpu0', 0], ['gpu0', 0], ['cpu1', 1], ['gpu1', 1]]);
  });
});

describe('kineto: sniffing and the ingest() path', () => {
  realTraces.it('sniffs Kineto files and only them', () => {
    for (const name of REAL_FILES) expect(kinetoFormat.sniff(name, readSniffHead(join(TRACES, name))), name).toBe(true);
    expect(kinetoFormat.sniff(SMALL, readSniffHead(SMALL))).toBe(true);
    for (const other of ['tracelens/rocprof/908_results.json.gz', 'nsys-fuser/report1.sqlite', 'damo/report-raw']) {
      expect(kinetoFormat.sniff(other, readSniffHead(join(TRACES, other))), other).toBe(false);
    }
    expect(kinetoFormat.sniff('x.csv', Buffer.from('ts,op,agent\n0,alloc,cpu0\n'))).toBe(false);
  });

  it('ingest() with format auto writes the sorted trace with devices and provenance', async () => {
    const out = join(mkdtempSync(join(dir, 'e2e-')), 'small.arrow');
    const result = await ingest([SMALL], { format: 'auto', output: out });
    expect(result.format).toBe('kineto');
    const rows = await readAllRows(out);
    const direct = (await read([SMALL])).rows.sort(byTs);
    expect(rows.length).toBe(direct.length);
    expect(rows.map((r) => [r.ts, r.op, r.agent, r.bytes])).toEqual(direct.map((r) => [r.ts, r.op, r.agent, r.bytes]));
    for (let i = 1; i < rows.length; i++) expect(rows[i]!.ts).toBeGreaterThanOrEqual(rows[i - 1]!.ts);
    expect(result.unmapped).toMatchObject({ cpu_op: 1, ac2g: 2 });
  });

  realTraces.it('is deterministic: the same files give byte-identical traces', async () => {
    const sub = mkdtempSync(join(dir, 'det-'));
    const files = [0, 1].map((r) => join(TRACES, `kineto-hta/trace_filter/sampled_rank-${r}.json.gz`));
    await ingest(files, { format: 'kineto', output: join(sub, 'a.arrow') });
    await ingest(files, { format: 'kineto', output: join(sub, 'b.arrow') });
    expect(readFileSync(join(sub, 'a.arrow')).equals(readFileSync(join(sub, 'b.arrow')))).toBe(true);
  });

  it('ingest() of a bad Kineto file leaves no output and no temporaries', async () => {
    const sub = mkdtempSync(join(dir, 'e2e-bad-'));
    const file = join(sub, 'bad.json');
    writeFileSync(file, readFileSync(SMALL, 'utf8').replace('"ts": 1120.000', '"ts": "late"'));
    const e = await ingest([file], { format: 'kineto', output: join(sub, 'out.arrow') }).then(() => null, (err: unknown) => err);
    expect(e).toBeInstanceOf(BadInputError);
    expect((e as Error).message).toMatch(/bad\.json:19: traceEvents\[9\]\.ts: is not a finite number/);
    expect(readdirSync(sub)).toEqual(['bad.json']);
    expect(existsSync(join(sub, 'out.arrow'))).toBe(false);
  });
});

describe('kineto: --rank / --pid keep one process, renumbered onto cpu0 and gpu0…', () => {
  const rankDoc = (rank: number, pid: number, device: number) => doc([
    `{"ph": "X", "cat": "cuda_runtime", "name": "cudaLaunchKernel", "pid": ${pid}, "tid": ${pid}, "ts": 100, "dur": 3, "args": {"correlation": 1}}`,
    `{"ph": "X", "cat": "kernel", "name": "k", "pid": ${device}, "tid": 7, "ts": 110, "dur": 5, "args": {"device": ${device}, "stream": 7, "correlation": 1}}`,
    `{"ph": "X", "cat": "cuda_runtime", "name": "cudaEventQuery", "pid": ${pid}, "tid": ${pid}, "ts": 120, "dur": 1, "args": {"correlation": 2}}`,
  ], `"distributedInfo": {"rank": ${rank}},`);

  it('keeps the file of the rank asked for; its device 3 becomes gpu0 and its process cpu0', async () => {
    const files = [writeTemp(rankDoc(0, 500, 0)), writeTemp(rankDoc(3, 503, 3))];
    const sub = mkdtempSync(join(dir, 'rank-'));
    for (const select of [{ rank: 3 }, { pid: 503 }]) {
      const out = join(sub, `${JSON.stringify(select).replace(/\W/g, '')}.arrow`);
      const r = await ingest(files, { format: 'kineto', out, select });
      const rows = await readAllRows(out);
      // One kernel and its launch from the rank-3 file only, renamed; its one unmapped call, not rank 0's.
      expect(rows.map((x) => [x.op, x.agent])).toEqual([['submit', 'cpu0'], ['kernel', 'gpu0']]);
      expect(r.unmapped).toEqual({ 'cuda_runtime:cudaEventQuery': 1 });
    }
  });

  it('a selection no file matches is a usage error that lists what the files hold', async () => {
    const files = [writeTemp(rankDoc(0, 500, 0))];
    const e = await ingest(files, { format: 'kineto', out: join(dir, 'none.arrow'), select: { rank: 2 } }).then(() => null, (x: unknown) => x);
    expect(String(e)).toMatch(/no file matches --rank 2 \(.*rank 0, pid 500\)/);
    expect(existsSync(join(dir, 'none.arrow'))).toBe(false);
  });
});
