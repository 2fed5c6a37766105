import { describe, expect, it } from 'vitest';
import { columnUnit, formatResult } from './format-result.ts';
import { namedQueryDescription, namedQueryNames } from './named-queries.ts';

describe('query tables in human units', () => {
  it('knows byte and ns columns by their names, and nothing else', () => {
    expect(['bytes', 'peak_mapped_bytes', 'bytes_moved', 'size_lo'].map(columnUnit)).toEqual(['bytes', 'bytes', 'bytes', 'bytes']);
    expect(['ts', 'dur', 'first_ts', 'end_ns', 'transfer_ns'].map(columnUnit)).toEqual(['ns', 'ns', 'ns', 'ns', 'ns']);
    expect(['b', 'migrations', 'peak_util', 'tsunami', 'nbytes'].map(columnUnit)).toEqual([null, null, null, null, null]);
  });

  it('shows 268435456 bytes as 256 MiB and 27119663 ns as 27.12 ms; --raw and CSV keep numbers', () => {
    const r = { columns: ['run', 'bytes', 'full_ns', 'n'], types: ['VARCHAR', 'BIGINT', 'BIGINT', 'BIGINT'], rows: [['a', 268435456, 27119663, 3], ['bb', 1536, null, 10]] };
    // 268435456 = 256 × 2^20; 1536 = 1.5 × 1024; 27119663 ns = 27.119663 ms → two decimals.
    // Widths: run 3; bytes max(5, len '256 MiB' 7, len '1.50 KiB' 8) = 8; full_ns 8; n 2; two spaces apart.
    expect(formatResult(r, 'table').split('\n').slice(0, 4)).toEqual([
      'run     bytes   full_ns   n',
      '---  --------  --------  --',
      'a     256 MiB  27.12 ms   3',
      'bb   1.50 KiB            10',
    ]);
    // raw: bytes is 9 wide (268435456)
    expect(formatResult(r, 'table', { raw: true }).split('\n')[2]).toBe('a    268435456  27119663   3');
    expect(formatResult(r, 'csv')).toBe('run,bytes,full_ns,n\na,268435456,27119663,3\nbb,1536,,10\n');
  });

  it('every named query has a one-line description from its file', () => {
    for (const name of namedQueryNames()) {
      const d = namedQueryDescription(name);
      expect(d.length, name).toBeGreaterThan(10);
      expect(d.length, name).toBeLessThan(100);
      expect(d, name).not.toMatch(/\n/);
    }
    expect(namedQueryDescription('bar_pressure')).toBe('BAR aperture pressure per run and GPU');
  });
});
