import { describe, expect, it } from 'vitest';
import { durationNs, localNs } from './timestamp.ts';

describe('localNs', () => {
  it('integer epoch µs: exact differences × 1000', () => {
    // 1683564901548726 µs is past 2^50; after the anchor it is small and exact.
    expect(localNs(1683564901548726, 1683564901540885, '')).toBe(7841000);
    expect(localNs(1683564901540000, 1683564901540885, '')).toBe(-885000);
  });

  it('decimal µs: the nanosecond digits come from the text, not from the rounded double', () => {
    // Epoch µs with decimals: doubles near 1.7e15 are 0.25 µs apart, so 1683564901548726.123 parses
    // to …726.0 or …726.25; only the text still says 123 ns.
    const epoch = 1683564901548726.123;
    expect(Math.round((epoch - 1683564901548726) * 1000)).not.toBe(123);
    expect(localNs(epoch, 1683564901548726, '{"ph": "X", "ts": 1683564901548726.123, "dur": 1}')).toBe(123);
    const ts = 1365627862757.064;
    expect(localNs(ts, 1365627862000, '{"ts":1365627862757.064}')).toBe(757064);
    // Sub-ns digits round half up: .0005 µs = 0.5 ns → 1 ns; .0004 → 0.
    expect(localNs(1.0005, 1, '{"ts": 1.0005}')).toBe(1);
    expect(localNs(1.0004, 1, '{"ts": 1.0004}')).toBe(0);
    // A text that does not match the value (e.g. a nested "ts" first) falls back to the double.
    expect(localNs(2.5, 0, '{"args": {"ts": 9.5}, "ts": 2.5}')).toBe(2500);
  });

  it('refuses what cannot be exact', () => {
    expect(localNs(2 ** 60, 0, '')).toBeNull();
    expect(localNs(1e13, 0, '')).toBeNull(); // 1e16 ns > 2^53
  });

  it('durations: µs → ns, rounded', () => {
    expect(durationNs(87412.863)).toBe(87412863);
    expect(durationNs(0)).toBe(0);
  });
});
