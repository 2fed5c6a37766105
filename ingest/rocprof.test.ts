import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { realTraces } from '../common/testing/requirements.ts';
import { BadInputError } from '../common/bad-input.ts';
import { CollectingSink } from '../fixtures/ingest/collecting-sink.ts';
import { tempFileWriter } from '../fixtures/ingest/temp-files.ts';
import { fuzzParser } from '../fixtures/ingest/fuzz.ts';
import { ingest } from './ingest.ts';
import { readSniffHead } from './io/file-head.ts';
import { kinetoFormat } from './kineto.ts';
import { readRocprof, rocprofFormat } from './rocprof.ts';
import { readAllRows } from './trace/reader.ts';
import { META } from './trace/schema.ts';
import type { TraceRow } from './trace/writer.ts';

const REAL = realTraces.file('tracelens/rocprof/908_results.json.gz');
const SMALL = new URL('../fixtures/rocprof/small.json', import.meta.url).pathname;
const KINETO_SMALL = new URL('../fixtures/kineto/small.json', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'hetmem-rocprof-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function read(file: string): Promise<CollectingSink> {
  const sink = new CollectingSink();
  await readRocprof([file], sink);
  return sink;
}

const writeTemp = tempFileWriter(dir);

async function readError(file: string): Promise<BadInputError> {
  const e = await read(file).then(() => null, (err: unknown) => err);
  expect(e).toBeInstanceOf(BadInputError);
  return e as BadInputError;
}

const byTs = (a: TraceRow, b: TraceRow): number => a.ts - b.ts;
/** A full row from the fields that are set (plain numbers: the branded unit types are for producers). */
const row = (r: { [K in keyof TraceRow]?: TraceRow[K] extends infer T ? (T extends number ? number : T) : never }): TraceRow => ({
  ts: 0, dur: null, op: 'sync', agent: 'cpu0', addr: null, bytes: null, obj: null, peer: null, mem: null, cause: null, stream: null, corr: null, name: null, ...r,
}) as TraceRow;

