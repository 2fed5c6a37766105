import { missingPhrase, sweepStatusIfPlanned, isSweepComplete } from '../replay/sweep/status.ts';

/** The `--partial` flag of `query` and `report`. */
export const PARTIAL_FLAG = ['--partial', 'use a sweep whose variants are not all done (default: an error saying how many are missing)'] as const;

/** With --partial on an unfinished sweep: one warning line on stderr, so the numbers are not mistaken for the whole sweep. */
export function warnIfPartial(dir: string, partial: boolean | undefined): void {
  if (!partial) return;
  const s = sweepStatusIfPlanned(dir);
  if (s && !isSweepComplete(s)) process.stderr.write(`hetmem: warning: ${dir}: ${missingPhrase(s)}; using the ${s.done.length} that are done\n`);
}
