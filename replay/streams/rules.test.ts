import { describe, expect, it } from 'vitest';
import { CorrTable } from './corr-table.ts';
import { latest, modeledStart } from './ready-rule.ts';
import { modeledReturn } from './sync-rule.ts';

describe('ready rule: S\' = readyMod + max(0, S - readyObs)', () => {
  it('reproduces the observed start when the modeled readiness equals the observed one', () => {
    expect(modeledStart(1500, 1000, 1000)).toBe(1500);
  });
  it('moves the op by exactly the change of its readiness, keeping the 500 ns gap', () => {
    // ready 1000 observed, 3000 modeled (the previous op got 2000 ns slower): 3000 + 500
    expect(modeledStart(1500, 1000, 3000)).toBe(3500);
    // ready 200 earlier: 800 + 500
    expect(modeledStart(1500, 1000, 800)).toBe(1300);
  });
  it('counts a negative gap (op observed before it was ready: clock skew) as 0', () => {
    expect(modeledStart(900, 1000, 1000)).toBe(1000);
  });
  it('keeps the observed start when nothing constrains the op', () => {
    expect(modeledStart(1500, Number.NaN, Number.NaN)).toBe(1500);
    expect(latest(Number.NaN, Number.NaN, Number.NaN)).toBeNaN();
    expect(latest(Number.NaN, 7, 3)).toBe(7);
    expect(latest(2, Number.NaN, 9)).toBe(9);
  });
});

describe('sync rule: R\' = max(T\', W\') + (R - max(T, W))', () => {
  it('keeps the 10 ns tail after the awaited end and follows the modeled end', () => {
    // T 100, returns 1010, awaited op ended 1000; modeled end 2000, call at 100: 2000 + 10
    expect(modeledReturn(100, 100, 1010, 1000, 2000)).toBe(2010);
    // the GPU got faster: awaited end 400 modeled -> 410 (the thread moves earlier)
    expect(modeledReturn(100, 100, 1010, 1000, 400)).toBe(410);
  });
  it('returns the call\'s own duration after its modeled start when the work ended before the call', () => {
    // W 50 < T 100: tail = 1010 - 100 = 910; T' = 300 > W' 60: 300 + 910
    expect(modeledReturn(100, 300, 1010, 50, 60)).toBe(1210);
  });
  it('moves the call with its thread when it waits for nothing known', () => {
    expect(modeledReturn(100, 250, 1010, Number.NaN, Number.NaN)).toBe(1160);
  });
});

describe('CorrTable: bounded map from correlation id to two times', () => {
  it('forgets the oldest id beyond its capacity and counts lookups of it', () => {
    const t = new CorrTable(2);
    t.set(10, 1, 2);
    t.set(11, 3, 4);
    t.set(12, 5, 6); // pushes 10 out
    expect(t.slot(10)).toBe(-1);
    expect(t.forgotten).toBe(1);
    const k = t.slot(12);
    expect([t.obs[k], t.mod[k]]).toEqual([5, 6]);
  });
  it('keeps the latest end of several ops with one id', () => {
    const t = new CorrTable(4);
    t.setMax(5, 100, 120);
    t.setMax(5, 90, 130);
    const k = t.slot(5);
    expect([t.obs[k], t.mod[k]]).toEqual([100, 130]);
  });
});
