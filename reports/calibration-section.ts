/**
 * A calibration directory (`hetmem calibrate -o cal/`) reports as its replayed run (`cal/run/`) plus a
 * "Calibration" section of predicted-vs-observed charts read from `cal/calibration.json`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CALIBRATION_FILES, type Calibration } from '../replay/calibrate/calibrate.ts';
import { calibrationDurations } from './charts/calibration-durations.ts';
import { calibrationHistogram } from './charts/calibration-histogram.ts';
import type { Section } from './page.ts';

/** The run directory to report for `dir`, and the calibration section when `dir` is a calibration. */
export function calibrationOf(dir: string): { runDir: string; section: Section | null } {
  const file = join(dir, CALIBRATION_FILES.calibration);
  if (!existsSync(file)) return { runDir: dir, section: null };
  const c = JSON.parse(readFileSync(file, 'utf8')) as Calibration;
  return {
    runDir: join(dir, CALIBRATION_FILES.run),
    section: {
      id: 'calibration', title: 'Calibration: predicted vs observed',
      intro: `The model replayed the accesses derived from ${c.source} on ${c.platform}; ${c.blocks.matched} of ${c.blocks.blocks} 2 MiB blocks have the observed transfer sequence.`,
      charts: [calibrationHistogram(c), calibrationDurations(c)],
    },
  };
}
