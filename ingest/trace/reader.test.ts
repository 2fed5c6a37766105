import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { synth } from '../synth/index.ts';
import { TraceReader } from './reader.ts';

const dir = mkdtempSync(join(tmpdir(), 'hetmem-reader-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// 200 000 random reads: 4 batches of 65 536 rows (the writer's default), bodies well over 64 KiB, so the
// recycled body ring turns over more than once.
const trace = join(dir, 'ra.arrow');
synth('random-access', { reads: 200_000, footprint: '64MiB', seed: 9 }, trace);
const expected = createHash('sha256').update(readFileSync(trace)).digest('hex'); // independent: whole file at once

describe('TraceReader', () => {
  it('sha256 from the bytes read equals the sha256 of the whole file: all, some or no batches read', async () => {
    for (const read of ['all', 'first', 'none'] as const) {
      const r = await TraceReader.open(trace, { reuseBuffers: true, hash: true });
      const n = read === 'all' ? r.numBatches : read === 'first' ? 1 : 0;
      for (let i = 0; i < n; i++) (await r.batch(i)).num('ts');
      expect(r.sha256(), read).toBe(expected);
      await r.close();
    }
  });

  it('recycled batch bodies: a batch stays intact while the next one is read, every batch reads as with a fresh reader', async () => {
    const sumsOf = async (reuse: boolean) => {
      const r = await TraceReader.open(trace, { reuseBuffers: reuse });
      const sums: number[] = [];
      let next = r.batch(0);
      for (let i = 0; i < r.numBatches; i++) {
        const b = await next;
        // Read ahead like the engine, and let that read finish before batch i is used: the worst case.
        if (i + 1 < r.numBatches) { next = r.batch(i + 1); await next; }
        const addr = b.num('addr');
        const op = b.codes('op');
        let s = 0;
        for (let k = 0; k < b.length; k++) s += (addr[k]! % 1e9) + op[k]!;
        sums.push(s);
      }
      await r.close();
      return sums;
    };
    const fresh = await sumsOf(false);
    expect(fresh.length).toBe(4);
    expect(await sumsOf(true)).toEqual(fresh);
  });
});
