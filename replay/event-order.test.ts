import { describe, expect, it } from 'vitest';
import { sortByTs } from './event-order.ts';

describe('sortByTs: row indices by timestamp, ties in emission order', () => {
  it('equals a comparator sort on (ts, index) for nearly sorted, random and tied keys', () => {
    // The oracle is Array.prototype.sort with the comparator (ts, then index): independent of the merge.
    let seed = 99;
    const rand = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
    for (const [n, shape] of [[0, 'random'], [1, 'random'], [2, 'reversed'], [1000, 'random'], [4099, 'nearly'], [3000, 'ties'], [777, 'sorted']] as const) {
      const ts = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        ts[i] = shape === 'random' ? rand() * 1e6 : shape === 'reversed' ? n - i
          : shape === 'nearly' ? i * 10 + (rand() < 0.05 ? -Math.floor(rand() * 500) : 0)
            : shape === 'ties' ? Math.floor(rand() * 20) : i;
      }
      const order = Int32Array.from({ length: n }, (_, i) => i);
      const got = [...sortByTs(order, n, ts, new Int32Array(n)).subarray(0, n)];
      const want = Array.from({ length: n }, (_, i) => i).sort((a, b) => ts[a]! - ts[b]! || a - b);
      expect(got, `${shape} n=${n}`).toEqual(want);
    }
  });

  it('sorts only the first n entries of a longer array', () => {
    const ts = Float64Array.from([5, 1, 3, 0]);
    const order = Int32Array.from([0, 1, 2, 3]);
    expect([...sortByTs(order, 3, ts, new Int32Array(4)).subarray(0, 3)]).toEqual([1, 2, 0]);
  });
});
