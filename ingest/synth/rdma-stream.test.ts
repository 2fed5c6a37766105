import { afterAll, describe, expect, it } from 'vitest';
import { readAllRows, type PlainRow } from '../trace/reader.ts';
import { synth } from './index.ts';
import { fileBytes, scratchDir } from './testing.ts';

const BASE = 0x7f0000000000;
const MiB = 1048576;
const tmp = scratchDir();
afterAll(() => tmp.cleanup());

// 1 MB chunks (10^6 B) at 1 GB/s → one chunk per 10^6 ns = 1 ms; 10 ms → C = 10 chunks; ring of 4.
const P = { 'chunk-size': '1MB', rate: '1GB/s', duration: '10ms', 'ring-depth': 4, 'kernel-duration': '100us', 'result-size': '4KiB' };
const MS = 1e6;

let n = 0;
async function run(params: Record<string, string | number | boolean>): Promise<PlainRow[]> {
  const out = tmp.path(`r${n++}.arrow`);
  synth('rdma-stream', params, out);
  return readAllRows(out);
}

describe('rdma-stream', () => {
  it('rows, slots and times for 10 chunks through a ring of 4', async () => {
    const r = await run(P);
    // 4D + 2D + 4C = 16 + 8 + 40 = 64 rows.
    expect(r).toHaveLength(64);
    // Setup: 4 rings then 4 results, 2 MiB-aligned from the base (each < 2 MiB, so 2 MiB apart).
    const allocs = r.filter((x) => x.op === 'alloc');
    expect(allocs.map((x) => x.obj)).toEqual(['ring_0', 'ring_1', 'ring_2', 'ring_3', 'result_0', 'result_1', 'result_2', 'result_3']);
    expect(allocs.map((x) => x.addr)).toEqual(Array.from({ length: 8 }, (_, i) => BASE + i * 2 * MiB));
    expect(allocs.every((x) => x.agent === 'gpu0' && x.mem === 'devobj' && x.ts === 0)).toBe(true);
    expect(allocs.slice(0, 4).every((x) => x.bytes === 1e6)).toBe(true);
    const maps = r.filter((x) => x.op === 'peer_map');
    expect(maps.map((x) => [x.agent, x.peer, x.obj, x.addr, x.bytes])).toEqual(
      [0, 1, 2, 3].map((s) => ['nic0', 'gpu0', `ring_${s}`, BASE + s * 2 * MiB, 1e6]),
    );
    // NIC writes: chunk j at j ms into ring_(j mod 4).
    const w = r.filter((x) => x.agent === 'nic0' && x.op === 'write');
    expect(w.map((x) => [x.ts, x.obj, x.bytes])).toEqual(Array.from({ length: 10 }, (_, j) => [j * MS, `ring_${j % 4}`, 1e6]));
    // Kernels at (j+1) ms, corr j+1, each reading its slot at its start and writing its result 50 µs later.
    const k = r.filter((x) => x.op === 'kernel');
    expect(k.map((x) => [x.ts, x.corr, x.dur, x.name])).toEqual(Array.from({ length: 10 }, (_, j) => [(j + 1) * MS, j + 1, 100_000, 'consume']));
    const gr = r.filter((x) => x.agent === 'gpu0' && x.op === 'read');
    expect(gr.map((x) => [x.ts, x.obj, x.corr])).toEqual(Array.from({ length: 10 }, (_, j) => [(j + 1) * MS, `ring_${j % 4}`, j + 1]));
    const gw = r.filter((x) => x.agent === 'gpu0' && x.op === 'write');
    expect(gw.map((x) => [x.ts, x.obj, x.bytes])).toEqual(Array.from({ length: 10 }, (_, j) => [(j + 1) * MS + 50_000, `result_${j % 4}`, 4096]));
    // At 1 ms the kernel of chunk 0 (and its read) come before the NIC write of chunk 1.
    const at1 = r.filter((x) => x.ts === MS).map((x) => `${x.agent} ${x.op}`);
    expect(at1).toEqual(['gpu0 kernel', 'gpu0 read', 'nic0 write']);
    // Teardown at the last result write (10 ms + 50 µs): 4 unmaps, 8 frees.
    const tail = r.slice(-12);
    expect(tail.map((x) => x.op)).toEqual([...Array(4).fill('peer_unmap'), ...Array(8).fill('free')]);
    expect(tail.every((x) => x.ts === 10 * MS + 50_000)).toBe(true);
    expect(r.some((x) => x.agent === 'nic0' && x.op === 'read')).toBe(false);
  });

  it('--stream-out: result buffers are peer-mapped and read by the NIC at kernel end', async () => {
    const r = await run({ ...P, 'stream-out': true });
    // 4D + 4D + 5C = 16 + 16 + 50 = 82 rows.
    expect(r).toHaveLength(82);
    expect(r.filter((x) => x.op === 'peer_map').map((x) => x.obj)).toEqual(['ring_0', 'ring_1', 'ring_2', 'ring_3', 'result_0', 'result_1', 'result_2', 'result_3']);
    const out = r.filter((x) => x.agent === 'nic0' && x.op === 'read');
    expect(out.map((x) => [x.ts, x.obj, x.bytes])).toEqual(Array.from({ length: 10 }, (_, j) => [(j + 1) * MS + 100_000, `result_${j % 4}`, 4096]));
    expect(r.filter((x) => x.op === 'peer_unmap')).toHaveLength(8);
    expect(r.at(-1)!.ts).toBe(10 * MS + 100_000);
  });

  it('rates in bits and an anon ring owned by the CPU', async () => {
    // 8 Gbit/s = 1 GB/s: the same schedule as above.
    const r = await run({ ...P, rate: '8Gbit/s', 'ring-mem': 'anon' });
    expect(r.filter((x) => x.agent === 'nic0' && x.op === 'write').map((x) => x.ts)).toEqual(Array.from({ length: 10 }, (_, j) => j * MS));
    expect(r.filter((x) => x.op === 'alloc').every((x) => x.agent === 'cpu0' && x.mem === 'anon')).toBe(true);
  });

  it('a period that is not a whole number of ns is rounded per chunk, without drift', async () => {
    // 1 MiB at 3 GB/s: a_j = round(j × 1048576 / 3) ns; over 1 ms: floor(1e6 × 3 / 1048576) = 2 chunks.
    const r = await run({ 'chunk-size': '1MiB', rate: '3GB/s', duration: '1ms', 'ring-depth': 2, 'kernel-duration': '1us' });
    expect(r.filter((x) => x.agent === 'nic0' && x.op === 'write').map((x) => x.ts)).toEqual([0, 349525]);
    expect(r.filter((x) => x.op === 'kernel').map((x) => x.ts)).toEqual([349525, 699051]);
  });

  it('is deterministic; the seed changes no row', async () => {
    synth('rdma-stream', P, tmp.path('d1.arrow'));
    synth('rdma-stream', P, tmp.path('d2.arrow'));
    expect(fileBytes(tmp.path('d1.arrow')).equals(fileBytes(tmp.path('d2.arrow')))).toBe(true);
    synth('rdma-stream', { ...P, seed: 99 }, tmp.path('d3.arrow'));
    expect(await readAllRows(tmp.path('d3.arrow'))).toEqual(await readAllRows(tmp.path('d1.arrow')));
  });

  it('refuses a kernel slower than the ring allows, and a duration shorter than a chunk', () => {
    // (D − 1) × period = 3 ms < 5 ms.
    expect(() => synth('rdma-stream', { ...P, 'kernel-duration': '5ms' }, tmp.path('bad.arrow'))).toThrow(/--kernel-duration: must be at most .* 3000000 ns/);
    expect(() => synth('rdma-stream', { ...P, duration: '999us' }, tmp.path('bad.arrow'))).toThrow(/--duration: streams no whole chunk/);
    expect(() => synth('rdma-stream', { ...P, rate: 'fast' }, tmp.path('bad.arrow'))).toThrow(/--rate: is not a rate/);
  });
});
