import { describe, expect, it } from 'vitest';
import { copyFitSentences, observedOverModeled, speedPhrase } from './calibration-copies-summary.ts';

describe('how far the model is from the observed copies', () => {
  it('weights each size by its count and skips sizes the platform has no path for', () => {
    const row = (bytes: number, n: number, observed: number, modeled: number | null) => ({
      direction: 'PtoP' as const, bytes, n, observed_median_ns: observed, modeled_ns: modeled, median_rel_error: null, p95_rel_error: null,
    });
    // (2 × 300 + 1 × 900) / (2 × 100 + 1 × 400) = 1500 / 600 = 2.5; the unmodeled size does not count.
    expect(observedOverModeled([row(10, 2, 300, 100), row(20, 1, 900, 400), row(30, 5, 1e6, null)], 'PtoP')).toBe(2.5);
    expect(observedOverModeled([row(30, 5, 1e6, null)], 'PtoP')).toBeNull();
    expect(observedOverModeled([row(10, 2, 300, 100)], 'DtoD')).toBeNull();
  });

  it('says too fast or too slow by the factor, and "within 5 %" below 1.05× either way', () => {
    expect(speedPhrase(2.203)).toBe('2.2× too fast');
    expect(speedPhrase(1.06)).toBe('1.06× too fast');
    expect(speedPhrase(1.049)).toBe('within 5 % of observed');
    expect(speedPhrase(1 / 1.049)).toBe('within 5 % of observed');
    expect(speedPhrase(0.5)).toBe('2.0× too slow');
  });
});

describe('copyFitSentences', () => {
  it('says when a kind has no fit, and when the platform has no path for it', () => {
    const row = (direction: 'HtoD pageable' | 'PtoP', modeled: number | null) => ({
      direction, bytes: 128, n: 45, observed_median_ns: 1000, modeled_ns: modeled, median_rel_error: null, p95_rel_error: null,
    });
    const sentences = copyFitSentences({
      observed: { 'HtoD pageable': 45, PtoP: 1 }, fits: { 'HtoD pageable': null, PtoP: null }, used: {},
      durations: [row('HtoD pageable', 2010), row('PtoP', null)],
      durations_calibrated: [row('HtoD pageable', 2660), row('PtoP', null)],
    });
    // 45 × 1000 / (45 × 2010) = 0.4975 → 1 / 0.4975 = 2.01 → "2.0× too slow"; calibrated 2660 / 1000 → "2.7× too slow".
    expect(sentences).toEqual([
      'HtoD pageable: 45 copies, no fit (fewer than two sizes, or durations do not grow with size); the platform modeled them 2.0× too slow; calibrated.yaml models them 2.7× too slow.',
      'PtoP: 1 copy, no fit (fewer than two sizes, or durations do not grow with size); the platform has no path for them.',
    ]);
  });
});
