import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
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
});
