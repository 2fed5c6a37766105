/**
 * How fast `synth gpu-kernel` writes a 10 M-row trace (the replay bench's input must take seconds, not
 * minutes). Goal: ≥ 3 M rows/s end to end including the Arrow file writer.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { synth } from './index.ts';

export default async function bench(): Promise<Record<string, number | string>> {
  const dir = mkdtempSync(join(tmpdir(), 'hetmem-synth-bench-'));
  try {
    const out = join(dir, 'g.arrow');
    // 2 buffers × 2.5 GiB at 4 KiB: U = 655360 units each; allocs 2, init 2U, 3 kernels × (1 + 2U × 2 (rw)),
    // sync 1, readback 2U, frees 2: 2 + 1310720 + 3 × 2621441 + 1 + 1310720 + 2 = 10485768 rows.
    const params = { buffers: 2, 'buffer-size': '2560MiB', 'access-size': '4KiB', kernels: 3, pattern: 'random', seed: 1 };
    const t0 = process.hrtime.bigint();
    const { rows } = synth('gpu-kernel', params, out);
    const s = Number(process.hrtime.bigint() - t0) / 1e9;
    return {
      workload: 'gpu-kernel random 2 × 2.5 GiB @ 4 KiB, 3 kernels',
      rows,
      seconds: Number(s.toFixed(3)),
      rowsPerSecond: Math.round(rows / s),
      fileMiB: Number((statSync(out).size / 2 ** 20).toFixed(1)),
      peakRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
