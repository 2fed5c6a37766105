/**
 * Server-side Observable Plot: charts are rendered in Node against a linkedom document (STACK.md)
 * and serialised to inline SVG markup, so the report opens with no script and no network.
 * linkedom escapes text and attributes, so trace strings in tick labels are safe.
 */
import * as Plot from '@observablehq/plot';
import { parseHTML } from 'linkedom';

export type PlotOptions = Plot.PlotOptions;
export { Plot };

const DEFAULT_STYLE = { fontSize: '11px', background: 'white' };

/** Renders a Plot to markup (an `<svg>`, or a `<figure>` when it has a legend or title). */
export function renderPlot(options: PlotOptions): string {
  const { document } = parseHTML('<!DOCTYPE html><html><body></body></html>');
  const el = Plot.plot({ style: DEFAULT_STYLE, ...options, document } as PlotOptions) as unknown as { outerHTML: string };
  return el.outerHTML;
}

/** A colour legend on its own (shared by the small multiples of a chart). */
export function renderLegend(domain: string[], label?: string): string {
  if (domain.length === 0) return '';
  const { document } = parseHTML('<!DOCTYPE html><html><body></body></html>');
  const el = Plot.legend({ color: { type: 'categorical', domain, label }, document } as unknown as Plot.LegendOptions) as unknown as { outerHTML: string };
  return el.outerHTML;
}

/** A small chart that says there is nothing to draw (every chart slot stays a real SVG). */
export function renderEmpty(message: string, width = 640, height = 60): string {
  return renderPlot({ width, height, axis: null, marks: [Plot.text([message], { frameAnchor: 'middle', fontSize: 12 })] });
}
