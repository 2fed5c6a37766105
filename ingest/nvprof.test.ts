import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { realTraces } from '../common/testing/requirements.ts';
import { BadInputError } from '../common/bad-input.ts';
import { CollectingSink, quietContext } from '../fixtures/ingest/collecting-sink.ts';
import { fuzzParser } from '../fixtures/ingest/fuzz.ts';
import { nsysFormat } from './nsys.ts';
import { nvprofFormat, readNvprofFile } from './nvprof.ts';
import { textLineChunks } from './io/line-chunks.ts';
import { parseNvprofGpuTrace, splitCsv } from './text/nvprof-gpu-trace.ts';
import { META } from './trace/schema.ts';

const COPY = realTraces.file('uvm-eval/copy.nvprof');
const TEXT = new URL('../fixtures/ingest/nvprof-gpu-trace.txt', import.meta.url).pathname;
const CSV = new URL('../fixtures/ingest/nvprof-gpu-trace.csv', import.meta.url).pathname;
const tmp = mkdtempSync(join(tmpdir(), 'hetmem-nvprof-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const head = (p: string) => readFileSync(p).subarray(0, 4096);

async function read(path: string): Promise<CollectingSink> {
  const sink = new CollectingSink();
  await nvprofFormat.read([path], sink, quietContext);
  return sink;
}

realTraces.describe('nvprof: the real native file uvm-eval/copy.nvprof', async () => {
  const sink = await read(COPY);
  const db = new Database(COPY, { readonly: true });
  const q = (sql: string) => db.prepare(sql).safeIntegers(true).pluck().get() as bigint;

  it('sniffs as nvprof, not nsys', () => {
    expect(nvprofFormat.sniff(COPY, head(COPY))).toBe(true);
    expect(nsysFormat.sniff(COPY, head(COPY))).toBe(false);
  });

  it('maps the kernels with names, exact relative times and durations', () => {
    const k = sink.op('kernel');
    expect(k.length).toBe(Number(q('SELECT count(*) FROM CUPTI_ACTIVITY_KIND_KERNEL')));
    // absolute ns (> 2^53) subtracted exactly with BigInt, independently of the reader's SQL
    const starts = db.prepare('SELECT start, "end" FROM CUPTI_ACTIVITY_KIND_KERNEL ORDER BY _id_').safeIntegers(true).raw(true).all() as [bigint, bigint][];
    const base = starts.reduce((m, [s]) => (s < m ? s : m), starts[0]![0]);
    expect(k.map((r) => [r.ts, r.dur])).toEqual(starts.map(([s, e]) => [Number(s - base), Number(e - s)]));
    expect(new Set(k.map((r) => r.name))).toEqual(new Set(['_Z11copy_kernelIdEvPKT_PS0_']));
    expect(k.every((r) => r.agent === 'gpu0' && r.stream === 7)).toBe(true);
  });

  it('puts the four V100s with their PCIe links into the metadata', () => {
    const devices = JSON.parse(sink.metadata.get(META.devices)!) as { agent: string; name: string; memory: number; pcie?: { generation: number; linkWidth: number } }[];
    expect(devices.map((d) => d.agent)).toEqual(['gpu0', 'gpu1', 'gpu2', 'gpu3']);
    expect(devices.every((d) => d.name === 'Tesla V100-PCIE-32GB' && d.memory === 34089730048)).toBe(true);
    expect(devices[0]!.pcie).toMatchObject({ generation: 3, linkWidth: 16 });
    const pcie = JSON.parse(sink.metadata.get(META.sourceInfo)!).nvprof[0].pcie as { type: string; vendorId?: string }[];
    expect(pcie.length).toBe(Number(q('SELECT count(*) FROM CUPTI_ACTIVITY_KIND_PCIE')));
    expect(pcie.filter((p) => p.type === 'bridge').length).toBe(Number(q('SELECT count(*) FROM CUPTI_ACTIVITY_KIND_PCIE WHERE type = 1')));
    // attr bytes 4..5 of the first bridge are B5 10 → vendor 0x10b5 (PLX), read off the hex dump
    expect(pcie.find((p) => p.type === 'bridge')!.vendorId).toBe('0x10b5');
  });

  it('counts the activity tables it cannot map', () => {
    expect(sink.unmappedCounts.get('table:CUPTI_ACTIVITY_KIND_METRIC')).toBe(Number(q('SELECT count(*) FROM CUPTI_ACTIVITY_KIND_METRIC')));
    expect(sink.unmappedCounts.get('table:CUPTI_ACTIVITY_KIND_PC_SAMPLING')).toBe(Number(q('SELECT count(*) FROM CUPTI_ACTIVITY_KIND_PC_SAMPLING')));
    expect(sink.unmappedCounts.has('table:StringTable')).toBe(false);
  });
});

realTraces.describe('nvprof: unified-memory counters added to a copy of the real file', () => {
  // Rows follow CUPTI's CUpti_ActivityUnifiedMemoryCounter2: counterKind 1 = bytes HtoD (flags =
  // migration cause, 2 = coherence), 4 = GPU page fault group (flags = access type, 2 = write),
  // 3 = CPU page fault, 5 = thrashing. Times are absolute ns like the file's own kernels.
  const path = join(tmp, 'um.nvprof');
  copyFileSync(COPY, path);
  const db = new Database(path);
  const t0 = 1532454974904133053n; // the first kernel's start
  const ins = db.prepare('INSERT INTO CUPTI_ACTIVITY_KIND_UNIFIED_MEMORY_COUNTER (counterKind, value, start, "end", address, srcId, dstId, streamId, processId, flags) VALUES (?,?,?,?,?,?,?,?,?,?)');
  ins.run(4, 5, t0 + 1000n, t0 + 9000n, 0x7f0000000000, 0, 0, 0, 1, 2);
  ins.run(1, 65536, t0 + 10000n, t0 + 20000n, 0x7f0000000000, 0, 0, 0, 1, 2);
  ins.run(3, 1, t0 + 30000n, t0 + 30000n, 0x7f0000010000, 0, 0, 0, 1, 0);
  ins.run(2, 4096, t0 + 40000n, t0 + 41000n, 0x7f0000010000, 0, 0, 0, 1, 2);
  ins.run(5, 1, t0 + 50000n, t0 + 50000n, 0x7f0000020000, 0, 0, 0, 1, 0);
  db.close();

  it('maps faults, migrations and counts the rest', () => {
    const s = new CollectingSink();
    readNvprofFile(path, s);
    expect(s.op('obs_fault').map((r) => [r.agent, r.addr, r.ts, r.name])).toEqual([['gpu0', 0x7f0000000000, 1000, 'coalesced:5'], ['cpu0', 0x7f0000010000, 30000, null]]);
    expect(s.op('write').map((r) => [r.agent, r.addr])).toEqual([['gpu0', 0x7f0000000000]]);
    expect(s.op('read').map((r) => [r.agent, r.addr])).toEqual([['cpu0', 0x7f0000010000]]);
    // both sides have fault records, so the fault-caused migrations derive no extra access
    expect(s.op('obs_migrate').map((r) => [r.agent, r.peer, r.bytes, r.cause, r.dur])).toEqual([['cpu0', 'gpu0', 65536, 'fault', 10000], ['gpu0', 'cpu0', 4096, 'fault', 1000]]);
    expect(s.unmappedCounts.get('um:thrashing')).toBe(1);
  });
});

describe('nvprof: --print-gpu-trace text (fixtures/ingest/nvprof-gpu-trace.txt)', async () => {
  const s = await read(TEXT);
  // Expected values worked out by hand from the fixture's columns.

  it('sniffs the text as nvprof', () => {
    expect(nvprofFormat.sniff(TEXT, head(TEXT))).toBe(true);
  });

  it('maps explicit copies with units, memory kinds and directions', () => {
    expect(s.op('copy').map((r) => [r.ts, r.dur, r.agent, r.peer, r.bytes, r.mem, r.stream])).toEqual([
      [100000000, 1216, 'cpu0', 'gpu0', 4096, 'pageable', 7], [103000000, 1504, 'gpu0', 'cpu0', 1048576, 'pinned', 7],
    ]);
  });

  it('maps the kernel with its correlation id', () => {
    expect(s.op('kernel')).toEqual([expect.objectContaining({ ts: 102140000, dur: 222810, agent: 'gpu0', stream: 7, corr: 131, name: 'vectorAdd(int const *, int const *, int*, int)' })]);
  });

  it('maps unified-memory rows', () => {
    expect(s.op('obs_migrate').map((r) => [r.ts, r.dur, r.agent, r.peer, r.addr, r.bytes, r.cause])).toEqual([
      [101500000, 25952, 'cpu0', 'gpu0', 0x7612d2000000, 262144, null], [102430000, 20736, 'gpu0', 'cpu0', 0x7612d2080000, 262144, null],
    ]);
    expect(s.op('obs_fault').map((r) => [r.agent, r.addr, r.name])).toEqual([['cpu0', 0x7612d2000000, null], ['gpu0', 0x7612d2080000, 'coalesced:3']]);
    expect(s.op('read').map((r) => r.agent)).toEqual(['cpu0', 'gpu0']);
    // both faulting pages lie in the 2 MiB VA block at 0x7612d2000000: one implied managed alloc
    expect(s.op('alloc').map((r) => [r.addr, r.bytes, r.mem])).toEqual([[0x7612d2000000, 2097152, 'managed']]);
    // Implied CPU first touch (derive/implied-first-touch.ts): the HtoD at 101.50 ms brings
    // [0x7612d2000000, +256 KiB) to the GPU; the CPU touched only its first 4 KiB page before (the CPU
    // fault at 100.20 ms), so the other 256 - 4 = 252 KiB = 258048 B get one cpu0 write, at ts 0 as a
    // leading row (the allocation is implied, so it is placed before the trace).
    expect(s.rows.length).toBe(12);
    expect(s.unmappedCounts.get('nvprof:um:page_throttle')).toBe(1);
    expect(s.op('write').map((r) => [r.ts, r.dur, r.agent, r.bytes, r.addr, r.name])).toEqual([
      [0, null, 'cpu0', 258048, 0x7612d2001000, 'derived:first_touch'], [103500000, 1024, 'gpu0', 4096, null, 'Memset']]);
    expect(s.unmappedCounts.get('nvprof:other_line')).toBe(7); // 3 fixture comments, the program's line, 3 footnotes
  });

  it('reports a bad unit with file, line and field', async () => {
    const text = readFileSync(TEXT, 'utf8').replace('1.5040us', '1.5040xs');
    await expect(parseNvprofGpuTrace('t.txt', textLineChunks(text), new CollectingSink())).rejects.toThrow(BadInputError);
    await expect(parseNvprofGpuTrace('t.txt', textLineChunks(text), new CollectingSink())).rejects.toThrow('t.txt:15: Duration: is not a number with a unit like "1.2160us" (got "1.5040xs")');
  });

  it('reads the --csv layout (units row) to the same rows, plus Correlation_ID on copies and memsets', async () => {
    expect(nvprofFormat.sniff(CSV, head(CSV))).toBe(true);
    const c = await read(CSV);
    expect(c.rows.filter((r) => (r.op === 'copy' || r.op === 'write') && r.name !== 'derived:first_touch').map((r) => r.corr)).toEqual([120, 140, 150]);
    const withoutCopyCorr = c.rows.map((r) => ({ ...r, corr: r.op === 'copy' || r.op === 'write' ? null : r.corr }));
    expect(withoutCopyCorr).toEqual(s.rows);
    expect(c.unmappedCounts.get('nvprof:um:page_throttle')).toBe(1);
    expect(c.unmappedCounts.get('nvprof:other_line')).toBe(4); // 3 fixture comments and the program's line; no footnotes
  });

  it('splits nvprof CSV lines with quotes and embedded commas', () => {
    expect(splitCsv('1.5,,"a, b","say ""hi""",7')).toEqual(['1.5', '', 'a, b', 'say "hi"', '7']);
  });

  it('fuzz: mutations of the text fail only with BadInputError', async () => {
    await fuzzParser(readFileSync(TEXT, 'utf8'), (t) => parseNvprofGpuTrace('f', textLineChunks(t), new CollectingSink()));
    await fuzzParser(readFileSync(CSV, 'utf8'), (t) => parseNvprofGpuTrace('f', textLineChunks(t), new CollectingSink()));
  });
});
