/**
 * What oversubscription costs, end to end (synth gpu-kernel → replay): more device memory does not
 * model slower for a multi-pass kernel, and irregular access suffers more than streaming (REFERENCE.md
 * §4.1). Orders and ratios only, never timings; each expectation is argued from the rules below.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { synth } from '../../ingest/synth/index.ts';
import { replay } from '../index.ts';

const dir = mkdtempSync(join(tmpdir(), 'hetmem-oversub-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const MiB = 1024 * 1024;

async function endAt(trace: string, platform: string, memory: string, name: string) {
  return replay({ trace, platform, set: { 'gpu0.memory': memory }, out: join(dir, name) });
}

describe('a gpu-kernel sweep of device memory (a100-pcie4)', () => {
  it('models non-increasing end times from 0.5× to 1.5× of a two-block footprint, two kernels', async () => {
    // One managed buffer of 4 MiB = blocks A, B; the CPU writes it, two kernels stream it (64 KiB rw
    // units), the CPU reads it all back. Device memory 2, 4, 6 MiB (0.5×, 1×, 1.5×).
    // 4 and 6 MiB: both blocks fit; kernel 1 faults A and B in, kernel 2 hits; the read-back brings A
    // and B home by CPU faults. Nothing differs between 4 and 6 MiB → equal end times.
    // 2 MiB (one root chunk): kernel 1: A in, B evicts A; kernel 2: A evicts B, B evicts A (FIFO, §2.5)
    // → 4 block fault-ins instead of 2 and 3 evictions; the read-back maps evicted A with one CPU fault
    // and brings B home by CPU faults. Extra: 2 block fault-ins, each ≥ 6 GPU fault batches × 45 µs
    // (the tree prefetch's 6 faults per streamed block, §2.4; §3.1) = 270 µs, so ≥ 540 µs, plus 3
    // evictions. Saved: A's CPU read-back, at most 6 CPU faults × 20 µs + a 2 MiB copy (~80 µs at
    // 26.5 GB/s) + 12 transfers' fixed costs ≈ 230 µs. So end(2 MiB) > end(4 MiB) = end(6 MiB).
    const trace = join(dir, 'sweep.arrow');
    synth('gpu-kernel', { buffers: 1, 'buffer-size': '4MiB', kernels: 2 }, trace);
    const [s2, s4, s6] = [await endAt(trace, 'a100-pcie4', '2MiB', 'm2'), await endAt(trace, 'a100-pcie4', '4MiB', 'm4'), await endAt(trace, 'a100-pcie4', '6MiB', 'm6')];
    expect(s2.evictions.count).toBe(3);
    expect(s2.end_ns).toBeGreaterThan(s4.end_ns);
    expect(s4.end_ns).toBe(s6.end_ns);
  });
});

describe('irregular vs regular access at 1.25× oversubscription (gtx1080ti-pcie3, REFERENCE.md §4.1)', () => {
  it('random slows down clearly more than stream: sparse chunks are evicted before the prefetcher can batch them', async () => {
    // Footprint 1.25 × 16 MiB = 20 MiB in 2 buffers (10 blocks), two kernels of 64 KiB rw units
    // (320 units per kernel), device memory 16 MiB (8 chunks) vs 64 MiB (all fits).
    // Stream: a block's 32 units come in order, so the density tree (§2.4) grows each block in 6
    // faults (64 K, 64 K, 128 K, 256 K, 512 K, 1 M); a chunk is evicted only after all its units
    // were used (FIFO by population, §2.5), and nothing evicted is needed again within the kernel.
    // Fits: kernel 2 hits. Oversubscribed: kernel 2 faults every block in again → each kernel moves
    // exactly the footprint host→device: 2 × 20 MiB.
    // Random (one permutation over both buffers' units per kernel): every block is touched early, so
    // the 8 chunks fill with sparsely used blocks and FIFO evicts blocks whose units are still to come;
    // those units fault back in one by one — the tree never sees a block > 51 % dense before its
    // chunk goes, so each 64 KiB unit pays a whole far-fault batch (45 µs, §3.1) instead of riding a
    // 1 MiB prefetch — and each eviction copies a chunk of scattered runs. So random moves more than
    // 2 × 20 MiB host→device, takes many more fault batches than stream, and slows down more.
    const run = async (pattern: string) => {
      const trace = join(dir, `${pattern}.arrow`);
      synth('gpu-kernel', { oversubscription: 1.25, 'device-memory': '16MiB', kernels: 2, pattern }, trace);
      const over = await endAt(trace, 'gtx1080ti-pcie3', '16MiB', `${pattern}-16`);
      const fits = await endAt(trace, 'gtx1080ti-pcie3', '64MiB', `${pattern}-64`);
      return { over, fits, slowdown: over.end_ns / fits.end_ns };
    };
    const stream = await run('stream');
    const random = await run('random');
    expect(stream.over.migrations.by_direction['sys0->gpu0']!.bytes).toBe(2 * 20 * MiB);
    expect(random.over.migrations.by_direction['sys0->gpu0']!.bytes).toBeGreaterThan(2 * 20 * MiB);
    expect(random.over.faults.gpu_batches).toBeGreaterThan(2 * stream.over.faults.gpu_batches);
    expect(random.over.evictions.count).toBeGreaterThan(stream.over.evictions.count);
    // "Clearly more": at least 1.5× the streaming slowdown (real hardware: 10–21× vs 1.3–1.9×, §4.1).
    expect(random.slowdown / stream.slowdown).toBeGreaterThan(1.5);
    expect(stream.slowdown).toBeGreaterThan(1);
  });
});
