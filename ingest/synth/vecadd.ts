/**
 * `vecadd`: y = x + y over two arrays of N float32, the hello-world of unified memory.
 *
 * Rows, in order (P = ceil(4N / 4096) pages per array; the last page may be partial):
 *  1. cpu0 `alloc`s x, then y (`--mem`, N × 4 bytes each, placed 2 MiB-aligned from 0x7f0000000000);
 *  2. cpu0 `write`s every 4 KiB page of x in address order, then every page of y (initialisation: x
 *     first, then y, the order of the usual `for` loops);                             2P rows
 *  3. gpu0 `kernel` "vecadd" (corr 1), single-threaded: for each page p in address order it `read`s
 *     x[p], `read`s y[p], `write`s y[p], each row carrying corr 1;                     1 + 3P rows
 *  4. cpu0 `sync` on gpu0 (cudaDeviceSynchronize);
 *  5. cpu0 `read`s every page of y in address order;                                   P rows
 *  6. cpu0 `free`s x, then y.
 * Total 6P + 6 rows; `read` rows 3P (2P by gpu0, P by cpu0), `write` rows 3P (2P by cpu0, P by gpu0).
 *
 * Time: every row takes one tick of `--access-gap` (default 100 ns), except that the kernel row shares
 * the tick of its first access; the kernel's `dur` is 3P ticks. The replay model adds stall time
 * (faults, migrations) itself. No randomness: the seed does not change the rows.
 */
import { PAGE_SIZE } from '../trace/units.ts';
import { Emitter } from './emitter.ts';
import type { Params, Workload } from './workload.ts';

const CPU = 'cpu0';
const GPU = 'gpu0';
const FLOAT_BYTES = 4;

function pages(p: Params): number {
  return Math.ceil((p.num('n') * FLOAT_BYTES) / PAGE_SIZE);
}

export const vecadd: Workload = {
  name: 'vecadd',
  summary: 'y = x + y on two managed arrays of N floats: CPU init, one GPU kernel page by page, CPU reads y',
  description: `Rows (P = ceil(4N/4096) pages per array):
  cpu0 alloc x, alloc y (N*4 bytes each, --mem)
  cpu0 write x page by page, then y page by page            (2P rows, 4 KiB each)
  gpu0 kernel "vecadd" corr 1; per page p in address order:
       read x[p], read y[p], write y[p] (corr 1)             (3P rows)
  cpu0 sync gpu0
  cpu0 read y page by page                                   (P rows)
  cpu0 free x, free y
Total 6P+6 rows: 3P reads, 3P writes. One row per --access-gap tick (the kernel row
shares its first access's tick; kernel dur = 3P ticks). Deterministic (no randomness).`,
  params: [
    { name: 'n', type: 'int', default: 1048576, min: 1, max: 2 ** 48, help: 'number of float32 elements per array (each array is N × 4 bytes)' },
    { name: 'mem', type: 'enum', default: 'managed', allowed: ['managed', 'anon'], help: 'memory kind of x and y: managed (cudaMallocManaged) or anon (malloc, HMM)' },
    { name: 'access-gap', type: 'duration', default: 100, min: 1, help: 'time between consecutive rows' },
  ],
  devices: () => [{ agent: CPU }, { agent: GPU }],
  expectedRows: (p) => 6 * pages(p) + 6,
  generate(p, writer) {
    const e = new Emitter(writer);
    const bytes = p.num('n') * FLOAT_BYTES;
    const P = pages(p);
    const gap = p.num('access-gap');
    const mem = p.str('mem');
    const last = bytes - (P - 1) * PAGE_SIZE;
    const len = (k: number) => (k === P - 1 ? last : PAGE_SIZE);
    let tick = 0;
    const x = e.alloc(tick++ * gap, CPU, 'x', bytes, mem);
    const y = e.alloc(tick++ * gap, CPU, 'y', bytes, mem);
    for (const o of [x, y]) {
      for (let k = 0; k < P; k++) e.access(tick++ * gap, 'write', CPU, o, o.addr + k * PAGE_SIZE, len(k), null);
    }
    e.kernel(tick * gap, GPU, 3 * P * gap, 1, 'vecadd');
    for (let k = 0; k < P; k++) {
      const off = k * PAGE_SIZE;
      e.access(tick++ * gap, 'read', GPU, x, x.addr + off, len(k), 1);
      e.access(tick++ * gap, 'read', GPU, y, y.addr + off, len(k), 1);
      e.access(tick++ * gap, 'write', GPU, y, y.addr + off, len(k), 1);
    }
    e.sync(tick++ * gap, CPU, GPU, 'cudaDeviceSynchronize');
    for (let k = 0; k < P; k++) e.access(tick++ * gap, 'read', CPU, y, y.addr + k * PAGE_SIZE, len(k), null);
    e.free(tick++ * gap, x);
    e.free(tick++ * gap, y);
  },
};
