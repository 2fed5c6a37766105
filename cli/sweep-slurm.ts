import type { Command } from 'commander';
import { UsageError } from '../common/bad-input.ts';
import { positiveInt } from './replay-options.ts';
import type { SweepOptions } from '../replay/sweep/sweep.ts';
import { submitSweep, type SlurmOptions } from '../replay/sweep/slurm.ts';

/** The `--slurm*` flags of `hetmem sweep`. */
export interface SlurmFlags {
  slurm?: boolean;
  slurmArraySize?: number;
  slurmPartition?: string;
  slurmTime?: string;
  slurmCpus?: number;
  slurmMem?: string;
  slurmOpt?: string[];
}

export function addSlurmOptions(cmd: Command): Command {
  return cmd
    .option('--slurm', 'submit the sweep as one Slurm job array (sbatch) instead of running it here; prints the job id')
    .option('--slurm-array-size <n>', 'array tasks, each replaying every n-th variant (default: one per variant, at most 1000)', (v) => positiveInt(v, '--slurm-array-size'))
    .option('--slurm-partition <name>', 'partition (default: the cluster\'s default)')
    .option('--slurm-time <limit>', 'time limit per task, e.g. 2:00:00 (default: the partition\'s)')
    .option('--slurm-cpus <n>', 'CPUs per task, also its worker threads (default 1)', (v) => positiveInt(v, '--slurm-cpus'))
    .option('--slurm-mem <size>', 'memory per task, e.g. 8G (default: the cluster\'s)')
    .option('--slurm-opt <option>', 'any other sbatch option, repeatable (--slurm-opt=--account=hw)', (v: string, acc: string[] | undefined) => [...(acc ?? []), v]);
}

function slurmOptionsOf(f: SlurmFlags): SlurmOptions {
  return { arraySize: f.slurmArraySize, partition: f.slurmPartition, time: f.slurmTime, cpus: f.slurmCpus, mem: f.slurmMem, opts: f.slurmOpt };
}

/** Any `--slurm-*` flag without `--slurm` is a mistake worth saying. */
export function checkSlurmFlags(f: SlurmFlags): void {
  if (!f.slurm && Object.values(slurmOptionsOf(f)).some((v) => v !== undefined)) {
    throw new UsageError('sweep: --slurm-* flags need --slurm');
  }
}

export async function submitFromCli(options: SweepOptions, f: SlurmFlags, workersGiven: boolean): Promise<void> {
  if (workersGiven) throw new UsageError('sweep --slurm: each task\'s worker threads are its --slurm-cpus; drop --workers');
  const r = await submitSweep(options, slurmOptionsOf(f));
  if (r.jobId === null) {
    process.stderr.write(`sweep: all ${r.total} variants are complete; nothing submitted\n`);
    return;
  }
  process.stderr.write(`sweep: submitted job ${r.jobId}: ${r.tasks.length} of ${r.arraySize} array tasks for ${r.missing} of ${r.total} variants (script ${r.script})\n`
    + `sweep: follow it with: hetmem sweep status ${options.out} --wait\n`);
  process.stdout.write(`${r.jobId}\n`);
}
