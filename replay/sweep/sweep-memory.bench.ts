/**
 * Sweep memory: peak RSS of one replay, and of a two-variant sweep with 1 and 2 workers, on the
 * 25 M-row vecadd trace (`synth vecadd --n 4294967296`, 1.8 GB). Each measurement runs in its own
 * process and reports that process's maxRSS (worker threads share it). Expected: sweep peak ≈
 * workers × one replay. Takes several minutes; set HETMEM_BENCH_VECADD to an existing trace to skip
 * the synth step. `npm run bench -- sweep-memory` runs only this.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = new URL('../../', import.meta.url).pathname;

let scripts = 0;
/** Runs `script` (TypeScript, paths relative to the repo) in a fresh process; its peak RSS and time. */
function measure(dir: string, script: string): { maxRssMiB: number; seconds: number } {
  const t0 = Date.now();
  // a file rather than `-e`: `--input-type=module` would reach the eval worker that hashes the trace
  const file = join(dir, `child${scripts++}.mts`);
  writeFileSync(file, `${script.replaceAll("'./", `'${root}`)}\nprocess.stdout.write(String(process.resourceUsage().maxRSS));\n`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', file], { cwd: root, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`bench child failed: ${r.stderr}`);
  return { maxRssMiB: Math.round(Number(r.stdout.trim()) / 1024), seconds: (Date.now() - t0) / 1000 };
}

export default async function (): Promise<unknown> {
  const dir = mkdtempSync(join(tmpdir(), 'hetmem-sweepmem-'));
  try {
    let trace = process.env.HETMEM_BENCH_VECADD ?? '';
    if (!trace || !existsSync(trace)) {
      trace = join(dir, 'vecadd.arrow');
      measure(dir, `const { synth } = await import('./ingest/synth/index.ts'); synth('vecadd', { n: '4294967296' }, ${JSON.stringify(trace)});`);
    }
    const sweep = (workers: number) => measure(dir, `const { sweep } = await import('./replay/sweep/sweep.ts');
      await sweep({ trace: ${JSON.stringify(trace)}, platform: 'a100-pcie4', vary: { 'gpu0.memory': ['40GiB', '80GiB'] }, workers: ${workers}, out: ${JSON.stringify(join(dir, `sw${workers}`))} });`);
    const one = measure(dir, `const { replay } = await import('./replay/index.ts');
      await replay({ trace: ${JSON.stringify(trace)}, platform: 'a100-pcie4', out: ${JSON.stringify(join(dir, 'run'))} });`);
    return { rows: 25165830, oneReplay: one, sweepWorkers1: sweep(1), sweepWorkers2: sweep(2) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
