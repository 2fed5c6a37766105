/**
 * Every chart of a report as a standalone file, for slides and tickets: `<chart id>.svg` (one SVG
 * document with the `xmlns` a file needs: title, colour legend and every small multiple laid out in
 * a grid) and `<chart id>.png` rendered from it by resvg (no browser, offline). The chart id is the
 * report's anchor (`link-headroom`, `migrations-over-time--gpu-kernel`), so names are stable from
 * run to run. `charts.csv` lists them (chart, title, svg, png) and marks the folder as hetmem's.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Resvg } from '@resvg/resvg-js';
import { parseHTML } from 'linkedom';
import { toCsv } from '../analysis/csv.ts';
import type { ChartOutput } from './chart.ts';
import { escapeHtml } from './html.ts';

/** The header of charts.csv; the output guard recognises a charts folder by it. */
export const CHARTS_INDEX = 'charts.csv';

/**
 * Fonts resvg can use for the PNG's text, first found wins. resvg does not know `system-ui`; the
 * charts ask for `system-ui, sans-serif`, so the generic `sans-serif` is pointed at one of these.
 * Debian's chromium pulls in fonts-dejavu-core (through fontconfig), so CI has the first one.
 */
export const FONT_CANDIDATES: readonly { family: string; file: string; bold?: string }[] = [
  { family: 'DejaVu Sans', file: '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf', bold: '/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf' },
  { family: 'Liberation Sans', file: '/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf' },
  { family: 'Liberation Sans', file: '/usr/share/fonts/truetype/liberation2/LiberationSans-Regular.ttf' },
  { family: 'Noto Sans', file: '/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf' },
  { family: 'Arial', file: '/Library/Fonts/Arial.ttf' },
  { family: 'Arial', file: 'C:\\Windows\\Fonts\\arial.ttf' },
];

/** The font the PNGs are drawn with, or undefined when none of the candidates is installed. */
export function pngFont(): { family: string; file: string; bold?: string } | undefined {
  return FONT_CANDIDATES.find((f) => existsSync(f.file));
}

/** The line to print when no font is found (the PNGs then have no text). */
export const NO_FONT_HINT = 'no sans-serif font found for the PNG charts (their text will be missing): install one, e.g. apt-get install fonts-dejavu-core';

const GAP = 24;
const PAGE_WIDTH = 1100;
const TITLE_H = 28;
const HEADING_H = 18;
const SWATCH = 12;

/** The bits of linkedom's DOM used here (the project compiles without the DOM library). */
interface El {
  getAttribute(name: string): string | null;
  setAttribute(name: string, value: string): void;
  closest(selector: string): El | null;
  querySelector(selector: string): El | null;
  querySelectorAll(selector: string): Iterable<El>;
  readonly outerHTML: string;
  readonly textContent: string | null;
  innerHTML: string;
}
interface Doc { createElement(tag: string): El }
const newDocument = (): Doc => parseHTML('<!DOCTYPE html><html><body></body></html>').document as unknown as Doc;

interface Placed { svg: El; width: number; height: number; heading: string | null }

/** The `<svg>` elements of a figure's markup (Plot wraps a figure with a legend in `<figure>`). */
function plotSvgs(markup: string, document: Doc): El[] {
  const holder = document.createElement('div');
  holder.innerHTML = markup;
  // top-level plot SVGs only: a legend's swatches are SVGs inside a span
  return [...holder.querySelectorAll('svg')].filter((s) => s.closest('span') === null);
}

/** The entries of a categorical legend (Plot's swatches: a coloured square and a label each). */
function legendEntries(markup: string, document: Doc): { colour: string; label: string }[] {
  if (markup === '') return [];
  const holder = document.createElement('div');
  holder.innerHTML = markup;
  return [...holder.querySelectorAll('span')].map((s) => ({
    colour: s.querySelector('svg')?.getAttribute('fill') ?? '#888',
    label: (s.textContent ?? '').trim(),
  })).filter((e) => e.label !== '');
}

const attrNum = (el: El, name: string, fallback: number): number => {
  const v = Number.parseFloat(el.getAttribute(name) ?? '');
  return Number.isFinite(v) && v > 0 ? v : fallback;
};

