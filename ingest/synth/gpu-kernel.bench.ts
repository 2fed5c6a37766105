/**
 * How fast `synth gpu-kernel` writes a 10 M-row trace (the replay bench's input must take seconds, not
 * minutes). Reports the generator alone (rows into a counting sink) and end to end through
 * `TraceWriter` into an Arrow file, so a slowdown can be placed on the right side.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TraceWriter } from '../trace/writer.ts';
import { gpuKernel } from './gpu-kernel.ts';
import { synth } from './index.ts';
import { Rng } from './random.ts';
import { resolveParams } from './workload.ts';

export default async function bench(): Promise<Record<string, number | string>> {
  const dir = mkdtempSync(join(tmpdir(), 'hetmem-synth-bench-'));
  try {
    const out = join(dir, 'g.arrow');
    // 2 buffers × 2.5 GiB at 4 KiB: U = 655360 units each; allocs 2, init 2U, 3 kernels × (1 + 2U × 2 (rw)),
    // sync 1, readback 2U, frees 2: 2 + 1310720 + 3 × 2621441 + 1 + 1310720 + 2 = 10485768 rows.
    const params = { buffers: 2, 'buffer-size': '2560MiB', 'access-size': '4KiB', kernels: 3, pattern: 'random', seed: 1 };

    let counted = 0;
    const sink = { append() { counted++; } } as unknown as TraceWriter;
    const g0 = process.hrtime.bigint();
    gpuKernel.generate(resolveParams(gpuKernel, params), sink, new Rng(1));
    const gs = Number(process.hrtime.bigint() - g0) / 1e9;

    const t0 = process.hrtime.bigint();
    const { rows } = synth('gpu-kernel', params, out);
    const s = Number(process.hrtime.bigint() - t0) / 1e9;
    return {
      workload: 'gpu-kernel random 2 × 2.5 GiB @ 4 KiB, 3 kernels',
      rows,
      generatorOnlyRowsPerSecond: Math.round(counted / gs),
      seconds: Number(s.toFixed(3)),
      rowsPerSecond: Math.round(rows / s),
      fileMiB: Number((statSync(out).size / 2 ** 20).toFixed(1)),
      peakRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
