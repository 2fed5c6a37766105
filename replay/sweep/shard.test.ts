import { describe, expect, it } from 'vitest';
import { UsageError } from '../../common/bad-input.ts';
import { resolveShard } from './shard.ts';

describe('--shard auto', () => {
  it('reads a Slurm array: index = (id − min) / step, count = SLURM_ARRAY_TASK_COUNT', () => {
    // sbatch --array=0-3: task 2 of 4
    expect(resolveShard('auto', undefined, { SLURM_ARRAY_TASK_ID: '2', SLURM_ARRAY_TASK_COUNT: '4', SLURM_ARRAY_TASK_MIN: '0' }))
      .toEqual({ index: 2, count: 4 });
    // sbatch --array=1-4 (numbered from 1): id 1 is the first shard, id 4 the last
    expect(resolveShard('auto', undefined, { SLURM_ARRAY_TASK_ID: '1', SLURM_ARRAY_TASK_COUNT: '4', SLURM_ARRAY_TASK_MIN: '1' }))
      .toEqual({ index: 0, count: 4 });
    expect(resolveShard('auto', undefined, { SLURM_ARRAY_TASK_ID: '4', SLURM_ARRAY_TASK_COUNT: '4', SLURM_ARRAY_TASK_MIN: '1' }))
      .toEqual({ index: 3, count: 4 });
    // sbatch --array=0-6:2 → ids 0,2,4,6: id 6 is (6 − 0) / 2 = shard 3 of 4
    expect(resolveShard('auto', undefined, { SLURM_ARRAY_TASK_ID: '6', SLURM_ARRAY_TASK_COUNT: '4', SLURM_ARRAY_TASK_MIN: '0', SLURM_ARRAY_TASK_STEP: '2' }))
      .toEqual({ index: 3, count: 4 });
  });

  it('with a given count, takes the Slurm task id as the index (a resubmitted subset keeps its shards)', () => {
    // sbatch --array=2 of a 4-shard sweep: Slurm says count 1 and min 2, but the shard is 2 of 4
    const env = { SLURM_ARRAY_TASK_ID: '2', SLURM_ARRAY_TASK_COUNT: '1', SLURM_ARRAY_TASK_MIN: '2' };
    expect(resolveShard('auto', 4, env)).toEqual({ index: 2, count: 4 });
    expect(resolveShard('auto', undefined, { ...env, HETMEM_SHARD_COUNT: '4' })).toEqual({ index: 2, count: 4 });
  });

  it('reads a Kubernetes Indexed Job and an AWS Batch array job, with the count from the flag or the variable', () => {
    expect(resolveShard('auto', 5, { JOB_COMPLETION_INDEX: '3' })).toEqual({ index: 3, count: 5 });
    expect(resolveShard('auto', undefined, { JOB_COMPLETION_INDEX: '0', HETMEM_SHARD_COUNT: '2' })).toEqual({ index: 0, count: 2 });
    expect(resolveShard('auto', 8, { AWS_BATCH_JOB_ARRAY_INDEX: '7' })).toEqual({ index: 7, count: 8 });
    expect(() => resolveShard('auto', undefined, { AWS_BATCH_JOB_ARRAY_INDEX: '7' })).toThrow(/AWS_BATCH_JOB_ARRAY_INDEX=7 gives the index but not the count; add --shard-count/);
  });

  it('rejects what does not name a shard', () => {
    expect(() => resolveShard('auto', undefined, {})).toThrow(/none of SLURM_ARRAY_TASK_ID, JOB_COMPLETION_INDEX, AWS_BATCH_JOB_ARRAY_INDEX/);
    expect(() => resolveShard('auto', 4, { JOB_COMPLETION_INDEX: '4' })).toThrow(UsageError); // index must be < count
    expect(() => resolveShard('auto', undefined, { SLURM_ARRAY_TASK_ID: 'x', SLURM_ARRAY_TASK_COUNT: '4' })).toThrow(/SLURM_ARRAY_TASK_ID="x"/);
    expect(() => resolveShard('auto', undefined, { SLURM_ARRAY_TASK_ID: '3', SLURM_ARRAY_TASK_COUNT: '4', SLURM_ARRAY_TASK_STEP: '2' })).toThrow(/not min \+ k·step/);
    expect(() => resolveShard('1/4', 4, {})).toThrow(/--shard-count goes with --shard auto/);
  });

  it('passes explicit shards through', () => {
    expect(resolveShard(undefined, undefined, { SLURM_ARRAY_TASK_ID: '1' })).toBeUndefined();
    expect(resolveShard('1/3', undefined, {})).toEqual({ index: 1, count: 3 });
    expect(() => resolveShard({ index: 3, count: 3 }, undefined, {})).toThrow(UsageError);
  });
});