describe('rocprof: the hand-written fixture, row by row', () => {
  it('maps dispatches, copies, allocations and HIP calls as worked out by hand', async () => {
    const sink = await read(SMALL);
    // Timestamps are B + n with B = 9007199254750000 (> 2^53). The earliest row is hipMemcpyAsync at
    // B + 1001, so ts = n − 1001 and dur = end − start, exact to the nanosecond.
    const addr = 0x7f0000200000;
    expect([...sink.rows].sort(byTs)).toEqual([
      // HIP calls: stream = the calling thread (thread_id 4242 → thread 0).
      row({ ts: 0, dur: 2500, op: 'submit', agent: 'cpu0', stream: 0, corr: 2, name: 'hipMemcpyAsync' }),
      row({ ts: 500, dur: 100, op: 'alloc', agent: 'gpu0', addr, bytes: 2097152, obj: 'mem@0x7f0000200000#1', mem: 'device', corr: 1 }),
      row({ ts: 1000, dur: 1000, op: 'copy', agent: 'cpu0', peer: 'gpu0', bytes: 4096, corr: 2, name: 'MEMORY_COPY_HOST_TO_DEVICE' }),
      row({ ts: 3000, dur: 200, op: 'submit', agent: 'cpu0', stream: 0, corr: 3, name: 'hipLaunchKernel' }),
      row({ ts: 4002, dur: 4004, op: 'kernel', agent: 'gpu0', stream: 3, corr: 3, name: 'vecadd' }),
      // kernel 2 has no formatted name: the demangled one.
      row({ ts: 5000, dur: 500, op: 'kernel', agent: 'gpu1', stream: 4, corr: 5, name: 'reduce(float*)' }),
      // kernel 9 is not among the kernel symbols.
      row({ ts: 8100, dur: 100, op: 'kernel', agent: 'gpu0', stream: 3, corr: 6, name: null }),
      row({ ts: 9000, dur: 2000, op: 'copy', agent: 'gpu0', peer: 'gpu1', bytes: 1048576, mem: 'device', corr: 7, name: 'MEMORY_COPY_DEVICE_TO_DEVICE' }),
      // hipStreamSynchronize (11500..11900) names no stream: of the ops started or launched before 11500, the
      // DtoD copy (corr 7) ends latest (11000) by 11900, so the sync waits for it.
      row({ ts: 11500, dur: 400, op: 'sync', agent: 'cpu0', stream: 0, corr: 7, name: 'hipStreamSynchronize' }),
      // The free has agent handle 0 and size 0: agent, size and object come from its allocation.
      row({ ts: 12000, dur: 100, op: 'free', agent: 'gpu0', addr, bytes: 2097152, obj: 'mem@0x7f0000200000#1', mem: 'device', corr: 10 }),
      // A free of memory allocated before the trace: object #0, size unknown, pinned host memory of cpu0.
      row({ ts: 12200, dur: 0, op: 'free', agent: 'cpu0', addr: 0xa00000, bytes: null, obj: 'mem@0xa00000#0', mem: 'pinned', corr: 11 }),
    ]);
    expect(Object.fromEntries(sink.unmappedCounts)).toEqual({
      'code_objects': 1,
      'buffer_records.scratch_memory': 1,
      'hip_api:hipGetDevice': 1,
      'memory_allocation:MEMORY_ALLOCATION_VMEM_ALLOCATE': 1,
      'kernel_dispatch:kernel name unknown': 1,
      'correlation_id.external': 1,
    });
  });

  it('puts the agents into hetmem.devices and the process into hetmem.source.info', async () => {
    const sink = await read(SMALL);
    const pcie = (to: string): object => ({ to, type: 'pcie', maxBandwidthMBps: 32000, weight: 20 });
    expect(JSON.parse(sink.metadata.get(META.devices)!)).toEqual([
      { agent: 'cpu0', kind: 'cpu', name: 'AMD EPYC 7313 16-Core Processor', memory: 274877906944, handle: 100, node: 0, cuCount: 16, links: [pcie('gpu0'), pcie('gpu1')] },
      { agent: 'gpu0', kind: 'gpu', name: 'AMD Instinct MI210', arch: 'gfx90a', memory: 68702699520, bus: '0000:63:00.0', handle: 200, node: 1, gpuId: 5111, cuCount: 104, links: [pcie('cpu0'), { to: 'gpu1', type: 'xgmi', weight: 15 }] },
      { agent: 'gpu1', kind: 'gpu', name: 'AMD Instinct MI210', arch: 'gfx90a', memory: 68702699520, bus: '0000:83:00.0', handle: 201, node: 2, gpuId: 5112, cuCount: 104, links: [pcie('cpu0'), { to: 'gpu0', type: 'xgmi', maxBandwidthMBps: 50000, weight: 15 }] },
    ]);
    const info = JSON.parse(sink.metadata.get(META.sourceInfo)!) as { format: string; processes: { pid: number; command: string[] }[]; records: Record<string, number>; rows: number };
    expect(info.format).toBe('rocprof');
    expect(info.processes.map((p) => [p.pid, p.command])).toEqual([[4242, ['./vecadd']]]);
    expect(info.records).toEqual({
      'buffer_records.hip_api': 4, 'buffer_records.kernel_dispatch': 3, 'buffer_records.memory_allocation': 4,
      'buffer_records.memory_copy': 2, 'buffer_records.scratch_memory': 1, 'code_objects': 1, 'kernel_symbols': 3,
    });
    expect(info.rows).toBe(11);
  });

  it('reads the same rows from a .json.gz', async () => {
    const plain = await read(SMALL);
    const gz = await read(writeTemp(gzipSync(readFileSync(SMALL)), 'small.json.gz'));
    expect(gz.rows).toEqual(plain.rows);
  });
});

