/** Arrow IPC write throughput of TraceWriter: 6 M rows of a typical access mix, one reused row object. */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TraceWriter, emptyRow } from './writer.ts';
import type { Addr, Bytes, Ns } from './units.ts';

const ROWS = 6_000_000;

export default async function bench(): Promise<Record<string, unknown>> {
  const dir = mkdtempSync(join(tmpdir(), 'hetmem-writerbench-'));
  try {
    const path = join(dir, 'w.arrow');
    const objs = Array.from({ length: 16 }, (_, k) => `buf${k}`);
    const t0 = performance.now();
    const w = new TraceWriter(path);
    const r = emptyRow();
    for (let i = 0; i < ROWS; i++) {
      r.ts = (i * 37) as Ns;
      r.op = i % 3 ? 'read' : 'write';
      r.agent = i % 2 ? 'gpu0' : 'gpu1';
      r.addr = (0x7f0000000000 + (i % 1_000_000) * 4096) as Addr;
      r.bytes = 4096 as Bytes;
      r.obj = objs[i & 15]!;
      r.corr = i >> 6;
      w.append(r);
    }
    w.close();
    const s = (performance.now() - t0) / 1000;
    return { rows: ROWS, seconds: +s.toFixed(2), rows_per_s: Math.round(ROWS / s), file_mib: +(statSync(path).size / 2 ** 20).toFixed(1) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
