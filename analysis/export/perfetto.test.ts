import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ingest } from '../../ingest/ingest.ts';
import { readAllRows } from '../../ingest/trace/reader.ts';
import { synth } from '../../ingest/synth/index.ts';
import { replay } from '../../replay/index.ts';
import { query } from '../query.ts';
import { writeTestRun } from '../testing/test-run.ts';
import { exportPerfetto, usFromNs } from './perfetto.ts';

const root = mkdtempSync(join(tmpdir(), 'hetmem-perfetto-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

interface ChromeEvent { ph: string; cat?: string; name: string; pid: number; tid?: number; ts?: number; dur?: number; args?: Record<string, unknown> }
const load = (file: string) => (JSON.parse(readFileSync(file, 'utf8')) as { traceEvents: ChromeEvent[] }).traceEvents;

/** Reads an exported file back with hetmem's own Kineto/Chrome-JSON ingester. */
async function readBack(file: string) {
  const arrow = join(root, `back-${readdirSync(root).length}.arrow`);
  const r = await ingest([file], { format: 'kineto', output: arrow });
  const rows = (await readAllRows(arrow)).filter((x) => x.op === 'copy');
  return { unmapped: r.unmapped, rows };
}

describe('hetmem export --format perfetto', () => {
  it('formats ns as µs with exactly three decimals', () => {
    expect(usFromNs(0)).toBe('0.000');
    expect(usFromNs(153_800)).toBe('153.800');
    expect(usFromNs(1_000_000_007)).toBe('1000000.007');
    expect(usFromNs(2 ** 53 - 1)).toBe('9007199254740.991');
  });

  it('writes a hand-made run as slices, lanes and counters, and reads back through the Kineto reader', async () => {
    const dir = join(root, 'hand');
    // Six events and four timeline rows, chosen so every rule shows:
    //  - the two sys0→gpu0 migrations overlap (7000 < 6000+2500), so the second takes lane 2;
    //  - the fault (instant at 1000) ends at 1000, so the fault batch at 1000 reuses lane 1 of gpu0.
    await writeTestRun(dir, {
      events: [
        { ts: 1000, dur: 0, kind: 'fault', agent: 'gpu0', dst: 'gpu0', addr: 0x7f0000000000, bytes: 4096, cause: 'fault', obj: 'x' },
        { ts: 1000, dur: 5000, kind: 'fault_batch', agent: 'gpu0', dst: 'gpu0', bytes: 65536, cause: 'fault' },
        { ts: 6000, dur: 2500, kind: 'migrate', agent: 'gpu0', src: 'sys0', dst: 'gpu0', addr: 0x7f0000000000, bytes: 4096, cause: 'fault', obj: 'x' },
        { ts: 7000, dur: 3000, kind: 'migrate', agent: 'gpu0', src: 'sys0', dst: 'gpu0', addr: 0x7f0000001000, bytes: 61440, cause: 'prefetch', obj: 'x' },
        { ts: 20000, dur: 4000, kind: 'evict', agent: 'gpu0', src: 'gpu0', dst: 'sys0', addr: 0x7f0000000000, bytes: 2097152, cause: 'eviction', obj: 'x' },
        { ts: 20000, dur: 4000, kind: 'migrate', agent: 'gpu0', src: 'gpu0', dst: 'sys0', addr: 0x7f0000000000, bytes: 2097152, cause: 'eviction', obj: 'x' },
      ],
      timeline: [
        { ts: 0, dur: 10000, metric: 'bar_mapped_bytes', entity: 'gpu0', value: 0 },
        { ts: 10000, dur: 10000, metric: 'bar_mapped_bytes', entity: 'gpu0', value: 65536 },
        { ts: 0, dur: 10000, metric: 'link_util', entity: 'cpu0-gpu0:down', value: 0.5 },
        { ts: 10000, dur: 10000, metric: 'link_util', entity: 'cpu0-gpu0:down', value: 0.25 },
      ],
    });
    const out = join(root, 'hand.json');
    const r = await exportPerfetto(dir, out);
    // slices: one per event; counters: 2 BAR samples + 2 link samples + 1 closing 0 of the link.
    expect(r.slices).toEqual({ fault: 1, fault_batch: 1, migrate: 3, evict: 1 });
    expect(r.counters).toBe(5);
    // tracks: gpu0 (agents), sys0 → gpu0 and its lane #2, gpu0 → sys0 (transfers).
    expect(r.tracks).toBe(4);

    const ev = load(out);
    const threadNames = ev.filter((e) => e.name === 'thread_name').map((e) => e.args!.name).sort();
    expect(threadNames).toEqual(['gpu0', 'gpu0 → sys0', 'sys0 → gpu0', 'sys0 → gpu0 #2']);
    const bar = ev.filter((e) => e.ph === 'C' && e.name === 'BAR mapped bytes gpu0').map((e) => [e.ts, e.args!.value]);
    // "at interval end" values are stamped at ts + dur: 10 µs and 20 µs.
    expect(bar).toEqual([[10, 0], [20, 65536]]);
    const link = ev.filter((e) => e.ph === 'C' && e.name === 'link utilisation cpu0-gpu0:down').map((e) => [e.ts, e.args!.value]);
    expect(link).toEqual([[0, 0.5], [10, 0.25], [20, 0]]);
    const mig = ev.filter((e) => e.cat === 'gpu_memcpy').map((e) => [e.name, e.ts, e.dur]);
    expect(mig).toEqual([
      ['Memcpy HtoD (Managed -> Device) fault', 6, 2.5],
      ['Memcpy HtoD (Managed -> Device) prefetch', 7, 3],
      ['Memcpy DtoH (Device -> Managed) eviction', 20, 4],
    ]);

    const back = await readBack(out);
    // Every non-copy event is counted by category; metadata = 3 process names + 4 thread names + 4 sort indexes.
    expect(back.unmapped).toEqual({ 'hetmem.fault': 1, 'hetmem.fault_batch': 1, 'hetmem.evict': 1, 'hetmem.counter': 5, metadata: 11 });
    expect(back.rows.map((x) => [x.agent, x.peer, x.bytes, x.dur])).toEqual([
      ['cpu0', 'gpu0', 4096, 2500], ['cpu0', 'gpu0', 61440, 3000], ['gpu0', 'cpu0', 2097152, 4000],
    ]);
    // Start offsets between the copies survive exactly: 7000 − 6000 and 20000 − 6000 ns.
    const t0 = back.rows[0]!.ts;
    expect(back.rows.map((x) => x.ts - t0)).toEqual([0, 1000, 14000]);
  });

  it('a replayed run: read back, the copies are the run\'s migrations (count, bytes, span)', async () => {
    const trace = join(root, 'k.arrow');
    synth('gpu-kernel', { oversubscription: '1.5', 'device-memory': '16MiB' }, trace);
    const run = join(root, 'krun');
    await replay({ trace, platform: 'a100-pcie4', set: { 'gpu0.memory': '16MiB' }, out: run });
    const out = join(root, 'k.json');
    const r = await exportPerfetto(run, out);
    // The expectation comes from the run's own Parquet through DuckDB, a path the export does not share.
    const q = await query(run, `SELECT count(*) AS n, sum(bytes) AS b, min(ts) AS t0, max(ts + dur) AS t1 FROM events WHERE kind = 'migrate'`);
    const [n, bytes, t0, t1] = q.rows[0] as number[];
    const kinds = await query(run, `SELECT kind, count(*) FROM events GROUP BY kind ORDER BY kind`);
    expect(r.slices).toEqual(Object.fromEntries(kinds.rows.map(([k, c]) => [k, c])));
    const back = await readBack(out);
    expect(back.rows.length).toBe(n);
    expect(n).toBeGreaterThan(0);
    expect(back.rows.reduce((a, x) => a + (x.bytes ?? 0), 0)).toBe(bytes);
    const start = Math.min(...back.rows.map((x) => x.ts));
    const end = Math.max(...back.rows.map((x) => x.ts + (x.dur ?? 0)));
    expect(end - start).toBe(t1! - t0!);
    for (const [kind, count] of kinds.rows as [string, number][]) {
      if (kind !== 'migrate') expect(back.unmapped[`hetmem.${kind}`]).toBe(count);
    }
  });
});
