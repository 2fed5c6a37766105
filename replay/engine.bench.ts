/**
 * Replay throughput: a 10 M-row synthetic gpu-kernel trace (2 buffers × 2.5 GiB streamed
 * at 4 KiB, read+write, 3 kernels) replayed on a100-pcie4, all outputs written. Target ≥ 5 M rows/s on
 * one core; long-term goal 20 M. The trace is generated first (not timed).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { synth } from '../ingest/synth/index.ts';
import { TraceReader } from '../ingest/trace/reader.ts';
import { runEngine } from './engine.ts';
import { replay } from './index.ts';
import { loadPlatform } from './platform-loader.ts';

export default async function bench(): Promise<Record<string, number | string>> {
  const dir = mkdtempSync(join(tmpdir(), 'hetmem-replay-bench-'));
  try {
    const trace = join(dir, 'g.arrow');
    // rows: 2 allocs + 2U init + 3 × (1 + 2 × 2U) + 1 sync + 2U readback + 2 frees, U = 655360 → 10 485 768
    const params = { buffers: 2, 'buffer-size': '2560MiB', 'access-size': '4KiB', kernels: 3, pattern: 'stream', seed: 1 };
    const { rows } = synth('gpu-kernel', params, trace);
    const platform = loadPlatform('a100-pcie4').platform;
    const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1e6; };
    // Trace read alone (Arrow IPC decode + the column views the engine uses): the floor under the engine.
    const r0 = process.hrtime.bigint();
    const reader = await TraceReader.open(trace, { reuseBuffers: true });
    for await (const b of reader.batches()) { b.num('ts'); b.num('addr'); b.num('bytes'); b.codes('op'); b.codes('agent'); b.codes('obj'); }
    await reader.close();
    const readS = Number(process.hrtime.bigint() - r0) / 1e9;
    const c0 = cpu();
    const t0 = process.hrtime.bigint();
    const r = await runEngine(trace, platform);
    r.model.events.close();
    const engineS = Number(process.hrtime.bigint() - t0) / 1e9;
    const engineCpuS = cpu() - c0;
    const t1 = process.hrtime.bigint();
    const summary = await replay({ trace, platform: 'a100-pcie4', out: join(dir, 'run') });
    const totalS = Number(process.hrtime.bigint() - t1) / 1e9;
    return {
      workload: 'gpu-kernel stream 2 × 2.5 GiB @ 4 KiB rw, 3 kernels, a100-pcie4',
      rows,
      events: r.model.events.count,
      migrations: summary.migrations.total.count,
      engineSeconds: Number(engineS.toFixed(3)),
      engineRowsPerSecond: Math.round(rows / engineS),
      engineCpuSeconds: Number(engineCpuS.toFixed(3)),
      readOnlySeconds: Number(readS.toFixed(3)),
      readOnlyRowsPerSecond: Math.round(rows / readS),
      loadAverage1m: Number(loadavg()[0]!.toFixed(2)),
      replaySeconds: Number(totalS.toFixed(3)),
      replayRowsPerSecond: Math.round(rows / totalS),
      peakRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