/** One chart as a standalone SVG document (title, legend, figures in a grid; white background). */
export function standaloneSvg(chart: ChartOutput): string {
  const document = newDocument();
  const placed: Placed[] = [];
  for (const f of chart.figures) {
    if (f.svg === '') continue;
    const svgs = plotSvgs(f.svg, document);
    svgs.forEach((svg, i) => placed.push({ svg, width: attrNum(svg, 'width', 640), height: attrNum(svg, 'height', 400), heading: i === 0 ? f.heading : null }));
  }
  const legend = legendEntries(chart.legend, document);
  const parts: string[] = [];
  let y = 4;
  parts.push(`<text x="0" y="${y + 18}" font-size="16" font-weight="bold">${escapeHtml(chart.title)}</text>`);
  y += TITLE_H;
  // the legend: swatch and label, wrapping at the page width (~6.5 px per character at 11 px)
  let x = 0;
  if (legend.length > 0) {
    for (const e of legend) {
      const w = SWATCH + 6 + Math.ceil(e.label.length * 6.5) + 16;
      if (x > 0 && x + w > PAGE_WIDTH) { x = 0; y += 20; }
      parts.push(`<rect x="${x}" y="${y}" width="${SWATCH}" height="${SWATCH}" fill="${escapeHtml(e.colour)}"/>`
        + `<text x="${x + SWATCH + 6}" y="${y + 10}" font-size="11">${escapeHtml(e.label)}</text>`);
      x += w;
    }
    y += 24;
  }
  // figures in rows: as many side by side as fit the page width
  const hasHeadings = placed.some((p) => p.heading !== null);
  let rowH = 0;
  x = 0;
  let width = 0;
  for (const p of placed) {
    if (x > 0 && x + p.width > PAGE_WIDTH) { x = 0; y += rowH + GAP; rowH = 0; }
    const top = y + (hasHeadings ? HEADING_H : 0);
    if (p.heading !== null) {
      // a long heading (merged small multiples) is squeezed to its figure's width rather than run into the next one
      const fit = p.heading.length * 7.4 > p.width ? ` textLength="${p.width}" lengthAdjust="spacingAndGlyphs"` : '';
      parts.push(`<text x="${x}" y="${y + 12}" font-size="12" font-weight="bold"${fit}>${escapeHtml(p.heading)}</text>`);
    }
    p.svg.setAttribute('x', String(x));
    p.svg.setAttribute('y', String(top));
    parts.push(p.svg.outerHTML);
    rowH = Math.max(rowH, p.height + (hasHeadings ? HEADING_H : 0));
    x += p.width + GAP;
    width = Math.max(width, x - GAP);
  }
  y += rowH + 8;
  width = Math.max(width, 320, Math.ceil(chart.title.length * 9.5));
  const W = Math.ceil(width), H = Math.ceil(y);
  return `<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="system-ui, sans-serif" fill="currentColor" color="#1b1b1b">
<title>${escapeHtml(chart.title)}</title>
<desc>${escapeHtml(chart.id)}: written by hetmem report --charts-dir</desc>
<rect x="0" y="0" width="${W}" height="${H}" fill="white"/>
${parts.join('\n')}
</svg>
`;
}

/** Scale of the PNGs (2: sharp on slides and high-density screens). */
export const PNG_ZOOM = 2;

/** Renders a standalone SVG to PNG bytes with resvg (offline; the font from `pngFont()`). */
export function svgToPng(svg: string): Buffer {
  const font = pngFont();
  const resvg = new Resvg(svg, {
    fitTo: { mode: 'zoom', value: PNG_ZOOM },
    background: 'white',
    // only the chosen font file: no scan of the system's fonts, so a machine's other fonts cannot change the PNG
    font: font
      ? { loadSystemFonts: false, fontFiles: [font.file, ...(font.bold && existsSync(font.bold) ? [font.bold] : [])], defaultFontFamily: font.family, sansSerifFamily: font.family }
      : { loadSystemFonts: true },
    logLevel: 'off',
  });
  return resvg.render().asPng();
}

/** Writes every chart into `dir` (an empty temporary folder): `<id>.svg`, `<id>.png` and charts.csv. */
export function writeChartFiles(dir: string, charts: readonly ChartOutput[]): { id: string; svg: string; png: string }[] {
  const out: { id: string; svg: string; png: string }[] = [];
  for (const c of charts) {
    if (!c.figures.some((f) => f.svg !== '')) continue;
    const svg = standaloneSvg(c);
    writeFileSync(join(dir, `${c.id}.svg`), svg);
    writeFileSync(join(dir, `${c.id}.png`), svgToPng(svg));
    out.push({ id: c.id, svg: `${c.id}.svg`, png: `${c.id}.png` });
  }
  const titles = new Map(charts.map((c) => [c.id, c.title]));
  writeFileSync(join(dir, CHARTS_INDEX), toCsv(['chart', 'title', 'svg', 'png'], out.map((o) => [o.id, titles.get(o.id)!, o.svg, o.png])));
  return out;
}
