/**
 * `submitSweep()`: a sweep as one Slurm job array. It writes the plan (`sweep.json`), then a plain
 * sbatch script `sweep.sbatch` into the sweep folder — readable, so a user can edit and resubmit it —
 * and submits it with `sbatch --parsable`. Array task k replays shard k/N of the variants with the
 * ordinary resumable sweep (complete variants are skipped, each run folder appears atomically), so a
 * failed, killed or requeued task is finished by submitting again: hetmem then submits only the
 * tasks whose shards still miss variants.
 *
 *   <sweep>/sweep.json            the plan
 *   <sweep>/sweep.sbatch          the job script
 *   <sweep>/_slurm/%A_%a.out      each task's output (stdout and stderr)
 *   <sweep>/_slurm/job.json       the last submission (job id, tasks), read by `sweep status --wait`
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BadInputError, UsageError } from '../../common/bad-input.ts';
import { writeFileAtomic } from '../../common/atomic-output.ts';
import { planSweep, variantDir, writePlan } from './plan.ts';
import { isComplete, type SweepOptions } from './sweep.ts';

export const SLURM_SCRIPT = 'sweep.sbatch';
export const SLURM_DIR = '_slurm';
const JOB_RECORD = 'job.json';
/** Slurm's default MaxArraySize is 1001 (task ids 0..1000). */
const MAX_DEFAULT_ARRAY = 1000;

export interface SlurmOptions {
  /** array tasks (= shards); default one per variant, at most 1000. Example: `16` */
  arraySize?: number;
  /** `--partition`; default: the cluster's default partition. Example: `"cpu"` */
  partition?: string;
  /** `--time` limit per task in Slurm's format; default: the partition's limit. Example: `"2:00:00"` */
  time?: string;
  /** `--cpus-per-task`, also each task's worker threads; default 1. Example: `4` */
  cpus?: number;
  /** `--mem` per task; default: the cluster's default. Example: `"8G"` */
  mem?: string;
  /** further sbatch options, one `#SBATCH` line each. Example: `["--account=hw", "--qos=low"]` */
  opts?: string[];
  /** `--job-name`; default `hetmem-sweep` */
  jobName?: string;
  /** @internal the sbatch program (tests use a stand-in); default `sbatch` on PATH */
  sbatch?: string;
}

export interface SlurmSubmission {
  /** the job id sbatch printed; null when every variant was already complete (nothing submitted) */
  jobId: string | null;
  /** absolute path of the job script */
  script: string;
  /** array task ids submitted (shards that still miss variants) */
  tasks: number[];
  /** array size N of the script (shards) */
  arraySize: number;
  /** variants in the sweep, and how many were still missing at submission */
  total: number;
  missing: number;
}

/** What the script needs to run one shard; everything absolute, so the task's working directory does not matter. */
export interface SlurmScriptInput {
  node: string;
  bin: string;
  trace: string;
  platform?: string;
  vary: { key: string; values: string[] }[];
  agents?: Record<string, string>;
  out: string;
  arraySize: number;
  total: number;
  slurm: SlurmOptions;
}

/** Quotes a word for bash when it needs it. */
export function shellWord(s: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

export function slurmScript(p: SlurmScriptInput): string {
  const s = p.slurm;
  const directives = [
    `--job-name=${s.jobName ?? 'hetmem-sweep'}`,
    `--array=0-${p.arraySize - 1}`,
    `--cpus-per-task=${s.cpus ?? 1}`,
    ...(s.mem ? [`--mem=${s.mem}`] : []),
    ...(s.time ? [`--time=${s.time}`] : []),
    ...(s.partition ? [`--partition=${s.partition}`] : []),
    `--output=${join(p.out, SLURM_DIR, '%A_%a.out')}`,
    ...(s.opts ?? []),
  ];
  const args = [
    p.node, p.bin, 'sweep', p.trace,
    ...(p.platform ? ['--platform', p.platform] : []),
    ...p.vary.flatMap((a) => ['--vary', `${a.key}=${a.values.join(',')}`]),
    ...Object.entries(p.agents ?? {}).flatMap(([t, a]) => ['--map', `${t}=${a}`]),
  ].map(shellWord);
  return [
    '#!/bin/bash',
    `# hetmem sweep as a Slurm job array: ${p.total} variants, ${p.arraySize} tasks; task k replays ${p.arraySize === p.total ? 'variant k' : `variants k, k+${p.arraySize}, k+${2 * p.arraySize}, …`}`,
    `# of ${join(p.out, 'sweep.json')}. Complete variants are skipped, so a resubmission only finishes`,
    `# what is missing. Progress: hetmem sweep status ${shellWord(p.out)}`,
    `# Resubmit some tasks: sbatch --array=2,5 ${shellWord(join(p.out, SLURM_SCRIPT))} (or rerun hetmem sweep … --slurm)`,
    ...directives.map((d) => `#SBATCH ${d}`),
    'set -euo pipefail',
    `exec ${args.join(' ')} \\`,
    `  --workers "\${SLURM_CPUS_PER_TASK:-1}" --shard "\${SLURM_ARRAY_TASK_ID}/${p.arraySize}" \\`,
    `  -o ${shellWord(p.out)}`,
    '',
  ].join('\n');
}

/** The hetmem entry script, found from this module up to the package root (works from sources or a build folder). */
export function hetmemBin(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) {
      const p = JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string; bin?: string | Record<string, string> };
      if (p.name === 'hetmem') {
        const bin = typeof p.bin === 'string' ? p.bin : p.bin?.hetmem;
        if (bin) return join(dir, bin);
      }
    }
    const up = dirname(dir);
    if (up === dir) throw new Error('cannot find the hetmem package root (package.json with a "hetmem" bin) above ' + fileURLToPath(import.meta.url));
    dir = up;
  }
}

