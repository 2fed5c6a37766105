import { describe, expect, it } from 'vitest';
import { CollectingSink } from '../../fixtures/ingest/collecting-sink.ts';
import type { Addr, Bytes, Ns } from '../trace/units.ts';
import { emptyRow, type TraceRow } from '../trace/writer.ts';
import { DERIVED_FIRST_TOUCH, withImpliedFirstTouch } from './implied-first-touch.ts';

const KiB = 1024;
const MiB = 1024 * KiB;

function row(ts: number, op: TraceRow['op'], agent: string, addr: number, bytes: number, peer: string | null = null): TraceRow {
  return { ...emptyRow(), ts: ts as Ns, op, agent, addr: addr as Addr, bytes: bytes as Bytes, peer };
}

describe('implied CPU first touch', () => {
  it('covers exactly the HtoD bytes the CPU did not touch before, per allocation, at the allocation', async () => {
    const sink = new CollectingSink();
    const A = 64 * MiB;
    const B = A + 4 * MiB; // a second allocation right after the first
    await withImpliedFirstTouch(sink, (s) => {
      s.append(row(100, 'alloc', 'cpu0', A, 4 * MiB));
      s.append(row(200, 'alloc', 'cpu0', B, 4 * MiB));
      s.append(row(300, 'write', 'cpu0', A, 8 * KiB));                  // CPU touched [A, A+8K)
      s.append(row(400, 'obs_migrate', 'cpu0', A, 64 * KiB, 'gpu0'));  // arrives: [A+8K, A+64K) implied
      s.append(row(500, 'obs_migrate', 'gpu0', A, 64 * KiB, 'cpu0'));  // DtoH: not an arrival
      s.append(row(600, 'obs_migrate', 'cpu0', A, 64 * KiB, 'gpu0'));  // comes back: nothing new
      // spans the allocation boundary: [B-4K, B) belongs to A, [B, B+4K) to B
      s.append(row(700, 'obs_migrate', 'cpu0', B - 4 * KiB, 8 * KiB, 'gpu0'));
      s.append(row(800, 'write', 'cpu0', B + 1 * MiB, 4 * KiB));        // after nothing arrived there
      s.append(row(900, 'obs_migrate', 'cpu0', B + 1 * MiB, 8 * KiB, 'gpu0')); // only the second page is new
    });
    const implied = sink.rows.filter((r) => r.name === DERIVED_FIRST_TOUCH).map((r) => [r.ts, r.op, r.agent, r.addr, r.bytes]);
    expect(implied).toEqual([
      [100, 'write', 'cpu0', A + 8 * KiB, 56 * KiB],
      [100, 'write', 'cpu0', B - 4 * KiB, 4 * KiB],
      [200, 'write', 'cpu0', B, 4 * KiB],
      [200, 'write', 'cpu0', B + 1 * MiB + 4 * KiB, 4 * KiB],
    ]);
  });

  it('places the touch of an implied (leading) allocation as a leading row after it', async () => {
    const sink = new CollectingSink();
    await withImpliedFirstTouch(sink, (s) => {
      s.append(row(0, 'obs_migrate', 'cpu0', 2 * MiB, 4 * KiB, 'gpu0'));
      s.appendLeading(row(0, 'alloc', 'cpu0', 2 * MiB, 2 * MiB));
    });
    expect(sink.rows.map((r) => [r.op, r.name])).toEqual([['alloc', null], ['write', DERIVED_FIRST_TOUCH], ['obs_migrate', null]]);
  });
});
