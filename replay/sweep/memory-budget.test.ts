import { describe, expect, it } from 'vitest';
import { defaultWorkers, REPLAY_BASE_BYTES } from './memory-budget.ts';

const GiB = 1024 ** 3;

describe('default sweep workers from memory', () => {
  it('is as many replays as fit in 80 % of available memory, at least 1, at most one per core', () => {
    // 1.75 GiB trace → estimate 0.25 + 1.75 = 2 GiB per replay; 80 % of 10 GiB = 8 GiB → 4 replays
    const trace = 1.75 * GiB;
    expect(REPLAY_BASE_BYTES).toBe(0.25 * GiB);
    expect(defaultWorkers(trace, 10 * GiB, 16)).toBe(4);
    expect(defaultWorkers(trace, 10 * GiB, 2)).toBe(2); // capped by cores
    expect(defaultWorkers(trace, 2 * GiB, 16)).toBe(1); // 1.6 GiB fits none: still one worker
    expect(defaultWorkers(trace, 4.9 * GiB, 16)).toBe(1); // 3.92 / 2 = 1.96 → 1
  });
});