export async function submitSweep(options: SweepOptions, slurm: SlurmOptions = {}): Promise<SlurmSubmission> {
  if (options.shard !== undefined) throw new UsageError('sweep --slurm: the job array does the sharding; drop --shard');
  if (!existsSync(options.trace) || !statSync(options.trace).isFile()) {
    throw new BadInputError(options.trace, undefined, undefined, 'trace file not found');
  }
  checkSlurmOptions(slurm);
  const trace = resolve(options.trace);
  // a platform YAML file must be found from the task too; a preset name stays a name
  const platform = options.platform !== undefined && existsSync(options.platform) ? resolve(options.platform) : options.platform;
  const plan = planSweep({ ...options, trace, platform });
  const total = plan.variants.length;
  const arraySize = slurm.arraySize ?? Math.min(total, MAX_DEFAULT_ARRAY);
  if (arraySize > total) throw new UsageError(`sweep --slurm: --slurm-array-size ${arraySize} is more than the ${total} variants (a task would have nothing to do)`);
  writePlan(plan);
  mkdirSync(join(plan.out, SLURM_DIR), { recursive: true });
  const script = join(plan.out, SLURM_SCRIPT);
  writeFileAtomic(script, slurmScript({
    node: process.execPath, bin: hetmemBin(), trace, platform, vary: plan.axes, agents: options.agents,
    out: plan.out, arraySize, total, slurm,
  }));
  chmodSync(script, 0o755);

  const missing = plan.variants.filter((v) => !isComplete(variantDir(plan.out, v.id)));
  const tasks = [...new Set(missing.map((v) => v.index % arraySize))].sort((a, b) => a - b);
  const result: SlurmSubmission = { jobId: null, script, tasks, arraySize, total, missing: missing.length };
  if (tasks.length === 0) return result;
  const sbatchArgs = ['--parsable', ...(tasks.length < arraySize ? [`--array=${tasks.join(',')}`] : []), script];
  result.jobId = runSbatch(slurm.sbatch ?? 'sbatch', sbatchArgs);
  writeFileAtomic(join(plan.out, SLURM_DIR, JOB_RECORD), JSON.stringify({
    schema: 'hetmem.slurm-job/1', jobId: result.jobId, tasks, arraySize, script, at: new Date().toISOString(),
  }, null, 2) + '\n');
  return result;
}

function checkSlurmOptions(s: SlurmOptions): void {
  for (const [name, v] of [['--slurm-array-size', s.arraySize], ['--slurm-cpus', s.cpus]] as const) {
    if (v !== undefined && !(Number.isInteger(v) && v >= 1)) throw new UsageError(`${name}: expected a positive integer (got ${v})`);
  }
  // each value becomes part of one `#SBATCH` line: a newline would start a shell command
  for (const [name, v] of [['--slurm-partition', s.partition], ['--slurm-time', s.time], ['--slurm-mem', s.mem], ['--slurm-job-name', s.jobName], ...(s.opts ?? []).map((o) => ['--slurm-opt', o] as const)] as const) {
    if (v !== undefined && (v === '' || /[\r\n]/.test(v))) throw new UsageError(`${name}: "${v}" must be a non-empty single line`);
  }
  for (const o of s.opts ?? []) {
    if (!o.startsWith('-')) throw new UsageError(`--slurm-opt ${o}: expected an sbatch option such as --account=hw`);
  }
}

function runSbatch(sbatch: string, args: string[]): string {
  const r = spawnSync(sbatch, args, { encoding: 'utf8' });
  if (r.error) {
    const code = (r.error as NodeJS.ErrnoException).code;
    throw new UsageError(code === 'ENOENT'
      ? `sweep --slurm: ${sbatch} not found (is this a Slurm login node? scripts/slurm-local.sh starts a one-node Slurm for trying it)`
      : `sweep --slurm: ${sbatch}: ${r.error.message}`);
  }
  if (r.status !== 0) throw new UsageError(`sweep --slurm: sbatch failed (exit ${r.status}): ${(r.stderr || r.stdout).trim()}`);
  // --parsable prints "jobid" or "jobid;cluster"
  const id = r.stdout.trim().split(';')[0] ?? '';
  if (!/^\d+$/.test(id)) throw new UsageError(`sweep --slurm: sbatch printed no job id: ${JSON.stringify(r.stdout.trim())}`);
  return id;
}

/**
 * Whether the sweep's last Slurm job still has tasks in the queue: false when squeue no longer lists
 * it, undefined when that cannot be known (no job record, no squeue here).
 */
export function slurmJobQueued(out: string): boolean | undefined {
  const record = join(resolve(out), SLURM_DIR, JOB_RECORD);
  if (!existsSync(record)) return undefined;
  let jobId: unknown;
  try {
    jobId = (JSON.parse(readFileSync(record, 'utf8')) as { jobId?: unknown }).jobId;
  } catch {
    return undefined;
  }
  if (typeof jobId !== 'string' || !/^\d+$/.test(jobId)) return undefined;
  try {
    const listed = execFileSync('squeue', ['-h', '-j', jobId, '-o', '%i %T'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    return listed.trim() !== '';
  } catch (e) {
    // squeue exits non-zero with "Invalid job id specified" once the finished job is purged
    const err = e as { code?: string; stderr?: string };
    if (err.code === 'ENOENT') return undefined;
    return /invalid job id/i.test(String(err.stderr ?? '')) ? false : undefined;
  }
}
