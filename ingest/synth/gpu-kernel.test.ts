import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import type { TraceRow, TraceWriter } from '../trace/writer.ts';
import { gpuKernel } from './gpu-kernel.ts';
import { Rng } from './random.ts';
import { resolveParams } from './workload.ts';
import { TraceReader, readAllRows, type PlainRow } from '../trace/reader.ts';
import { META } from '../trace/schema.ts';
import { synth } from './index.ts';
import { fileBytes, scratchDir } from './testing.ts';

const BASE = 0x7f0000000000;
const KiB = 1024;
const MiB = 1048576;
const tmp = scratchDir();
afterAll(() => tmp.cleanup());

let n = 0;
async function run(params: Record<string, string | number | boolean>): Promise<PlainRow[]> {
  const out = tmp.path(`g${n++}.arrow`);
  synth('gpu-kernel', params, out);
  return readAllRows(out);
}

/** Unit indices of one GPU's accesses to one buffer, in trace order. */
function units(rows: PlainRow[], agent: string, obj: string, op: string, base: number, unit: number): number[] {
  return rows.filter((r) => r.agent === agent && r.obj === obj && r.op === op).map((r) => (r.addr! - base) / unit);
}

describe('gpu-kernel', () => {
  it('stream, rw: rows per phase as the parameters imply', async () => {
    // 2 buffers × 256 KiB at 64 KiB → U = 4 units each.
    // allocs 2 + init 2·4 + kernel (1 + 2 buffers · 4 units · 2 rows) + sync 1 + readback 2·4 + frees 2 = 38.
    const r = await run({ buffers: 2, 'buffer-size': '256KiB', 'access-size': '64KiB' });
    expect(r).toHaveLength(38);
    expect(r.filter((x) => x.op === 'alloc').map((x) => [x.obj, x.addr, x.bytes, x.agent, x.mem])).toEqual([
      ['buf0', BASE, 256 * KiB, 'cpu0', 'managed'],
      ['buf1', BASE + 2 * MiB, 256 * KiB, 'cpu0', 'managed'],
    ]);
    const gpu = r.filter((x) => x.agent === 'gpu0' && x.op !== 'kernel');
    expect(gpu.map((x) => `${x.op[0]}${x.obj!.slice(3)}:${(x.addr! - BASE) % (2 * MiB) / (64 * KiB)}`)).toEqual([
      'r0:0', 'w0:0', 'r0:1', 'w0:1', 'r0:2', 'w0:2', 'r0:3', 'w0:3',
      'r1:0', 'w1:0', 'r1:1', 'w1:1', 'r1:2', 'w1:2', 'r1:3', 'w1:3',
    ]);
    const k = r.find((x) => x.op === 'kernel')!;
    expect([k.agent, k.corr, k.name, k.dur]).toEqual(['gpu0', 1, 'sweep_stream', 16 * 100]);
    expect(gpu.every((x) => x.corr === 1 && x.bytes === 64 * KiB)).toBe(true);
    expect(r.filter((x) => x.agent === 'cpu0' && x.op === 'write')).toHaveLength(8);
    expect(r.filter((x) => x.agent === 'cpu0' && x.op === 'read')).toHaveLength(8);
  });

  it('stride visits every unit once, phase by phase', async () => {
    // 1 MiB at 64 KiB → U = 16; stride 256 KiB → s = 4: 0,4,8,12, 1,5,9,13, 2,6,10,14, 3,7,11,15.
    const r = await run({ buffers: 1, 'buffer-size': '1MiB', 'access-size': '64KiB', pattern: 'stride', stride: '256KiB', access: 'read', init: false, readback: 0 });
    expect(units(r, 'gpu0', 'buf0', 'read', BASE, 64 * KiB)).toEqual([0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15]);
    // alloc + kernel + 16 reads + sync + free.
    expect(r).toHaveLength(20);
  });

  it('stencil reads the neighbours, then writes the unit', async () => {
    // U = 4: unit 0 → r0 r1 w0; 1 → r0 r1 r2 w1; 2 → r1 r2 r3 w2; 3 → r2 r3 w3 (reads 3U−2 = 10, writes 4).
    const r = await run({ buffers: 1, 'buffer-size': '256KiB', 'access-size': '64KiB', pattern: 'stencil', init: false, readback: 0 });
    const seq = r.filter((x) => x.agent === 'gpu0' && x.op !== 'kernel').map((x) => `${x.op[0]}${(x.addr! - BASE) / (64 * KiB)}`);
    expect(seq).toEqual(['r0', 'r1', 'w0', 'r0', 'r1', 'r2', 'w1', 'r1', 'r2', 'r3', 'w2', 'r2', 'r3', 'w3']);
  });

  it('random: each kernel visits a permutation; the seed decides which', async () => {
    const p = { buffers: 1, 'buffer-size': '4MiB', 'access-size': '64KiB', pattern: 'random', access: 'read', init: false, readback: 0, kernels: 2 };
    const a = await run({ ...p, seed: 1 });
    const b = await run({ ...p, seed: 1 });
    const c = await run({ ...p, seed: 2 });
    const ua = units(a, 'gpu0', 'buf0', 'read', BASE, 64 * KiB);
    // 2 kernels × 64 units, each kernel a permutation of 0..63.
    expect(ua).toHaveLength(128);
    const identity = Array.from({ length: 64 }, (_, i) => i);
    expect([...ua.slice(0, 64)].sort((x, y) => x - y)).toEqual(identity);
    expect([...ua.slice(64)].sort((x, y) => x - y)).toEqual(identity);
    expect(ua.slice(0, 64)).not.toEqual(identity);
    expect(ua.slice(0, 64)).not.toEqual(ua.slice(64));
    expect(b).toEqual(a);
    expect(units(c, 'gpu0', 'buf0', 'read', BASE, 64 * KiB)).not.toEqual(ua);
    expect(a.filter((x) => x.op === 'kernel').map((x) => x.corr)).toEqual([1, 2]);
  });

  it('random: one permutation over the units of all the kernel\'s buffers, so buffers interleave', async () => {
    // 2 buffers × 2 MiB at 64 KiB → 32 units each, 64 (buffer, unit) pairs, one read each per kernel.
    // A per-buffer order would visit all of buf0 before buf1; a permutation of the 64 pairs puts only
    // buf0 in its first 32 places with probability 2 / C(64, 32) ≈ 1e-18, so buf1 shows up among them.
    const r = await run({ buffers: 2, 'buffer-size': '2MiB', 'access-size': '64KiB', pattern: 'random', access: 'read', init: false, readback: 0, seed: 3 });
    const reads = r.filter((x) => x.agent === 'gpu0' && x.op === 'read');
    expect(reads).toHaveLength(64);
    const pairs = reads.map((x) => `${x.obj}:${(x.addr! - (x.obj === 'buf0' ? BASE : BASE + 2 * 1024 * KiB)) / (64 * KiB)}`);
    expect(new Set(pairs).size).toBe(64);
    expect(new Set(reads.slice(0, 32).map((x) => x.obj))).toEqual(new Set(['buf0', 'buf1']));
  });

  it('oversubscription sizes the buffers from the device memory', async () => {
    // F = 1.5 × 1 MiB over 2 buffers = 786432 B each (already a multiple of 4 KiB) = 12 units of 64 KiB.
    const r = await run({ buffers: 2, oversubscription: 1.5, 'device-memory': '1MiB', 'buffer-size': '64MiB', access: 'write', init: false, readback: 0 });
    expect(r.filter((x) => x.op === 'alloc').map((x) => x.bytes)).toEqual([786432, 786432]);
    expect(r.filter((x) => x.agent === 'gpu0' && x.op === 'write')).toHaveLength(24);
    // A fraction that does not divide evenly rounds each buffer up to whole pages:
    // 1.1 × 1 MiB / 3 = 384478.8 B → 94 pages = 385024 B.
    const q = await run({ buffers: 3, oversubscription: 1.1, 'device-memory': '1MiB', init: false, readback: 0 });
    expect(q.filter((x) => x.op === 'alloc').map((x) => x.bytes)).toEqual([385024, 385024, 385024]);
  });

  it('two GPUs, private buffers: concurrent kernels in lockstep', async () => {
    // 3 buffers of 128 KiB (U = 2) over 2 GPUs: gpu0 sweeps buf0, buf2 (8 rw rows), gpu1 sweeps buf1 (4 rows).
    const r = await run({ buffers: 3, 'buffer-size': '128KiB', 'access-size': '64KiB', gpus: 2, init: false, readback: 0, 'access-gap': '1us' });
    const k = r.filter((x) => x.op === 'kernel');
    expect(k.map((x) => [x.agent, x.corr, x.dur])).toEqual([['gpu0', 1, 8000], ['gpu1', 2, 4000]]);
    expect(k[0]!.ts).toBe(k[1]!.ts);
    const g0 = r.filter((x) => x.agent === 'gpu0' && x.op !== 'kernel');
    const g1 = r.filter((x) => x.agent === 'gpu1' && x.op !== 'kernel');
    expect(new Set(g0.map((x) => x.obj))).toEqual(new Set(['buf0', 'buf2']));
    expect(g1.map((x) => x.obj)).toEqual(['buf1', 'buf1', 'buf1', 'buf1']);
    // Lockstep: the i-th access of each GPU has the same ts, 1 µs apart.
    expect(g1.map((x) => x.ts)).toEqual(g0.slice(0, 4).map((x) => x.ts));
    expect(g0[1]!.ts - g0[0]!.ts).toBe(1000);
    expect(r.filter((x) => x.op === 'sync').map((x) => x.peer)).toEqual(['gpu0', 'gpu1']);
  });

  it('shared buffers: every GPU sweeps every buffer, starting at its own', async () => {
    const r = await run({ buffers: 2, 'buffer-size': '64KiB', 'access-size': '64KiB', gpus: 2, sharing: 'shared', access: 'read', init: false, readback: 0 });
    expect(r.filter((x) => x.agent === 'gpu0' && x.op === 'read').map((x) => x.obj)).toEqual(['buf0', 'buf1']);
    expect(r.filter((x) => x.agent === 'gpu1' && x.op === 'read').map((x) => x.obj)).toEqual(['buf1', 'buf0']);
  });

  it('device memory: copies instead of CPU accesses; owners are the GPUs', async () => {
    // 2 buffers of 256 KiB on 2 GPUs; readback 0.5 of U = 4 → 2 units = 128 KiB copied back per buffer.
    const r = await run({ buffers: 2, 'buffer-size': '256KiB', 'access-size': '64KiB', gpus: 2, mem: 'device', readback: 0.5 });
    expect(r.filter((x) => x.op === 'alloc').map((x) => [x.agent, x.mem])).toEqual([['gpu0', 'device'], ['gpu1', 'device']]);
    expect(r.filter((x) => x.op === 'copy').map((x) => [x.agent, x.peer, x.obj, x.bytes])).toEqual([
      ['cpu0', 'gpu0', 'buf0', 256 * KiB], ['cpu0', 'gpu1', 'buf1', 256 * KiB],
      ['gpu0', 'cpu0', 'buf0', 128 * KiB], ['gpu1', 'cpu0', 'buf1', 128 * KiB],
    ]);
    expect(r.filter((x) => x.agent === 'cpu0' && (x.op === 'read' || x.op === 'write'))).toHaveLength(0);
    expect(r.filter((x) => x.op === 'free').map((x) => x.agent)).toEqual(['gpu0', 'gpu1']);
  });

  it('a partial last unit and a partial read-back', async () => {
    // 100 KiB at 64 KiB → units of 64 KiB and 36 KiB; readback 0.5 → ceil(1) = 1 unit.
    const r = await run({ buffers: 1, 'buffer-size': '100KiB', 'access-size': '64KiB', access: 'read', readback: 0.5 });
    expect(r.filter((x) => x.agent === 'gpu0' && x.op === 'read').map((x) => x.bytes)).toEqual([64 * KiB, 36 * KiB]);
    expect(r.filter((x) => x.agent === 'cpu0' && x.op === 'read').map((x) => x.bytes)).toEqual([64 * KiB]);
  });

  it('records the resolved parameters and devices', async () => {
    const out = tmp.path('meta.arrow');
    synth('gpu-kernel', { gpus: 2, 'device-memory': '1MiB', oversubscription: 0.5, bufferSize: '64KiB' }, out);
    const t = await TraceReader.open(out);
    const params = JSON.parse(t.metadata.get(META.synthParams)!) as Record<string, unknown>;
    expect(Object.keys(params)).toEqual([...Object.keys(params)].sort());
    expect(params['device-memory']).toBe(MiB);
    expect(params['buffer-size']).toBe(64 * KiB);
    expect(params.oversubscription).toBe(0.5);
    expect(JSON.parse(t.metadata.get(META.devices)!)).toEqual([
      { agent: 'cpu0' }, { agent: 'gpu0', memory: MiB }, { agent: 'gpu1', memory: MiB },
    ]);
    await t.close();
    // Without oversubscription the device memory does not define the workload and is not recorded.
    synth('gpu-kernel', { gpus: 2 }, tmp.path('meta2.arrow'));
    const t2 = await TraceReader.open(tmp.path('meta2.arrow'));
    expect(JSON.parse(t2.metadata.get(META.devices)!)).toEqual([{ agent: 'cpu0' }, { agent: 'gpu0' }, { agent: 'gpu1' }]);
    await t2.close();
  });

  it('same parameters and seed give the same bytes', () => {
    const p = { pattern: 'random', 'buffer-size': '2MiB', kernels: 2, seed: 5 };
    synth('gpu-kernel', p, tmp.path('s1.arrow'));
    synth('gpu-kernel', p, tmp.path('s2.arrow'));
    synth('gpu-kernel', { ...p, seed: 6 }, tmp.path('s3.arrow'));
    expect(fileBytes(tmp.path('s1.arrow')).equals(fileBytes(tmp.path('s2.arrow')))).toBe(true);
    expect(fileBytes(tmp.path('s1.arrow')).equals(fileBytes(tmp.path('s3.arrow')))).toBe(false);
  });

  it('rejects inconsistent parameters, naming the flags', () => {
    expect(() => synth('gpu-kernel', { pattern: 'stride', 'access-size': '3000', stride: '2MiB' }, tmp.path('bad.arrow'))).toThrow(/--stride: must be a multiple of --access-size/);
    expect(() => synth('gpu-kernel', { gpus: 3, buffers: 2 }, tmp.path('bad.arrow'))).toThrow(/--buffers\/--gpus/);
    expect(() => synth('gpu-kernel', { readback: 1.5 }, tmp.path('bad.arrow'))).toThrow(/--readback: must be at most 1/);
    expect(tmp.files().filter((f) => f.startsWith('bad') || f.includes('.bad'))).toEqual([]);
  });
});

