/**
 * Executes notebooks/hetmem-tour.ipynb headless the way a user runs it (Jupyter's nbconvert with the
 * tslab TypeScript kernel; hetmem imported by package name from the notebook folder, as
 * `npm install ..` there would link it) and checks its outputs against the raw trace. Any cell error
 * fails nbconvert and so the test. The executed notebook is kept in out/notebook/.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { expect } from 'vitest';
import { jupyter, realTraces } from '../common/testing/requirements.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const NOTEBOOK = join(ROOT, 'notebooks', 'hetmem-tour.ipynb');
const EXECUTED = join(ROOT, 'out', 'notebook', 'hetmem-tour.ipynb');

interface Output { output_type: string; name?: string; text?: string | string[]; data?: Record<string, string | string[]>; ename?: string }
const joined = (t: string | string[] | undefined): string => (Array.isArray(t) ? t.join('') : t ?? '');

jupyter.describe('notebooks/hetmem-tour.ipynb', () => {
  realTraces.it('runs headless on the real trace and shows its numbers and charts', () => {
    const link = join(ROOT, 'notebooks', 'node_modules', 'hetmem');
    if (!existsSync(link)) {
      mkdirSync(join(ROOT, 'notebooks', 'node_modules'), { recursive: true });
      symlinkSync('../..', link, 'dir');
    }
    mkdirSync(join(ROOT, 'out', 'notebook'), { recursive: true });
    const env: NodeJS.ProcessEnv = { ...process.env, HETMEM_TRACES: realTraces.path, PATH: `${join(ROOT, 'node_modules', '.bin')}:${process.env.PATH}` };
    delete env.NODE_OPTIONS; // the kernel must not inherit vitest's loader: the package runs as plain JS
    const r = spawnSync('jupyter', ['nbconvert', '--to', 'notebook', '--execute', NOTEBOOK, '--output', EXECUTED], { env, encoding: 'utf8', timeout: 300_000 });
    expect(r.status, r.stderr.split('\n').filter((l) => !/^0\.00s|Debugg|frozen|PYDEVD/.test(l)).join('\n')).toBe(0);

    const outputs = (JSON.parse(readFileSync(EXECUTED, 'utf8')) as { cells: { outputs?: Output[] }[] }).cells.flatMap((c) => c.outputs ?? []);
    expect(outputs.filter((o) => o.output_type === 'error' || o.name === 'stderr').map((o) => o.ename ?? joined(o.text))).toEqual([]);
    const stdout = outputs.filter((o) => o.name === 'stdout').map((o) => joined(o.text)).join('');

    // Independent of hetmem: the raw trace's gpu_memcpy events and their args.bytes (the traces
    // README says 40 per rank). Every one of them must come out as one modeled copy.
    const doc = JSON.parse(gunzipSync(readFileSync(realTraces.file('kineto-hta/trace_filter/sampled_rank-0.json.gz'))).toString('utf8')) as { traceEvents: { cat?: string; args?: { bytes?: number } }[] };
    const memcpys = doc.traceEvents.filter((e) => e.cat === 'gpu_memcpy');
    const bytes = memcpys.reduce((s, e) => s + (e.args?.bytes ?? 0), 0);
    expect(memcpys.length).toBe(40);
    expect(stdout).toContain(`total: 40 copies, ${bytes} bytes`);
    expect(stdout).toContain('sweep: 3 runs');

    // The per-platform table is sorted by copy time, slowest first: PCIe 3 x16 (~16 GB/s) moves the
    // same bytes slower than PCIe 4 (~32 GB/s), which is slower than PCIe 5 (~64 GB/s).
    const order = ['gtx1080ti-pcie3', 'a100-pcie4', 'h100-pcie5'].map((p) => stdout.indexOf(`'${p}'`));
    expect(order.every((i) => i >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);

    // Four inline Observable Plot charts (SVG markup in text/html display outputs).
    const charts = outputs.filter((o) => o.output_type === 'display_data' && joined(o.data?.['text/html']).includes('<svg'));
    expect(charts.length).toBe(4);
  }, 300_000);
});
