/**
 * Driver objects (driver-objects.ts) on fixtures/devobj-submit-twice.csv, whose header states the
 * expectation: 16 + 1 + 1 = 18 CPU PTE faults, 2 submits zapping 16 + 1 = 17 valid pages, no migration.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingest } from '../../ingest/ingest.ts';
import { replay } from '../index.ts';
import { query } from '../testing/events-query.ts';

const dir = mkdtempSync(join(tmpdir(), 'hetmem-devobj-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const trace = join(dir, 'devobj.arrow');
beforeAll(async () => { await ingest([new URL('../../fixtures/devobj-submit-twice.csv', import.meta.url).pathname], { output: trace }); });
const KiB = 1024;

async function run(platform: string, set: Record<string, string> = {}) {
  const out = join(dir, `${platform}-${Object.values(set).join('-')}`);
  const s = await replay({ trace, platform, set, out });
  const ev = `'${out}/events.parquet'`;
  const bytes = async (kind: string) => (await query(`SELECT bytes FROM ${ev} WHERE kind = '${kind}' ORDER BY ts`)).map((r) => r.bytes);
  return { s, bytes };
}

describe('devobj-submit-twice.csv', () => {
  it('VRAM with BAR room (a100-pcie4): faults, zaps per submit, CPU writes through the BAR', async () => {
    const { s, bytes } = await run('a100-pcie4');
    expect(s.devobj).toEqual({ cpu_faults: 18, pte_zaps: 2, moves: 0, move_bytes: 0 });
    expect(await bytes('cpu_pte_fault')).toEqual([64 * KiB, 4 * KiB, 4 * KiB]);
    expect(await bytes('pte_zap')).toEqual([64 * KiB, 4 * KiB]); // one zap per submit: 16 pages, then 1
    expect(s.migrations.total.count).toBe(0);
    // The 64 KiB object takes one granule of CPU-visible BAR; the writes cross it: 64 KiB + 4 KiB + 8 B.
    expect(s.bar.gpu0!.peak_bytes).toBe(64 * KiB);
    expect(s.remote.bytes).toBe(64 * KiB + 4 * KiB + 8);
    expect(s.hazards).toBe(0);
  });

  it('events are in causal order across the CPU and GPU clocks: fault-in, zap, refault, zap, refault', async () => {
    // Each zap removes PTEs the preceding CPU fault-in installed, and each refault is caused by the
    // preceding zap, so in modeled time every event starts at or after the previous one ends (the
    // CPU's first fault-in alone stalls it 16 × 20 µs, which used to put submit #2's zap, on gpu0's
    // own clock, before the refault it zaps).
    const { s } = await run('a100-pcie4');
    expect(s.devobj.pte_zaps).toBe(2);
    const out = join(dir, 'a100-pcie4-');
    const ev = await query(`SELECT kind, ts, dur FROM '${out}/events.parquet' WHERE kind IN ('cpu_pte_fault', 'pte_zap') ORDER BY ts, kind`);
    expect(ev.map((r) => r.kind)).toEqual(['cpu_pte_fault', 'pte_zap', 'cpu_pte_fault', 'pte_zap', 'cpu_pte_fault']);
    for (let i = 1; i < ev.length; i++) expect(ev[i]!.ts as number).toBeGreaterThanOrEqual((ev[i - 1]!.ts as number) + (ev[i - 1]!.dur as number));
  });

  it('no BAR room (gpu0.bar=4KiB, under one 64 KiB granule; a 0-byte BAR is refused as no GPU has one): the first fault moves the object to system memory; faults and zaps stay the same', async () => {
    const { s, bytes } = await run('a100-pcie4', { 'gpu0.bar': '4KiB' });
    expect(s.devobj).toEqual({ cpu_faults: 18, pte_zaps: 2, moves: 1, move_bytes: 64 * KiB });
    expect(await bytes('bo_move')).toEqual([64 * KiB]);
    expect(s.remote.bytes).toBe(0); // the CPU now writes its own RAM
    expect(s.bar.gpu0!.full_ns).toBeGreaterThan(0);
  });

  it('coherent device memory (gh200-c2c): the same faults and zaps, no BAR needed', async () => {
    const { s } = await run('gh200-c2c');
    expect(s.devobj).toEqual({ cpu_faults: 18, pte_zaps: 2, moves: 0, move_bytes: 0 });
    expect(s.bar.gpu0!.peak_bytes).toBe(0);
  });
});
