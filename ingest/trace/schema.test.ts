import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { TraceReader, readAllRows, type PlainRow } from './reader.ts';
import { COLUMNS, META, OPS, TRACE_SCHEMA_ID } from './schema.ts';
import { TraceWriter, emptyRow, type TraceRow } from './writer.ts';
import type { Addr, Bytes, Ns } from './units.ts';

const dir = mkdtempSync(join(tmpdir(), 'hetmem-schema-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Rows that use every column, nulls in every nullable column, and extreme exact values. */
function sampleRows(): PlainRow[] {
  const rows: PlainRow[] = [];
  const big = 2 ** 53 - 1; // largest exact Int64 value the doubles carry
  for (let i = 0; i < 23; i++) {
    const nulls = i % 3 === 1;
    rows.push({
      ts: i < 22 ? i * 1000 : big,
      dur: nulls ? null : i * 7,
      op: OPS[i % OPS.length]!,
      agent: ['cpu0', 'gpu0', 'nic0', 'gpu1'][i % 4]!,
      addr: nulls ? null : 0x7f0000000000 + i * 4096 + (i === 5 ? 2 ** 52 : 0),
      bytes: nulls ? null : (i === 4 ? big : 4096 * (i + 1)),
      // A new string in every batch forces a dictionary delta; repeats reuse old codes.
      obj: nulls ? null : `obj${i % 5}-${i >= 10 ? 'late' : 'early'}`,
      peer: nulls ? null : i % 2 ? 'gpu1' : 'nic0',
      mem: nulls ? null : ['managed', 'anon', 'devobj'][i % 3]!,
      cause: nulls ? null : 'fault',
      stream: nulls ? null : i === 6 ? 2147483647 : i,
      corr: nulls ? null : i * 1_000_003,
      name: nulls ? null : `kernel "ä,${i % 4}"\n<b>`,
    });
  }
  return rows;
}

function toTraceRow(p: PlainRow, r: TraceRow): TraceRow {
  Object.assign(r, p);
  r.ts = p.ts as Ns; r.dur = p.dur as Ns | null; r.addr = p.addr as Addr | null; r.bytes = p.bytes as Bytes | null;
  return r;
}

describe('hetmem.trace/1 round trip', () => {
  it('reads back exactly what was written, across several batches with dictionary deltas', async () => {
    const path = join(dir, 'rt.arrow');
    const rows = sampleRows();
    const w = new TraceWriter(path, { batchRows: 5, metadata: { [META.sourceFormat]: 'test', [META.devices]: '[{"agent":"gpu0"}]' } });
    const r = emptyRow();
    for (const p of rows) w.append(toTraceRow(p, r));
    w.close();

    const t = await TraceReader.open(path);
    // 23 rows in batches of 5 → ceil(23/5) = 5 batches.
    expect(t.numBatches).toBe(5);
    expect(t.metadata.get(META.schema)).toBe(TRACE_SCHEMA_ID);
    expect(t.metadata.get(META.sourceFormat)).toBe('test');
    expect(t.metadata.get(META.devices)).toBe('[{"agent":"gpu0"}]');
    await t.close();

    expect(await readAllRows(path)).toEqual(rows);
  });

  it('reuseBuffers recycles the num() arrays and still reads every batch exactly', async () => {
    const path = join(dir, 'reuse.arrow');
    const rows = sampleRows();
    const w = new TraceWriter(path, { batchRows: 5 });
    const r = emptyRow();
    for (const p of rows) w.append(toTraceRow(p, r));
    w.close();
    const t = await TraceReader.open(path, { reuseBuffers: true });
    const ts: number[] = [];
    const bytes: (number | null)[] = [];
    const buffers = new Set<ArrayBuffer>();
    for await (const b of t.batches()) {
      const tsCol = b.num('ts');
      const bytesCol = b.num('bytes');
      buffers.add(tsCol.buffer as ArrayBuffer);
      for (let i = 0; i < b.length; i++) { ts.push(tsCol[i]!); bytes.push(Number.isNaN(bytesCol[i]!) ? null : bytesCol[i]!); }
    }
    await t.close();
    expect(ts).toEqual(rows.map((x) => x.ts));
    expect(bytes).toEqual(rows.map((x) => x.bytes));
    // 5 batches, one ts buffer: the first batch (5 rows) is the largest, so it is never reallocated.
    expect(buffers.size).toBe(1);
  });

  it('writes an empty trace that still has the schema', async () => {
    const path = join(dir, 'empty.arrow');
    new TraceWriter(path).close();
    const t = await TraceReader.open(path);
    expect(t.metadata.get(META.schema)).toBe(TRACE_SCHEMA_ID);
    await t.close();
    expect(await readAllRows(path)).toEqual([]);
  });

  it('has every column of the contract', () => {
    expect(COLUMNS).toEqual(['ts', 'dur', 'op', 'agent', 'addr', 'bytes', 'obj', 'peer', 'mem', 'cause', 'stream', 'corr', 'name']);
  });

  it('abort leaves no file behind', () => {
    const sub = mkdtempSync(join(dir, 'abort-'));
    const w = new TraceWriter(join(sub, 'x.arrow'), { batchRows: 2 });
    const r = emptyRow();
    for (let i = 0; i < 5; i++) { r.ts = i as Ns; w.append(r); }
    w.abort();
    expect(readdirSync(sub)).toEqual([]);
  });
});
