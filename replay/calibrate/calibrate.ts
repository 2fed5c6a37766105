/**
 * `calibrate()`: the library face of `hetmem calibrate`. Ingests an observed profile (or takes a
 * canonical trace), replays the accesses derived from it (ingest/derive, ingest/sqlite/
 * unified-memory-rows.ts) on a platform, and compares the model's transfers with the observed ones.
 * Writes, atomically, into `out`:
 *   calibration.json   the comparison (Calibration below)
 *   calibrated.yaml    the platform with the fitted transfer parameters (calibrated-platform.ts)
 *   observed.arrow     the ingested trace (when the source was not already a canonical trace)
 *   run/               the replayed run directory (for `hetmem report`, `hetmem query`)
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BadInputError } from '../../common/bad-input.ts';
import { writeDirectoryAtomic } from '../../common/atomic-output.ts';
import type { FormatName } from '../../ingest/format.ts';
import { ingest } from '../../ingest/ingest.ts';
import { Links } from '../interconnect/links.ts';
import { Topology } from '../interconnect/topology.ts';
import { replay } from '../index.ts';
import { loadPlatform, platformPath } from '../platform-loader.ts';
import { calibratedPlatformYaml } from './calibrated-platform.ts';
import { causelessDirections, compareBlocks, compareDurations, compareGroups, type BlockComparison, type DurationComparison, type GroupComparison } from './compare.ts';
import { fitTransfers, type TransferFit } from './fit.ts';
import { readModeled } from './modeled.ts';
import { readObserved } from './observed.ts';
import { COPY_KINDS, copyCost, readCopies, type Copies, type CopyKind } from './copies.ts';
import { DIRECTIONS, isDevice, type Direction } from './transfers.ts';

export const CALIBRATION_FILES = { calibration: 'calibration.json', platform: 'calibrated.yaml', trace: 'observed.arrow', run: 'run' } as const;

export interface CalibrateOptions {
  /** the observed profile (nsys SQLite, nvprof, uvm-eval log, ftrace text …) or a canonical trace (`.arrow`) */
  source: string;
  /** ingest format of `source` (default `auto`: sniffed); ignored for a `.arrow` trace */
  format?: FormatName | 'auto';
  /** a preset name or platform YAML file, e.g. `a100-pcie4` */
  platform: string;
  /** platform overrides, as `hetmem replay --set` (`gpu0.memory` → `8GiB`); also written into calibrated.yaml */
  set?: Record<string, string>;
  /** trace agent → platform agent, as `hetmem replay --map` */
  agents?: Record<string, string>;
  /** output directory (replaced atomically), e.g. `cal/` */
  out: string;
}

export interface Calibration {
  schema: 'hetmem.calibration/1';
  source: string;
  platform: string;
  observed: { transfers: number; faults: number; fault_batches: number | null; derived_rows: Record<string, number> };
  predicted: { transfers: number; faults: number; fault_batches: number };
  /** per direction and cause: count, bytes, exact-size histogram, observed vs predicted */
  groups: GroupComparison[];
  /** per 2 MiB VA block: does the transfer sequence match */
  blocks: BlockComparison;
  /** per direction and transfer size: observed durations vs the model's cost of that transfer */
  durations: DurationComparison[];
  /** least-squares fit of fixed cost + bandwidth per direction (null: fewer than two sizes) */
  fits: Partial<Record<Direction, TransferFit | null>>;
  /** what calibrated.yaml sets */
  calibrated: { transfer_fixed_ns: number | null; links: Record<string, string> };
  /** the same duration comparison against calibrated.yaml */
  durations_calibrated: DurationComparison[];
  /** the trace's own explicit copies (copies.ts), null when it has none */
  copies: CopyCalibration | null;
}

export interface CopyCalibration {
  /** copies per kind */
  observed: Partial<Record<CopyKind, number>>;
  /** least-squares fit of fixed cost + bandwidth per copy kind (null: fewer than two sizes or no positive slope) */
  fits: Partial<Record<CopyKind, TransferFit | null>>;
  /** which fit calibrated.yaml took for each path (`HtoD`, `DtoH`: the host links; `DtoD`: GPU memory) */
  used: Partial<Record<'HtoD' | 'DtoH' | 'DtoD', CopyKind>>;
  /** per copy kind and size: observed durations vs the platform's cost (copies.ts) */
  durations: DurationComparison<CopyKind>[];
  /** the same against calibrated.yaml */
  durations_calibrated: DurationComparison<CopyKind>[];
}

/**
 * Whether a copy fit may set a platform parameter: it must explain most of the variance (r² ≥ 0.5) and
 * span sizes where bandwidth shows (largest copy ≥ 64 KiB); a fit over a few tiny copies (a 4-byte
 * DtoH of a loss value) measures launch latency, not the link, and would set a meaningless bandwidth.
 */
const MIN_FIT_R2 = 0.5;
const MIN_FIT_LARGEST = 64 * 1024;

