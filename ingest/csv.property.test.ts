/**
 * Property: any valid rows written as canonical CSV (in random column order, with random but
 * equivalent spellings of numbers) come back from the Arrow trace unchanged, sorted stably by ts.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { ingest } from './ingest.ts';
import { readAllRows, type PlainRow } from './trace/reader.ts';
import { COLUMNS, MEM_KINDS } from './trace/schema.ts';

const dir = mkdtempSync(join(tmpdir(), 'hetmem-csvprop-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// Ops whose rows address memory by addr alone (objects are covered by csv.test.ts).
const RANGE_OPS = ['read', 'write', 'atomic', 'obs_migrate'] as const;
const agent = fc.tuple(fc.constantFrom('cpu', 'gpu', 'nic', 'nvme'), fc.nat(12)).map(([k, i]) => `${k}${i}`);
/** Free text: non-empty, no leading/trailing blanks (fields are trimmed), may hold , " and newlines. */
const text = fc.string({ unit: fc.constantFrom('a', 'Z', '9', ',', '"', ' ', '\n', 'µ', '<', '#', ':'), minLength: 1, maxLength: 8 })
  .filter((s) => s.trim() === s);
const maybe = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: null });
const exact = fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER });

const row: fc.Arbitrary<PlainRow> = fc.oneof(
  fc.record({
    ts: fc.integer({ min: 0, max: 1e12 }), dur: maybe(fc.integer({ min: 0, max: 1e9 })), op: fc.constantFrom(...RANGE_OPS), agent,
    addr: fc.integer({ min: 0, max: 2 ** 48 }), bytes: fc.integer({ min: 0, max: 2 ** 40 }),
    obj: fc.constant(null), peer: maybe(agent), mem: maybe(fc.constantFrom(...MEM_KINDS)), cause: maybe(text),
    stream: maybe(fc.integer({ min: 0, max: 2 ** 31 - 1 })), corr: maybe(exact), name: maybe(text),
  }),
  fc.record({
    ts: fc.integer({ min: 0, max: 1e12 }), dur: maybe(fc.integer({ min: 0, max: 1e9 })), op: fc.constantFrom('kernel', 'sync'), agent,
    addr: fc.constant(null), bytes: fc.constant(null), obj: fc.constant(null), peer: maybe(agent), mem: fc.constant(null), cause: maybe(text),
    stream: maybe(fc.integer({ min: 0, max: 2 ** 31 - 1 })), corr: maybe(exact), name: maybe(text),
  }),
);

/** Spelling choices per number, all meaning the same value. */
interface Spelling { hexAddr: boolean; unitBytes: boolean; unitTime: boolean }
const quote = (s: string) => `"${s.replace(/"/g, '""')}"`;
function spell(c: string, v: string | number | null, sp: Spelling): string {
  if (v === null) return '';
  if (typeof v === 'string') return quote(v);
  if (c === 'addr' && sp.hexAddr) return `0x${v.toString(16)}`;
  if (c === 'bytes' && sp.unitBytes && v % 1024 === 0 && v > 0) return `${v / 1024}KiB`;
  if ((c === 'ts' || c === 'dur') && sp.unitTime && v % 1000 === 0) return `${v / 1000}us`;
  return String(v);
}

let n = 0;
describe('canonical CSV round trip (property)', () => {
  it('random valid rows survive CSV → Arrow → rows, sorted stably by ts', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(row, { minLength: 0, maxLength: 40 }),
        fc.shuffledSubarray([...COLUMNS], { minLength: COLUMNS.length, maxLength: COLUMNS.length }),
        fc.record({ hexAddr: fc.boolean(), unitBytes: fc.boolean(), unitTime: fc.boolean() }),
        async (rows, order, sp) => {
          const file = join(dir, `p${n}.csv`);
          const out = join(dir, `p${n++}.arrow`);
          const lines = [order.join(','), ...rows.map((r) => order.map((c) => spell(c, r[c], sp)).join(','))];
          writeFileSync(file, lines.join('\n') + '\n');
          await ingest([file], { output: out, format: 'csv' });
          // Expected: the input rows, stably sorted by ts (Array.prototype.sort is stable).
          const expected = rows.map((r, i) => ({ r, i })).sort((a, b) => a.r.ts - b.r.ts).map((x) => x.r);
          expect(await readAllRows(out)).toEqual(expected);
          rmSync(file);
          rmSync(out);
        },
      ),
      { numRuns: 60, seed: 20261121 },
    );
  });
});
