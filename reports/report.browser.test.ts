/**
 * Opens a report in a real browser (Debian's chromium, driven by playwright-core — no browser
 * download, STACK.md) the way a user would: file://, no network. The report is built here from the
 * hermetic sample sweep, whose object names include a `<script>` string.
 */
import { mkdirSync, mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HOSTILE_OBJ, writeSampleSweep } from '../analysis/testing/sample-sweep.ts';
import { CAPACITY_CHARTS, COMPARISON_CHARTS, RUN_CHARTS } from './charts/index.ts';
import { report } from './report.ts';

const CHROMIUM = '/usr/bin/chromium';
const SCREENSHOT_DIR = fileURLToPath(new URL('../out/', import.meta.url));
const LAUNCH_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

let tmp: string;
let html: string;
let browser: Browser;

beforeAll(async () => {
  // .ci/run installs chromium; a missing browser must fail loudly, not skip.
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found: apt-get install -y --no-install-recommends chromium (see STACK.md)`);
  tmp = mkdtempSync(join(tmpdir(), 'hetmem-browser-'));
  await writeSampleSweep(join(tmp, 'sweep'));
  html = (await report(join(tmp, 'sweep'), { out: join(tmp, 'report.html') })).html;
  // Playwright gives the browser a fresh temporary profile (its own --user-data-dir).
  browser = await chromium.launch({ executablePath: CHROMIUM, args: LAUNCH_ARGS });
});
afterAll(async () => {
  await browser?.close();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('the HTML report in chromium', () => {
  it('renders every chart as a non-empty SVG, with no console error and the trace string as text', async () => {
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    const errors: string[] = [];
    const requests: string[] = [];
    page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('dialog', (d) => { errors.push(`dialog opened: ${d.message()}`); void d.dismiss(); });
    page.on('request', (r) => { if (!r.url().startsWith('file:')) requests.push(r.url()); });
    await page.goto(pathToFileURL(html).href, { waitUntil: 'load' });

    // every chart of a sweep report, in page order
    const expected = [...RUN_CHARTS, ...COMPARISON_CHARTS, ...CAPACITY_CHARTS].map((c) => c.id);
    const charts = await page.$$eval('section.chart', (els) => els.map((s) => {
      const svgs = [...s.querySelectorAll('svg')].filter((svg) => [...svg.classList].some((c) => c.startsWith('plot-')));
      return {
        id: s.getAttribute('data-chart'),
        svgs: svgs.length,
        // a drawn chart has marks (paths, rects, circles, lines, text) and a real size on screen
        nonEmpty: svgs.every((svg) => {
          const box = svg.getBoundingClientRect();
          return box.width > 50 && box.height > 20 && svg.querySelectorAll('path, rect, circle, line, text').length > 0;
        }),
      };
    }));
    expect(charts.map((c) => c.id)).toEqual(expected);
    for (const c of charts) {
      expect(c.svgs, c.id!).toBeGreaterThan(0);
      expect(c.nonEmpty, c.id!).toBe(true);
    }

    // the hostile object name is shown as text (in the top-objects chart axis and its data table) …
    const texts = await page.$$eval('#top-objects text, #top-objects td', (els) => els.map((e) => e.textContent));
    const shown = texts.filter((t) => t === HOSTILE_OBJ).length;
    expect(shown).toBeGreaterThanOrEqual(2);
    // … and never became markup
    expect(await page.$$eval('script', (s) => s.length)).toBe(0);

    expect(errors).toEqual([]);
    expect(requests).toEqual([]);

    mkdirSync(SCREENSHOT_DIR, { recursive: true });
    await page.screenshot({ path: join(SCREENSHOT_DIR, 'report-browser-test.png'), fullPage: true });
    await page.close();
  });
});
