import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BadInputError } from '../common/bad-input.ts';
import { HOSTILE_OBJ, writeSampleRun, writeSampleSweep } from '../analysis/testing/sample-sweep.ts';
import { CAPACITY_CHARTS, COMPARISON_CHARTS, RUN_CHARTS } from './charts/index.ts';
import { report } from './report.ts';
import { writeTestRun } from '../analysis/testing/test-run.ts';
import { openAnalysis, runSql } from '../analysis/query.ts';
import { rowObjects } from '../analysis/duckdb.ts';
import { SQL as LINK_UTIL_SQL } from './charts/link-utilisation.ts';
import { SQL as BAR_SQL } from './charts/bar-over-time.ts';

let tmp: string;
let sweepDir: string;
let runDir: string;

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'hetmem-report-'));
  sweepDir = join(tmp, 'sweep');
  runDir = join(tmp, 'run');
  await writeSampleSweep(sweepDir);
  await writeSampleRun(runDir, { platform: 'pa', bar: '256MiB' });
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** The markup of one chart section. */
function section(html: string, id: string): string {
  const start = html.indexOf(`<section class="chart" id="${id}"`);
  expect(start, id).toBeGreaterThanOrEqual(0);
  return html.slice(start, html.indexOf('</section>', start));
}

describe('report of a sweep', () => {
  it('has every chart, each with SVG, and every chart\'s data as CSV', async () => {
    const out = join(tmp, 'r1', 'report.html');
    const r = await report(sweepDir, { out });
    const html = readFileSync(out, 'utf8');
    // The answers come first with their charts: the sample varies the BAR (capacity-bar answers it)
    // and moves bytes on links (link-headroom); it has no memory axis, so capacity-memory is left out.
    const ids = ['capacity-bar', 'link-headroom', ...RUN_CHARTS.map((c) => c.id), ...COMPARISON_CHARTS.map((c) => c.id)];
    expect(r.charts.map((c) => c.id)).toEqual(ids);
    expect(CAPACITY_CHARTS.map((c) => c.id)).toContain('capacity-memory');
    for (const id of ids) {
      const s = section(html, id);
      // per-run charts: one small multiple per variant with something to draw (at most 4), the
      // others named in a "Not drawn" line; sweep charts: one figure
      const svgs = s.match(/<svg[^>]*class="plot-/g) ?? [];
      if (RUN_CHARTS.some((c) => c.id === id)) {
        expect(svgs.length, id).toBeGreaterThan(0);
        // a figure headed "… b=1 or 2 … (identical)" stands for every combination of the listed values
        const merged = [...s.matchAll(/<h4>([^<]*) \(identical\)<\/h4>/g)].map((m) => m[1]!.split('; ')
          .reduce((n, label) => n + label.split(' · ').reduce((k, part) => k * part.split(' or ').length, 1), 0) - 1);
        expect(svgs.length + merged.reduce((a, b) => a + b, 0) + (s.match(/Not drawn[^<]*/)?.[0].split(';').length ?? 0), id).toBe(4);
      } else expect(svgs.length, id).toBe(1);
      expect(s).toContain(`href="report-data/${id}.csv"`);
    }
    // answers above the first detail section, with the BAR answer in a sentence
    const answers = html.indexOf('<section id="answers">');
    expect(answers).toBeGreaterThan(0);
    expect(answers).toBeLessThan(html.indexOf('class="details"'));
    expect(html.slice(answers, html.indexOf('</ul>', answers))).toMatch(/smallest BAR with no fallback to system memory: 1GiB/);
    expect(readdirSync(join(tmp, 'r1', 'report-data')).sort()).toEqual([...ids.map((i) => `${i}.csv`), 'overview.csv'].sort());
  });

  it('capacity-bar.csv holds the fallbacks per BAR size (from the sample: only pa at 256 MiB falls back)', async () => {
    const out = join(tmp, 'r2', 'cap.html');
    await report(sweepDir, { out });
    expect(readFileSync(join(tmp, 'r2', 'cap-data', 'capacity-bar.csv'), 'utf8')).toBe(
      'group,bar,bar_bytes,fallbacks,refused,peak_mapped_bytes\n'
      + `pa,256MiB,${256 * 2 ** 20},1,0,65536\n`
      + `pa,1GiB,${2 ** 30},0,0,${65536 + 2 ** 20}\n`
      + `pb,256MiB,${256 * 2 ** 20},0,0,${65536 + 2 ** 20}\n`
      + `pb,1GiB,${2 ** 30},0,0,${65536 + 2 ** 20}\n`);
    const html = readFileSync(out, 'utf8');
    expect(section(html, 'capacity-bar')).toContain('1GiB is the smallest BAR with zero fallbacks');
  });

  it('escapes every trace string (no raw markup from the trace reaches the page)', async () => {
    const out = join(tmp, 'r3', 'report.html');
    await report(sweepDir, { out });
    const html = readFileSync(out, 'utf8');
    expect(html.toLowerCase()).not.toContain('<script');
    expect(html).toContain('&lt;script&gt;alert(');
    // the CSV keeps the string as is (quoted)
    expect(readFileSync(join(tmp, 'r3', 'report-data', 'top-objects.csv'), 'utf8')).toContain(`"${HOSTILE_OBJ.replaceAll('"', '""')}"`);
  });

  it('is byte-identical when built twice', async () => {
    const a = join(tmp, 'da', 'report.html');
    const b = join(tmp, 'db', 'report.html');
    await report(sweepDir, { out: a });
    await report(sweepDir, { out: b });
    expect(readFileSync(a).equals(readFileSync(b))).toBe(true);
    for (const f of readdirSync(join(tmp, 'da', 'report-data'))) {
      expect(readFileSync(join(tmp, 'da', 'report-data', f)).equals(readFileSync(join(tmp, 'db', 'report-data', f))), f).toBe(true);
    }
  });
});

describe('report of one run', () => {
  it('has the per-run charts only', async () => {
    const out = join(tmp, 'one', 'run.html');
    const r = await report(runDir, { out });
    expect(r.charts.map((c) => c.id)).toEqual(RUN_CHARTS.map((c) => c.id));
    const html = readFileSync(out, 'utf8');
    expect(html).not.toContain('id="capacity"');
    expect(section(html, 'top-objects').match(/<svg[^>]*class="plot-/g)).toHaveLength(1);
  });

  it('bad input leaves no output', async () => {
    const empty = join(tmp, 'empty');
    mkdirSync(empty);
    const out = join(tmp, 'bad', 'x.html');
    await expect(report(empty, { out })).rejects.toThrow(BadInputError);
    expect(existsSync(out)).toBe(false);
    expect(existsSync(join(tmp, 'bad', 'x-data'))).toBe(false);
  });
});

describe('timeline charts bin long runs', () => {
  it('average link utilisation over ≤ 100 bins, keep the BAR peak, drop idle links', async () => {
    // 200 intervals of 10 ns: the link alternates 0 % / 100 % busy, the BAR maps 0 / 64 KiB.
    // Bin width = ceil(2000 / 100) = 20 ns = 2 intervals → util 0.5 and BAR max 64 KiB in every bin.
    const timeline = Array.from({ length: 200 }, (_, i) => [
      { ts: i * 10, dur: 10, metric: 'link_util', entity: 'l0:up', value: i % 2 },
      { ts: i * 10, dur: 10, metric: 'link_util', entity: 'idle:up', value: 0 },
      { ts: i * 10, dur: 10, metric: 'bar_mapped_bytes', entity: 'gpu0', value: (i % 2) * 65536 },
    ]).flat();
    const dir = join(tmp, 'binned');
    await writeTestRun(dir, { events: [], timeline });
    const db = await openAnalysis(dir);
    try {
      const util = rowObjects(await runSql(db, LINK_UTIL_SQL));
      expect(util).toHaveLength(100);
      expect(new Set(util.map((r) => r.link_dir))).toEqual(new Set(['l0:up']));
      expect(util.every((r) => r.util === 0.5 && r.dur === 20)).toBe(true);
      expect(util.map((r) => r.ts)).toEqual(Array.from({ length: 100 }, (_, k) => k * 20));
      const bar = rowObjects(await runSql(db, BAR_SQL));
      expect(bar).toHaveLength(100);
      expect(bar.every((r) => r.mapped_bytes === 65536)).toBe(true);
    } finally {
      db.close();
    }
  });
});
