/**
 * `sweep()`: replays one trace under every variant of a cartesian product, in worker threads, into
 * hive-style run directories below `out`:
 *
 *   out/sweep.json                                  the plan: trace, platform, axes, variant ids (plan.ts),
 *                                                   written before any variant runs
 *   out/platform=a100-pcie4/gpu0.bar=256MiB/…       one complete run directory per variant
 *   out/_failed/<index>.json                        why a variant failed, until it completes (failures.ts)
 *
 * A variant directory appears only when its run is complete (replayed into a temporary sibling,
 * renamed on success), so a re-run skips what exists and resumes after a crash. Each variant is an
 * independent, deterministic replay, so the outputs are byte-identical whatever the worker count or
 * sharding.
 */
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { BadInputError, UsageError, isBadInput } from '../../common/bad-input.ts';
import { claimOutput } from '../../common/output-guard.ts';
import { loadPlatform } from '../platform-loader.ts';
import { defaultWorkers } from './memory-budget.ts';
import { startProgress } from '../../common/progress.ts';
import { RunsProgress } from './runs-progress.ts';
import { RUN_FILES } from '../run-output.ts';
import { runInWorkers } from './pool.ts';
import { DEFAULT_REPLAY_MODULE, type VariantTask } from './run-variant.ts';
import { clearFailure, recordFailure } from './failures.ts';
import { planSweep, variantDir, writePlan } from './plan.ts';
import { resolveShard } from './shard.ts';
import { inShard, type Shard, type Variant, type VaryAxis } from './variants.ts';

export { SWEEP_MANIFEST, type SweepManifest } from './plan.ts';

export interface SweepOptions {
  /** canonical trace (Arrow IPC file) */
  trace: string;
  /** preset name or YAML file; optional when `platform` is one of the axes */
  platform?: string;
  /** the axes: `[{ key, values }]` or `{ key: values }`; key `platform` picks presets, others are overrides */
  vary: VaryAxis[] | Record<string, string[]>;
  /** sweep directory */
  out: string;
  /** worker threads (default: what memory allows, at most one per core; see defaultWorkers) */
  workers?: number;
  /**
   * run only every N-th variant starting at i: `{index, count}`, `"i/N"`, or `"auto"` (from the
   * array-job variables of Slurm, a Kubernetes Indexed Job or AWS Batch; see shard.ts). Default: all.
   */
  shard?: Shard | string;
  /** with `shard: "auto"`: the number of shards, where the scheduler does not say it (e.g. `4`) */
  shardCount?: number;
  /** show a progress bar on stderr when it is a terminal */
  progress?: boolean;
  /** trace agent → platform agent for every variant (`--map gpu3=gpu0`) */
  agents?: Record<string, string>;
  /** replace a hetmem output of another kind at `out` (never foreign data). Default false. */
  force?: boolean;
  /** @internal URL of the module providing `replay` (tests use a stand-in) */
  replayModule?: string;
}

export interface SweepVariantResult {
  id: string;
  keys: Record<string, string>;
  dir: string;
  status: 'ran' | 'skipped';
}

export interface SweepResult {
  out: string;
  /** variants in the whole sweep (all shards) */
  total: number;
  /** this shard's variants, in sweep order */
  variants: SweepVariantResult[];
  ran: number;
  skipped: number;
}

export function isComplete(runDir: string): boolean {
  return existsSync(join(runDir, RUN_FILES.summary)) && existsSync(join(runDir, RUN_FILES.run));
}

export async function sweep(options: SweepOptions): Promise<SweepResult> {
  const shard = resolveShard(options.shard, options.shardCount);
  if (options.workers !== undefined && (!Number.isInteger(options.workers) || options.workers < 1)) {
    throw new UsageError(`sweep: --workers must be a positive integer (got ${options.workers})`);
  }
  if (!existsSync(options.trace) || !statSync(options.trace).isFile()) {
    throw new BadInputError(options.trace, undefined, undefined, 'trace file not found');
  }
  const workers = options.workers ?? defaultWorkers(statSync(options.trace).size);
  const plan = planSweep(options);
  const { out, variants } = plan;
  // Every variant's platform is loaded before any runs, so a bad value rejects the whole sweep with
  // nothing written (not after some variants finished).
  if (options.replayModule === undefined) for (const v of variants) checkVariantPlatform(v);
  claimOutput(out, 'sweep', { force: options.force, lock: false }).release(); // only the check: shards share the directory
  // the plan first: other shards and `sweep status` see the whole sweep while this one runs
  writePlan(plan);

  const dirOf = (v: Variant): string => variantDir(out, v.id);
  const mine = variants.filter((v) => inShard(v, shard));
  const results: SweepVariantResult[] = mine.map((v) => ({
    id: v.id, keys: v.keys, dir: dirOf(v), status: isComplete(dirOf(v)) ? 'skipped' : 'ran',
  }));
  const todo = mine.filter((_, i) => results[i]!.status === 'ran');
  // Each replay writes its variant folder atomically itself (a `.<folder>.tmp-<pid>-…` sibling renamed
  // into place, locked against a second writer, stale temporaries of killed runs removed), so the
  // sweep hands it the final folder: temporary names never nest.
  const tasks: VariantTask[] = todo.map((v) => ({
    replayModule: options.replayModule ?? DEFAULT_REPLAY_MODULE,
    trace: options.trace,
    platform: v.platform,
    set: v.set,
    agents: options.agents,
    out: dirOf(v),
    progress: options.progress,
  }));
  // The bar counts runs, finished ones whole and running ones by the fraction of rows replayed.
  const bar = options.progress ? startProgress('sweep', todo.length, 'runs', { decimals: 1 }) : null;
  const runs = new RunsProgress();
  try {
    await runInWorkers(tasks, workers, (i) => {
      clearFailure(out, todo[i]!.index);
      bar?.update(runs.finished(i));
    }, (i, e) => recordFailure(out, todo[i]!.index, todo[i]!.id, e, isBadInput(e)), (i, fraction) => bar?.update(runs.running(i, fraction)));
  } finally {
    bar?.stop();
  }
  return { out, total: variants.length, variants: results, ran: todo.length, skipped: mine.length - todo.length };
}

/**
 * Loads one variant's platform in the parent. A bad `--vary` value is reported against `--vary`
 * (the loader names `--set`, the flag replay uses for the same overrides).
 */
function checkVariantPlatform(v: Variant): void {
  try {
    loadPlatform(v.platform, v.set);
  } catch (e) {
    if (e instanceof BadInputError && e.file === '--set') throw new BadInputError('--vary', undefined, e.field, `${e.problem} (variant ${v.id})`);
    throw e;
  }
}
