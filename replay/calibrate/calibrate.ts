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
import { loadPlatform } from '../platform-loader.ts';
import { calibratedPlatformYaml } from './calibrated-platform.ts';
import { causelessDirections, compareBlocks, compareDurations, compareGroups, type BlockComparison, type DurationComparison, type GroupComparison } from './compare.ts';
import { fitTransfers, type TransferFit } from './fit.ts';
import { readModeled } from './modeled.ts';
import { readObserved } from './observed.ts';
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
  const { platform, source: platformFile } = loadPlatform(options.platform, set);
  return writeDirectoryAtomic(options.out, async (tmp) => {
    let trace = options.source;
    if (!/\.arrow$/i.test(options.source)) {
      trace = join(tmp, CALIBRATION_FILES.trace);
      await ingest([options.source], { format: options.format ?? 'auto', output: trace });
    }
    const observed = await readObserved(trace);
    if (observed.transfers.count === 0 && observed.faults === 0) {
      throw new BadInputError(options.source, undefined, undefined,
        'has nothing observed to compare: no Unified Memory transfers or fault records (obs_migrate / obs_fault rows); calibration needs a profile with them (e.g. nsys --cuda-um-gpu-page-faults=true)');
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
    const gpus = [...new Set(o.gpu)].filter(isDevice).map((g) => options.agents?.[g] ?? g).sort();
    const cal = calibratedPlatformYaml(platformFile, platform, set, fits, gpus, options.source);
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
    };
    writeFileSync(join(tmp, CALIBRATION_FILES.calibration), `${JSON.stringify(result, null, 2)}\n`);
    return result;
  });
}
