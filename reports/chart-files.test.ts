/**
 * `report --charts-dir`: every chart of the report as a standalone SVG and PNG, named after the
 * chart, written atomically into a folder hetmem owns.
 */
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Resvg } from '@resvg/resvg-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BadInputError } from '../common/bad-input.ts';
import { writeSampleSweep } from '../analysis/testing/sample-sweep.ts';
import { report } from './report.ts';
import { PNG_ZOOM, pngFont, standaloneSvg, svgToPng } from './chart-files.ts';
import type { ChartOutput } from './chart.ts';
import { Plot, renderLegend, renderPlot } from './plot.ts';

let tmp: string;
let sweepDir: string;

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'hetmem-charts-'));
  sweepDir = join(tmp, 'sweep');
  await writeSampleSweep(sweepDir);
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Width and height from a PNG's IHDR chunk (bytes 16..23, big-endian), after the 8-byte signature. */
function pngSize(png: Buffer): { width: number; height: number } {
  expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  expect(png.subarray(12, 16).toString('latin1')).toBe('IHDR');
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

describe('report --charts-dir', () => {
  it('writes one SVG and one PNG per drawn chart, named after its id, listed in charts.csv', async () => {
    const charts = join(tmp, 'charts');
    const r = await report(sweepDir, { out: join(tmp, 'r1', 'report.html'), chartsDir: charts });
    const html = readFileSync(r.html, 'utf8');
    // the drawn charts are the report's chart sections
    const ids = [...html.matchAll(/<section class="chart" id="([^"]+)"/g)].map((m) => m[1]!);
    expect(ids.length).toBeGreaterThanOrEqual(6);
    expect(r.chartFiles!.files.map((f) => f.id)).toEqual(ids);
    expect(readdirSync(charts).sort()).toEqual(['charts.csv', ...ids.flatMap((id) => [`${id}.png`, `${id}.svg`])].sort());
    const index = readFileSync(join(charts, 'charts.csv'), 'utf8').trim().split('\n');
    expect(index[0]).toBe('chart,title,svg,png');
    expect(index.slice(1).map((l) => l.split(',')[0])).toEqual(ids);
    for (const id of ids) {
      const svg = readFileSync(join(charts, `${id}.svg`), 'utf8');
      expect(svg, id).toMatch(/^<\?xml[^>]*\?>\n<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
      // resvg's XML parser is strict (a stray `&nbsp;` or `--` in a comment fails): the file parses,
      // and its size is the one the SVG declares
      const declared = /width="(\d+)" height="(\d+)"/.exec(svg)!;
      const parsed = new Resvg(svg);
      expect([parsed.width, parsed.height], id).toEqual([Number(declared[1]), Number(declared[2])]);
      // the PNG is that size at PNG_ZOOM, and no bigger than a slide needs
      const size = pngSize(readFileSync(join(charts, `${id}.png`)));
      expect(size, id).toEqual({ width: parsed.width * PNG_ZOOM, height: parsed.height * PNG_ZOOM });
      expect(size.width, id).toBeLessThanOrEqual(1100 * PNG_ZOOM);
      expect(size.height, id).toBeGreaterThan(40 * PNG_ZOOM);
    }
  });

  it('gives byte-identical files on a second run (stable names and content)', async () => {
    const a = join(tmp, 'ca'), b = join(tmp, 'cb');
    await report(sweepDir, { out: join(tmp, 'ra', 'report.html'), chartsDir: a });
    await report(sweepDir, { out: join(tmp, 'rb', 'report.html'), chartsDir: b });
    const names = readdirSync(a).sort();
    expect(readdirSync(b).sort()).toEqual(names);
    for (const n of names) expect(readFileSync(join(b, n)).equals(readFileSync(join(a, n))), n).toBe(true);
    // and replaces its own earlier folder
    await report(sweepDir, { out: join(tmp, 'ra', 'report.html'), chartsDir: a });
    expect(readdirSync(a).sort()).toEqual(names);
  });

  it('refuses a folder hetmem did not write, and leaves it and the report untouched', async () => {
    const foreign = join(tmp, 'slides');
    mkdirSync(foreign);
    writeFileSync(join(foreign, 'talk.png'), 'not ours');
    const out = join(tmp, 'r2', 'report.html');
    await expect(report(sweepDir, { out, chartsDir: foreign })).rejects.toThrow(BadInputError);
    await expect(report(sweepDir, { out, chartsDir: foreign })).rejects.toThrow(/did not write/);
    expect(readdirSync(foreign)).toEqual(['talk.png']);
    expect(readFileSync(join(foreign, 'talk.png'), 'utf8')).toBe('not ours');
    expect(() => readFileSync(out)).toThrow();
  });
});

describe('standaloneSvg', () => {
  const chart = (figures: ChartOutput['figures'], legend = ''): ChartOutput => ({
    id: 'x', title: 'A <chart> & co', caption: '', legend, figures, data: { columns: [], types: [], rows: [] },
  });
  const plot = (w: number, h: number) => renderPlot({ width: w, height: h, marks: [Plot.dot([{ x: 1, y: 2 }], { x: 'x', y: 'y' })] });

  it('lays small multiples out two per row at 520 px, with headings, legend and escaped title', () => {
    // three 520×200 multiples, 24 px apart: two fit in 1100 px (520 + 24 + 520 = 1064), the third wraps.
    // Height: 4 top + 28 title + 24 legend row + 2 × (18 heading + 200 plot) + 24 gap + 8 bottom = 524.
    const svg = standaloneSvg(chart([
      { heading: 'run a', svg: plot(520, 200) }, { heading: 'run b', svg: plot(520, 200) }, { heading: 'run c', svg: plot(520, 200) },
    ], renderLegend(['up', 'down'])));
    expect(svg).toContain('width="1064" height="524"');
    expect(svg).toContain('A &lt;chart&gt; &amp; co');
    expect([...svg.matchAll(/<svg[^>]* x="(\d+)" y="(\d+)"|<svg[^>]* y="(\d+)"[^>]* x="(\d+)"/g)].length).toBe(3);
    expect(svg).toMatch(/>up<\/text>/);
    expect(svg).toMatch(/>run c<\/text>/);
    const png = svgToPng(svg);
    expect(pngSize(png)).toEqual({ width: 1064 * PNG_ZOOM, height: 524 * PNG_ZOOM });
  });

  it('draws the text with a real font when one is installed (a font-less render draws none)', () => {
    const withText = `<svg xmlns="http://www.w3.org/2000/svg" width="200" height="40"><text x="5" y="25" font-family="system-ui, sans-serif" font-size="20">hetmem 123</text></svg>`;
    /** Dark pixels of a PNG: decoded by drawing it as an image into a 1× SVG of the same size (no PNG decoder needed). */
    const darkPixels = (png: Buffer): number => {
      const { width, height } = pngSize(png);
      const img = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><image width="${width}" height="${height}" href="data:image/png;base64,${png.toString('base64')}"/></svg>`;
      const px = new Resvg(img, { background: 'white' }).render().pixels;
      let dark = 0;
      for (let i = 0; i < px.length; i += 4) if (px[i]! < 128) dark++;
      return dark;
    };
    // without any font resvg draws no glyph at all: the baseline the real render must beat
    const noFont = new Resvg(withText, { font: { loadSystemFonts: false }, background: 'white' }).render().asPng();
    expect(darkPixels(noFont)).toBe(0);
    if (!pngFont()) return; // a machine with none of the candidate fonts: the CLI prints NO_FONT_HINT
    // ten glyphs at 20 px, drawn at PNG_ZOOM: hundreds of dark pixels
    expect(darkPixels(svgToPng(withText))).toBeGreaterThan(300);
  });
});
