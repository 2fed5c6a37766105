/**
 * The answer a calibration gives about a trace's own copies (calibration.json `copies`), one sentence
 * per copy kind, answer first: how many copies, the fitted fixed cost + bandwidth, and how far the
 * platform's model (and calibrated.yaml) is from what the trace observed.
 */
import type { CopyCalibration } from '../replay/calibrate/calibrate.ts';
import { COPY_KINDS, type CopyKind } from '../replay/calibrate/copies.ts';
import type { DurationComparison } from '../replay/calibrate/compare.ts';
import type { TransferFit } from '../replay/calibrate/fit.ts';
import { formatNs } from '../ingest/trace/units.ts';

/** A model within this factor of the observed total (either way) reads as "within 5 % of observed". */
const CLOSE_FACTOR = 1.05;

/**
 * Observed total / modeled total of one kind's copies, each size counted as n × its median (the
 * per-copy durations are not in calibration.json); null when the model has no path for any of them.
 */
export function observedOverModeled(rows: readonly DurationComparison<CopyKind>[], kind: CopyKind): number | null {
  let observed = 0;
  let modeled = 0;
  for (const r of rows) {
    if (r.direction !== kind || r.modeled_ns === null) continue;
    observed += r.n * r.observed_median_ns;
    modeled += r.n * r.modeled_ns;
  }
  return modeled > 0 ? observed / modeled : null;
}

/** `2.2× too fast`, `1.05× too slow`, `within 5 % of observed` for an observed / modeled ratio. */
export function speedPhrase(ratio: number): string {
  const factor = ratio >= 1 ? ratio : 1 / ratio;
  if (factor < CLOSE_FACTOR) return 'within 5 % of observed';
  return `${factor.toFixed(factor < 1.2 ? 2 : 1)}× too ${ratio >= 1 ? 'fast' : 'slow'}`;
}

/** `11.98 GB/s`, `788 GB/s` */
function bandwidthText(gbps: number): string {
  return `${gbps.toFixed(gbps < 100 ? 2 : 0)} GB/s`;
}

export function fitText(fit: TransferFit): string {
  return `${formatNs(Math.round(fit.fixed_ns))} + ${bandwidthText(fit.bandwidth_gbps)} (r² ${fit.r2.toFixed(3)})`;
}

/** The calibrated.yaml path (`HtoD`, `DtoH`, `DtoD`) a copy kind can set. */
function pathOf(kind: CopyKind): 'HtoD' | 'DtoH' | 'DtoD' | null {
  if (kind === 'DtoD') return 'DtoD';
  if (kind === 'PtoP') return null;
  return kind.startsWith('HtoD') ? 'HtoD' : 'DtoH';
}

/**
 * One sentence per observed copy kind, e.g. `HtoD pinned: 35 copies, fitted 0 ns + 11.98 GB/s
 * (r² 0.998); the platform modeled them 2.2× too fast; calibrated.yaml takes this fit and models them
 * within 5 % of observed.`
 */
export function copyFitSentences(c: CopyCalibration): string[] {
  const out: string[] = [];
  for (const kind of COPY_KINDS) {
    const n = c.observed[kind];
    if (!n) continue;
    const fit = c.fits[kind];
    const parts = [`${kind}: ${n.toLocaleString('en-US')} ${n === 1 ? 'copy' : 'copies'}, ${fit ? `fitted ${fitText(fit)}` : 'no fit (fewer than two sizes, or durations do not grow with size)'}`];
    const before = observedOverModeled(c.durations, kind);
    parts.push(before === null ? 'the platform has no path for them' : `the platform modeled them ${speedPhrase(before)}`);
    const path = pathOf(kind);
    const taken = path !== null && c.used[path] === kind;
    const after = observedOverModeled(c.durations_calibrated, kind);
    const calibratedSays = taken ? 'calibrated.yaml takes this fit and models them' : fit ? 'calibrated.yaml does not take this fit; it models them' : 'calibrated.yaml models them';
    if (after !== null) parts.push(`${calibratedSays} ${speedPhrase(after)}`);
    out.push(`${parts.join('; ')}.`);
  }
  return out;
}
