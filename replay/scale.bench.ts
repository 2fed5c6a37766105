/**
 * Replay at scale, each case a separate `hetmem replay` process (bench/replay-process.ts): rows/s of the
 * whole process (start-up, trace read, model, every output written), events per row, and the peak RSS
 * of that process — the figure a sweep sizes its worker count by.
 *
 * Cases (traces generated first, not timed):
 *  - random-1m / random-10m: `synth random-access`, 1 M / 10 M uniform 4 KiB reads over 1 Mi pages
 *    (4 GiB), device memory 1 GiB = 25 % of the footprint (a100-pcie4 with gpu0.memory=1GiB): the
 *    cache-simulator stream. For scale: libCacheSim's LRU (C, `cachesim … oracleGeneral LRU 262144
 *    --ignore-obj-size 1`, commit aa0fc40, built outside this repository) replays the same page stream
 *    at 1.3–1.6 M req/s (1 M) and 2.1–2.2 M req/s (10 M) whole process on this machine kind (2 cores),
 *    with a miss ratio of 0.785 / 0.754; hetmem's model misses far more often on it, because a GPU VA block
 *    takes a whole 2 MiB root chunk however few of its pages are resident (memory/eviction.ts);
 *  - vecadd-2^32: `synth vecadd --n 4294967296` (25.2 M rows) on h100-pcie5, the streaming case;
 *  - gpu-kernel-1.5x: `synth gpu-kernel`, 2 buffers random rw, 3 kernels, 1.5 × a 4 GiB device memory
 *    (12.6 M rows) on a100-pcie4 with gpu0.memory=4GiB: oversubscription, eviction on every sweep.
 *
 * Environment: HETMEM_BENCH_CASES=comma list of case names (default all); HETMEM_BENCH_TRACES=<dir> keeps
 * the generated traces there between runs (default: a temporary directory, removed);
 * HETMEM_BENCH_RSS_LIMIT_MIB kills a replay above that resident size (default 5632).
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { replayProcess } from '../bench/replay-process.ts';
import { synth } from '../ingest/synth/index.ts';

interface Case {
  name: string;
  workload: string;
  params: Record<string, string | number | boolean>;
  platform: string;
  set: Record<string, string>;
}

export const SCALE_CASES: readonly Case[] = [
  { name: 'random-1m', workload: 'random-access', params: { reads: 1_000_000, footprint: '4GiB', 'device-memory': '1GiB', seed: 1 }, platform: 'a100-pcie4', set: { 'gpu0.memory': '1GiB' } },
  { name: 'random-10m', workload: 'random-access', params: { reads: 10_000_000, footprint: '4GiB', 'device-memory': '1GiB', seed: 1 }, platform: 'a100-pcie4', set: { 'gpu0.memory': '1GiB' } },
  { name: 'vecadd-2^32', workload: 'vecadd', params: { n: 4294967296 }, platform: 'h100-pcie5', set: {} },
  {
    name: 'gpu-kernel-1.5x', workload: 'gpu-kernel',
    params: { buffers: 2, oversubscription: 1.5, 'device-memory': '4GiB', 'access-size': '4KiB', kernels: 3, pattern: 'random', seed: 1 },
    platform: 'a100-pcie4', set: { 'gpu0.memory': '4GiB' },
  },
];

export default async function bench(): Promise<Record<string, unknown>> {
  const wanted = process.env.HETMEM_BENCH_CASES?.split(',').map((s) => s.trim());
  const keep = process.env.HETMEM_BENCH_TRACES;
  const limit = Number(process.env.HETMEM_BENCH_RSS_LIMIT_MIB ?? 5632);
  const traces = keep ?? mkdtempSync(join(tmpdir(), 'hetmem-scale-bench-'));
  mkdirSync(traces, { recursive: true });
  const runs = mkdtempSync(join(tmpdir(), 'hetmem-scale-runs-'));
  const out: Record<string, unknown> = {};
  try {
    for (const c of SCALE_CASES) {
      if (wanted && !wanted.includes(c.name)) continue;
      const trace = join(traces, `${c.name}.arrow`);
      let rows: number;
      if (keep && existsSync(trace)) rows = Number(JSON.parse(readRowsCache(trace)));
      else { rows = synth(c.workload, c.params, trace).rows; if (keep) writeRowsCache(trace, rows); }
      process.stderr.write(`bench: replay ${c.name} (${rows} rows)\n`);
      const run = join(runs, c.name);
      const r = await replayProcess(trace, c.platform, c.set, run, { rssLimitMiB: limit });
      rmSync(run, { recursive: true, force: true });
      out[c.name] = {
        workload: `synth ${c.workload} ${JSON.stringify(c.params)} on ${c.platform} ${JSON.stringify(c.set)}`,
        rows,
        status: r.status,
        wallSeconds: r.wallSeconds,
        rowsPerSecond: r.status === 'ok' ? Math.round(rows / r.wallSeconds) : null,
        cpuSeconds: r.cpuSeconds,
        rowsPerCpuSecond: r.status === 'ok' ? Math.round(rows / r.cpuSeconds) : null,
        events: r.events,
        eventsPerRow: r.status === 'ok' ? Number((r.events / rows).toFixed(2)) : null,
        peakRssMiB: r.peakRssMiB,
      };
    }
  } finally {
    rmSync(runs, { recursive: true, force: true });
    if (!keep) rmSync(traces, { recursive: true, force: true });
  }
  return out;
}

const readRowsCache = (trace: string) => readFileSync(`${trace}.rows`, 'utf8');
const writeRowsCache = (trace: string, rows: number) => writeFileSync(`${trace}.rows`, String(rows));
