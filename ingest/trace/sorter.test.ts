import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { TraceReader, readAllRows } from './reader.ts';
import { META } from './schema.ts';
import { SortingTraceWriter } from './sorter.ts';
import { emptyRow } from './writer.ts';
import type { Addr, Ns } from './units.ts';

const dir = mkdtempSync(join(tmpdir(), 'hetmem-sorter-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A deterministic pseudo-random sequence (LCG) so failures reproduce. */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; return s / 2 ** 32; };
}

/** Appends rows with the given ts; `name` records the input position, `obj` a few repeating strings. */
function appendAll(w: SortingTraceWriter, tss: number[]): void {
  const r = emptyRow();
  tss.forEach((ts, i) => {
    r.ts = ts as Ns;
    r.op = i % 2 ? 'read' : 'write';
    r.agent = `gpu${i % 3}`;
    r.obj = i % 4 === 0 ? null : `o${i % 5}`;
    r.addr = (i % 4 === 0 ? null : 4096 * i) as Addr | null;
    r.name = `row${i}`;
    w.append(r);
  });
}

/** The expected order by an independent method: Array.prototype.sort is stable (ES2019). */
function expectedNames(tss: number[]): string[] {
  return tss.map((ts, i) => ({ ts, i })).sort((a, b) => a.ts - b.ts).map((x) => `row${x.i}`);
}

describe('SortingTraceWriter', () => {
  it('sorts by ts and keeps the input order of equal ts (in memory)', async () => {
    const path = join(dir, 'small.arrow');
    const tss = [5, 1, 5, 1, 3, 0, 5, 3];
    const w = new SortingTraceWriter(path);
    appendAll(w, tss);
    await w.close();
    expect(w.spilledRuns).toBe(0);
    const rows = await readAllRows(path);
    // Worked by hand: 0(row5) 1(row1,row3) 3(row4,row7) 5(row0,row2,row6).
    expect(rows.map((r) => r.name)).toEqual(['row5', 'row1', 'row3', 'row4', 'row7', 'row0', 'row2', 'row6']);
    expect(rows.map((r) => r.ts)).toEqual([0, 1, 1, 3, 3, 5, 5, 5]);
    // Other columns travel with their row: row3 is a read by gpu0 of o3 at 3*4096.
    expect(rows[2]).toMatchObject({ op: 'read', agent: 'gpu0', obj: 'o3', addr: 3 * 4096 });
    // row4: obj and addr null (i % 4 === 0).
    expect(rows[3]).toMatchObject({ name: 'row4', obj: null, addr: null });
  });

  it('spills sorted runs and merges them stably', async () => {
    const path = join(dir, 'spill.arrow');
    const rnd = lcg(42);
    // Few distinct ts values → many ties across run boundaries.
    const tss = Array.from({ length: 257 }, () => Math.floor(rnd() * 20));
    const w = new SortingTraceWriter(path, { runRows: 16, batchRows: 7 });
    appendAll(w, tss);
    // 257 rows in runs of 16: a run spills when row 17, 33, … arrives → floor(256/16) = 16 runs on disk.
    expect(w.spilledRuns).toBe(16);
    await w.close();
    const rows = await readAllRows(path);
    expect(rows.map((r) => r.name)).toEqual(expectedNames(tss));
    expect(rows.map((r) => r.agent)).toEqual(expectedNames(tss).map((n) => `gpu${Number(n.slice(3)) % 3}`));
    // Only the trace is left: the run files are gone.
    expect(readdirSync(dir).filter((f) => f.includes('spill'))).toEqual(['spill.arrow']);
  });

  it('puts leading rows before every appended row of equal ts, in memory and across spilled runs', async () => {
    for (const runRows of [1000, 7]) {
      const path = join(dir, `leading-${runRows}.arrow`);
      const w = new SortingTraceWriter(path, { runRows, batchRows: 4 });
      const tss = [5, 0, 3, 0, 5, 1, 0, 2, 9, 3, 0, 5, 4, 0, 1, 3, 0, 2];
      appendAll(w, tss);
      // Leading rows come at the end of the input (as implied allocations do) yet must sort first among
      // equal ts: lead-b (ts 0) and lead-c (ts 0) before every appended ts-0 row, in their own order;
      // lead-a (ts 3) before the appended ts-3 rows.
      const r = emptyRow();
      for (const [name, ts] of [['lead-a', 3], ['lead-b', 0], ['lead-c', 0]] as const) {
        r.ts = ts as Ns; r.op = 'alloc'; r.agent = 'cpu0'; r.name = name; r.obj = null; r.addr = null;
        w.appendLeading(r);
      }
      expect(w.rows).toBe(tss.length + 3);
      await w.close();
      const names = (await readAllRows(path)).map((x) => x.name);
      const appended = expectedNames(tss);
      const tsOf = (name: string) => tss[Number(name.slice(3))]!;
      const expected = [
        'lead-b', 'lead-c', ...appended.filter((n) => tsOf(n) === 0),
        ...appended.filter((n) => tsOf(n) > 0 && tsOf(n) < 3),
        'lead-a', ...appended.filter((n) => tsOf(n) >= 3),
      ];
      expect(names).toEqual(expected);
    }
  });

  it('records unmapped counts as JSON with sorted keys', async () => {
    const path = join(dir, 'unmapped.arrow');
    const w = new SortingTraceWriter(path, { metadata: { [META.sourceFormat]: 'x' } });
    appendAll(w, [1]);
    w.unmapped('zeta');
    w.unmapped('alpha', 2);
    w.unmapped('zeta', 4);
    await w.close();
    const t = await TraceReader.open(path);
    expect(t.metadata.get(META.unmapped)).toBe('{"alpha":2,"zeta":5}');
    expect(t.metadata.get(META.sourceFormat)).toBe('x');
    await t.close();
  });

  it('abort after spilling leaves nothing behind', () => {
    const sub = mkdtempSync(join(dir, 'abort-'));
    const w = new SortingTraceWriter(join(sub, 'out.arrow'), { runRows: 4 });
    appendAll(w, Array.from({ length: 20 }, (_, i) => 20 - i));
    expect(w.spilledRuns).toBe(4); // runs spill at rows 5, 9, 13, 17
    expect(readdirSync(sub).length).toBe(4);
    w.abort();
    expect(readdirSync(sub)).toEqual([]);
  });
});
