import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { BadInputError } from '../../common/bad-input.ts';
import { loadPlatform } from '../platform-loader.ts';
import { calibrate } from './calibrate.ts';
import { fitTransfers } from './fit.ts';

const FIXTURE = new URL('../../fixtures/ingest/nsys-um-calibration.sql', import.meta.url).pathname;
const tmp = mkdtempSync(join(tmpdir(), 'hetmem-cal-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const KiB = 1024;
const MiB = 1024 * KiB;
const A = 0x7f0000000000;

describe('hetmem calibrate on the nsys UM fixture (fixtures/ingest/nsys-um-calibration.sql)', async () => {
  const db = join(tmp, 'um.sqlite');
  const d = new Database(db);
  d.exec(readFileSync(FIXTURE, 'utf8'));
  d.close();
  const out = join(tmp, 'cal');
  const c = await calibrate({ source: db, platform: 'a100-pcie4', out });

  it('predicts the observed transfers: counts, bytes and exact-size histograms per direction and cause', () => {
    // By hand from the corrected rules (REFERENCE.md §2.4) on the fixture's story:
    // - GPU reads page 0 of block A (CPU-populated by the implied first touch): the faulted 4 KiB page is
    //   the fault transfer; the tree's bitmap has big page [0,16) full (100 % > 51) and [0,32) at 50 %
    //   → prefetch pages 1..15 = 61440 B, one transfer.
    // - cudaMemPrefetchAsync of block A+2M → one 2 MiB user_prefetch transfer (all pages in RAM).
    // - The CPU reads page 0 of each block back: the same prefetcher towards the CPU → 4 KiB fault +
    //   61440 B prefetch per block (pages 1..15 are on the GPU; the rest of block A was never populated,
    //   the rest of block A+2M is not CPU-resident but its bitmap level [0,32) is 16/32 = 50 %).
    // - The GPU read of never-populated A+128K zero-fills on the GPU: no transfer either side.
    const rows = c.groups.map((g) => [g.direction, g.cause, g.observed.count, g.observed.bytes, g.observed.histogram, g.match]);
    expect(rows).toEqual([
      ['HtoD', 'fault', 1, 4096, { 4096: 1 }, true],
      ['HtoD', 'prefetch', 1, 61440, { 61440: 1 }, true],
      ['HtoD', 'user_prefetch', 1, 2 * MiB, { [2 * MiB]: 1 }, true],
      ['DtoH', 'fault', 2, 8192, { 4096: 2 }, true],
      ['DtoH', 'prefetch', 2, 122880, { 61440: 2 }, true],
    ]);
    for (const g of c.groups) expect(g.predicted).toEqual(g.observed);
    expect(c.observed.transfers).toBe(7);
    expect(c.predicted.transfers).toBe(7);
  });

  it('matches the transfer sequence of both 2 MiB blocks', () => {
    expect(c.blocks).toEqual({ blocks: 2, matched: 2, mismatches: [] });
  });

  it('derives the accesses the rules say: 4 fault accesses, 1 user prefetch, 2 implied first touches', () => {
    // first touches: [A, A+64K) (fault + prefetch arrivals, adjacent) and [A+2M, A+4M) (user
    // prefetch) — not adjacent, so two writes.
    expect(c.observed.derived_rows).toEqual({ 'derived:fault': 4, 'derived:user_prefetch': 1, 'derived:first_touch': 2 });
    expect(c.observed.fault_batches).toBeNull(); // nsys has no fault batches
  });

  it('compares durations with the platform cost: a100-pcie4 transfer_fixed 1 µs + 2 × 500 ns + bytes / 26.5 GB/s', () => {
    // HtoD 4 KiB: 2000 + ceil(4096 / 26.5) = 2000 + 155 = 2155 ns vs observed 4341 → |2155-4341|/4341
    const h4 = c.durations.find((x) => x.direction === 'HtoD' && x.bytes === 4096)!;
    expect(h4.modeled_ns).toBe(2155);
    expect(h4.median_rel_error).toBeCloseTo(2186 / 4341, 10);
    // DtoH 60 KiB: 2000 + ceil(61440 / 26.5) = 2000 + 2319 = 4319 vs 7840 (twice)
    const d60 = c.durations.find((x) => x.direction === 'DtoH' && x.bytes === 61440)!;
    expect([d60.n, d60.modeled_ns, d60.observed_median_ns]).toEqual([2, 4319, 7840]);
    expect(d60.p95_rel_error).toBeCloseTo(3521 / 7840, 10);
  });

  it('recovers the fixture transfer parameters within 2 %: HtoD 4 µs + 12 GB/s, DtoH 4 µs + 16 GB/s', () => {
    expect(Math.abs(c.fits.HtoD!.fixed_ns - 4000) / 4000).toBeLessThan(0.02);
    expect(Math.abs(c.fits.HtoD!.bandwidth_gbps - 12) / 12).toBeLessThan(0.02);
    expect(Math.abs(c.fits.DtoH!.fixed_ns - 4000) / 4000).toBeLessThan(0.02);
    expect(Math.abs(c.fits.DtoH!.bandwidth_gbps - 16) / 16).toBeLessThan(0.02);
  });

  it('writes a calibrated platform that loads and carries the fit', () => {
    for (const f of ['calibration.json', 'calibrated.yaml', 'observed.arrow', 'run/events.parquet']) expect(existsSync(join(out, f))).toBe(true);
    const { platform } = loadPlatform(join(out, 'calibrated.yaml'));
    // transfer_fixed = 4000 ns fitted − 1000 ns of link latency (2 PCIe hops × 500 ns)
    expect(platform.cost.transfer_fixed).toBe(3000);
    const link = (n: string) => platform.links.find((l) => l.name === n)!;
    // cpu0-sw0 and sw0-gpu0 point down towards the GPU: down = HtoD, up = DtoH; the NIC's link is untouched
    expect([link('cpu0-sw0').bandwidth, link('cpu0-sw0').bandwidthUp, link('sw0-gpu0').bandwidth, link('sw0-gpu0').bandwidthUp]).toEqual([12, 16, 12, 16]);
    expect(link('sw0-nic0').bandwidth).toBe(26.5);
    // the calibrated model's 4 KiB HtoD: 3000 + 1000 + ceil(4096 / 12) = 4342 vs observed 4341
    expect(c.durations_calibrated.find((x) => x.direction === 'HtoD' && x.bytes === 4096)!.modeled_ns).toBe(4342);
  });

  it('a source with nothing observed is a clear error, and leaves no output', async () => {
    const csv = new URL('../../fixtures/rdma-ring-4.csv', import.meta.url).pathname;
    const none = join(tmp, 'none');
    await expect(calibrate({ source: csv, platform: 'a100-pcie4', out: none })).rejects.toThrow(BadInputError);
    await expect(calibrate({ source: csv, platform: 'a100-pcie4', out: none })).rejects.toThrow('has nothing observed to compare');
    expect(existsSync(none)).toBe(false);
  });
});

describe('fitTransfers', () => {
  it('recovers an exact line and refuses a single size', () => {
    // dur = 500 + bytes / 8: (0, 500), (800, 600), (8000, 1500)
    const f = fitTransfers([0, 800, 8000], [500, 600, 1500])!;
    expect(f.fixed_ns).toBeCloseTo(500, 9);
    expect(f.bandwidth_gbps).toBeCloseTo(8, 9);
    expect(f.r2).toBeCloseTo(1, 12);
    expect(fitTransfers([4096, 4096], [10, 12])).toBeNull();
  });
});

describe('hetmem calibrate on a trace\'s own copies (fixtures/ingest/copies-calibration.csv)', async () => {
  const src = new URL('../../fixtures/ingest/copies-calibration.csv', import.meta.url).pathname;
  const out = join(tmp, 'cal-copies');
  const c = await calibrate({ source: src, platform: 'a100-pcie4', out });
  const cc = c.copies!;

  it('fits fixed cost + bandwidth per copy kind exactly (the fixture lies on a line per kind)', () => {
    expect(cc.observed).toEqual({ 'HtoD pinned': 3, 'DtoH pinned': 2, 'DtoH pageable': 2, DtoD: 2 });
    // HtoD pinned: 15000 − 5000 = 200000 B / 20 B/ns; two more points on the same line → 5000 ns + 20 GB/s.
    expect(cc.fits['HtoD pinned']!.fixed_ns).toBeCloseTo(5000, 6);
    expect(cc.fits['HtoD pinned']!.bandwidth_gbps).toBeCloseTo(20, 9);
    // DtoH pinned: slope (103000 − 13000) / (1000000 − 100000) = 0.1 ns/B → 10 GB/s; 13000 − 10000 = 3000 ns.
    expect(cc.fits['DtoH pinned']!.fixed_ns).toBeCloseTo(3000, 6);
    expect(cc.fits['DtoH pinned']!.bandwidth_gbps).toBeCloseTo(10, 9);
    // DtoD: slope 18000 / 9000000 = 0.002 ns/B → 500 GB/s; 4000 − 2000 = 2000 ns.
    expect(cc.fits.DtoD!.bandwidth_gbps).toBeCloseTo(500, 6);
    expect(cc.fits.DtoD!.fixed_ns).toBeCloseTo(2000, 6);
    // DtoH pageable: 100 ns per 4 B → 0.04 GB/s, but its largest copy is 8 B: reported, not used.
    expect(cc.fits['DtoH pageable']!.bandwidth_gbps).toBeCloseTo(0.04, 9);
    expect(cc.used).toEqual({ HtoD: 'HtoD pinned', DtoH: 'DtoH pinned', DtoD: 'DtoD' });
    expect(c.fits).toEqual({}); // no Unified Memory migrations in this trace
  });

  it('compares each size with the platform cost before and after calibration', () => {
    const at = (rows: typeof cc.durations, kind: string, bytes: number) => rows.find((d) => d.direction === kind && d.bytes === bytes)!;
    // a100-pcie4: 1 µs fixed + 2 PCIe hops × 500 ns + ceil(200000 / 26.5) = 2000 + 7548 = 9548 ns; observed 15000.
    expect(at(cc.durations, 'HtoD pinned', 200000).modeled_ns).toBe(9548);
    expect(at(cc.durations, 'HtoD pinned', 200000).median_rel_error).toBeCloseTo(5452 / 15000, 12);
    // DtoD 1000000 B: 1000 + ceil(2 × 1000000 / 1555) = 1000 + 1287 = 2287 ns (read + write of device memory).
    expect(at(cc.durations, 'DtoD', 1000000).modeled_ns).toBe(2287);
    // Pageable DtoH 4 B: 2000 + ceil(4 / 26.5) = 2001, plus the staging bounce ceil(2 × 4 / 204.8 GB/s of sys0) = 1.
    expect(at(cc.durations, 'DtoH pageable', 4).modeled_ns).toBe(2002);
    // Calibrated: transfer_fixed = mean(5000 − 1000, 3000 − 1000, 2000) = 2667 ns (one fixed cost for all):
    // HtoD 200000 B: 2667 + 1000 + 200000 / 20 = 13667; DtoD 1000000 B: 2667 + 2000000 / 1000 = 4667.
    expect(at(cc.durations_calibrated, 'HtoD pinned', 200000).modeled_ns).toBe(13667);
    expect(at(cc.durations_calibrated, 'DtoD', 1000000).modeled_ns).toBe(4667);
  });

  it('writes calibrated.yaml with the fitted link bandwidths, GPU memory bandwidth and fixed cost', () => {
    const { platform } = loadPlatform(join(out, 'calibrated.yaml'));
    const link = (n: string) => platform.links.find((l) => l.name === n)!;
    // Down (towards the GPU) = HtoD 20 GB/s, up = DtoH 10 GB/s on both PCIe hops; the NIC link untouched.
    expect([link('cpu0-sw0').bandwidth, link('cpu0-sw0').bandwidthUp, link('sw0-gpu0').bandwidth, link('sw0-gpu0').bandwidthUp]).toEqual([20, 10, 20, 10]);
    expect(link('sw0-nic0').bandwidth).toBe(26.5);
    // GPU memory: 2 × 500 GB/s (a DtoD copy moves its bytes twice).
    expect(platform.agents.find((a) => a.name === 'gpu0')).toMatchObject({ bandwidth: 1000 });
    expect(platform.cost.transfer_fixed).toBe(2667);
    expect(c.calibrated.transfer_fixed_ns).toBe(2667);
  });
});

describe('fitTransfers keeps the per-transfer cost non-negative', () => {
  it('fits through the origin when the free intercept is negative', () => {
    // (1000, 50), (2000, 150), (3000, 250): the free line is −50 + x / 10. Through the origin the slope is
    // Σxy / Σx² = (50000 + 300000 + 750000) / (1e6 + 4e6 + 9e6) = 1100000 / 14e6 = 11/140 ns/B → 140/11 GB/s.
    // Residuals 50 − 550/7 = −200/7, 150 − 1100/7 = −50/7, 250 − 1650/7 = 100/7: SS_res = (40000 + 2500 + 10000) / 49
    // = 52500/49; SS_tot = 100² + 0 + 100² = 20000 → r² = 1 − 52500 / 980000.
    const f = fitTransfers([1000, 2000, 3000], [50, 150, 250])!;
    expect(f.fixed_ns).toBe(0);
    expect(f.bandwidth_gbps).toBeCloseTo(140 / 11, 9);
    expect(f.r2).toBeCloseTo(1 - 52500 / 980000, 12);
  });
});
