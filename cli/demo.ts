/**
 * `hetmem demo` (what `npm start` runs): the whole pipeline on three synthetic workloads —
 * an oversubscribed GPU kernel, an RDMA NIC streaming into a GPU ring, and a NIC peeking at a long
 * kernel's progress — swept over two platforms and two BAR sizes (and device memory for the kernel),
 * then one report: out/report.html (written atomically). Traces and the sweep go to out/demo/.
 */
import { Option, type Command } from 'commander';
import { mkdirSync, rmSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { synth } from '../ingest/synth/index.ts';
import { sweep } from '../replay/sweep/sweep.ts';
import type { VaryAxis } from '../replay/sweep/variants.ts';
import { report } from '../reports/report.ts';

/** Two platforms that differ where it matters: a datacenter GPU with a big BAR and the NIC under
 * its switch, and a consumer card with a 256 MiB BAR and the NIC behind the host bridge. */
export const DEMO_PLATFORMS = ['a100-pcie4', 'consumer-pcie4-256m'];
export const DEMO_BARS = ['256MiB', '1GiB'];

export interface DemoWorkload {
  workload: string;
  params: Record<string, string | number | boolean>;
  vary: VaryAxis[];
}

const platformAndBar: VaryAxis[] = [{ key: 'platform', values: DEMO_PLATFORMS }, { key: 'gpu0.bar', values: DEMO_BARS }];

export const DEMO_WORKLOADS: DemoWorkload[] = [
  {
    // 1.5× oversubscribed: 384 MiB of managed buffers on a GPU with 256 MiB; 512 MiB holds it all
    workload: 'gpu-kernel',
    params: { oversubscription: 1.5, 'device-memory': '256MiB', kernels: 2 },
    vary: [...platformAndBar, { key: 'gpu0.memory', values: ['256MiB', '384MiB', '512MiB'] }],
  },
  {
    // a ring of 16 × 32 MiB = 512 MiB of GPU buffers: it fits a 1 GiB BAR, not a 256 MiB one. At the
    // default 100 Gbit/s a chunk lands every ~2.7 ms, so 100 ms (~37 chunks) wraps the ring twice and
    // every slot — the fallen-back ones too — receives data.
    workload: 'rdma-stream',
    params: { 'chunk-size': '32MiB', 'ring-depth': 16, duration: '100ms' },
    vary: platformAndBar,
  },
  {
    // a 20 ms kernel; the NIC reads the progress counter every 100 µs
    workload: 'progress-monitor',
    params: { 'kernel-duration': '20ms', 'peek-interval': '100us' },
    vary: platformAndBar,
  },
];

export interface DemoOptions {
  /** output directory (default `out`) */
  out?: string;
  workers?: number;
  log?: (line: string) => void;
}

export async function runDemo(options: DemoOptions = {}): Promise<string> {
  const out = resolve(options.out ?? 'out');
  const log = options.log ?? (() => {});
  const work = join(out, 'demo');
  // Start clean so the report reflects the current model (a sweep would resume old variants).
  // Paths are passed relative to the working directory: run.json records them, and the outputs
  // must not depend on where the repository lives.
  rmSync(join(work, 'sweep'), { recursive: true, force: true });
  mkdirSync(join(work, 'traces'), { recursive: true });
  for (const w of DEMO_WORKLOADS) {
    const trace = relative(process.cwd(), join(work, 'traces', `${w.workload}.arrow`)) || '.';
    const { rows } = synth(w.workload, w.params, trace);
    log(`demo: synthesised ${w.workload} (${rows} rows)`);
    const r = await sweep({ trace, vary: w.vary, out: join(work, 'sweep', `workload=${w.workload}`), workers: options.workers, progress: true });
    log(`demo: replayed ${w.workload} under ${r.ran} variants`);
  }
  const r = await report(join(work, 'sweep'), {
    out: join(out, 'report.html'),
    title: 'hetmem demo: oversubscribed GPU kernel, RDMA stream into GPU memory, NIC progress monitor',
  });
  log(`demo: report with ${r.charts.length} charts; chart data in ${r.dataDir}`);
  return r.html;
}

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('Run the whole pipeline on three synthetic workloads (synth → sweep over platforms and BAR sizes → report) and print the report path.')
    .option('-o, --out <dir>', 'output directory', 'out')
    .addOption(new Option('--output <dir>', 'same as --out').hideHelp())
    .option('--workers <n>', 'sweep worker threads (default: what memory allows, at most one per core)', (v) => Number.parseInt(v, 10))
    .action(async (opts: { out: string; output?: string; workers?: number }) => {
      const html = await runDemo({ out: opts.output ?? opts.out, workers: opts.workers, log: (l) => process.stderr.write(`${l}\n`) });
      process.stdout.write(`${html}\n`);
    });
}
