import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { realTraces } from '../common/testing/requirements.ts';
import { BadInputError } from '../common/bad-input.ts';
import { CollectingSink, quietContext } from '../fixtures/ingest/collecting-sink.ts';
import { fuzzParser } from '../fixtures/ingest/fuzz.ts';
import { damoFormat } from './damo.ts';
import { ftraceFormat, parseFtrace } from './ftrace.ts';
import { textLineChunks } from './io/line-chunks.ts';
import { expectImpliedAllocsCover } from '../fixtures/ingest/implied-allocs-check.ts';
import { uvmLogFormat } from './uvm-log.ts';

const PERF_DAMON = realTraces.file('damo/perf.data.script');
const FTRACE_FIXTURE = new URL('../fixtures/ingest/ftrace-migrate.trace', import.meta.url).pathname;
const PERF_FIXTURE = new URL('../fixtures/ingest/perf-script-migrate.txt', import.meta.url).pathname;
const head = (p: string) => readFileSync(p).subarray(0, 4096);

async function read(path: string): Promise<CollectingSink> {
  const sink = new CollectingSink();
  await ftraceFormat.read([path], sink, quietContext);
  return sink;
}

realTraces.describe('ftrace: real perf script of damon:damon_aggregated (damo/perf.data.script)', () => {
  it('sniffs as ftrace, not damo or uvm-log', () => {
    expect(ftraceFormat.sniff(PERF_DAMON, head(PERF_DAMON))).toBe(true);
    expect(damoFormat.sniff(PERF_DAMON, head(PERF_DAMON))).toBe(false);
    expect(uvmLogFormat.sniff(PERF_DAMON, head(PERF_DAMON))).toBe(false);
  });

  it('maps every region to nr_accesses CPU reads of its range', async () => {
    const sink = await read(PERF_DAMON);
    // Independent reading: the last "start-end: n" of each line.
    let rows = 0; let bytes = 0; let idle = 0; let lines = 0;
    for (const line of readFileSync(PERF_DAMON, 'utf8').split('\n')) {
      const m = / (\d+)-(\d+): (\d+)/.exec(line);
      if (!m) continue;
      lines++;
      const n = Number(m[3]);
      rows += n; bytes += n * (Number(m[2]) - Number(m[1]));
      if (n === 0) idle++;
    }
    expect(lines).toBe(10260); // the README's line count
    const reads = sink.rows.filter((r) => r.op !== 'alloc');
    expect(reads.length).toBe(rows);
    expect(CollectingSink.bytes(reads)).toBe(bytes);
    expect(sink.unmappedCounts.get('damon:idle_region')).toBe(idle);
    expect(reads.every((r) => r.op === 'read' && r.agent === 'cpu0')).toBe(true);
    expectImpliedAllocsCover(sink, 'anon');
  });
});

describe('ftrace: own fixtures', () => {
  // Expected values worked out by hand from the fixture lines; time zero = the first event.
  it('ftrace text: faults, migrations with start/end pairing, unmapped events', async () => {
    expect(ftraceFormat.sniff(FTRACE_FIXTURE, head(FTRACE_FIXTURE))).toBe(true);
    const s = await read(FTRACE_FIXTURE);
    expect(s.op('obs_fault').map((r) => [r.ts, r.addr])).toEqual([[0, 0x7f5a2c000000], [100000, 0x7f5a2c001000], [200000, 0x7f5a2c002000]]);
    // error_code 0x6 and 0x7 have the write bit, 0x4 does not
    expect(s.rows.filter((r) => r.op === 'read' || r.op === 'write').map((r) => r.op)).toEqual(['write', 'read', 'write']);
    expect(s.op('obs_migrate').map((r) => [r.ts, r.dur, r.bytes, r.cause, r.peer])).toEqual([
      [500000000, 250000, 512 * 4096, 'fault', null], [1000000000, 40000, 30 * 4096, 'compaction', null], [2000000000, 0, 16 * 4096, 'eviction', null],
    ]);
    expect(s.unmappedCounts.get('migrate:failed_pages')).toBe(2);
    expect(s.unmappedCounts.get('event:page_fault_kernel')).toBe(1);
    // the three faulting pages lie in the VA block 0x7f5a2c000000 (a multiple of 2 MiB): one implied alloc
    expect(s.op('alloc').map((r) => [r.ts, r.addr, r.bytes, r.mem, r.obj])).toEqual([[0, 0x7f5a2c000000, 2097152, 'anon', 'mem@0x7f5a2c000000#0']]);
    expect(s.rows[0]!.op).toBe('alloc');
    expect(s.rows.length).toBe(10);
  });

  it('perf script text: system-prefixed events and DAMON aggregations spread over the interval', async () => {
    expect(ftraceFormat.sniff(PERF_FIXTURE, head(PERF_FIXTURE))).toBe(true);
    const s = await read(PERF_FIXTURE);
    expect(s.op('write').map((r) => r.addr)).toEqual([0x7f5a2c000000]);
    expect(s.op('obs_migrate').map((r) => [r.ts, r.dur, r.bytes])).toEqual([[500000000, 250000, 2097152]]);
    const damon = s.rows.filter((r) => r.name === 'derived:damon');
    // 1st aggregation (t = 1 s, no earlier one): 3 reads at 1 s; 2nd (1 s → 1.1 s): 2 reads at ¼ and ¾, 1 in the middle
    expect(damon.map((r) => [r.ts, r.addr, r.bytes, r.corr])).toEqual([
      [1e9, 4096, 8192, 1], [1e9, 4096, 8192, 1], [1e9, 4096, 8192, 1],
      [1.025e9, 4096, 8192, 2], [1.075e9, 4096, 8192, 2], [1.05e9, 12288, 4096, 2],
    ]);
    expect(s.unmappedCounts.get('damon:idle_region')).toBe(1);
    expect(s.unmappedCounts.get('damon:age')).toBe(1);
  });

  it('reports a bad field with file, line and field', async () => {
    const text = readFileSync(FTRACE_FIXTURE, 'utf8').replace('nr_succeeded=30', 'nr_succeeded=3x');
    await expect(parseFtrace('t.trace', textLineChunks(text), new CollectingSink())).rejects.toThrow(BadInputError);
    await expect(parseFtrace('t.trace', textLineChunks(text), new CollectingSink())).rejects.toThrow(/^t\.trace:23: nr_succeeded: is not an integer/);
  });

  realTraces.it('fuzz: mutations of valid ftrace and perf script text fail only with BadInputError', async () => {
    const valid = readFileSync(FTRACE_FIXTURE, 'utf8') + readFileSync(PERF_FIXTURE, 'utf8') + readFileSync(PERF_DAMON, 'utf8').split('\n').slice(0, 20).join('\n');
    await fuzzParser(valid, (t) => parseFtrace('f', textLineChunks(t), new CollectingSink()));
  });
});
