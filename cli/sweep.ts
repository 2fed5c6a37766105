import type { Command } from 'commander';
import { collectMap, positiveInt } from './replay-options.ts';
import { addOutOption, outPath, type OutFlags } from './output-option.ts';
import { addSlurmOptions, checkSlurmFlags, submitFromCli, type SlurmFlags } from './sweep-slurm.ts';
import { registerSweepStatus } from './sweep-status.ts';
import { UsageError } from '../common/bad-input.ts';
import { sweep } from '../replay/sweep/sweep.ts';
import { parseVary, type VaryAxis } from '../replay/sweep/variants.ts';

/** `hetmem sweep <trace.arrow> --vary key=v1,v2 … -o dir`: what-if replays in worker threads. */
export function registerSweep(program: Command): void {
  const cmd = program
    .command('sweep')
    .description('Replay one trace under the cartesian product of variants, in parallel, into hive-style key=value run directories.')
    .argument('<trace.arrow>', 'canonical trace')
    .option('--platform <preset|file.yaml>', 'platform of every variant (or vary it: --vary platform=a,b)')
    .option('--vary <key=v1,v2,...>', 'an axis: "platform" or any replay --set key (repeatable)', (v: string, acc: VaryAxis[] | undefined) => [...(acc ?? []), parseVary(v)])
    .option('--workers <n>', 'worker threads (default: as many replays as fit in 80 % of available memory, one replay estimated at 256 MiB + the trace file size; at least 1, at most one per core)', (v) => positiveInt(v, '--workers'))
    .option('--map <trace=platform>', 'replay a trace agent as a platform agent in every variant, repeatable (gpu3=gpu0)', collectMap, {})
    .option('--shard <i/N|auto>', 'run only variants i, i+N, i+2N, … (0 <= i < N); auto: i and N from a Slurm array, Kubernetes Indexed Job or AWS Batch array')
    .option('--shard-count <N>', 'with --shard auto: N, where the scheduler does not say it (Kubernetes, AWS Batch; or env HETMEM_SHARD_COUNT)', (v) => positiveInt(v, '--shard-count'));
  addOutOption(cmd, 'dir', 'sweep directory (required; re-running skips complete variants)');
  addSlurmOptions(cmd)
    .addHelpText('after', `
Layout: <dir>/sweep.json and one run directory per variant, e.g.
  <dir>/platform=a100-pcie4/gpu0.bar=256MiB/{events,timeline}.parquet, summary.json, run.json
Read it whole with hetmem query/report, or as a hive-partitioned dataset from DuckDB, Spark or Trino.

Examples:
  hetmem sweep rdma.arrow --platform consumer-pcie4-256m --vary gpu0.bar=256MiB,1GiB,4GiB -o sweep/
  hetmem sweep k.arrow --vary platform=a100-pcie4,h100-pcie5 --vary gpu0.memory=8GiB,16GiB --workers 2 -o sweep/
  hetmem sweep k.arrow --platform a100-pcie4 --vary policy.prefetch=on,off --shard auto --shard-count 4 -o /shared/sweep/
  hetmem sweep step.arrow --platform a100-pcie4 --vary policy.device_alloc=managed --vary gpu0.memory=128MiB,192MiB,256MiB,384MiB -o sweep/
  hetmem sweep k.arrow --platform a100-pcie4 --vary gpu0.bar=256MiB,1GiB,4GiB,16GiB --slurm --slurm-time 1:00:00 -o /shared/sweep/
  hetmem sweep status /shared/sweep/ --wait`)
    .action(async (trace: string, opts: SlurmFlags & { platform?: string; vary?: VaryAxis[]; workers?: number; shard?: string; shardCount?: number; map: Record<string, string> } & OutFlags) => {
      const out = outPath(opts, 'dir');
      if (!opts.vary || opts.vary.length === 0) throw new UsageError('sweep: give at least one --vary key=v1,v2');
      checkSlurmFlags(opts);
      if (opts.slurm) {
        await submitFromCli({ trace, platform: opts.platform, vary: opts.vary, out, shard: opts.shard, agents: opts.map }, opts, opts.workers !== undefined);
        return;
      }
      const r = await sweep({ trace, platform: opts.platform, vary: opts.vary, out, workers: opts.workers, shard: opts.shard, shardCount: opts.shardCount, agents: opts.map, progress: true, force: opts.force });
      process.stderr.write(`sweep: ${r.variants.length} of ${r.total} variants in this shard: ran ${r.ran}, skipped ${r.skipped} (complete)\n`);
      process.stdout.write(`${r.out}\n`);
    });
  registerSweepStatus(cmd);
}
