import { afterAll, describe, expect, it } from 'vitest';
import { UsageError } from '../../common/bad-input.ts';
import { readAllRows } from '../trace/reader.ts';
import { synth } from './index.ts';
import { Rng } from './random.ts';
import { scratchDir } from './testing.ts';

const BASE = 0x7f0000000000;
const tmp = scratchDir();
afterAll(() => tmp.cleanup());

describe('random-access', () => {
  it('R reads of uniformly drawn units between alloc+kernel and sync+free, one tick each', async () => {
    const out = tmp.path('ra.arrow');
    // footprint 64 KiB / 4 KiB = 16 units; R = 200 reads → 204 rows.
    const { rows } = synth('random-access', { reads: 200, footprint: '64KiB', seed: 5 }, out);
    expect(rows).toBe(204);
    const r = await readAllRows(out);
    expect(r.map((x) => x.op).slice(0, 2)).toEqual(['alloc', 'kernel']);
    expect([r[0]!.obj, r[0]!.addr, r[0]!.bytes, r[0]!.mem]).toEqual(['data', BASE, 65536, 'managed']);
    expect([r[1]!.agent, r[1]!.name, r[1]!.corr, r[1]!.dur]).toEqual(['gpu0', 'random_access', 1, 200 * 100]);
    const reads = r.slice(2, 202);
    expect(reads.every((x) => x.op === 'read' && x.agent === 'gpu0' && x.bytes === 4096 && x.corr === 1)).toBe(true);
    // The same draws, independently: a fresh generator with the same seed, Rng.int(16) per read.
    const rng = new Rng(5);
    expect(reads.map((x) => x.addr)).toEqual(Array.from({ length: 200 }, () => BASE + rng.int(16) * 4096));
    // Uniform over 16 units: 200 draws touch most of them (expected distinct ≈ 16 × (1 − (15/16)^200) ≈ 16).
    expect(new Set(reads.map((x) => x.addr)).size).toBeGreaterThan(12);
    expect(r.slice(-2).map((x) => [x.op, x.agent])).toEqual([['sync', 'cpu0'], ['free', 'cpu0']]);
    // Kernel shares the first read's tick (1 × 100 ns); the free is at tick 202.
    expect(r[1]!.ts).toBe(100);
    expect(r[2]!.ts).toBe(100);
    expect(r.at(-1)!.ts).toBe(202 * 100);
  });

  it('a footprint that is not a whole number of units is a usage error naming both flags', () => {
    expect(() => synth('random-access', { footprint: '10KiB', 'access-size': '4KiB' }, tmp.path('x.arrow'))).toThrow(UsageError);
    expect(() => synth('random-access', { footprint: '10KiB', 'access-size': '4KiB' }, tmp.path('x.arrow'))).toThrow(/--footprint, --access-size/);
  });
});