describe('rocprof: bad input names file, line and field', () => {
  const text = readFileSync(SMALL, 'utf8');
  const lines = text.split('\n');
  /** The fixture with the first line matching `find` (after line `after`) replaced; returns the file and that line's number. */
  const edit = (find: RegExp, replace: string, after = 0): { file: string; line: number } => {
    const i = lines.findIndex((l, k) => k >= after && find.test(l));
    expect(i).toBeGreaterThanOrEqual(0);
    const copy = [...lines];
    copy[i] = copy[i]!.replace(find, replace);
    return { file: writeTemp(copy.join('\n')), line: i + 1 };
  };
  const lineOf = (find: string): number => lines.findIndex((l) => l.includes(find)) + 1;
  /** Line of the first `{` at or after line `from` (1-based): where a record starts. */
  const recordStart = (from: number): number => {
    for (let k = from - 1; k >= 0; k--) if (lines[k]!.trim() === '{') return k + 1;
    return -1;
  };

  it('a dispatch on an agent the agents list does not have', async () => {
    const dispatches = lineOf('"kernel_dispatch"');
    const { file, line } = edit(/"handle": 200/, '"handle": 999', dispatches);
    const e = await readError(file);
    expect(e.message).toBe(`${file}:${recordStart(line)}: rocprofiler-sdk-tool[0].buffer_records.kernel_dispatch[0].dispatch_info.agent_id.handle: is not an agent of the agents list (got 999)`);
  });

  it('an end before the start', async () => {
    const { file, line } = edit(/"end_timestamp": 9007199254759007/, '"end_timestamp": 9007199254755001');
    const e = await readError(file);
    expect(e.message).toBe(`${file}:${recordStart(line)}: rocprofiler-sdk-tool[0].buffer_records.kernel_dispatch[0].end_timestamp: is before start_timestamp (-2 ns)`);
  });

  it('a copy without bytes, a bad address, a dispatch on a CPU', async () => {
    const copies = lineOf('"memory_copy"');
    let r = edit(/"bytes": 4096/, '"bytes": "4096"', copies);
    expect((await readError(r.file)).message).toBe(`${r.file}:${recordStart(r.line)}: rocprofiler-sdk-tool[0].buffer_records.memory_copy[0].bytes: is not a non-negative integer (got "4096")`);
    r = edit(/"address": "0x00007f0000200000"/, '"address": "0xZZ"');
    expect((await readError(r.file)).message).toMatch(/memory_allocation\[0\]\.address: is not an integer \(got "0xZZ"\)$/);
    r = edit(/"handle": 200/, '"handle": 100', lineOf('"kernel_dispatch"'));
    expect((await readError(r.file)).message).toMatch(/kernel_dispatch\[0\]\.dispatch_info\.agent_id: is cpu0, not a GPU agent$/);
  });

  it('structure: not rocprof, truncated, record arrays that are not arrays', async () => {
    const cases: [string, RegExp][] = [
      ['{"other": 1}', /: rocprofiler-sdk-tool: missing \(not a rocprofv3 JSON file\)$/],
      ['{"rocprofiler-sdk-tool": {}}', /:1: rocprofiler-sdk-tool: is not an array$/],
      ['{"rocprofiler-sdk-tool": [[]]}', /:1: rocprofiler-sdk-tool\[0\]: is not an object$/],
      ['{"rocprofiler-sdk-tool": [{"buffer_records": []}]}', /:1: rocprofiler-sdk-tool\[0\]\.buffer_records: is not an object$/],
      ['{"rocprofiler-sdk-tool": [1]}', /:1: rocprofiler-sdk-tool\[0\]: is not an object$/],
      ['{"rocprofiler-sdk-tool": [{"buffer_records": {"kernel_dispatch": {}}}]}', /:1: rocprofiler-sdk-tool\[0\]\.buffer_records\.kernel_dispatch: is not an array/],
      [text.slice(0, text.indexOf('"memory_copy"') + 30), /truncated JSON: the input ends inside rocprofiler-sdk-tool\[0\]\.buffer_records\.memory_copy \(after 0 complete elements\)$/],
      ['{"rocprofiler-sdk-tool": [{"buffer_records": {"kernel_dispatch": [{"start_timestamp": 1, "end_timestamp": 2, "dispatch_info": {"agent_id": {"handle": 1}}}]}}]}', /kernel_dispatch\[0\]: "agents" must come before the records that name agents/],
      ['', /truncated JSON: the input ends before any JSON value/],
    ];
    for (const [t, pattern] of cases) {
      const file = writeTemp(t);
      const e = await readError(file);
      expect(e.message.startsWith(file), e.message).toBe(true);
      expect(e.message, t.slice(0, 80)).toMatch(pattern);
    }
  });

  it('fuzz: random edits of the fixture never fail with anything but BadInputError', async () => {
    const fuzzDir = mkdtempSync(join(dir, 'fuzz-'));
    const file = join(fuzzDir, 'm.json');
    await fuzzParser(text, async (t) => {
      writeFileSync(file, t);
      await readRocprof([file], new CollectingSink());
    }, 200);
  });
});

// ---- the real file: compare with an independent plain JSON.parse ----

interface RealDoc {
  'rocprofiler-sdk-tool': {
    agents: { id: { handle: number }; type: number; product_name: string; mem_banks: { heap_type: number; size_in_bytes: number }[] }[];
    kernel_symbols: { kernel_id: number; formatted_kernel_name: string }[];
    buffer_records: Record<string, unknown[]> & {
      kernel_dispatch: { start_timestamp: number; end_timestamp: number; correlation_id: { internal: number }; dispatch_info: { agent_id: { handle: number }; queue_id: { handle: number }; kernel_id: number } }[];
      memory_copy: { bytes: number }[];
    };
  }[];
}

