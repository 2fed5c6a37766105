import { DuckDBInstance } from '@duckdb/node-api';
import { describe, expect, it } from 'vitest';
import { int64Words, roundHalfEven } from './int64-words.ts';

describe('int64Words', () => {
  it('writes int64 values rounded half to even, NaN as null', () => {
    // By hand: 2.5 and 3.5 are ties → the even neighbour (2, 4); -2.5 → -2; 2^32 + 1.5 → 2^32 + 2;
    // -1 is all ones in two's complement (both words -1); NaN → 0 words and a clear validity bit.
    const data = Float64Array.of(0, 1, 2.5, 3.5, -2.5, 2 ** 32, 2 ** 32 + 1.5, 2 ** 53 - 1, -1, Number.NaN);
    const out = new Int32Array(2 * data.length);
    const validity = new Uint8Array(2).fill(0xff);
    expect(int64Words(data, data.length, out, validity)).toBe(1);
    expect([...new BigInt64Array(out.buffer)]).toEqual([0n, 1n, 2n, 4n, -2n, 4294967296n, 4294967298n, 9007199254740991n, -1n, 0n]);
    expect([out[16], out[17]]).toEqual([-1, -1]);
    // rows 0–7 valid (0xff), row 8 valid (bit 0 of byte 1), row 9 NaN (bit 1 clear)
    expect([...validity]).toEqual([0xff, 0b01]);
  });

  it("rounds as DuckDB's CAST(DOUBLE AS BIGINT) does (DuckDB itself is the oracle)", async () => {
    // Ties, near-ties and large values: halves from -10.5 to 10.5, x.5 ± 1 ulp, and big times.
    const xs: number[] = [];
    for (let k = -21; k <= 21; k++) xs.push(k / 2);
    for (const h of [0.5, 1.5, 2.5, 1e6 + 0.5]) xs.push(h - h * Number.EPSILON, h + h * Number.EPSILON);
    for (let k = 0; k < 20; k++) xs.push(1e12 + k * 0.25, 123456789.5 + k);
    const conn = await (await DuckDBInstance.create(':memory:')).connect();
    const rows = (await conn.runAndReadAll(`SELECT CAST(x AS BIGINT) FROM (SELECT unnest([${xs.map((x) => x.toPrecision(17)).join(',')}]::DOUBLE[]) AS x)`)).getRows();
    const duck = rows.map((r) => r[0] as bigint);
    const out = new Int32Array(2 * xs.length);
    int64Words(Float64Array.from(xs), xs.length, out, null);
    expect([...new BigInt64Array(out.buffer)]).toEqual(duck);
    expect(xs.map(roundHalfEven).map(BigInt)).toEqual(duck);
    conn.closeSync();
  });
});
