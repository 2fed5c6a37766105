import { describe, expect, it } from 'vitest';
import type { Dataset } from '../analysis/dataset.ts';
import { barCapacity, memoryCapacity, type RunFacts } from './capacity.ts';

const base: Omit<RunFacts, 'id' | 'keys'> = { end_ns: 1000, fallbacks: 0, path_fallbacks: 0, path_causes: [], map_refused: 0, peer_maps: 1, bounce_bytes: 0, evictions: 0, bar_peak_bytes: 0 };
const run = (keys: Record<string, string>, over: Partial<RunFacts>): RunFacts => ({ ...base, id: Object.entries(keys).map(([k, v]) => `${k}=${v}`).join('/'), keys, ...over });
const ds = (keys: string[], runs: RunFacts[]): Dataset => ({ root: '/x', kind: 'sweep', keys, runs: runs.map((r) => ({ id: r.id, dir: `/x/${r.id}`, keys: r.keys })) });

describe('smallest BAR with zero fallbacks', () => {
  it('does not blame the BAR for fallbacks the path causes (reads blocked through the host bridge)', () => {
    // 1 fallback at every size, all p2p_reads_blocked: the BAR answer is the smallest size tried, with
    // the path named; nothing says "try a larger BAR".
    const runs = [
      run({ 'gpu0.bar': '256MiB' }, { fallbacks: 1, path_fallbacks: 1, path_causes: ['p2p_reads_blocked'] }),
      run({ 'gpu0.bar': '1GiB' }, { fallbacks: 1, path_fallbacks: 1, path_causes: ['p2p_reads_blocked'] }),
    ];
    const [a] = barCapacity(ds(['gpu0.bar'], runs), runs).answers;
    expect(a!.smallest).toEqual({ value: '256MiB', bytes: 256 * 2 ** 20 });
    expect(a!.tried.map((t) => [t.fallbacks, t.path_fallbacks])).toEqual([[0, 1], [0, 1]]);
    expect(a!.verdict).toContain('p2p_reads_blocked');
    expect(a!.verdict).not.toContain('larger BAR');
  });

  it('needs zero fallbacks at the size and every larger one', () => {
    // 256MiB: 0 fallbacks (a lucky point), 1GiB: 3, 4GiB: 0, 16GiB: 0 → the answer is 4GiB, not 256MiB.
    const runs = [
      run({ p: 'x', 'gpu0.bar': '1GiB' }, { fallbacks: 3 }),
      run({ p: 'x', 'gpu0.bar': '256MiB' }, { fallbacks: 0 }),
      run({ p: 'x', 'gpu0.bar': '16GiB' }, { fallbacks: 0 }),
      run({ p: 'x', 'gpu0.bar': '4GiB' }, { fallbacks: 0 }),
    ];
    const { key, answers } = barCapacity(ds(['p', 'gpu0.bar'], runs), runs);
    expect(key).toBe('gpu0.bar');
    expect(answers).toHaveLength(1);
    expect(answers[0]!.group).toBe('p=x'); // keys other than workload/platform keep their name
    expect(answers[0]!.tried.map((t) => t.value)).toEqual(['256MiB', '1GiB', '4GiB', '16GiB']);
    expect(answers[0]!.smallest).toEqual({ value: '4GiB', bytes: 4 * 2 ** 30 });
  });

  it('says when even the largest BAR falls back, and when no P2P happens at all', () => {
    const runs = [
      run({ w: 'rdma', bar: '256MiB' }, { fallbacks: 9 }), run({ w: 'rdma', bar: '1GiB' }, { fallbacks: 2 }),
      run({ w: 'kernel', bar: '256MiB' }, { peer_maps: 0 }), run({ w: 'kernel', bar: '1GiB' }, { peer_maps: 0 }),
    ];
    const { answers } = barCapacity(ds(['w', 'bar'], runs), runs);
    expect(answers.map((a) => [a.group, a.smallest?.value ?? null])).toEqual([['w=rdma', null], ['w=kernel', '256MiB']]);
    expect(answers[0]!.verdict).toMatch(/even at 1GiB/);
    expect(answers[1]!.verdict).toMatch(/does not matter/);
  });

  it('has no answer without a BAR axis', () => {
    const runs = [run({ platform: 'a' }, {}), run({ platform: 'b' }, {})];
    expect(barCapacity(ds(['platform'], runs), runs)).toEqual({ key: null, answers: [] });
  });
});

describe('device memory for a 10 % budget', () => {
  it('picks the smallest memory within 10 % of the largest', () => {
    // baseline 32GiB: 1000 ns. 8GiB: 1500 (50 % slower), 12GiB: 1100 (exactly +10 %, inside), 16GiB: 1050.
    const runs = [
      run({ m: '8GiB' }, { end_ns: 1500, evictions: 40 }), run({ m: '12GiB' }, { end_ns: 1100, evictions: 3 }),
      run({ m: '16GiB' }, { end_ns: 1050, evictions: 1 }), run({ m: '32GiB' }, { end_ns: 1000 }),
    ].map((r) => ({ ...r, keys: { 'gpu0.memory': r.keys.m! } }));
    const { key, answers } = memoryCapacity(ds(['gpu0.memory'], runs), runs, 0.1);
    expect(key).toBe('gpu0.memory');
    expect(answers[0]!.needed?.value).toBe('12GiB');
    expect(answers[0]!.tried.map((t) => t.ratio)).toEqual([1.5, 1.1, 1.05, 1]);
    expect(answers[0]!.fullyResident).toBe(true);
  });

  it('flags a baseline that still evicts', () => {
    const runs = [run({ 'gpu0.memory': '1GiB' }, { end_ns: 5000, evictions: 9 }), run({ 'gpu0.memory': '2GiB' }, { end_ns: 4000, evictions: 2 })];
    const { answers } = memoryCapacity(ds(['gpu0.memory'], runs), runs);
    // 5000 / 4000 = 1.25 > 1.1, so only the baseline itself qualifies
    expect(answers[0]!.needed?.value).toBe('2GiB');
    expect(answers[0]!.fullyResident).toBe(false);
    expect(answers[0]!.verdict).toMatch(/not fully resident/);
  });
});