realTraces.describe('rocprof: the real 8× MI350X trace (TraceLens 908_results.json.gz)', () => {
  const doc = JSON.parse(gunzipSync(readFileSync(REAL)).toString('utf8')) as RealDoc;
  const tool = doc['rocprofiler-sdk-tool'][0]!;
  const dispatches = tool.buffer_records.kernel_dispatch;

  it('kernel counts per GPU, time span, durations, names and copy bytes match a plain JSON.parse', async () => {
    const sink = await read(REAL);
    // GPU agents are numbered by their order among the agents of type 2.
    const gpuName = new Map(tool.agents.filter((a) => a.type === 2).map((a, k) => [a.id.handle, `gpu${k}`]));
    const perGpu = new Map<string, number>();
    for (const d of dispatches) {
      const g = gpuName.get(d.dispatch_info.agent_id.handle)!;
      perGpu.set(g, (perGpu.get(g) ?? 0) + 1);
    }
    const kernels = sink.op('kernel');
    const got = new Map<string, number>();
    for (const k of kernels) got.set(k.agent, (got.get(k.agent) ?? 0) + 1);
    expect(got).toEqual(perGpu);
    expect(kernels.length).toBe(dispatches.length);

    // Timestamps here are below 2^53: JSON.parse holds them exactly.
    const start = Math.min(...dispatches.map((d) => d.start_timestamp));
    const end = Math.max(...dispatches.map((d) => d.end_timestamp));
    expect(Math.min(...sink.rows.map((r) => r.ts))).toBe(0);
    expect(Math.max(...sink.rows.map((r) => r.ts + (r.dur ?? 0)))).toBe(end - start);
    expect(kernels.reduce((s, k) => s + k.dur!, 0)).toBe(dispatches.reduce((s, d) => s + d.end_timestamp - d.start_timestamp, 0));

    // Per correlation id: stream = queue id, name = the kernel symbol's formatted name.
    const names = new Map(tool.kernel_symbols.map((s) => [s.kernel_id, s.formatted_kernel_name]));
    const byCorr = new Map(kernels.map((k) => [k.corr, k]));
    for (const d of dispatches) {
      const k = byCorr.get(d.correlation_id.internal)!;
      expect(k.ts).toBe(d.start_timestamp - start);
      expect(k.stream).toBe(d.dispatch_info.queue_id.handle);
      expect(k.name).toBe(names.get(d.dispatch_info.kernel_id));
    }

    const copies = tool.buffer_records.memory_copy;
    expect(sink.op('copy').length).toBe(copies.length);
    expect(CollectingSink.bytes(sink.op('copy'))).toBe(copies.reduce((s, c) => s + c.bytes, 0));
    expect(sink.rows.length).toBe(dispatches.length + copies.length + tool.buffer_records.memory_allocation!.length + sink.op('submit').length + sink.op('sync').length);
  });

  it('devices: every CPU and GPU agent with its memory and links; other record arrays counted', async () => {
    const sink = await read(REAL);
    const devices = JSON.parse(sink.metadata.get(META.devices)!) as { agent: string; name: string; memory: number; links: { to: string; type: string; maxBandwidthMBps?: number }[] }[];
    const gpus = tool.agents.filter((a) => a.type === 2);
    expect(devices.map((d) => d.agent)).toEqual([...tool.agents.filter((a) => a.type === 1).map((_, k) => `cpu${k}`), ...gpus.map((_, k) => `gpu${k}`)]);
    const gpu0 = devices.find((d) => d.agent === 'gpu0')!;
    expect(gpu0.name).toBe(gpus[0]!.product_name);
    expect(gpu0.memory).toBe(gpus[0]!.mem_banks.filter((b) => b.heap_type === 1 || b.heap_type === 2).reduce((s, b) => s + b.size_in_bytes, 0));
    // 8 GPUs, each with a PCIe link to its socket and XGMI links to the 7 others.
    for (const d of devices.filter((x) => x.agent.startsWith('gpu'))) {
      expect(d.links.filter((l) => l.type === 'xgmi').length).toBe(gpus.length - 1);
      expect(d.links.filter((l) => l.type === 'pcie' && l.to.startsWith('cpu')).length).toBe(1);
    }
    const unmapped = Object.fromEntries(sink.unmappedCounts);
    expect(unmapped.code_objects).toBe((tool as unknown as { code_objects: unknown[] }).code_objects.length);
  });

  it('ingest() with --format auto picks rocprof and writes a sorted trace with provenance', async () => {
    expect(rocprofFormat.sniff(REAL, readSniffHead(REAL))).toBe(true);
    expect(kinetoFormat.sniff(REAL, readSniffHead(REAL))).toBe(false);
    const out = join(dir, 'real.arrow');
    const result = await ingest([REAL], { format: 'auto', output: out });
    expect(result.format).toBe('rocprof');
    const rows = await readAllRows(out);
    expect(rows.length).toBe(dispatches.length);
    expect(rows.every((r, i) => i === 0 || rows[i - 1]!.ts <= r.ts)).toBe(true);
    expect(readdirSync(dir).filter((f) => f.startsWith('real.arrow'))).toEqual(['real.arrow']);
  });
});

describe('rocprof: sniffing', () => {
  it('claims rocprofv3 JSON and nothing Kineto', () => {
    expect(rocprofFormat.sniff(SMALL, readFileSync(SMALL))).toBe(true);
    expect(rocprofFormat.sniff(KINETO_SMALL, readFileSync(KINETO_SMALL))).toBe(false);
    expect(kinetoFormat.sniff(SMALL, readFileSync(SMALL))).toBe(false);
  });
});
