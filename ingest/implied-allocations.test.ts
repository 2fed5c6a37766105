import { describe, expect, it } from 'vitest';
import { CollectingSink } from '../fixtures/ingest/collecting-sink.ts';
import { impliedRanges, withImpliedAllocations } from './implied-allocations.ts';
import type { RowSink } from './format.ts';
import { emptyRow, type TraceRow } from './trace/writer.ts';
import type { Addr, Bytes, Ns } from './trace/units.ts';

const B = 2 * 1024 * 1024;

function row(op: TraceRow['op'], addr: number, bytes: number): TraceRow {
  return { ...emptyRow(), ts: 5 as Ns, op, addr: addr as Addr, bytes: bytes as Bytes };
}

describe('impliedRanges', () => {
  it('merges consecutive touched blocks into runs', () => {
    expect(impliedRanges(new Set([13, 10, 11]), [])).toEqual([[10 * B, 12 * B], [13 * B, 14 * B]]);
  });

  it('keeps freed ranges exact and cuts runs around them', () => {
    expect(impliedRanges(new Set([10, 11, 12]), [[11 * B, 11 * B + 4096]])).toEqual([[10 * B, 11 * B], [11 * B, 11 * B + 4096], [11 * B + 4096, 13 * B]]);
  });

  it('keeps the first of duplicate or overlapping freed ranges', () => {
    expect(impliedRanges(new Set(), [[B, 3 * B], [B, 3 * B], [2 * B, 4 * B]])).toEqual([[B, 3 * B]]);
  });
});

describe('withImpliedAllocations', () => {
  const source = (rows: TraceRow[]) => (s: RowSink) => {
    for (const r of rows) s.append(r);
    s.metadata.set('k', String(Number(s.metadata.get('k') ?? 0) + 1));
  };

  it('writes allocs at ts 0 before the rows of the second pass, and metadata only once', async () => {
    const sink = new CollectingSink();
    // reads at 3 MiB (block 1) and 5 MiB + 4 KiB spanning into block 3 → runs [2, 4) MiB … by hand:
    // block 1 = [2 MiB, 4 MiB); the second read [5 MiB, 7 MiB+4 KiB) touches blocks 2 and 3 → [4, 8) MiB; merged [2, 8) MiB
    await withImpliedAllocations(sink, 'managed', source([row('read', 3 * 1024 * 1024, 8), row('write', 5 * 1024 * 1024, 2 * 1024 * 1024 + 4096)]));
    expect(sink.rows.map((r) => [r.op, r.ts, r.addr, r.bytes])).toEqual([
      ['alloc', 0, 2 * 1024 * 1024, 6 * 1024 * 1024], ['read', 5, 3 * 1024 * 1024, 8], ['write', 5, 5 * 1024 * 1024, 2 * 1024 * 1024 + 4096],
    ]);
    expect(sink.metadata.get('k')).toBe('1');
  });

  it('implies nothing when the source has allocations of its own', async () => {
    const sink = new CollectingSink();
    await withImpliedAllocations(sink, 'managed', source([row('alloc', 0, B), row('read', 8 * B, 4096)]));
    expect(sink.op('alloc').length).toBe(1);
  });
});
