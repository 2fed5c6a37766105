import { mkdtempSync, rmSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BadInputError, UsageError } from '../common/bad-input.ts';
import { rowObjects } from './duckdb.ts';
import { formatResult } from './format-result.ts';
import { namedQueryNames } from './named-queries.ts';
import { query } from './query.ts';
import { HOSTILE_OBJ, MiB, writeSampleRun, writeSampleSweep } from './testing/sample-sweep.ts';
import { writeTestRun } from './testing/test-run.ts';

let tmp: string;
let run: string;
let sweep: string;

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'hetmem-query-'));
  run = join(tmp, 'run');
  sweep = join(tmp, 'sweep');
  await writeSampleRun(run, { platform: 'pa', bar: '1GiB' });
  await writeSampleSweep(sweep);
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const objects = async (dir: string, q: string) => rowObjects(await query(dir, q));

describe('named queries', () => {
  it('has every query the issue asks for', () => {
    for (const n of ['migrations_by_cause', 'migration_size_histogram', 'bar_pressure', 'link_utilisation',
      'stall_breakdown', 'top_objects', 'fallbacks', 'compare_variants']) {
      expect(namedQueryNames()).toContain(n);
    }
  });

  it('migrations_by_cause sums the migrate rows of the sample (largest first)', async () => {
    // Sample migrate rows: sys0->gpu0 fault 64 KiB/5 µs, sys0->gpu0 prefetch 2 MiB-64 KiB/80 µs,
    // gpu0->sys0 eviction 2 MiB/90 µs, gpu0->sys0 cpu_fault 4 KiB/3 µs (the `evict` row is not a migrate row).
    expect(await objects(run, 'migrations_by_cause')).toEqual([
      { run: '.', direction: 'gpu0->sys0', cause: 'eviction', migrations: 1, bytes: 2 * MiB, transfer_ns: 90000 },
      { run: '.', direction: 'sys0->gpu0', cause: 'prefetch', migrations: 1, bytes: 2 * MiB - 65536, transfer_ns: 80000 },
      { run: '.', direction: 'sys0->gpu0', cause: 'fault', migrations: 1, bytes: 65536, transfer_ns: 5000 },
      { run: '.', direction: 'gpu0->sys0', cause: 'cpu_fault', migrations: 1, bytes: 4096, transfer_ns: 3000 },
    ]);
  });

  it('migration_size_histogram puts each size in its power-of-two bucket', async () => {
    // 4096 → 4 KiB; 65536 → 64 KiB; 2 MiB - 64 KiB is below 2 MiB → 1 MiB bucket; 2 MiB → 2 MiB.
    const rows = await objects(run, 'migration_size_histogram');
    expect(rows.map((r) => [r.size_lo, r.cause, r.migrations])).toEqual([
      [4096, 'cpu_fault', 1], [65536, 'fault', 1], [MiB, 'prefetch', 1], [2 * MiB, 'eviction', 1],
    ]);
  });

  it('bar_pressure: peak and time-weighted mean of the mapped bytes, fallbacks per run', async () => {
    const rows = await objects(sweep, 'bar_pressure');
    const pa256 = rows.find((r) => r.run === 'platform=pa/gpu0.bar=256MiB')!;
    const pa1g = rows.find((r) => r.run === 'platform=pa/gpu0.bar=1GiB')!;
    // pa/256MiB: both intervals map 64 KiB; one fallback and one 1 MiB bounce.
    expect(pa256).toMatchObject({ gpu: 'gpu0', aperture_bytes: 256 * MiB, peak_mapped_bytes: 65536, mean_mapped_bytes: 65536, fallbacks: 1, bounce_bytes: MiB });
    // pa/1GiB: 64 KiB then 64 KiB + 1 MiB over equal 5 µs intervals → mean 64 KiB + 512 KiB.
    expect(pa1g).toMatchObject({ aperture_bytes: 1024 * MiB, peak_mapped_bytes: 65536 + MiB, mean_mapped_bytes: 65536 + MiB / 2, fallbacks: 0, bounce_bytes: 0 });
    expect(pa1g.peak_fill).toBeCloseTo((65536 + MiB) / (1024 * MiB), 4);
  });

  it('link_utilisation splits entity into link and direction and computes headroom', async () => {
    const rows = await objects(run, 'link_utilisation');
    // platform pa: down link 50 % busy in its one interval, up link 25 %.
    expect(rows).toEqual([
      { run: '.', link: 'gpu0-pcie', dir: 'down', bytes: 2 * MiB, busy_ns: 85000, transfers: 2, mean_util: 0.5, peak_util: 0.5, headroom: 0.5 },
      { run: '.', link: 'gpu0-pcie', dir: 'up', bytes: 2 * MiB + 4096, busy_ns: 93000, transfers: 2, mean_util: 0.25, peak_util: 0.25, headroom: 0.75 },
    ]);
  });

  it('stall_breakdown attributes GPU stall to fault batches and CPU stall to CPU faults and their migrations', async () => {
    const rows = await objects(run, 'stall_breakdown');
    // GPU `fault` and `migrate` rows are costed by their batch and must not be counted twice;
    // cpu0: one 20 µs fault and its 3 µs migration (timeline total 23 µs).
    expect(rows).toEqual([
      { run: '.', agent: 'cpu0', reason: 'cpu_fault', events: 1, time_ns: 20000, agent_stall_ns: 23000 },
      { run: '.', agent: 'cpu0', reason: 'migrate:cpu_fault', events: 1, time_ns: 3000, agent_stall_ns: 23000 },
      { run: '.', agent: 'gpu0', reason: 'fault_batch', events: 1, time_ns: 45000, agent_stall_ns: 45000 },
    ]);
  });

  it('stall_breakdown shows stall no event explains as `unattributed`', async () => {
    // nic0 stalls 150 µs in the timeline (e.g. waiting for the exporter's revocation); its only
    // stalling event is a 40 µs network page fault → nic_fault 40 µs + unattributed 110 µs = 150 µs.
    const dir = join(tmp, 'unattributed');
    await writeTestRun(dir, {
      events: [{ ts: 1000, dur: 40000, kind: 'nic_fault', agent: 'nic0', cause: 'odp' }],
      timeline: [{ ts: 0, dur: 1_000_000, metric: 'stall_ns', entity: 'nic0', value: 150000 }],
    });
    expect(await objects(dir, 'stall_breakdown')).toEqual([
      { run: '.', agent: 'nic0', reason: 'unattributed', events: 0, time_ns: 110000, agent_stall_ns: 150000 },
      { run: '.', agent: 'nic0', reason: 'nic_fault', events: 1, time_ns: 40000, agent_stall_ns: 150000 },
    ]);
  });

  it('top_objects ranks objects by total bytes moved', async () => {
    const rows = await objects(sweep, 'top_objects');
    const r = rows.filter((x) => x.run === 'platform=pa/gpu0.bar=256MiB');
    // weights: 64 KiB + (2 MiB - 64 KiB) + 2 MiB migrated; ring1: one 1 MiB bounce; hostile: 4 KiB.
    expect(r.map((x) => [x.rank, x.obj, x.kind, x.total_bytes])).toEqual([
      [1, 'weights', 'migrate', 4 * MiB], [2, 'ring1', 'bounce', MiB], [3, HOSTILE_OBJ, 'migrate', 4096],
    ]);
  });

  it('fallbacks lists only the run whose BAR was too small', async () => {
    const rows = await objects(sweep, 'fallbacks');
    expect(rows.map((r) => [r.run, r.kind, r.bytes])).toEqual([
      ['platform=pa/gpu0.bar=256MiB', 'bounce', MiB], ['platform=pa/gpu0.bar=256MiB', 'fallback', MiB],
    ]);
  });

  it('compare_variants has one row per run with the variant keys as columns', async () => {
    const rows = await objects(sweep, 'compare_variants');
    // natural order: 256MiB before 1GiB
    expect(rows.map((r) => [r.seq, r.platform, r['gpu0.bar'], r.fallbacks, r.end_ns])).toEqual([
      [0, 'pa', '256MiB', 1, 140000], [1, 'pa', '1GiB', 0, 100000], [2, 'pb', '256MiB', 0, 200000], [3, 'pb', '1GiB', 0, 200000],
    ]);
    // 4 MiB + 4 KiB migrated in 140 µs = 4198400 / 140000 bytes per ns.
    expect(rows[0]!.migration_gbps).toBeCloseTo(4198400 / 140000, 4);
  });
});

