/**
 * Small multiples that draw the same picture are drawn once. In a sweep, an axis that does not
 * matter for a workload (the BAR size of a kernel that maps no peers) gives byte-identical SVGs for
 * its values; one figure headed with the values it stands for says that, at a fraction of the height.
 */
import type { Figure } from './chart.ts';
import { LABEL_SEPARATOR } from './run-label.ts';

/**
 * One heading for several run labels (`a · bar=256MiB · m=1` and `a · bar=1GiB · m=1` →
 * `a · bar=256MiB or 1GiB · m=1`): parts that differ list their values, `key=` said once — when the
 * labels are every combination of those values; otherwise the labels joined by `; `.
 */
export function mergedHeading(labels: readonly string[]): string {
  const parts = labels.map((l) => l.split(LABEL_SEPARATOR));
  if (parts.some((p) => p.length !== parts[0]!.length)) return labels.join('; ');
  // the compact form means "every combination of these values": only when the labels are exactly that
  const combinations = parts[0]!.reduce((n, _, k) => n * new Set(parts.map((p) => p[k])).size, 1);
  if (combinations !== new Set(labels).size) return labels.join('; ');
  return parts[0]!.map((_, k) => {
    const values = [...new Set(parts.map((p) => p[k]!))];
    if (values.length === 1) return values[0]!;
    const key = /^([^=]+=)/.exec(values[0]!)?.[1];
    return key && values.every((v) => v.startsWith(key))
      ? key + values.map((v) => v.slice(key.length)).join(' or ')
      : values.join(' or ');
  }).join(LABEL_SEPARATOR);
}

/** Figures with the same SVG merged into the first of them (order kept); empty ones are left as they are. */
export function mergeIdenticalFigures(figures: readonly Figure[]): Figure[] {
  const bySvg = new Map<string, Figure[]>();
  const out: Figure[][] = [];
  for (const f of figures) {
    if (f.svg === '' || f.heading === null) { out.push([f]); continue; }
    const same = bySvg.get(f.svg);
    if (same) same.push(f);
    else { const g = [f]; bySvg.set(f.svg, g); out.push(g); }
  }
  return out.map((g) => (g.length === 1 ? g[0]! : { ...g[0]!, heading: `${mergedHeading(g.map((f) => f.heading!))} (identical)` }));
}
