import { describe, expect, it } from 'vitest';
import { byteTicks } from './calibration-copies.ts';

describe('copy size ticks', () => {
  it('are powers of two, every 16× when at least three fit, else denser', () => {
    // 16 KiB .. 350 MiB: 2^16, 2^20, 2^24, 2^28 (2^14 is not a multiple of 4 in the exponent).
    expect(byteTicks(16384, 366_739_456)).toEqual([2 ** 16, 2 ** 20, 2 ** 24, 2 ** 28]);
    // 8 B .. 704 B: every 16× gives only 16, 256 → every 4×: 16, 64, 256.
    expect(byteTicks(8, 704)).toEqual([16, 64, 256]);
    // 64 B .. 384 B: every 4× gives 64, 256 → every 2×: 64, 128, 256.
    expect(byteTicks(64, 384)).toEqual([64, 128, 256]);
  });
});
