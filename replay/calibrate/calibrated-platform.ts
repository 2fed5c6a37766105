/**
 * `calibrated.yaml`: the platform file the calibration started from (comments kept), with the user's
 * `--set` overrides written in and the fitted transfer parameters replacing the preset's:
 * - each direction's fitted bandwidth on every non-DRAM link direction of the host ↔ GPU path (so it
 *   is that path's bottleneck, interconnect/topology.ts), the other direction made explicit
 *   (`bandwidth_up`) so that it keeps its value;
 * - a fitted device-to-device copy (`deviceCopy`, copies.ts) sets each GPU's memory `bandwidth` to twice
 *   the fitted copy bandwidth (a copy reads and writes device memory);
 * - `cost.transfer_fixed` = fitted per-transfer cost − the path's link latencies, averaged over the
 *   fitted directions (the model has one fixed cost for every transfer; the per-direction residue is
 *   in calibration.json), never below 0.
 * Loadable with `--platform cal/calibrated.yaml`.
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { parseDocument, YAMLMap } from 'yaml';
import { Topology } from '../interconnect/topology.ts';
import type { Platform } from '../platform.ts';
import type { TransferFit } from './fit.ts';
import type { Direction } from './transfers.ts';

const SECTIONS = ['policy', 'cost', 'p2p', 'agents', 'memories', 'links'];

export interface CalibratedPlatform { yaml: string; transfer_fixed_ns: number | null; links: Record<string, string> }

export function calibratedPlatformYaml(
  platformFile: string, platform: Platform, overrides: Record<string, string>, fits: Partial<Record<Direction, TransferFit | null>>,
  gpus: readonly string[], source: string, deviceCopy: TransferFit | null = null,
): CalibratedPlatform {
  const doc = parseDocument(readFileSync(platformFile, 'utf8'));
  for (const [key, value] of Object.entries(overrides)) {
    const parts = key.split('.');
    const raw = doc.toJS() as Record<string, Record<string, unknown>>;
    const path = SECTIONS.includes(parts[0]!) ? parts
      : ['agents', 'memories', 'links'].map((s) => [s, ...parts]).find((p) => raw[p[0]!] && p[1]! in raw[p[0]!]!) ?? parts;
    doc.setIn(path, value);
  }
  const topo = new Topology(platform);
  const fmtBw = (b: number) => `${b.toFixed(3)}GB/s`;
  const linkValues: Record<string, string> = {};
  const fixedByDir: number[] = [];
  for (const gpu of gpus) {
    const sys = platform.memories
      .map((m) => ({ m: m.name, p: topo.path(m.name, gpu) }))
      .filter((x) => x.p !== null)
      .sort((a, b) => a.p!.dirs.length - b.p!.dirs.length)[0]?.m;
    if (!sys) continue;
    for (const dir of ['HtoD', 'DtoH'] as const) {
      const fit = fits[dir];
      if (!fit) continue;
      const path = dir === 'HtoD' ? topo.path(sys, gpu)! : topo.path(gpu, sys)!;
      fixedByDir.push(fit.fixed_ns - path.latency);
      for (const d of path.dirs) {
        const link = platform.links[d >> 1]!;
        if (link.type === 'dram') continue;
        const node = doc.getIn(['links', link.name]);
        if (node instanceof YAMLMap && !node.has('bandwidth_up')) node.set('bandwidth_up', fmtBw(link.bandwidthUp));
        const field = (d & 1) === 0 ? 'bandwidth' : 'bandwidth_up';
        doc.setIn(['links', link.name, field], fmtBw(fit.bandwidth_gbps));
        linkValues[`${link.name}.${field}`] = fmtBw(fit.bandwidth_gbps);
      }
    }
  }
  if (deviceCopy) {
    for (const gpu of gpus) {
      if (!platform.agents.some((a) => a.name === gpu && a.kind === 'gpu')) continue;
      doc.setIn(['agents', gpu, 'bandwidth'], fmtBw(2 * deviceCopy.bandwidth_gbps));
      linkValues[`${gpu}.bandwidth`] = fmtBw(2 * deviceCopy.bandwidth_gbps);
    }
    fixedByDir.push(deviceCopy.fixed_ns);
  }
  let fixed: number | null = null;
  if (fixedByDir.length > 0) {
    fixed = Math.max(0, Math.round(fixedByDir.reduce((s, x) => s + x, 0) / fixedByDir.length));
    doc.setIn(['cost', 'transfer_fixed'], `${fixed}ns`);
  }
  doc.set('name', `${platform.name}-calibrated`);
  doc.set('description', `${platform.description} — transfer costs fitted by hetmem calibrate from ${basename(source)}`);
  doc.commentBefore = ` Calibrated by hetmem calibrate from ${basename(source)}: fitted link bandwidths and cost.transfer_fixed\n (see calibration.json); everything else as in ${basename(platformFile)}.` + (doc.commentBefore ? `\n${doc.commentBefore}` : '');
  return { yaml: doc.toString(), transfer_fixed_ns: fixed, links: linkValues };
}
