/**
 * Failure records: when a variant's replay fails, the task that ran it leaves
 * `<sweep>/_failed/<variant index>.json` with the variant id and the error, so `hetmem sweep status`
 * can show why a variant is missing after a scheduler task has gone. The record is removed when the
 * variant later completes. The folder name starts with `_`, which hive-partition readers (Spark,
 * Trino, DuckDB's globs over `key=value` folders) and hetmem's own dataset reader skip.
 */
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { writeFileAtomic } from '../../common/atomic-output.ts';

export const FAILED_DIR = '_failed';

export interface FailureRecord {
  schema: 'hetmem.sweep-failure/1';
  /** the variant's id (its folder path below the sweep folder) */
  variant: string;
  /** the error message, as the CLI would print it */
  error: string;
  /** true when the error is bad input (a wrong --vary value, a bad platform key): resubmitting will not help */
  badInput: boolean;
  /** where and when it failed: host, process, scheduler job (when one ran it), ISO time */
  host: string;
  pid: number;
  job: string | null;
  at: string;
}

function recordPath(out: string, variantIndex: number): string {
  return join(out, FAILED_DIR, `${String(variantIndex).padStart(6, '0')}.json`);
}

/** The scheduler's name for this task, when one started it. */
function schedulerJob(env: NodeJS.ProcessEnv = process.env): string | null {
  if (env.SLURM_ARRAY_JOB_ID) return `slurm ${env.SLURM_ARRAY_JOB_ID}_${env.SLURM_ARRAY_TASK_ID ?? ''}`;
  if (env.SLURM_JOB_ID) return `slurm ${env.SLURM_JOB_ID}`;
  if (env.JOB_COMPLETION_INDEX !== undefined) return `kubernetes index ${env.JOB_COMPLETION_INDEX} (${env.HOSTNAME ?? hostname()})`;
  if (env.AWS_BATCH_JOB_ID) return `aws-batch ${env.AWS_BATCH_JOB_ID}`;
  return null;
}

export function recordFailure(out: string, variantIndex: number, variant: string, error: Error, badInput: boolean): void {
  const record: FailureRecord = {
    schema: 'hetmem.sweep-failure/1',
    variant,
    error: error.message,
    badInput,
    host: hostname(),
    pid: process.pid,
    job: schedulerJob(),
    at: new Date().toISOString(),
  };
  writeFileAtomic(recordPath(out, variantIndex), JSON.stringify(record, null, 2) + '\n');
}

/** Removes the variant's failure record (if any) once it has completed. */
export function clearFailure(out: string, variantIndex: number): void {
  const p = recordPath(out, variantIndex);
  if (existsSync(p)) rmSync(p, { force: true });
}

/** Every failure record of the sweep, by variant id (a record that cannot be read is reported as such). */
export function readFailures(out: string): Map<string, FailureRecord> {
  const dir = join(out, FAILED_DIR);
  const found = new Map<string, FailureRecord>();
  if (!existsSync(dir)) return found;
  for (const name of readdirSync(dir).sort()) {
    if (!/^\d+\.json$/.test(name)) continue; // temporaries of a record being written
    try {
      const r = JSON.parse(readFileSync(join(dir, name), 'utf8')) as FailureRecord;
      if (typeof r.variant === 'string') found.set(r.variant, r);
    } catch {
      // unreadable (e.g. hand-edited): its variant then shows as missing, which is still true
    }
  }
  return found;
}
