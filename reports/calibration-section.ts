/**
 * A calibration directory (`hetmem calibrate -o cal/`) reports as its replayed run (`cal/run/`) plus a
 * "Calibration" section of predicted-vs-observed charts read from `cal/calibration.json`: the Unified
 * Memory migrations the profile observed, and the trace's own copies.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CALIBRATION_FILES, type Calibration } from '../replay/calibrate/calibrate.ts';
import { copyFitSentences } from './calibration-copies-summary.ts';
import { calibrationCopies } from './charts/calibration-copies.ts';
import { calibrationDurations } from './charts/calibration-durations.ts';
import { calibrationHistogram } from './charts/calibration-histogram.ts';
import type { ChartOutput } from './chart.ts';
import type { Section } from './page.ts';

/** The run directory to report for `dir`, and the calibration section when `dir` is a calibration. */
export function calibrationOf(dir: string): { runDir: string; section: Section | null } {
  const file = join(dir, CALIBRATION_FILES.calibration);
  if (!existsSync(file)) return { runDir: dir, section: null };
  const c = JSON.parse(readFileSync(file, 'utf8')) as Calibration;
  const migrations = c.groups.length > 0;
  const copies = c.copies;
  const copyCount = copies ? Object.values(copies.observed).reduce((a, n) => a + (n ?? 0), 0) : 0;
  // Answer first: what the copies say, then what the migrations say.
  const sentences = copies ? copyFitSentences(copies) : [];
  sentences.push(migrations
    ? `Unified Memory: the model replayed the accesses derived from ${c.source} on ${c.platform}; ${c.blocks.matched} of ${c.blocks.blocks} 2 MiB blocks have the observed transfer sequence.`
    : `Unified Memory: ${c.source} has no observed migrations to compare with the model on ${c.platform}${copyCount > 0 ? `; its ${copyCount.toLocaleString('en-US')} timed copies calibrate the copy path` : ''}.`);
  const charts: ChartOutput[] = [];
  const omitted: string[] = [];
  if (copies) charts.push(calibrationCopies(copies));
  for (const chart of [calibrationHistogram(c), calibrationDurations(c)]) {
    if (migrations) charts.push(chart);
    else omitted.push(`${chart.title} (no observed migrations)`);
  }
  return {
    runDir: join(dir, CALIBRATION_FILES.run),
    section: { id: 'calibration', title: 'Calibration: predicted vs observed', intro: sentences.join(' '), charts, omitted },
  };
}
