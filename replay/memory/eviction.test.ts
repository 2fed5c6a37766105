import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { replay } from '../index.ts';
import { query } from '../testing/events-query.ts';
import { writeTrace, type Row } from '../testing/trace-builder.ts';
import { ChunkLru } from './eviction.ts';

const dir = mkdtempSync(join(tmpdir(), 'hetmem-evict-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const MB2 = 2 * 1024 * 1024;
const BASE = 0x7f0000000000;

describe('ChunkLru: FIFO by population (REFERENCE.md §2.5, corrected)', () => {
  it('orders victims by when a block became resident; a later migration into it does not refresh it', () => {
    const lru = new ChunkLru([3]);
    lru.ensure(8);
    lru.touch(0, 5); lru.touch(0, 2); lru.touch(0, 7);
    expect(lru.isFull(0)).toBe(true);
    expect(lru.victim(0, -1)).toBe(5);
    lru.touch(0, 5);                    // a further migration into resident block 5: it keeps its place
    expect([lru.used[0], lru.victim(0, -1)]).toEqual([3, 5]);
    expect(lru.victim(0, 5)).toBe(2);   // the block being serviced is skipped
    lru.release(0, 5);                  // block 5 emptied: it leaves the list …
    lru.touch(0, 5);                    // … and repopulated it joins at the tail: [2, 7, 5]
    expect(lru.victim(0, -1)).toBe(2);
    lru.release(0, 2);
    expect([lru.used[0], lru.victim(0, -1)]).toEqual([2, 7]);
    lru.pin(0, 1);                      // device allocations count but are never victims
    expect([lru.used[0], lru.victim(0, -1)]).toEqual([3, 7]);
  });
});

describe('eviction under 1.5× oversubscription (replay on a100-pcie4 with gpu0.memory = 4 MiB)', () => {
  it('evicts whole 2 MiB chunks to sys0 in least-recently-migrated order', async () => {
    // Three managed 2 MiB objects A, B, C (6 MiB) on a GPU with room for two root chunks (4 MiB = 1.5×).
    // The CPU writes all three (first touch: sys0). The GPU then reads A, B, A (hit), C, A, B — whole objects.
    // Each first GPU read of a block migrates it in 2 batches of 256 pages (the 256-fault batch cap; the
    // second batch completes the block). Hand-derived chunk list (head first):
    //   read A → [A]; read B → [A,B]; read A again: resident, no migration, list unchanged;
    //   read C → full: evict head A → [B,C]; read A → evict B → [C,A]; read B → evict C → [A,B].
    // So evictions are A, B, C although A was the most recently *accessed* block when C came in.
    const names = ['A', 'B', 'C'];
    const rows: Row[] = [];
    let ts = 0;
    names.forEach((o, k) => rows.push({ ts: ts++, op: 'alloc', agent: 'cpu0', addr: BASE + k * MB2, bytes: MB2, obj: o, mem: 'managed' }));
    names.forEach((o, k) => rows.push({ ts: ts++, op: 'write', agent: 'cpu0', addr: BASE + k * MB2, bytes: MB2, obj: o }));
    for (const o of ['A', 'B', 'A', 'C', 'A', 'B']) {
      const k = names.indexOf(o);
      rows.push({ ts: (ts += 1000), op: 'read', agent: 'gpu0', addr: BASE + k * MB2, bytes: MB2, obj: o });
    }
    const trace = join(dir, 'oversub.arrow');
    writeTrace(trace, rows);
    const out = join(dir, 'run');
    const s = await replay({ trace, platform: 'a100-pcie4', set: { 'gpu0.memory': '4MiB' }, out });
    const ev = await query(`SELECT obj, src, dst, bytes, cause FROM '${out}/events.parquet' WHERE kind = 'evict' ORDER BY ts`);
    expect(ev).toEqual(['A', 'B', 'C'].map((obj) => ({ obj, src: 'gpu0', dst: 'sys0', bytes: MB2, cause: 'eviction' })));
    // Every evicted chunk went home as migrate rows with cause eviction: 3 × 2 MiB.
    expect(s.migrations.by_direction_cause['gpu0->sys0:eviction']).toEqual({ count: 3, bytes: 3 * MB2 });
    // H2D: A, B, C, A, B = 5 blocks × 2 MiB, all as faulted pages (whole-block batches leave nothing to prefetch).
    expect(s.migrations.by_direction['sys0->gpu0']!.bytes).toBe(5 * MB2);
    expect(s.evictions).toEqual({ count: 3, bytes: 3 * MB2 });
    // Residency never exceeds the 4 MiB of device memory in the timeline.
    const peak = await query(`SELECT max(value) AS v FROM '${out}/timeline.parquet' WHERE metric = 'resident_bytes' AND entity = 'gpu0'`);
    expect(peak[0]!.v).toBeLessThanOrEqual(2 * MB2);
  });
});

describe('eviction order is FIFO by population (REFERENCE.md §2.5 corrected: no refresh on later migration)', () => {
  it('evicts the block populated first even though a later migration went into it', async () => {
    // Objects A, B, C of 2 MiB, all CPU-written; GPU memory of two root chunks (4 MiB). The GPU reads
    // the first 1 MiB of A (256 pages: one full batch; 256/512 = 50 % at the root, so nothing is
    // prefetched) → A populated: list [A]. It reads all of B → [A, B]. It reads the second 1 MiB of A:
    // a migration into the already-resident A, which keeps its place → [A, B]. It reads C: the head,
    // A, is evicted (a refresh-on-migration order would have made it [B, A] and evicted B).
    const MiB = 1024 * 1024;
    const rows: Row[] = [];
    let ts = 0;
    ['A', 'B', 'C'].forEach((o, k) => rows.push({ ts: ts++, op: 'alloc', agent: 'cpu0', addr: BASE + k * MB2, bytes: MB2, obj: o, mem: 'managed' }));
    ['A', 'B', 'C'].forEach((o, k) => rows.push({ ts: ts++, op: 'write', agent: 'cpu0', addr: BASE + k * MB2, bytes: MB2, obj: o }));
    rows.push({ ts: (ts += 1000), op: 'read', agent: 'gpu0', addr: BASE, bytes: MiB, obj: 'A' });
    rows.push({ ts: (ts += 1000), op: 'read', agent: 'gpu0', addr: BASE + MB2, bytes: MB2, obj: 'B' });
    rows.push({ ts: (ts += 1000), op: 'read', agent: 'gpu0', addr: BASE + MiB, bytes: MiB, obj: 'A' });
    rows.push({ ts: (ts += 1000), op: 'read', agent: 'gpu0', addr: BASE + 2 * MB2, bytes: MB2, obj: 'C' });
    const trace = join(dir, 'fifo.arrow');
    writeTrace(trace, rows);
    const out = join(dir, 'fifo-run');
    await replay({ trace, platform: 'a100-pcie4', set: { 'gpu0.memory': '4MiB' }, out });
    const ev = await query(`SELECT obj, bytes FROM '${out}/events.parquet' WHERE kind = 'evict' ORDER BY ts`);
    expect(ev).toEqual([{ obj: 'A', bytes: MB2 }]);
  });
});

describe('what eviction costs (uvm_pmm_gpu.c, uvm_va_block.c)', () => {
  it('the copy into a reused chunk starts after the eviction copy; evicted pages fault once on the CPU to be mapped', async () => {
    // A and C are 2 MiB managed objects the CPU writes (sys0, CPU-mapped); gpu0 has one root chunk (2 MiB).
    // The GPU reads A (A → gpu0), then C: the only chunk holds A, so A is evicted (one 2 MiB gpu0→sys0
    // copy, cause eviction). `pmm_gpu_alloc` hands the chunk's tracker (the eviction copy) to the
    // allocating fault service, so C's sys0→gpu0 copies start no earlier than that copy ends.
    // Then the CPU reads all of A twice. Eviction put A in sys0 without CPU mappings
    // (`uvm_va_block_evict_chunks` cannot take mmap_lock), so the first read faults on page 0; the
    // prefetch tree toward the CPU counts the 512 sys0-resident pages → 512/512 > 51 % at the root →
    // the whole block is mapped by that one fault, with no copy (the pages are already in sys0). The
    // second read hits. So: 1 CPU fault, no CPU-caused migration, no remote bytes.
    const rows: Row[] = [];
    let ts = 0;
    ['A', 'C'].forEach((o, k) => rows.push({ ts: ts++, op: 'alloc', agent: 'cpu0', addr: BASE + k * MB2, bytes: MB2, obj: o, mem: 'managed' }));
    ['A', 'C'].forEach((o, k) => rows.push({ ts: ts++, op: 'write', agent: 'cpu0', addr: BASE + k * MB2, bytes: MB2, obj: o }));
    rows.push({ ts: (ts += 1000), op: 'read', agent: 'gpu0', addr: BASE, bytes: MB2, obj: 'A' });
    rows.push({ ts: (ts += 1000), op: 'read', agent: 'gpu0', addr: BASE + MB2, bytes: MB2, obj: 'C' });
    rows.push({ ts: (ts += 1000), op: 'sync', agent: 'cpu0' });
    rows.push({ ts: (ts += 1000), op: 'read', agent: 'cpu0', addr: BASE, bytes: MB2, obj: 'A' });
    rows.push({ ts: (ts += 1000), op: 'read', agent: 'cpu0', addr: BASE, bytes: MB2, obj: 'A' });
    const trace = join(dir, 'evict-cost.arrow');
    writeTrace(trace, rows);
    const out = join(dir, 'evict-cost-run');
    const s = await replay({ trace, platform: 'a100-pcie4', set: { 'gpu0.memory': '2MiB' }, out });
    const ev = `'${out}/events.parquet'`;
    const [evict] = await query(`SELECT max(ts + dur) AS end FROM ${ev} WHERE kind = 'migrate' AND cause = 'eviction'`);
    const [inC] = await query(`SELECT min(ts) AS start FROM ${ev} WHERE kind = 'migrate' AND obj = 'C' AND src = 'sys0'`);
    expect(Number(inC!.start)).toBeGreaterThanOrEqual(Number(evict!.end));
    expect(s.evictions).toEqual({ count: 1, bytes: MB2 });
    expect(s.faults.cpu).toBe(1);
    expect(s.migrations.by_direction['gpu0->sys0']).toEqual({ count: 1, bytes: MB2 });
    expect(s.remote.bytes).toBe(0);
  });
});

describe('small allocations take their range rounded up to 64 KiB, not a root chunk each (block_gpu_chunk_size)', () => {
  // gpu0.memory = 4 MiB = 2 root chunks = 64 units of 64 KiB. N managed objects of 64 KiB, each in its
  // own 2 MiB-aligned VA block, each written once by the GPU (first touch: populated on the GPU, no
  // transfer). Each block takes ceil(16 pages / 16) = 1 unit.
  //   N = 40: 40 units ≤ 64 → nothing is evicted (counted as one root chunk per block, the GPU would
  //           hold only 2 of them and evict 38).
  //   N = 70: the 65th object finds 64 units used → evict the head (object 0, FIFO by population);
  //           objects 66..70 evict objects 1..5: 6 evictions of 64 KiB each, objects 0..5 in order.
  const run = async (n: number) => {
    const rows: Row[] = [];
    let ts = 0;
    for (let k = 0; k < n; k++) rows.push({ ts: ts++, op: 'alloc', agent: 'cpu0', addr: BASE + k * MB2, bytes: 65536, obj: `t${k}`, mem: 'managed' });
    for (let k = 0; k < n; k++) rows.push({ ts: (ts += 1000), op: 'write', agent: 'gpu0', addr: BASE + k * MB2, bytes: 65536, obj: `t${k}` });
    const trace = join(dir, `small-${n}.arrow`);
    writeTrace(trace, rows);
    const out = join(dir, `small-${n}`);
    const s = await replay({ trace, platform: 'a100-pcie4', set: { 'gpu0.memory': '4MiB' }, out });
    const ev = await query(`SELECT obj, bytes FROM '${out}/events.parquet' WHERE kind = 'evict' ORDER BY ts`);
    return { s, ev };
  };
  it('40 objects of 64 KiB fit in 4 MiB', async () => {
    const { s, ev } = await run(40);
    expect(ev).toEqual([]);
    expect(s.evictions.count).toBe(0);
  });
  it('70 objects of 64 KiB evict the first six, oldest first', async () => {
    const { ev } = await run(70);
    expect(ev).toEqual([0, 1, 2, 3, 4, 5].map((k) => ({ obj: `t${k}`, bytes: 65536 })));
  });
});