function fitCopies(copies: Copies, platformArg: string, set: Record<string, string>, agents: Record<string, string>): Omit<CopyCalibration, 'durations_calibrated'> {
  const observed: Partial<Record<CopyKind, number>> = {};
  const fits: Partial<Record<CopyKind, TransferFit | null>> = {};
  const usable = new Set<CopyKind>();
  for (const kind of COPY_KINDS) {
    const idx = copies.dir.map((d, i) => (d === kind ? i : -1)).filter((i) => i >= 0);
    if (idx.length === 0) continue;
    observed[kind] = idx.length;
    const fit = fitTransfers(idx.map((i) => copies.bytes[i]!), idx.map((i) => copies.dur[i]!));
    fits[kind] = fit;
    if (fit && fit.r2 >= MIN_FIT_R2 && Math.max(...idx.map((i) => copies.bytes[i]!)) >= MIN_FIT_LARGEST) usable.add(kind);
  }
  // Pinned copies run at link speed; pageable ones add the staging bounce, so they stand in only alone.
  const used: CopyCalibration['used'] = {};
  for (const dir of ['HtoD', 'DtoH'] as const) {
    const kind = ([`${dir} pinned`, `${dir} pageable`] as CopyKind[]).find((k) => usable.has(k));
    if (kind) used[dir] = kind;
  }
  if (usable.has('DtoD')) used.DtoD = 'DtoD';
  return { observed, fits, used, durations: compareDurations(copies, copyCost(platformArg, set, agents), COPY_KINDS) };
}

/** The model's cost of a transfer between a GPU and its nearest system memory (no queueing). */
function transferCost(platformArg: string, set: Record<string, string>): (dir: Direction, gpu: string, bytes: number) => number | null {
  const { platform } = loadPlatform(platformArg, set);
  const topo = new Topology(platform);
  return (dir, gpu, bytes) => {
    if (dir === 'DtoD' || !platform.agents.some((a) => a.name === gpu)) return null;
    const sys = platform.memories.map((m) => topo.path(m.name, gpu) ? m.name : null).find((m) => m !== null);
    if (!sys) return null;
    const path = dir === 'HtoD' ? topo.path(sys, gpu) : topo.path(gpu, sys);
    return path ? Links.duration(path, bytes, platform.cost.transfer_fixed) : null;
  };
}

export async function calibrate(options: CalibrateOptions): Promise<Calibration> {
  const set = options.set ?? {};
  const { platform } = loadPlatform(options.platform, set);
  return writeDirectoryAtomic(options.out, async (tmp) => {
    let trace = options.source;
    if (!/\.arrow$/i.test(options.source)) {
      trace = join(tmp, CALIBRATION_FILES.trace);
      await ingest([options.source], { format: options.format ?? 'auto', output: trace });
    }
    const observed = await readObserved(trace);
    const copies = await readCopies(trace);
    if (observed.transfers.count === 0 && observed.faults === 0 && copies.count === 0) {
      throw new BadInputError(options.source, undefined, undefined,
        'has nothing observed to compare: no Unified Memory transfers or fault records (obs_migrate / obs_fault rows) and no timed copies (copy rows with dur and bytes); calibration needs a profile with them (e.g. a Kineto or nsys trace with memcpys, or nsys --cuda-um-gpu-page-faults=true)');
    }
    const runDir = join(tmp, CALIBRATION_FILES.run);
    await replay({ trace, platform: options.platform, set, agents: options.agents, out: runDir });
    const modeled = await readModeled(runDir);
    const anyDirs = causelessDirections(observed.transfers);
    const fits: Partial<Record<Direction, TransferFit | null>> = {};
    const o = observed.transfers;
    for (const dir of DIRECTIONS) {
      const idx = o.dir.map((d, i) => (d === dir && o.dur[i]! > 0 ? i : -1)).filter((i) => i >= 0);
      if (idx.length > 0) fits[dir] = fitTransfers(idx.map((i) => o.bytes[i]!), idx.map((i) => o.dur[i]!));
    }
    const agents = options.agents ?? {};
    const copyCal = copies.count > 0 ? fitCopies(copies, options.platform, set, agents) : null;
    // Observed migrations calibrate a direction first; the trace's copies fill the directions they leave.
    const linkFits: Partial<Record<Direction, TransferFit | null>> = { ...fits };
    for (const dir of ['HtoD', 'DtoH'] as const) {
      const kind = copyCal?.used[dir];
      if (!linkFits[dir] && kind) linkFits[dir] = copyCal.fits[kind]!;
    }
    const gpus = [...new Set([...o.gpu, ...copies.gpu])].filter(isDevice).map((g) => agents[g] ?? g).sort();
    const deviceCopy = copyCal?.used.DtoD ? copyCal.fits.DtoD ?? null : null;
    const cal = calibratedPlatformYaml(platformPath(options.platform), platform, set, linkFits, gpus, options.source, deviceCopy);
    const calibratedFile = join(tmp, CALIBRATION_FILES.platform);
    writeFileSync(calibratedFile, cal.yaml);
    const result: Calibration = {
      schema: 'hetmem.calibration/1',
      source: options.source,
      platform: platform.name,
      observed: { transfers: o.count, faults: observed.faults, fault_batches: observed.faultBatches, derived_rows: observed.derived },
      predicted: { transfers: modeled.transfers.count, faults: modeled.faults, fault_batches: modeled.faultBatches },
      groups: compareGroups(o, modeled.transfers, anyDirs),
      blocks: compareBlocks(o, modeled.transfers, anyDirs),
      durations: compareDurations(o, transferCost(options.platform, set)),
      fits,
      calibrated: { transfer_fixed_ns: cal.transfer_fixed_ns, links: cal.links },
      durations_calibrated: compareDurations(o, transferCost(calibratedFile, {})),
      copies: copyCal && { ...copyCal, durations_calibrated: compareDurations(copies, copyCost(calibratedFile, {}, agents), COPY_KINDS) },
    };
    writeFileSync(join(tmp, CALIBRATION_FILES.calibration), `${JSON.stringify(result, null, 2)}\n`);
    return result;
  });
}
