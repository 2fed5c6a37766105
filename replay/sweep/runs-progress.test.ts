/**
 * The sweep's bar moves as runs progress: each running replay reports the fraction of its rows done
 * through its worker, and the sweep adds them to the runs already finished.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { TraceWriter, clearRow, emptyRow } from '../../ingest/trace/writer.ts';
import type { Addr, Bytes, Ns } from '../../ingest/trace/units.ts';
import { runInWorkers } from './pool.ts';
import { DEFAULT_REPLAY_MODULE } from './run-variant.ts';
import { RunsProgress } from './runs-progress.ts';

const tmp = mkdtempSync(join(tmpdir(), 'hetmem-runs-progress-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('RunsProgress', () => {
  it('counts finished runs whole and running ones by their fraction', () => {
    const p = new RunsProgress();
    expect(p.running(0, 0.5)).toBe(0.5);
    expect(p.running(1, 0.25)).toBe(0.75); // 0.5 + 0.25
    expect(p.finished(0)).toBe(1.25); // 1 + 0.25
    expect(p.running(1, 2)).toBe(2); // a fraction is clamped to 1: 1 + 1
    expect(p.finished(1)).toBe(2);
  });
});

describe('replay progress through the worker pool', () => {
  it('reports rows replayed: batch 0 of 2 rows of an estimated 3 × 2, then all 5 rows', async () => {
    // 5 rows written 2 per batch: 3 batches (2, 2, 1). After batch 0 the engine knows 2 rows of an
    // estimated 2 × 3 = 6 (forwarded at once: 1/3); the last batch makes the total exact, 5 of 5 (1).
    const trace = join(tmp, 't.arrow');
    const w = new TraceWriter(trace, { batchRows: 2, metadata: { 'hetmem.source.format': 'test' } });
    const r = emptyRow();
    for (let i = 0; i < 5; i++) {
      clearRow(r);
      r.ts = i as Ns; r.op = i === 0 ? 'alloc' : 'read'; r.agent = 'gpu0'; r.obj = 'b';
      r.addr = 0x7f0000000000 as Addr; r.bytes = 4096 as Bytes; if (i === 0) r.mem = 'device';
      w.append(r);
    }
    w.close();
    const seen: number[][] = [[], []];
    await runInWorkers(
      [0, 1].map((k) => ({ replayModule: DEFAULT_REPLAY_MODULE, trace, platform: 'a100-pcie4', out: join(tmp, `run${k}`), progress: true })),
      2, () => {}, undefined, (i, fraction) => seen[i]!.push(fraction),
    );
    for (const s of seen) {
      expect(s[0]).toBeCloseTo(1 / 3, 12);
      expect(s[s.length - 1]).toBe(1);
      expect([...s].sort((a, b) => a - b)).toEqual(s); // never backwards
    }
  });
});
