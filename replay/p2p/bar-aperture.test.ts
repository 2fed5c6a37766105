import { describe, expect, it } from 'vitest';
import { TripleLog } from '../memory/triple-log.ts';
import { BAR_GRANULE, BarAperture } from './bar-aperture.ts';

describe('BarAperture', () => {
  it('counts shared granules once, logs occupancy deltas and the time it had no room', () => {
    const log = new TripleLog(true);
    const full: number[] = [];
    const bar = new BarAperture([3 * BAR_GRANULE], log, full);
    // Dense pages 0..31 = granules 0 and 1; pages 16..47 = granules 1 and 2 (granule 1 shared).
    expect(BarAperture.granules(0, 31)).toEqual([0, 2]);
    expect(BarAperture.granules(16, 47)).toEqual([1, 3]);
    bar.map(100, 0, 0, 2);
    expect(bar.newBytes(1, 3)).toBe(BAR_GRANULE);
    expect(bar.fits(0, 1, 3)).toBe(true);
    bar.map(200, 0, 1, 3); // 3 granules held: the aperture is full from t = 200
    expect(bar.mapped[0]).toBe(3 * BAR_GRANULE);
    expect(bar.fits(0, 3, 4)).toBe(false);
    bar.unmap(500, 0, 0, 2); // granule 0 freed, granule 1 still held by the second mapping
    expect(bar.mapped[0]).toBe(2 * BAR_GRANULE);
    expect(full[0]).toBe(300);
    bar.markFull(600, 0);
    bar.finish(1000);
    expect(full[0]).toBe(300 + 400);
    expect(Array.from(log.v.subarray(0, log.count))).toEqual([2 * BAR_GRANULE, BAR_GRANULE, -BAR_GRANULE]);
  });
});