describe('free SQL and errors', () => {
  it('unions a sweep with the keys as columns and ordered by size', async () => {
    const r = await query(sweep, 'SELECT run, platform, "gpu0.bar", count(*) AS n FROM events GROUP BY ALL ORDER BY ALL');
    // every run has 9 events; pa/256MiB adds a fallback and a bounce.
    expect(r.rows).toEqual([
      ['platform=pa/gpu0.bar=1GiB', 'pa', '1GiB', 9], ['platform=pa/gpu0.bar=256MiB', 'pa', '256MiB', 11],
      ['platform=pb/gpu0.bar=1GiB', 'pb', '1GiB', 9], ['platform=pb/gpu0.bar=256MiB', 'pb', '256MiB', 9],
    ]);
  });

  it('turns BIGINT and HUGEINT into JSON numbers', async () => {
    const r = await query(run, 'SELECT sum(bytes) AS total, 9007199254740991::BIGINT AS big FROM events');
    const json = JSON.parse(formatResult(r, 'json')) as Record<string, unknown>[];
    // 4 migrate rows (4 MiB + 4 KiB) + fault batch 2 MiB + fault 64 KiB + evict 2 MiB + cpu fault 4 KiB + peer_map 64 KiB
    expect(json).toEqual([{ total: 4 * MiB + 4096 + 2 * MiB + 65536 + 2 * MiB + 4096 + 65536, big: 9007199254740991 }]);
  });

  it('a bad query is a UsageError with DuckDB\'s message', async () => {
    await expect(query(run, 'SELEC 1')).rejects.toThrow(UsageError);
    await expect(query(run, 'SELECT nope FROM events')).rejects.toThrow(/nope/);
  });

  it('a bare relation name selects the relation', async () => {
    // one runs row per variant of the sample sweep
    expect((await query(sweep, 'runs')).rows).toHaveLength(4);
  });

  it('an unknown name lists the named queries', async () => {
    await expect(query(run, 'migrations_by_kause')).rejects.toThrow(/named queries: .*migrations_by_cause/);
  });

  it('a directory without runs is bad input', async () => {
    const empty = join(tmp, 'empty');
    mkdirSync(empty, { recursive: true });
    await expect(query(empty, 'compare_variants')).rejects.toThrow(BadInputError);
  });
});

describe('formats', () => {
  it('CSV quotes a trace string with quotes, table aligns numbers right', async () => {
    const r = await query(run, "SELECT obj, sum(bytes) AS b FROM events WHERE obj LIKE '<script>%' GROUP BY obj");
    expect(formatResult(r, 'csv')).toBe('obj,b\n"<script>alert(""x"")</script>&buf",8192\n');
    const lines = formatResult(r, 'table').split('\n');
    // obj is 31 chars wide; b right-aligned under a 4-wide column
    expect(lines[0]).toBe(`obj${' '.repeat(HOSTILE_OBJ.length - 3)}     b`);
    expect(lines[2]).toBe(`${HOSTILE_OBJ}  8192`);
  });
});
