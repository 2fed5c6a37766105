import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { calibrate } from '../replay/calibrate/calibrate.ts';
import { report } from './report.ts';

const FIXTURE = new URL('../fixtures/ingest/nsys-um-calibration.sql', import.meta.url).pathname;
const tmp = mkdtempSync(join(tmpdir(), 'hetmem-cal-report-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('report of a calibration directory', () => {
  it('adds predicted-vs-observed charts: a size histogram per direction and a duration scatter with the fit', async () => {
    const db = join(tmp, 'um.sqlite');
    const d = new Database(db);
    d.exec(readFileSync(FIXTURE, 'utf8'));
    d.close();
    await calibrate({ source: db, platform: 'a100-pcie4', out: join(tmp, 'cal') });
    const r = await report(join(tmp, 'cal'), { out: join(tmp, 'cal.html') });
    const html = readFileSync(r.html, 'utf8');
    expect(html).toContain('Calibration: predicted vs observed');
    expect((html.match(/<svg/g) ?? []).length).toBeGreaterThan(4);
    // histogram data: per group, observed and predicted sides (fixture: 5 groups × 1 size × 2 sides)
    const hist = readFileSync(join(r.dataDir, 'calibration-histogram.csv'), 'utf8').trim().split('\n');
    expect(hist.length).toBe(1 + 10);
    expect(hist).toContain('DtoH,prefetch,predicted,61440,2');
    // durations: 3 HtoD sizes + 2 DtoH sizes
    expect(readFileSync(join(r.dataDir, 'calibration-durations.csv'), 'utf8').trim().split('\n').length).toBe(1 + 5);
  });

  it('states and charts the fit of the trace\'s own copies per copy kind, with the platform\'s model beside it', async () => {
    // The copies fixture lies on a line per kind (its header; fit derived in replay/calibrate/calibrate.test.ts).
    // A hostile file name: the source path is an untrusted string in the page.
    const src = join(tmp, '<img src=x onerror=alert(1)>.csv');
    copyFileSync(new URL('../fixtures/ingest/copies-calibration.csv', import.meta.url).pathname, src);
    await calibrate({ source: src, platform: 'a100-pcie4', out: join(tmp, 'cal-copies') });
    const r = await report(join(tmp, 'cal-copies'), { out: join(tmp, 'cal-copies.html') });
    const html = readFileSync(r.html, 'utf8');
    const text = html.replace(/&#39;/g, "'");
    // "too fast" = observed total / modeled total over the kind's copies (n × median per size), a100-pcie4:
    // PCIe both ways 26.5 GB/s, 1 µs fixed + 2 hops × 500 ns; device memory 1555 GB/s; sys0 204.8 GB/s.
    // HtoD pinned: observed 15000 + 105000 + 205000 = 325000 ns; modeled 2000 + ceil(B / 26.5) =
    //   9548 + 77472 + 152944 = 239964 → 1.354 → "1.4× too fast". calibrated.yaml (fixed 2667, 20 GB/s):
    //   3667 + B / 20 = 13667 + 102667 + 202667 = 319001 → 325000 / 319001 = 1.019 → within 5 %.
    expect(text).toContain('HtoD pinned: 3 copies, fitted 5.00 µs + 20.00 GB/s (r² 1.000); the platform modeled them 1.4× too fast; calibrated.yaml takes this fit and models them within 5 % of observed.');
    // DtoH pinned: observed 13000 + 103000 = 116000; modeled 2000 + ceil(100000 / 26.5) = 5774 and
    //   2000 + 37736 = 39736 → 45510 → 2.549 → "2.5× too fast". Calibrated 3667 + B / 10 = 13667 + 103667 =
    //   117334 → 0.989 → within 5 %.
    expect(text).toContain('DtoH pinned: 2 copies, fitted 3.00 µs + 10.00 GB/s (r² 1.000); the platform modeled them 2.5× too fast; calibrated.yaml takes this fit and models them within 5 % of observed.');
    // DtoH pageable: (4 B, 2000), (8 B, 2100) → 25 ns/B = 0.04 GB/s, 2000 − 100 = 1900 ns. Modeled: 2000 +
    //   ceil(B / 26.5) = 2001 + staging bounce ceil(2B / 204.8) = 1 → 2002 each: 4100 / 4004 = 1.024 → within 5 %.
    //   Calibrated (DtoH 10 GB/s): 3667 + 1 + 1 = 3669 each: 4100 / 7338 = 0.559 → 1 / 0.559 = 1.79 → "1.8× too slow";
    //   its largest copy is 8 B, so calibrated.yaml does not take its fit.
    expect(text).toContain('DtoH pageable: 2 copies, fitted 1.90 µs + 0.04 GB/s (r² 1.000); the platform modeled them within 5 % of observed; calibrated.yaml does not take this fit; it models them 1.8× too slow.');
    // DtoD: observed 4000 + 22000 = 26000; modeled 1000 + ceil(2B / 1555) = 2287 + 13862 = 16149 → 1.610 →
    //   "1.6× too fast". Calibrated (fixed 2667, GPU memory 1000 GB/s): 4667 + 22667 = 27334 → 26000 / 27334
    //   = 0.9512 → 1.0513 → "1.05× too slow".
    expect(text).toContain('DtoD: 2 copies, fitted 2.00 µs + 500 GB/s (r² 1.000); the platform modeled them 1.6× too fast; calibrated.yaml takes this fit and models them 1.05× too slow.');
    // 3 + 2 + 2 + 2 copies, no Unified Memory rows: the migration charts are left out, with the reason.
    expect(text).toContain('has no observed migrations to compare with the model on a100-pcie4; its 9 timed copies calibrate the copy path.');
    expect(text).toContain('Transfers by size: observed vs predicted (no observed migrations)');
    expect(html).not.toContain('id="calibration-histogram"');
    // The chart: one multiple per observed copy kind, in COPY_KINDS order.
    const chart = html.slice(html.indexOf('id="calibration-copies"'), html.indexOf('</section>', html.indexOf('id="calibration-copies"')));
    expect([...chart.matchAll(/<h4>([^<]*)<\/h4>/g)].map((m) => m[1])).toEqual(['HtoD pinned', 'DtoH pinned', 'DtoH pageable', 'DtoD']);
    expect((chart.match(/<svg/g) ?? []).length).toBeGreaterThanOrEqual(4);
    // Its data: one row per kind and size (3 + 2 + 2 + 2), observed median, modeled and calibrated ns.
    const csv = readFileSync(join(r.dataDir, 'calibration-copies.csv'), 'utf8').trim().split('\n');
    expect(csv.length).toBe(1 + 9);
    expect(csv).toContain('HtoD pinned,200000,1,15000,9548,13667');
    // The untrusted file name is escaped wherever it appears.
    expect(html).not.toContain('<img src=x');
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;.csv');
  });
});
