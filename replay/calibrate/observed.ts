/**
 * What the source observed, read from a canonical trace: `obs_migrate` rows (transfers with
 * direction, cause, address, size and duration) and `obs_fault` rows (with `corr` = the fault batch
 * where the source has batches, e.g. the uvm-eval log).
 */
import { TraceReader } from '../../ingest/trace/reader.ts';
import { comparedCause, directionOf, isDevice, Transfers } from './transfers.ts';

export interface Observed {
  transfers: Transfers;
  faults: number;
  /** distinct fault batches (corr of obs_fault rows), null when the source has no batches */
  faultBatches: number | null;
  /** derived rows (`name = derived:*`) per name, to show what replay was given */
  derived: Record<string, number>;
}

export async function readObserved(tracePath: string): Promise<Observed> {
  const reader = await TraceReader.open(tracePath);
  const transfers = new Transfers();
  let faults = 0;
  const batches = new Set<number>();
  const derived: Record<string, number> = {};
  try {
    for (let k = 0; k < reader.numBatches; k++) {
      const b = await reader.batch(k);
      const ops = b.dictionary('op');
      const agents = b.dictionary('agent');
      const peers = b.dictionary('peer');
      const causes = b.dictionary('cause');
      const names = b.dictionary('name');
      const opc = b.codes('op'); const agc = b.codes('agent'); const pc = b.codes('peer'); const cc = b.codes('cause'); const nc = b.codes('name');
      const ts = b.num('ts'); const dur = b.num('dur'); const addr = b.num('addr'); const bytes = b.num('bytes'); const corr = b.num('corr');
      for (let i = 0; i < b.length; i++) {
        const op = ops[opc[i]!];
        const name = nc[i]! >= 0 ? names[nc[i]!]! : null;
        if (name !== null && name.startsWith('derived:')) derived[name] = (derived[name] ?? 0) + 1;
        if (op === 'obs_fault') {
          faults++;
          if (corr[i] === corr[i]) batches.add(corr[i]!);
          continue;
        }
        if (op !== 'obs_migrate' || pc[i]! < 0) continue;
        const src = agents[agc[i]!]!;
        const dst = peers[pc[i]!]!;
        const dir = directionOf(src, dst);
        if (dir === null) continue;
        transfers.push(ts[i]!, dur[i] === dur[i] ? dur[i]! : 0, addr[i]!, bytes[i]!, dir, comparedCause(cc[i]! >= 0 ? causes[cc[i]!]! : null),
          isDevice(dst) ? dst : src);
      }
    }
  } finally {
    await reader.close();
  }
  return { transfers, faults, faultBatches: batches.size > 0 ? batches.size : null, derived };
}