describe('gpu-kernel invariants (property test)', () => {
  it('rows sorted, every access inside its object, every unit visited as the pattern says, count as announced', () => {
    const arb = fc.record({
      buffers: fc.integer({ min: 1, max: 4 }),
      units: fc.integer({ min: 1, max: 40 }),
      tail: fc.integer({ min: 0, max: 4095 }),
      pattern: fc.constantFrom('stream', 'stride', 'random', 'stencil'),
      strideUnits: fc.integer({ min: 1, max: 9 }),
      access: fc.constantFrom('rw', 'read', 'write'),
      gpus: fc.integer({ min: 1, max: 3 }),
      sharing: fc.constantFrom('private', 'shared'),
      kernels: fc.integer({ min: 1, max: 3 }),
      mem: fc.constantFrom('managed', 'anon', 'device'),
      seed: fc.integer({ min: 0, max: 1000 }),
    }).filter((c) => c.sharing === 'shared' || c.buffers >= c.gpus);
    fc.assert(fc.property(arb, (c) => {
      const access = 4096;
      // A partial last unit when tail > 0: (units − 1) whole units plus `tail` bytes.
      const size = c.tail > 0 ? (c.units - 1) * access + c.tail : c.units * access;
      const p = resolveParams(gpuKernel, {
        buffers: c.buffers, 'buffer-size': Math.max(size, 1), 'access-size': access, pattern: c.pattern, stride: c.strideUnits * access,
        access: c.access, gpus: c.gpus, sharing: c.sharing, kernels: c.kernels, mem: c.mem, seed: c.seed,
      });
      const rows: TraceRow[] = [];
      const sink = { append: (r: TraceRow) => rows.push({ ...r }) } as unknown as TraceWriter;
      gpuKernel.generate(p, sink, new Rng(c.seed));
      expect(rows).toHaveLength(gpuKernel.expectedRows(p));
      const objs = new Map<string, { addr: number; bytes: number }>();
      const visits = new Map<string, number>(); // `corr obj unit op` → count
      for (let i = 0; i < rows.length; i++) {
        const r = rows[i]!;
        if (i > 0) expect(r.ts).toBeGreaterThanOrEqual(rows[i - 1]!.ts);
        if (r.op === 'alloc') { objs.set(r.obj!, { addr: r.addr!, bytes: r.bytes! }); expect(r.addr! % 2097152).toBe(0); continue; }
        if (r.obj === null) continue;
        const o = objs.get(r.obj)!;
        expect(r.addr!).toBeGreaterThanOrEqual(o.addr);
        expect(r.addr! + r.bytes!).toBeLessThanOrEqual(o.addr + o.bytes);
        if (r.corr !== null) {
          const k = `${r.corr} ${r.obj} ${(r.addr! - o.addr) / access} ${r.op}`;
          visits.set(k, (visits.get(k) ?? 0) + 1);
        }
      }
      // Independent expectation per kernel, buffer and unit: reads/writes per unit by pattern and access mode.
      const U = Math.ceil(Math.max(size, 1) / access);
      const kernelRows = rows.filter((r) => r.op === 'kernel');
      for (const k of kernelRows) {
        const g = Number(k.agent.slice(3));
        const mine = c.sharing === 'shared' ? Array.from({ length: c.buffers }, (_, b) => b) : Array.from({ length: c.buffers }, (_, b) => b).filter((b) => b % c.gpus === g);
        for (const b of mine) {
          for (let u = 0; u < U; u++) {
            const reads = c.pattern === 'stencil' ? 1 + (u > 0 ? 1 : 0) + (u < U - 1 ? 1 : 0) : c.access === 'write' ? 0 : 1;
            const writes = c.pattern === 'stencil' ? (c.access === 'read' ? 0 : 1) : c.access === 'read' ? 0 : 1;
            // Stencil: unit u is read as itself and as the neighbour of u−1 and u+1.
            expect(visits.get(`${k.corr} buf${b} ${u} read`) ?? 0).toBe(reads);
            expect(visits.get(`${k.corr} buf${b} ${u} write`) ?? 0).toBe(writes);
          }
        }
      }
    }), { numRuns: 60, seed: 20261121 });
  });
});
