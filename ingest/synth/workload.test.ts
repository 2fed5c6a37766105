import { describe, expect, it } from 'vitest';
import { UsageError } from '../../common/bad-input.ts';
import { vecadd } from './vecadd.ts';
import { formatParamValue, kebabCase, parseParam, parseRate, resolveParams, type ParamSpec } from './workload.ts';

const spec = (type: ParamSpec['type'], extra: Partial<ParamSpec> = {}): ParamSpec => ({ name: 'x', type, default: 0, help: '', ...extra });

describe('parameter parsing', () => {
  it('sizes take binary and decimal suffixes', () => {
    expect(parseParam(spec('size'), '1MiB')).toBe(1048576);
    expect(parseParam(spec('size'), '64 KiB')).toBe(65536);
    expect(parseParam(spec('size'), '1MB')).toBe(1_000_000);
    expect(parseParam(spec('size'), 4096)).toBe(4096);
    expect(parseParam(spec('size'), '1.5KiB')).toBe(1536);
    expect(parseParam(spec('size'), 'lots')).toMatch(/is not a size/);
    expect(parseParam(spec('size'), 1.5)).toMatch(/whole number/);
  });

  it('durations take ns/us/ms/s suffixes, bare numbers are ns', () => {
    expect(parseParam(spec('duration'), '100us')).toBe(100_000);
    expect(parseParam(spec('duration'), '1.5ms')).toBe(1_500_000);
    expect(parseParam(spec('duration'), '2s')).toBe(2e9);
    expect(parseParam(spec('duration'), '250')).toBe(250);
    expect(parseParam(spec('duration'), '1.5ns')).toMatch(/whole number of ns/);
  });

  it('rates in bytes/s or bits/s', () => {
    // 100 Gbit/s ÷ 8 = 12.5 GB/s.
    expect(parseRate('100Gbit/s')).toBe(12.5e9);
    expect(parseRate('100Gbps')).toBe(12.5e9);
    expect(parseRate('12.5GB/s')).toBe(12.5e9);
    expect(parseRate('1GiB/s')).toBe(1073741824);
    expect(parseRate('4096')).toBe(4096);
    expect(parseRate('0GB/s')).toMatch(/positive/);
    expect(parseRate('quick')).toMatch(/is not a rate/);
  });

  it('bools, ints, floats and bounds', () => {
    expect(parseParam(spec('bool'), 'yes')).toBe(true);
    expect(parseParam(spec('bool'), 'false')).toBe(false);
    expect(parseParam(spec('bool'), 'maybe')).toMatch(/not a boolean/);
    expect(parseParam(spec('int'), '0x10')).toBe(16);
    expect(parseParam(spec('int'), '1.5')).toMatch(/not an integer/);
    expect(parseParam(spec('float'), '1.25')).toBe(1.25);
    expect(parseParam(spec('float'), '-1')).toMatch(/not a non-negative number/);
    expect(parseParam(spec('int', { min: 2 }), '1')).toMatch(/at least 2/);
    expect(parseParam(spec('size', { max: 1024 }), '2KiB')).toMatch(/at most 1KiB/);
  });

  it('formats values the way a user types them', () => {
    expect(formatParamValue(spec('size'), 65536)).toBe('64KiB');
    expect(formatParamValue(spec('size'), 4100)).toBe('4100B');
    expect(formatParamValue(spec('duration'), 100_000)).toBe('100us');
    expect(formatParamValue(spec('duration'), 1500)).toBe('1500ns');
    expect(formatParamValue(spec('rate'), 12.5e9)).toBe('100Gbit/s');
    expect(formatParamValue(spec('rate'), 2e9)).toBe('2GB/s');
  });

  it('kebab-cases library keys', () => {
    expect(kebabCase('chunkSize')).toBe('chunk-size');
    expect(kebabCase('access-gap')).toBe('access-gap');
  });
});

describe('resolveParams', () => {
  it('fills defaults, adds the seed, and serialises with sorted keys', () => {
    const p = resolveParams(vecadd, { n: '2048', accessGap: '1us' });
    expect(p.toJSON()).toEqual({ 'access-gap': 1000, mem: 'managed', n: 2048, seed: 1 });
    expect(Object.keys(p.toJSON())).toEqual(['access-gap', 'mem', 'n', 'seed']);
  });

  it('names the flag of an unknown parameter or a bad value', () => {
    expect(() => resolveParams(vecadd, { size: 1 })).toThrow(UsageError);
    expect(() => resolveParams(vecadd, { size: 1 })).toThrow(/unknown parameter --size \(known: --n, --mem, --access-gap, --seed\)/);
    expect(() => resolveParams(vecadd, { n: 'many' })).toThrow(/synth vecadd: --n: is not an integer/);
    expect(() => resolveParams(vecadd, { mem: 'device' })).toThrow(/--mem: must be one of managed, anon \(got "device"\)/);
    expect(() => resolveParams(vecadd, { n: 0 })).toThrow(/--n: must be at least 1/);
    expect(() => resolveParams(vecadd, { seed: -1 })).toThrow(/--seed: must not be negative/);
  });
});
