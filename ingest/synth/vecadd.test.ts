import { afterAll, describe, expect, it } from 'vitest';
import { readAllRows } from '../trace/reader.ts';
import { META } from '../trace/schema.ts';
import { synth } from './index.ts';
import { fileBytes, scratchDir, tallyTrace } from './testing.ts';

const BASE = 0x7f0000000000;
const MiB = 1048576;
const tmp = scratchDir();
afterAll(() => tmp.cleanup());

describe('vecadd', () => {
  it('N = 2^20: 2 allocs of 4 MiB, P = 1024 pages, rows in the documented order', async () => {
    const out = tmp.path('v20.arrow');
    const { rows } = synth('vecadd', { n: 2 ** 20 }, out);
    // 2^20 floats × 4 B = 4 MiB = 1024 pages of 4 KiB per array; rows = 6P + 6 = 6150.
    expect(rows).toBe(6150);
    const r = await readAllRows(out);
    expect(r).toHaveLength(6150);
    const allocs = r.filter((x) => x.op === 'alloc');
    expect(allocs.map((a) => [a.obj, a.addr, a.bytes, a.mem, a.agent])).toEqual([
      ['x', BASE, 4 * MiB, 'managed', 'cpu0'],
      // x ends at BASE + 4 MiB, already 2 MiB-aligned, so y starts there.
      ['y', BASE + 4 * MiB, 4 * MiB, 'managed', 'cpu0'],
    ]);
    // CPU init: rows 2..2049 are writes of x then y, page by page in address order.
    const init = r.slice(2, 2 + 2048);
    expect(init.every((x) => x.op === 'write' && x.agent === 'cpu0' && x.bytes === 4096)).toBe(true);
    expect(init.map((x) => x.addr)).toEqual(Array.from({ length: 2048 }, (_, i) => BASE + i * 4096));
    expect(init[1023]!.obj).toBe('x');
    expect(init[1024]!.obj).toBe('y');
    // The kernel row, then per page p: read x[p], read y[p], write y[p], all corr 1 on gpu0.
    const k = r[2050]!;
    expect([k.op, k.agent, k.corr, k.name]).toEqual(['kernel', 'gpu0', 1, 'vecadd']);
    const gpu = r.slice(2051, 2051 + 3 * 1024);
    expect(gpu.every((x) => x.agent === 'gpu0' && x.corr === 1 && x.bytes === 4096)).toBe(true);
    expect(gpu.slice(0, 6).map((x) => [x.op, x.obj, x.addr])).toEqual([
      ['read', 'x', BASE], ['read', 'y', BASE + 4 * MiB], ['write', 'y', BASE + 4 * MiB],
      ['read', 'x', BASE + 4096], ['read', 'y', BASE + 4 * MiB + 4096], ['write', 'y', BASE + 4 * MiB + 4096],
    ]);
    // Kernel shares its first access's tick; dur = 3P × 100 ns.
    expect(k.ts).toBe(gpu[0]!.ts);
    expect(k.dur).toBe(3 * 1024 * 100);
    const sync = r[2051 + 3072]!;
    expect([sync.op, sync.agent, sync.peer]).toEqual(['sync', 'cpu0', 'gpu0']);
    const back = r.slice(2051 + 3072 + 1, 2051 + 3072 + 1 + 1024);
    expect(back.every((x, i) => x.op === 'read' && x.agent === 'cpu0' && x.obj === 'y' && x.addr === BASE + 4 * MiB + i * 4096)).toBe(true);
    expect(r.slice(-2).map((x) => [x.op, x.obj])).toEqual([['free', 'x'], ['free', 'y']]);
    // One row per 100 ns tick (row i at i × 100 ns, minus one for the kernel row sharing a tick).
    expect(r[0]!.ts).toBe(0);
    expect(r.at(-1)!.ts).toBe((6150 - 2) * 100);
    for (let i = 1; i < r.length; i++) expect(r[i]!.ts).toBeGreaterThanOrEqual(r[i - 1]!.ts);
  });

  it('a partial last page carries the remaining bytes', async () => {
    const out = tmp.path('v-odd.arrow');
    // N = 1025 floats = 4100 bytes = one full page + 4 bytes.
    synth('vecadd', { n: 1025, mem: 'anon' }, out);
    const r = await readAllRows(out);
    expect(r).toHaveLength(6 * 2 + 6);
    expect(r.filter((x) => x.op === 'alloc').map((x) => [x.bytes, x.mem])).toEqual([[4100, 'anon'], [4100, 'anon']]);
    // y is placed at the next 2 MiB boundary after x's 4100 bytes.
    expect(r[1]!.addr).toBe(BASE + 2 * MiB);
    expect(r.filter((x) => x.op === 'write' && x.agent === 'cpu0').map((x) => x.bytes)).toEqual([4096, 4, 4096, 4]);
  });

  it('Done-when: --n 67108864 gives 2 allocs of 256 MiB and 3P reads, 3P writes (P = 65536)', async () => {
    const out = tmp.path('v26.arrow');
    synth('vecadd', { n: 67108864 }, out);
    const t = await tallyTrace(out);
    // 2^26 floats × 4 B = 256 MiB per array → P = 256 MiB / 4 KiB = 65536 pages.
    const P = 65536;
    expect(t.ops.alloc).toEqual({ count: 2, bytes: 512 * MiB });
    expect(t.ops.read).toEqual({ count: 3 * P, bytes: 3 * 256 * MiB });
    expect(t.ops.write).toEqual({ count: 3 * P, bytes: 3 * 256 * MiB });
    expect(t.agentOps['gpu0 read']!.count).toBe(2 * P);
    expect(t.agentOps['gpu0 write']!.count).toBe(P);
    expect(t.agentOps['cpu0 write']!.count).toBe(2 * P);
    expect(t.agentOps['cpu0 read']!.count).toBe(P);
    expect(t.rows).toBe(6 * P + 6);
    expect(t.metadata.get(META.sourceFormat)).toBe('synth:vecadd');
    expect(JSON.parse(t.metadata.get(META.synthParams)!)).toEqual({ 'access-gap': 100, mem: 'managed', n: 67108864, seed: 1 });
  });

  it('is deterministic, and the seed changes no row (vecadd has no randomness)', async () => {
    const a = tmp.path('d1.arrow');
    const b = tmp.path('d2.arrow');
    const c = tmp.path('d3.arrow');
    synth('vecadd', { n: 5000 }, a);
    synth('vecadd', { n: '5000' }, b);
    synth('vecadd', { n: 5000, seed: 9 }, c);
    expect(fileBytes(a).equals(fileBytes(b))).toBe(true);
    const [ra, rc] = [await readAllRows(a), await readAllRows(c)];
    expect(rc).toEqual(ra);
  });
});
