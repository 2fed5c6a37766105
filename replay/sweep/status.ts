/**
 * `sweepStatus(dir)`: how far a sweep is, from the folders themselves — the plan (`sweep.json`)
 * names every variant; a variant is done when its run folder is complete, failed when a failure
 * record says so (and it is not done), missing otherwise (not started, running, or its task was
 * killed). `waitForSweep` polls until every variant is done, a deadline passes, or the scheduler job
 * that should produce the rest has left the queue.
 */
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { BadInputError, UsageError } from '../../common/bad-input.ts';
import { readFailures, type FailureRecord } from './failures.ts';
import { readPlan, SWEEP_MANIFEST, variantDir } from './plan.ts';
import { isComplete } from './sweep.ts';

export interface SweepStatus {
  /** absolute sweep folder */
  dir: string;
  /** variants in the plan */
  total: number;
  /** complete variants, in sweep order */
  done: string[];
  /** variants with a failure record, in sweep order */
  failed: FailureRecord[];
  /** neither done nor failed, in sweep order */
  missing: string[];
}

export function sweepStatus(dir: string): SweepStatus {
  const root = resolve(dir);
  if (!existsSync(root) || !statSync(root).isDirectory()) {
    throw new BadInputError(dir, undefined, undefined, 'is not a directory (expected a sweep folder)');
  }
  const plan = readPlan(root);
  if (!plan) throw new BadInputError(dir, undefined, undefined, `has no ${SWEEP_MANIFEST} (not a sweep folder, or a sweep from before plans were written first)`);
  const failures = readFailures(root);
  const status: SweepStatus = { dir: root, total: plan.variants.length, done: [], failed: [], missing: [] };
  for (const id of plan.variants) {
    if (isComplete(variantDir(root, id))) status.done.push(id);
    else if (failures.has(id)) status.failed.push(failures.get(id)!);
    else status.missing.push(id);
  }
  return status;
}

/**
 * The status of `dir` when it is a planned sweep, else undefined (a lone run, or a sweep without a
 * plan): what `query` and `report` use to say how many variants are missing.
 */
export function sweepStatusIfPlanned(dir: string): SweepStatus | undefined {
  return readPlan(resolve(dir)) ? sweepStatus(dir) : undefined;
}

export function isSweepComplete(s: SweepStatus): boolean {
  return s.done.length === s.total;
}

export interface WaitOptions {
  /** give up after this many milliseconds (the status is returned incomplete) */
  timeoutMs: number;
  /** time between looks at the folders, ms (default 2000) */
  pollMs?: number;
  /**
   * Asked on every poll while variants are missing: false when nothing will produce them any more
   * (the scheduler job has left the queue), which ends the wait early. Default: always true.
   */
  stillRunning?: () => boolean | Promise<boolean>;
  /** called with each status looked at (e.g. to show progress) */
  onPoll?: (status: SweepStatus) => void;
}

export interface WaitResult {
  status: SweepStatus;
  /** why the wait ended */
  ended: 'complete' | 'timeout' | 'job-gone';
}

export async function waitForSweep(dir: string, options: WaitOptions): Promise<WaitResult> {
  const deadline = Date.now() + options.timeoutMs;
  const poll = options.pollMs ?? 2000;
  for (;;) {
    const status = sweepStatus(dir);
    options.onPoll?.(status);
    if (isSweepComplete(status)) return { status, ended: 'complete' };
    if (options.stillRunning && !(await options.stillRunning())) {
      // the job may have finished between the look at the folders and the look at the queue
      const last = sweepStatus(dir);
      return { status: last, ended: isSweepComplete(last) ? 'complete' : 'job-gone' };
    }
    if (Date.now() >= deadline) return { status, ended: 'timeout' };
    await new Promise((r) => setTimeout(r, Math.min(poll, Math.max(0, deadline - Date.now()))));
  }
}

/** One line per fact, for the terminal: counts, then every failed variant with its error, then the missing ones. */
export function formatStatus(s: SweepStatus, maxListed = 20): string {
  const lines = [`${s.dir}: ${s.done.length} of ${s.total} variants done, ${s.failed.length} failed, ${s.missing.length} missing`];
  for (const f of s.failed.slice(0, maxListed)) {
    lines.push(`  failed  ${f.variant}: ${f.error}${f.job ? ` [${f.job} on ${f.host}]` : ` [${f.host}, pid ${f.pid}]`}`);
  }
  if (s.failed.length > maxListed) lines.push(`  … and ${s.failed.length - maxListed} more failed (see ${s.dir}/_failed/)`);
  for (const id of s.missing.slice(0, maxListed)) lines.push(`  missing ${id}`);
  if (s.missing.length > maxListed) lines.push(`  … and ${s.missing.length - maxListed} more missing`);
  return lines.join('\n') + '\n';
}

/**
 * What `query` and `report` do before reading a folder: a planned sweep with unfinished variants is a
 * UsageError (its numbers would silently leave variants out) unless `partial` is set. Returns the
 * status of a planned sweep (to say how many are missing), undefined for a lone run or an unplanned sweep.
 */
export function checkSweepComplete(dir: string, partial: boolean | undefined): SweepStatus | undefined {
  if (!existsSync(resolve(dir)) || !statSync(resolve(dir)).isDirectory()) return undefined; // the reader says what is wrong
  const s = sweepStatusIfPlanned(dir);
  if (!s || isSweepComplete(s) || partial) return s;
  throw new UsageError(`${dir}: ${missingPhrase(s)}; wait for them (hetmem sweep status ${dir} --wait) or pass --partial to use the ${s.done.length} that are done`);
}

/** "2 of 8 planned variants are not done (1 failed, 1 missing)" */
export function missingPhrase(s: SweepStatus): string {
  const n = s.total - s.done.length;
  return `${n} of ${s.total} planned variant${s.total === 1 ? '' : 's'} ${n === 1 ? 'is' : 'are'} not done (${s.failed.length} failed, ${s.missing.length} missing)`;
}
