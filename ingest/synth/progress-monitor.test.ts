import { afterAll, describe, expect, it } from 'vitest';
import { readAllRows, type PlainRow } from '../trace/reader.ts';
import { synth } from './index.ts';
import { fileBytes, scratchDir } from './testing.ts';

const BASE = 0x7f0000000000;
const tmp = scratchDir();
afterAll(() => tmp.cleanup());

let n = 0;
async function run(params: Record<string, string | number | boolean>): Promise<PlainRow[]> {
  const out = tmp.path(`p${n++}.arrow`);
  synth('progress-monitor', params, out);
  return readAllRows(out);
}

describe('progress-monitor', () => {
  it('1 ms kernel, updates every 10 µs, peeks every 100 µs', async () => {
    const r = await run({ 'kernel-duration': '1ms', 'update-interval': '10us', 'peek-interval': '100us' });
    // 1 ms / 10 µs = 100 updates, 1 ms / 100 µs = 10 peeks; + 3 setup + 3 teardown = 116 rows.
    expect(r).toHaveLength(116);
    expect(r.slice(0, 3).map((x) => [x.ts, x.op, x.agent, x.obj, x.peer])).toEqual([
      [0, 'alloc', 'gpu0', 'progress', null], [0, 'peer_map', 'nic0', 'progress', 'gpu0'], [0, 'kernel', 'gpu0', null, null],
    ]);
    expect([r[0]!.addr, r[0]!.bytes, r[0]!.mem]).toEqual([BASE, 4096, 'devobj']);
    expect(r[1]!.bytes).toBe(4096);
    expect([r[2]!.dur, r[2]!.corr]).toEqual([1e6, 1]);
    const upd = r.filter((x) => x.agent === 'gpu0' && x.op === 'atomic');
    expect(upd.map((x) => x.ts)).toEqual(Array.from({ length: 100 }, (_, i) => (i + 1) * 10_000));
    expect(upd.every((x) => x.addr === BASE && x.bytes === 8 && x.corr === 1)).toBe(true);
    const peeks = r.filter((x) => x.agent === 'nic0' && x.op === 'read');
    expect(peeks.map((x) => x.ts)).toEqual(Array.from({ length: 10 }, (_, i) => (i + 1) * 100_000));
    expect(peeks.every((x) => x.addr === BASE && x.bytes === 8 && x.obj === 'progress')).toBe(true);
    // At 100 µs the 10th update comes before the first peek.
    expect(r.filter((x) => x.ts === 100_000).map((x) => x.op)).toEqual(['atomic', 'read']);
    expect(r.slice(-3).map((x) => [x.ts, x.op, x.agent])).toEqual([[1e6, 'sync', 'cpu0'], [1e6, 'peer_unmap', 'nic0'], [1e6, 'free', 'gpu0']]);
  });

  it('intervals that do not divide the kernel, writes instead of atomics, a bigger peek', async () => {
    // 1 ms / 300 µs → 3 updates (300, 600, 900 µs); 1 ms / 450 µs → 2 peeks (450, 900 µs).
    const r = await run({ 'kernel-duration': '1ms', 'update-interval': '300us', 'peek-interval': '450us', 'update-op': 'write', 'peek-bytes': '64', 'counter-mem': 'anon' });
    expect(r).toHaveLength(6 + 3 + 2);
    expect(r.filter((x) => x.op === 'write').map((x) => x.ts)).toEqual([300_000, 600_000, 900_000]);
    expect(r.filter((x) => x.op === 'read').map((x) => [x.ts, x.bytes])).toEqual([[450_000, 64], [900_000, 64]]);
    expect(r[0]!.agent).toBe('cpu0');
  });

  it('is deterministic; the seed changes no row', async () => {
    const p = { 'kernel-duration': '2ms' };
    synth('progress-monitor', p, tmp.path('d1.arrow'));
    synth('progress-monitor', p, tmp.path('d2.arrow'));
    expect(fileBytes(tmp.path('d1.arrow')).equals(fileBytes(tmp.path('d2.arrow')))).toBe(true);
    synth('progress-monitor', { ...p, seed: 3 }, tmp.path('d3.arrow'));
    expect(await readAllRows(tmp.path('d3.arrow'))).toEqual(await readAllRows(tmp.path('d1.arrow')));
  });

  it('defaults: 10 ms kernel, 10 µs updates, 100 µs peeks of 8 bytes', async () => {
    const r = await run({});
    // 10 ms / 10 µs = 1000 updates; 10 ms / 100 µs = 100 peeks; + 6.
    expect(r).toHaveLength(1106);
  });
});
