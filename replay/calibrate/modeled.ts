/**
 * The model's transfers of a replayed run, read back from its events.parquet with the named query
 * `calibration_transfers` (analysis/queries/), plus its fault batch count.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { query } from '../../analysis/query.ts';
import { RUN_FILES, type RunSummary } from '../run-output.ts';
import { comparedCause, directionOf, isDevice, Transfers } from './transfers.ts';

export async function readModeled(runDir: string): Promise<{ transfers: Transfers; faultBatches: number; faults: number }> {
  const r = await query(runDir, 'calibration_transfers');
  const col = (n: string) => r.columns.indexOf(n);
  const [ts, dur, src, dst, addr, bytes, cause] = ['ts', 'dur', 'src', 'dst', 'addr', 'bytes', 'cause'].map(col) as number[];
  const t = new Transfers();
  for (const row of r.rows) {
    const s = String(row[src!]);
    const d = String(row[dst!]);
    const dir = directionOf(s, d);
    if (dir === null) continue;
    t.push(Number(row[ts!]), Number(row[dur!]), Number(row[addr!]), Number(row[bytes!]), dir, comparedCause(row[cause!] as string | null), isDevice(d) ? d : s);
  }
  const summary = JSON.parse(readFileSync(join(runDir, RUN_FILES.summary), 'utf8')) as RunSummary;
  return { transfers: t, faultBatches: summary.faults.gpu_batches, faults: summary.faults.gpu + summary.faults.cpu };
}
