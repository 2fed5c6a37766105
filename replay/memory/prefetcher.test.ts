import { describe, expect, it } from 'vitest';
import { PAGES_PER_BLOCK, Prefetcher } from './prefetcher.ts';

/** Block-relative page masks from index ranges [lo, hi). */
function mask(...ranges: [number, number][]): Uint8Array {
  const m = new Uint8Array(PAGES_PER_BLOCK);
  for (const [lo, hi] of ranges) m.fill(1, lo, hi);
  return m;
}
function ranges(m: Uint8Array): [number, number][] {
  const out: [number, number][] = [];
  for (let i = 0; i < m.length;) {
    if (!m[i]) { i++; continue; }
    let j = i;
    while (j < m.length && m[j]) j++;
    out.push([i, j]);
    i = j;
  }
  return out;
}
function run(p: Prefetcher, resident: Uint8Array, faultedPages: number[], first = 0, outer = PAGES_PER_BLOCK) {
  const faulted = new Uint8Array(PAGES_PER_BLOCK);
  for (const x of faultedPages) faulted[x] = 1;
  const prefetch = new Uint8Array(PAGES_PER_BLOCK);
  p.compute(resident, faulted, null, first, outer, prefetch);
  return { faulted: ranges(faulted), prefetch: ranges(prefetch) };
}

