import { describe, expect, it } from 'vitest';
import { SpillLog, TripleLog } from './spill-log.ts';

/** Appends rows (i, i², -i) for i < n, merging row i into the previous one when i % 5 = 4 (v += -i). */
function fill(log: SpillLog, n: number): void {
  for (let i = 0; i < n; i++) {
    const last = log.last();
    if (i % 5 === 4 && last >= 0) { log.cols[2]![last]! += -i; continue; }
    const k = log.add();
    log.cols[0]![k] = i; log.cols[1]![k] = i * i; log.cols[2]![k] = -i;
  }
}

function rows(log: SpillLog): number[][] {
  const out: number[][] = [];
  log.scan((cols, n) => { for (let i = 0; i < n; i++) out.push(cols.map((c) => c[i]!)); });
  return out;
}

describe('SpillLog', () => {
  it('scans every row in append order, merges into the newest row included, whatever the chunk size', () => {
    // Expected by hand: rows for i not ≡ 4 (mod 5); row i ≡ 3 (mod 5) has v = -i - (i + 1).
    const want: number[][] = [];
    for (let i = 0; i < 1000; i++) if (i % 5 !== 4) want.push([i, i * i, i % 5 === 3 && i + 1 < 1000 ? -i - (i + 1) : -i]);
    for (const chunk of [2, 3, 17, 4096]) {
      const log = new SpillLog(3, chunk);
      fill(log, 1000);
      expect(log.rows, `chunk ${chunk}`).toBe(800);
      expect(rows(log), `chunk ${chunk}`).toEqual(want);
      log.close();
    }
  });
});

describe('TripleLog', () => {
  it('merges same-instant entries of the same `a` exactly as without spilling', () => {
    // Entries: t = floor(i / 3), a = i % 2, v = i. Merging adds consecutive entries with equal (t, a).
    const push = (log: TripleLog) => { for (let i = 0; i < 600; i++) log.push(Math.floor(i / 3), i % 2, i); };
    const whole = new TripleLog(true, 1 << 16);
    const small = new TripleLog(true, 2);
    push(whole); push(small);
    expect(rows(small)).toEqual(rows(whole));
    // By hand: (t, a) never repeats on consecutive entries here (a alternates), so nothing merges.
    expect(whole.rows).toBe(600);
    const merging = new TripleLog(true, 2);
    for (let i = 0; i < 10; i++) merging.push(5, 1, i); // one instant, one a: a single entry of 0+…+9 = 45
    expect(rows(merging)).toEqual([[5, 1, 45]]);
    small.close(); merging.close();
  });
});
