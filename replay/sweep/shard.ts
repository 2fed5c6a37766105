/**
 * `--shard auto`: which share of a sweep this task runs, read from the array-job variables of the
 * scheduler that started it, so one command line serves every task of an array:
 *
 *   Slurm job array        SLURM_ARRAY_TASK_ID, SLURM_ARRAY_TASK_COUNT, SLURM_ARRAY_TASK_MIN, _STEP
 *   Kubernetes Indexed Job JOB_COMPLETION_INDEX        (count: --shard-count or HETMEM_SHARD_COUNT)
 *   AWS Batch array job    AWS_BATCH_JOB_ARRAY_INDEX   (count: --shard-count or HETMEM_SHARD_COUNT)
 *
 * Kubernetes and AWS Batch do not put the array size in the environment (sbatch does), so their
 * count comes from the flag or the variable. For Slurm, a given count means "the array is numbered
 * 0..count-1" and the task id is the shard index as is — which keeps working when only some tasks are
 * resubmitted (`sbatch --array=2,5`, where SLURM_ARRAY_TASK_COUNT would be 2); without a count,
 * the index is (id − min) / step of the array as submitted.
 */
import { UsageError } from '../../common/bad-input.ts';
import { parseShard, type Shard } from './variants.ts';

export const AUTO_SHARD = 'auto';
/** The variable that gives the shard count where the scheduler does not (Kubernetes, AWS Batch). */
export const SHARD_COUNT_ENV = 'HETMEM_SHARD_COUNT';

type Env = Record<string, string | undefined>;

/**
 * Resolves a `--shard` value: undefined (no sharding), a `Shard`, `"i/N"`, or `"auto"` (from `env`).
 * `count` is `--shard-count`, used by `auto` only.
 */
export function resolveShard(spec: Shard | string | undefined, count?: number, env: Env = process.env): Shard | undefined {
  if (spec === undefined) return undefined;
  if (typeof spec !== 'string') return checkShard(spec, `${spec.index}/${spec.count}`);
  if (spec.trim() !== AUTO_SHARD) {
    if (count !== undefined) throw new UsageError('--shard-count goes with --shard auto (--shard i/N names its count)');
    return parseShard(spec);
  }
  return autoShard(count, env);
}

function autoShard(flagCount: number | undefined, env: Env): Shard {
  const count = flagCount ?? optionalInt(env, SHARD_COUNT_ENV);
  const slurmId = optionalInt(env, 'SLURM_ARRAY_TASK_ID');
  if (slurmId !== undefined) {
    if (count !== undefined) return checkShard({ index: slurmId, count }, `SLURM_ARRAY_TASK_ID=${slurmId} of ${count}`);
    const total = requiredInt(env, 'SLURM_ARRAY_TASK_COUNT', 'a Slurm array task');
    const min = optionalInt(env, 'SLURM_ARRAY_TASK_MIN') ?? 0;
    const step = optionalInt(env, 'SLURM_ARRAY_TASK_STEP') ?? 1;
    const offset = slurmId - min;
    if (step < 1 || offset % step !== 0) {
      throw new UsageError(`--shard auto: SLURM_ARRAY_TASK_ID=${slurmId} is not min + k·step (min ${min}, step ${step}); give --shard-count N for an irregular array`);
    }
    return checkShard({ index: offset / step, count: total }, `Slurm array task ${slurmId} of ${total} (min ${min}, step ${step})`);
  }
  for (const name of ['JOB_COMPLETION_INDEX', 'AWS_BATCH_JOB_ARRAY_INDEX']) {
    const index = optionalInt(env, name);
    if (index === undefined) continue;
    if (count === undefined) {
      throw new UsageError(`--shard auto: ${name}=${index} gives the index but not the count; add --shard-count N (or set ${SHARD_COUNT_ENV})`);
    }
    return checkShard({ index, count }, `${name}=${index} of ${count}`);
  }
  throw new UsageError(`--shard auto: none of SLURM_ARRAY_TASK_ID, JOB_COMPLETION_INDEX, AWS_BATCH_JOB_ARRAY_INDEX is set (not an array task?); give --shard i/N`);
}

function checkShard(s: Shard, shown: string): Shard {
  if (!(Number.isInteger(s.index) && Number.isInteger(s.count) && s.count >= 1 && s.index >= 0 && s.index < s.count)) {
    throw new UsageError(`--shard: ${shown} is not a shard i/N with 0 <= i < N`);
  }
  return s;
}

function optionalInt(env: Env, name: string): number | undefined {
  const v = env[name];
  if (v === undefined || v.trim() === '') return undefined;
  if (!/^\d+$/.test(v.trim())) throw new UsageError(`--shard auto: ${name}="${v}" is not a non-negative integer`);
  return Number(v.trim());
}

function requiredInt(env: Env, name: string, what: string): number {
  const n = optionalInt(env, name);
  if (n === undefined) throw new UsageError(`--shard auto: ${name} is not set (${what} should have it); add --shard-count N`);
  return n;
}
