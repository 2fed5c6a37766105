import { readFileSync } from 'node:fs';
import { deflateSync, inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { realTraces } from '../common/testing/requirements.ts';
import { BadInputError } from '../common/bad-input.ts';
import { CollectingSink, quietContext } from '../fixtures/ingest/collecting-sink.ts';
import { fuzzParser } from '../fixtures/ingest/fuzz.ts';
import { damoFormat, parseDamoReportRaw, parseDamoTime, readDamoRecord } from './damo.ts';
import { textLineChunks } from './io/line-chunks.ts';
import { expectImpliedAllocsCover } from '../fixtures/ingest/implied-allocs-check.ts';

const RECORD = realTraces.file('damo/damon.data');
const ACTIVE = realTraces.file('damo/damon.data.snapshot.active');
const RAW = realTraces.file('damo/report-raw');

/** Expected rows from a plain zlib + JSON.parse reading: Σ samples rows, Σ samples × size bytes. */
function expectedFromJson(path: string) {
  const records = JSON.parse(inflateSync(readFileSync(path)).toString()) as { snapshots: { regions: { start: string; end: string; nr_accesses: { samples: number } }[] }[] }[];
  let rows = 0; let bytes = 0n; let idle = 0; let snapshots = 0;
  for (const rec of records) for (const s of rec.snapshots) {
    snapshots++;
    for (const r of s.regions) {
      const size = BigInt(r.end.replaceAll(',', '')) - BigInt(r.start.replaceAll(',', ''));
      rows += r.nr_accesses.samples;
      bytes += BigInt(r.nr_accesses.samples) * size;
      if (r.nr_accesses.samples === 0) idle++;
    }
  }
  return { rows, bytes: Number(bytes), idle, snapshots };
}

async function readWith(path: string): Promise<CollectingSink> {
  const sink = new CollectingSink();
  await damoFormat.read([path], sink, quietContext);
  return sink;
}

realTraces.describe('damo: real files from damonitor/damo tests', () => {
  it('sniffs all three files as damo', () => {
    for (const f of [RECORD, ACTIVE, RAW]) expect(damoFormat.sniff(f, readFileSync(f).subarray(0, 4096))).toBe(true);
  });

  for (const path of [RECORD, ACTIVE]) {
    it(`maps ${path.split('/').pop()} to CPU reads weighted by nr_accesses`, async () => {
      const sink = await readWith(path);
      const want = expectedFromJson(path);
      const reads = sink.rows.filter((r) => r.op !== 'alloc');
      expect(reads.length).toBe(want.rows);
      expect(reads.every((r) => r.op === 'read' && r.agent === 'cpu0')).toBe(true);
      expect(CollectingSink.bytes(reads)).toBe(want.bytes);
      expectImpliedAllocsCover(sink, 'anon');
      expect(sink.unmappedCounts.get('damon:idle_region') ?? 0).toBe(want.idle);
      expect(new Set(reads.map((r) => r.corr)).size).toBeLessThanOrEqual(want.snapshots);
    });
  }

  it('spreads the reads of a region evenly over its aggregation interval', async () => {
    // damon.data: snapshot 2 runs 539914032967 → 540018023688 ns; time zero is snapshot 1's start
    // 539809434100. Its region 3 (94,827,423,150,080-…218,560) has samples = 1: one read in the middle.
    const sink = await readWith(RECORD);
    const r = sink.rows.find((x) => x.corr === 2 && x.addr === 94827423150080)!;
    const t0 = 539914032967 - 539809434100;
    const t1 = 540018023688 - 539809434100;
    expect(r.ts).toBe(t0 + Math.floor((t1 - t0) / 2));
  });

  it('reads report-raw (the same data as text) to the same rows as the record', async () => {
    const raw = await readWith(RAW);
    const want = expectedFromJson(RECORD);
    const reads = raw.op('read');
    expect(reads.length).toBe(want.rows);
    expect(CollectingSink.bytes(reads)).toBe(want.bytes);
    expect(raw.op('alloc')).toEqual((await readWith(RECORD)).op('alloc'));
    const text = readFileSync(RAW, 'utf8');
    expect(Math.max(...raw.rows.map((r) => r.corr ?? 0))).toBeLessThanOrEqual(text.split('monitoring_start:').length - 1);
  });
});

describe('damo: own inputs', () => {
  it('parses damo time strings', () => {
    expect(parseDamoTime('104.599 ms')).toBe(104599000);
    expect(parseDamoTime('8 m 59.809 s')).toBe(539809000000);
    expect(parseDamoTime('0 ns')).toBe(0);
    expect(parseDamoTime('12 parsecs')).toMatch(/is not a time/);
  });

  it('reads uncompressed JSON with numbers as strings and as numbers, times beyond 2^53', () => {
    const json = JSON.stringify([{ target_id: 1, snapshots: [
      { start_time: '1,748,191,609,649,802,240', end_time: '1,748,191,609,649,803,240', regions: [{ start: '4,096', end: '12,288', nr_accesses: { samples: '2' }, age: { usec: null } }] },
    ] }]);
    const sink = new CollectingSink();
    readDamoRecord('x.json', Buffer.from(json), sink);
    // two reads of 8 KiB at 1/4 and 3/4 of a 1000 ns interval
    expect(sink.rows.map((r) => [r.ts, r.addr, r.bytes])).toEqual([[250, 4096, 8192], [750, 4096, 8192]]);
  });

  it('reports a bad number with its JSON path', () => {
    const data = deflateSync(JSON.stringify([{ snapshots: [{ start_time: '1', end_time: '2', regions: [{ start: '12,x', end: '1', nr_accesses: { samples: 0 } }] }] }]));
    expect(() => readDamoRecord('d.data', data, new CollectingSink())).toThrow('d.data:records[0].snapshots[0].regions[0]: start: is not an integer (got "12,x")');
    expect(() => readDamoRecord('d.data', deflateSync('{'), new CollectingSink())).toThrow(BadInputError);
  });

  realTraces.it('fuzz: mutations of report-raw text fail only with BadInputError', async () => {
    const valid = readFileSync(RAW, 'utf8').split('\n').slice(0, 60).join('\n');
    await fuzzParser(valid, async (t) => parseDamoReportRaw('r', textLineChunks(t), new CollectingSink()));
  });

  realTraces.it('fuzz: byte mutations of a damo record fail only with BadInputError', async () => {
    const valid = inflateSync(readFileSync(ACTIVE)).toString();
    await fuzzParser(valid, (t) => readDamoRecord('a', deflateSync(t), new CollectingSink()), 100);
  });
});