describe('tree-based density prefetcher (REFERENCE.md §2.4), one 2 MiB block of 512 pages', () => {
  const p = new Prefetcher(true, 51);

  it('sequential faults: one big page at a time, the tree fills ever larger aligned regions', () => {
    // A single thread touching pages 0,1,2,… faults once per not-yet-resident page. The faulted page
    // stays the only fault; its big page is filled only in the tree's bitmap, so the other 15 pages of
    // it are prefetch (§2.4, corrected: `prefetch_pages &= ~faulted_pages`). Worked by hand:
    // fault 0   → bitmap big page [0,16); level-4 node [0,16) 100 % > 51 qualifies, [0,32) 16/32 =
    //             50 % does not → region [0,16), prefetch [1,16).
    // fault 16  → bitmap [0,32): node [0,32) 100 %; [0,64) 50 % no → region [0,32) minus resident [0,16)
    //             and the fault → prefetch [17,32).
    // fault 32  → bitmap [0,48): [32,48) 100 %, [32,64) 50 % no, [0,64) 48/64 = 75 % yes, [0,128) 37.5 % no
    //             → region [0,64), prefetch [33,64).
    // fault 64  → bitmap [0,80): [0,128) 80/128 = 62.5 % yes, [0,256) 31 % no → prefetch [65,128).
    // fault 128 → bitmap [0,144): [0,256) 144/256 = 56.25 % yes, [0,512) 28 % no → prefetch [129,256).
    // fault 256 → bitmap [0,272): [256,512) 6 % no, [0,512) 272/512 = 53.1 % yes → prefetch [257,512).
    const expected: [number, [number, number][]][] = [
      [0, [[1, 16]]], [16, [[17, 32]]], [32, [[33, 64]]], [64, [[65, 128]]], [128, [[129, 256]]], [256, [[257, 512]]],
    ];
    const resident = new Uint8Array(PAGES_PER_BLOCK);
    const faultsSeen: number[] = [];
    for (let page = 0; page < PAGES_PER_BLOCK; page++) {
      if (resident[page]) continue;
      faultsSeen.push(page);
      const r = run(p, resident, [page]);
      const want = expected.find(([f]) => f === page);
      expect(want, `unexpected fault at page ${page}`).toBeDefined();
      expect(r.faulted).toEqual([[page, page + 1]]);
      expect(r.prefetch).toEqual(want![1]);
      for (const [lo, hi] of [...r.faulted, ...r.prefetch]) resident.fill(1, lo, hi);
    }
    expect(faultsSeen).toEqual([0, 16, 32, 64, 128, 256]);
  });

  it('strided faults at every other big page: exactly 50 % everywhere, which is not strictly above 51 (nor 50)', () => {
    // Faults at pages 0, 32, 64, …, 480 (stride 128 KiB) in one batch fill the even big pages in the tree:
    // 256 of 512 pages. Every node above a big page holds exactly half → no ancestor qualifies at 51 % or
    // 50 %; each big page itself does, so its 15 other pages are prefetched: [x+1, x+16).
    const strided = Array.from({ length: 16 }, (_, k) => k * 32);
    const r = run(p, new Uint8Array(PAGES_PER_BLOCK), strided);
    expect(r.faulted).toEqual(strided.map((x) => [x, x + 1]));
    expect(r.prefetch).toEqual(strided.map((x) => [x + 1, x + 16]));
    expect(run(new Prefetcher(true, 50), new Uint8Array(PAGES_PER_BLOCK), strided).prefetch).toEqual(strided.map((x) => [x + 1, x + 16]));
    // At 49 % the root (256/512 = 50 % > 49) qualifies: every page but the faulted ones is prefetched.
    expect(run(new Prefetcher(true, 49), new Uint8Array(PAGES_PER_BLOCK), strided).prefetch)
      .toEqual(strided.map((x) => [x + 1, x + 32]));
  });

  it('random sparse faults prefetch nothing; random faults over a half-resident block fill the block', () => {
    // Pages 5, 200, 201, 450 fill big pages [0,16), [192,208), [448,464) in the tree: 48 pages; each big
    // page's parent holds 16/32 = 50 % and higher nodes less → only the rest of the faulted big pages.
    const r = run(p, new Uint8Array(PAGES_PER_BLOCK), [450, 5, 201, 200]);
    expect(r.faulted).toEqual([[5, 6], [200, 202], [450, 451]]);
    expect(r.prefetch).toEqual([[0, 5], [6, 16], [192, 200], [202, 208], [448, 450], [451, 464]]);
    // With [0,256) already resident, a fault at 300 fills [288,304): 272/512 = 53.1 % at the root → the
    // rest of the block but the faulted page, i.e. [256,300) and [301,512), is prefetched.
    const r2 = run(p, mask([0, 256]), [300]);
    expect(r2.faulted).toEqual([[300, 301]]);
    expect(r2.prefetch).toEqual([[256, 300], [301, 512]]);
  });

  it('a block cut short by its allocation: node sizes are clipped to the valid pages', () => {
    // 100 valid pages (a 400 KiB allocation): levels up to 128 leaves, the top node [0,100) has size 100.
    // Resident [0,48) + fault 48 (filled to [48,64) in the tree) → [0,64) 100 % and [0,100) 64/100 = 64 %
    // → prefetch [49,100).
    const r = run(p, mask([0, 48]), [48], 0, 100);
    expect(r.faulted).toEqual([[48, 49]]);
    expect(r.prefetch).toEqual([[49, 100]]);
    // Only a fault at 0: [0,16) qualifies, [0,32) = 50 % does not, and [0,100) 16 % does not → [1,16).
    expect(run(p, new Uint8Array(PAGES_PER_BLOCK), [0], 0, 100).prefetch).toEqual([[1, 16]]);
  });

  it('disabled: no big-page growth and no prefetch (4 KiB on-demand migration)', () => {
    const r = run(new Prefetcher(false, 51), mask([0, 256]), [300]);
    expect(r.faulted).toEqual([[300, 301]]);
    expect(r.prefetch).toEqual([]);
  });

  it('the word-wise computation equals a page-by-page reading of §2.4 on random blocks', () => {
    // The oracle below is the rule of the header comment written page by page (a prefix sum over the
    // 512 pages, every tree node counted from it): independent of the bitmap arithmetic under test.
    // Random resident/faulted/thrashing masks, with valid regions that start and end off big-page and
    // word boundaries, and thresholds on both sides of 50 %.
    let seed = 12345;
    const rand = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
    const randomMask = (density: number) => { const m = new Uint8Array(PAGES_PER_BLOCK); for (let i = 0; i < m.length; i++) m[i] = rand() < density ? 1 : 0; return m; };
    for (let trial = 0; trial < 3000; trial++) {
      const threshold = [1, 25, 51, 75, 100][trial % 5]!;
      const first = rand() < 0.5 ? 0 : Math.floor(rand() * 300);
      const outer = rand() < 0.5 ? PAGES_PER_BLOCK : first + 1 + Math.floor(rand() * (PAGES_PER_BLOCK - first - 1));
      const resident = randomMask([0, 0.1, 0.5, 0.9][trial % 4]!);
      const faulted = randomMask([0.002, 0.01, 0.05, 0.3][(trial >> 2) % 4]!);
      const thrashing = trial % 3 === 0 ? null : randomMask(trial % 3 === 1 ? 0.01 : 0.2);
      const unmapped = trial % 7 < 3 ? null : randomMask(0.3);
      const got = new Uint8Array(PAGES_PER_BLOCK).fill(7);
      const p = new Prefetcher(true, threshold);
      p.compute(resident, faulted, thrashing, first, outer, got, unmapped);
      const want = referencePrefetch(resident, faulted, thrashing, first, outer, threshold, unmapped);
      for (let i = first; i < outer; i++) if (got[i] !== want[i]) throw new Error(`trial ${trial}: page ${i} got ${got[i]} want ${want[i]}`);
      expect(p.count).toBe(want.reduce((a, b) => a + b, 0));
      if (p.count > 0) expect([p.spanLo, p.spanHi]).toEqual([want.indexOf(1), want.lastIndexOf(1) + 1]);
    }
  });
});

