/**
 * Opens reports in a real browser (Debian's chromium, driven by playwright-core — no browser
 * download, STACK.md) the way a user would: file://, no network. Two reports are built here: the
 * hermetic sample sweep, whose object names include a `<script>` string, and the demo (`npm start`)
 * run into a temporary directory.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { expect, it } from 'vitest';
import { chromium as chromiumBinary } from '../common/testing/requirements.ts';
import { HOSTILE_OBJ, writeSampleSweep } from '../analysis/testing/sample-sweep.ts';
import { CAPACITY_CHARTS, COMPARISON_CHARTS, RUN_CHARTS } from './charts/index.ts';
import { report } from './report.ts';
import { runDemo } from '../cli/demo.ts';

const SCREENSHOT_DIR = fileURLToPath(new URL('../out/', import.meta.url));
const LAUNCH_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

let tmp: string;
let html: string;
let browser: Browser;

// Without chromium the suite is skipped with the install line; in CI (which installs it) it is required.
chromiumBinary.beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'hetmem-browser-'));
  await writeSampleSweep(join(tmp, 'sweep'));
  html = (await report(join(tmp, 'sweep'), { out: join(tmp, 'report.html') })).html;
  // Playwright gives the browser a fresh temporary profile (its own --user-data-dir).
  browser = await chromium.launch({ executablePath: chromiumBinary.path, args: LAUNCH_ARGS });
});
chromiumBinary.afterAll(async () => {
  await browser?.close();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

const ALL_CHART_IDS = [...RUN_CHARTS, ...COMPARISON_CHARTS, ...CAPACITY_CHARTS].map((c) => c.id);

/** Every chart of a sweep report is there, in page order, each drawn as non-empty SVG. */
async function expectEveryChart(page: Page): Promise<void> {
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
  // Charts a run cannot inform are left out with a line; the ones shown are known charts (per
  // workload they carry a `--<workload>` suffix).
  expect(charts.length).toBeGreaterThanOrEqual(6);
  for (const c of charts) expect(ALL_CHART_IDS, c.id!).toContain(c.id!.split('--')[0]);
  for (const c of charts) {
    expect(c.svgs, c.id!).toBeGreaterThan(0);
    expect(c.nonEmpty, c.id!).toBe(true);
  }
}

/** The answers are on the first screen: the section starts inside the viewport, before any detail section. */
async function expectAnswersFirst(page: Page): Promise<void> {
  const box = await page.$eval('#answers', (e) => { const r = e.getBoundingClientRect(); return { top: r.top, items: e.querySelectorAll('li').length }; });
  expect(box.top).toBeLessThan(400);
  expect(box.items).toBeGreaterThan(0);
  const firstLi = await page.$eval('#answers li', (e) => e.getBoundingClientRect().bottom);
  expect(firstLi).toBeLessThan(900);
  const answersTop = await page.$eval('#answers', (e) => e.getBoundingClientRect().top);
  const detailsTop = await page.$eval('section.details', (e) => e.getBoundingClientRect().top);
  expect(answersTop).toBeLessThan(detailsTop);
}

/** Opens `html` and collects console errors, page errors, dialogs and non-file requests. */
async function open(html: string): Promise<{ page: Page; problems: string[]; requests: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
  const problems: string[] = [];
  const requests: string[] = [];
  page.on('console', (m) => { if (m.type() === 'error') problems.push(m.text()); });
  page.on('pageerror', (e) => problems.push(e.message));
  page.on('dialog', (d) => { problems.push(`dialog opened: ${d.message()}`); void d.dismiss(); });
  page.on('request', (r) => { if (!r.url().startsWith('file:')) requests.push(r.url()); });
  await page.goto(pathToFileURL(html).href, { waitUntil: 'load' });
  return { page, problems, requests };
}

chromiumBinary.describe('the HTML report in chromium', () => {
  it('renders every chart as a non-empty SVG, with no console error and the trace string as text', async () => {
    const { page, problems, requests } = await open(html);
    await expectEveryChart(page);
    await expectAnswersFirst(page);

    // the hostile object name is shown as text (in the top-objects chart axis and its data table) …
    const texts = await page.$$eval('#top-objects text, #top-objects td', (els) => els.map((e) => e.textContent));
    const shown = texts.filter((t) => t === HOSTILE_OBJ).length;
    expect(shown).toBeGreaterThanOrEqual(2);
    // … and never became markup
    expect(await page.$$eval('script', (s) => s.length)).toBe(0);

    expect(problems).toEqual([]);
    expect(requests).toEqual([]);

    mkdirSync(SCREENSHOT_DIR, { recursive: true });
    await page.screenshot({ path: join(SCREENSHOT_DIR, 'report-browser-test.png'), fullPage: true });
    await page.close();
  });

  it('shows the demo report (npm start) with every chart', async () => {
    const demoHtml = await runDemo({ out: join(tmp, 'demo-out') });
    const { page, problems, requests } = await open(demoHtml);
    await expectAnswersFirst(page);
    // Three workloads: each one's charts are folded into a closed <details>, so the page is the answers,
    // the overview and one line per workload. Before folding (and the tighter answer charts) it was
    // 19,466 px tall at 1400 px; folded it is under a third of that.
    const folded = await page.$$eval('details.section-charts', (ds) => ds.map((d) => d.hasAttribute('open')));
    expect(folded).toEqual([false, false, false]);
    expect(await page.$eval('html', (e) => e.scrollHeight)).toBeLessThan(6500);
    // an answer's "chart" link into a folded section opens it (Chromium expands <details> on a fragment)
    const link = await page.$$eval('#answers a[href*="--"]', (as) => as.map((a) => a.getAttribute('href')!));
    expect(link.length).toBeGreaterThan(0);
    await page.click(`#answers a[href="${link[0]}"]`);
    await expect.poll(() => page.$eval(link[0]!, (e) => e.closest('details')?.hasAttribute('open'))).toBe(true);
    // a user opens every workload's details: every chart is drawn
    for (const summary of await page.$$('details.section-charts:not([open]) > summary')) await summary.click();
    await expectEveryChart(page);
    // the demo sweeps three workloads: each appears in the overview
    const overview = await page.$eval('#overview', (e) => e.textContent ?? '');
    for (const w of ['gpu-kernel', 'rdma-stream', 'progress-monitor']) expect(overview).toContain(w);
    expect(problems).toEqual([]);
    expect(requests).toEqual([]);
    mkdirSync(SCREENSHOT_DIR, { recursive: true });
    await page.screenshot({ path: join(SCREENSHOT_DIR, 'demo-report.png'), fullPage: true });
    await page.close();
  });
});