/** §2.4 page by page (see the header of prefetcher.ts): the test oracle. */
function referencePrefetch(resident: Uint8Array, faulted: Uint8Array, thrashing: Uint8Array | null, first: number, outer: number, threshold: number, unmapped: Uint8Array | null): Uint8Array {
  const out = new Uint8Array(PAGES_PER_BLOCK);
  const filled = Uint8Array.from(faulted);
  for (let bp = first - (first % 16); bp < outer; bp += 16) {
    const lo = Math.max(bp, first);
    const hi = Math.min(bp + 16, outer);
    let any = false;
    let thrash = false;
    for (let i = lo; i < hi; i++) { if (faulted[i]) any = true; if (thrashing?.[i]) thrash = true; }
    if (any && !thrash) filled.fill(1, lo, hi);
  }
  const prefix = new Int32Array(PAGES_PER_BLOCK + 1);
  for (let i = first; i < outer; i++) prefix[i + 1] = prefix[i]! + (resident[i] || filled[i] ? 1 : 0);
  const base = first - (first % 16);
  const leaves = outer - base;
  let levels = 1;
  while (1 << (levels - 1) < leaves) levels++;
  let coveredEnd = -1;
  for (let p = first; p < outer; p++) {
    if (!faulted[p] || p < coveredEnd) continue;
    let best: [number, number] | null = null;
    for (let level = 0; level < levels; level++) {
      const lo = ((p - base) >> level) << level;
      const hi = Math.min(lo + (1 << level), leaves);
      const count = prefix[base + hi]! - prefix[Math.max(base + lo, first)]!;
      if (count * 100 > (hi - lo) * threshold) best = [lo, hi];
    }
    if (!best) continue;
    out.fill(1, Math.max(base + best[0], first), base + best[1]);
    coveredEnd = base + best[1];
  }
  // Minus faulted pages and resident pages, but resident pages without a mapping stay (to be mapped).
  for (let i = first; i < outer; i++) if (faulted[i] || (resident[i] && !unmapped?.[i])) out[i] = 0;
  return out;
}
