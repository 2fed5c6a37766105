/**
 * `gpu-kernel`: GPU kernels sweeping buffers, the generic unified-memory / HMM stress workload (and the
 * 10 M-row input of the replay bench).
 *
 * Buffers: `--buffers` B of `--buffer-size` each, or, with `--oversubscription F` > 0, of
 * ceil(F × `--device-memory` / B / 4 KiB) × 4 KiB each (footprint ≈ F × device memory). A buffer is cut
 * into U = ceil(size / `--access-size`) units (the last one may be partial); every access row covers one
 * unit.
 *
 * GPUs: buffer b belongs to gpu(b mod N) (N = `--gpus`). `--sharing private`: each GPU's kernel sweeps
 * its own buffers (needs B ≥ N); `shared`: every GPU's kernel sweeps all buffers, GPU g starting at
 * buffer g mod B and wrapping around.
 *
 * Rows, in order (one `--access-gap` tick per row unless said otherwise):
 *  1. `alloc` of each buffer (`--mem`; owner cpu0 for managed/anon, the buffer's GPU for device);
 *  2. init (unless `--init false`): per buffer, cpu0 `write`s its units in address order (U rows); for
 *     `--mem device` one `copy` row instead (agent cpu0 → peer the buffer's GPU, whole buffer);
 *  3. `--kernels` K iterations; in each, every GPU with buffers runs one `kernel` (name
 *     `sweep_<pattern>`, corr = k·N + g + 1), all starting on the same tick; their access rows run in
 *     lockstep (one row per GPU per tick, in GPU order; the kernel row shares its first access's tick;
 *     `dur` = its row count × gap). The next iteration starts when the longest kernel is done.
 *     Per buffer the kernel visits units in `--pattern` order:
 *       stream  — 0, 1, …, U−1;
 *       stride  — s = stride / access-size; phases 0..s−1, phase o visits o, o+s, o+2s, … (every unit
 *                 exactly once);
 *       random  — a fresh uniform permutation (seeded) per kernel of the units of *all* the kernel's
 *                 buffers together, so consecutive accesses may hit any of its buffers: irregular
 *                 access spans the kernel's whole working set, as a graph gather or a random-access
 *                 update does (bfs, ra in REFERENCE.md §4.1) — with one permutation per buffer, buffers
 *                 smaller than device memory would each fit and oversubscription would see a stream;
 *       stencil — 0, 1, …, U−1, and at unit u first `read`s u−1, u, u+1 (those that exist).
 *     At each unit: `--access rw` → `read` then `write` (2 rows), `read` or `write` → 1 row; stencil:
 *     the neighbour reads, then a `write` of u unless `--access read`.
 *     Rows per buffer and kernel: stream/stride/random U × (2 for rw, else 1); stencil (3U − 2 for
 *     U > 1, else 1) + U writes (none for `--access read`).
 *  4. cpu0 `sync` on each GPU, in order;
 *  5. read-back: per buffer, cpu0 `read`s its first ceil(`--readback` × U) units in address order; for
 *     `--mem device` one `copy` row (agent = the buffer's GPU → peer cpu0) of those bytes;
 *  6. `free` of each buffer by its owner.
 */
import type { Op } from '../trace/schema.ts';
import { GiB, MiB, KiB, PAGE_SIZE } from '../trace/units.ts';
import { Emitter, type SynthObject } from './emitter.ts';
import type { Rng } from './random.ts';
import { paramError, type Params, type Workload } from './workload.ts';

const CPU = 'cpu0';
const NAME = 'gpu-kernel';

const PATTERNS = ['stream', 'stride', 'random', 'stencil'] as const;
type Pattern = (typeof PATTERNS)[number];

/** Everything the generator needs, resolved once. */
interface Plan {
  bufferSize: number;
  accessSize: number;
  strideUnits: number;
  pattern: Pattern;
  access: 'rw' | 'read' | 'write';
  gpus: number;
  kernels: number;
  init: boolean;
  device: boolean;
  mem: string;
  readback: number;
  gap: number;
  /** Buffer indices each GPU's kernel sweeps, in sweep order. */
  sweeps: number[][];
  buffers: number;
}

function plan(p: Params): Plan {
  const buffers = p.num('buffers');
  const gpus = p.num('gpus');
  const over = p.num('oversubscription');
  const bufferSize = over > 0
    ? Math.ceil((over * p.num('device-memory')) / buffers / PAGE_SIZE) * PAGE_SIZE
    : p.num('buffer-size');
  const shared = p.str('sharing') === 'shared';
  const sweeps: number[][] = [];
  for (let g = 0; g < gpus; g++) {
    const list: number[] = [];
    if (shared) for (let i = 0; i < buffers; i++) list.push((g + i) % buffers);
    else for (let b = g; b < buffers; b += gpus) list.push(b);
    sweeps.push(list);
  }
  return {
    bufferSize,
    accessSize: p.num('access-size'),
    strideUnits: Math.max(1, Math.floor(p.num('stride') / p.num('access-size'))),
    pattern: p.str('pattern') as Pattern,
    access: p.str('access') as Plan['access'],
    gpus,
    kernels: p.num('kernels'),
    init: p.bool('init'),
    device: p.str('mem') === 'device',
    mem: p.str('mem'),
    readback: p.num('readback'),
    gap: p.num('access-gap'),
    sweeps,
    buffers,
  };
}

const gpuName = (g: number) => `gpu${g}`;
const unitsOf = (pl: Plan) => Math.ceil(pl.bufferSize / pl.accessSize);

/** Rows one kernel writes for one buffer (see the module comment). */
function rowsPerBufferSweep(pl: Plan): number {
  const U = unitsOf(pl);
  if (pl.pattern === 'stencil') return (U > 1 ? 3 * U - 2 : 1) + (pl.access === 'read' ? 0 : U);
  return U * (pl.access === 'rw' ? 2 : 1);
}

export const gpuKernel: Workload = {
  name: NAME,
  summary: 'CPU initialises buffers, K GPU kernels sweep them (stream/stride/random/stencil), the CPU reads results back',
  description: `Rows (U = ceil(buffer size / access size) units per buffer; one --access-gap tick per row):
  alloc each buffer (owner cpu0; for --mem device the buffer's GPU)
  init: cpu0 writes each buffer unit by unit (--mem device: one copy cpu0 -> gpu per buffer)
  K times: one kernel per GPU (corr k*N+g+1, name sweep_<pattern>), GPUs in lockstep;
    each visits its buffers' units in --pattern order:
      stream 0..U-1 | stride phases of step stride/access-size | random permutation (seeded)
      of the units of all the kernel's buffers together
      | stencil 0..U-1 reading neighbours u-1,u,u+1 first
    per unit: --access rw = read + write, read = read, write = write
    (stencil: the neighbour reads, then write u unless --access read)
  cpu0 sync on each GPU
  cpu0 reads the first ceil(readback*U) units of each buffer (--mem device: one copy gpu -> cpu0)
  free each buffer
--gpus N: buffer b belongs to gpu(b mod N); --sharing private = each GPU sweeps its own
buffers, shared = every GPU sweeps all buffers starting at buffer g mod B.
--oversubscription F > 0 sizes the buffers to ceil(F * device-memory / B / 4KiB) * 4KiB each
(overriding --buffer-size). Randomness only with --pattern random.`,
  params: [
    { name: 'buffers', type: 'int', default: 2, min: 1, max: 4096, help: 'number of buffers' },
    { name: 'buffer-size', type: 'size', default: 64 * MiB, min: 1, help: 'bytes per buffer (ignored when --oversubscription > 0)' },
    { name: 'oversubscription', type: 'float', default: 0, min: 0, max: 1000, help: 'footprint as a multiple of --device-memory, split over the buffers (0 = off)' },
    { name: 'device-memory', type: 'size', default: 40 * GiB, min: PAGE_SIZE, help: 'device memory per GPU that --oversubscription refers to (40 GiB = a100-pcie4)' },
    { name: 'kernels', type: 'int', default: 1, min: 1, max: 1e6, help: 'kernel iterations (each GPU runs one kernel per iteration)' },
    { name: 'pattern', type: 'enum', default: 'stream', allowed: PATTERNS, help: 'order in which a kernel visits the units of a buffer' },
    { name: 'access-size', type: 'size', default: 64 * KiB, min: 1, help: 'bytes per access row (the sweep granularity)' },
    { name: 'stride', type: 'size', default: 2 * MiB, min: 1, help: 'distance between consecutive accesses for --pattern stride (a multiple of --access-size)' },
    { name: 'access', type: 'enum', default: 'rw', allowed: ['rw', 'read', 'write'], help: 'what a kernel does at each unit: read then write, read only, write only' },
    { name: 'readback', type: 'float', default: 1, min: 0, max: 1, help: 'fraction of each buffer the CPU reads back after the kernels' },
    { name: 'init', type: 'bool', default: true, help: 'the CPU initialises the buffers before the kernels' },
    { name: 'mem', type: 'enum', default: 'managed', allowed: ['managed', 'anon', 'device'], help: 'memory kind of the buffers: managed (cudaMallocManaged), anon (malloc, HMM), device (cudaMalloc + copies)' },
    { name: 'gpus', type: 'int', default: 1, min: 1, max: 64, help: 'number of GPUs (gpu0..gpuN-1)' },
    { name: 'sharing', type: 'enum', default: 'private', allowed: ['private', 'shared'], help: 'private: GPU g sweeps buffers b with b mod N = g; shared: every GPU sweeps every buffer' },
    { name: 'access-gap', type: 'duration', default: 100, min: 1, help: 'time between consecutive rows (per GPU while kernels run)' },
  ],
  validate(p) {
    const pl = plan(p);
    if (pl.pattern === 'stride' && (p.num('stride') % pl.accessSize !== 0)) {
      throw paramError(NAME, '--stride', `must be a multiple of --access-size (${p.num('stride')} is not a multiple of ${pl.accessSize})`);
    }
    if (p.str('sharing') === 'private' && pl.buffers < pl.gpus) {
      throw paramError(NAME, '--buffers/--gpus', `--sharing private gives each GPU its own buffers, so --buffers (${pl.buffers}) must be at least --gpus (${pl.gpus})`);
    }
    if (pl.bufferSize * pl.buffers > 2 ** 46) throw paramError(NAME, '--buffer-size', `footprint ${pl.bufferSize * pl.buffers} bytes exceeds 64 TiB`);
  },
  devices(p) {
    const pl = plan(p);
    // The device memory is part of the workload's definition only when the footprint is relative to it.
    const memory = p.num('oversubscription') > 0 ? { memory: p.num('device-memory') } : {};
    return [{ agent: CPU }, ...Array.from({ length: pl.gpus }, (_, g) => ({ agent: gpuName(g), ...memory }))];
  },
  expectedRows(p) {
    const pl = plan(p);
    const U = unitsOf(pl);
    const B = pl.buffers;
    const init = pl.init ? B * (pl.device ? 1 : U) : 0;
    const perKernelSet = pl.sweeps.reduce((s, l) => s + 1 + l.length * rowsPerBufferSweep(pl), 0);
    const back = pl.readback > 0 ? B * (pl.device ? 1 : Math.ceil(pl.readback * U)) : 0;
    return B + init + pl.kernels * perKernelSet + pl.gpus + back + B;
  },
  generate(p, writer, rng) {
    const pl = plan(p);
    const e = new Emitter(writer);
    const gap = pl.gap;
    const U = unitsOf(pl);
    let tick = 0;
    const bufs: SynthObject[] = [];
    for (let b = 0; b < pl.buffers; b++) {
      const owner = pl.device ? gpuName(b % pl.gpus) : CPU;
      bufs.push(e.alloc(tick++ * gap, owner, `buf${b}`, pl.bufferSize, pl.mem));
    }
    if (pl.init) {
      for (const o of bufs) {
        if (pl.device) e.copy(tick++ * gap, CPU, o.owner, o, o.addr, o.bytes);
        else for (let u = 0; u < U; u++) e.access(tick++ * gap, 'write', CPU, o, o.addr + u * pl.accessSize, unitLength(pl, u), null);
      }
    }
    const perms = pl.sweeps.map((l) => (pl.pattern === 'random' && l.length > 0 ? new Int32Array(U * l.length) : null));
    const perBuffer = rowsPerBufferSweep(pl);
    for (let k = 0; k < pl.kernels; k++) {
      const sweeps: Sweep[] = [];
      for (let g = 0; g < pl.gpus; g++) {
        const list = pl.sweeps[g]!;
        if (list.length === 0) continue;
        const corr = k * pl.gpus + g + 1;
        e.kernel(tick * gap, gpuName(g), list.length * perBuffer * gap, corr, `sweep_${pl.pattern}`);
        sweeps.push(new Sweep(pl, gpuName(g), corr, list.map((b) => bufs[b]!), perms[g]!, rng));
      }
      let running = sweeps.length;
      while (running > 0) {
        const ts = tick++ * gap;
        running = 0;
        for (const s of sweeps) {
          if (s.done) continue;
          s.step(e, ts);
          if (!s.done) running++;
        }
      }
    }
    for (let g = 0; g < pl.gpus; g++) e.sync(tick++ * gap, CPU, gpuName(g), 'cudaDeviceSynchronize');
    if (pl.readback > 0) {
      const R = Math.ceil(pl.readback * U);
      for (const o of bufs) {
        if (pl.device) e.copy(tick++ * gap, o.owner, CPU, o, o.addr, Math.min(R * pl.accessSize, o.bytes));
        else for (let u = 0; u < R; u++) e.access(tick++ * gap, 'read', CPU, o, o.addr + u * pl.accessSize, unitLength(pl, u), null);
      }
    }
    for (const o of bufs) e.free(tick++ * gap, o);
  },
};

function unitLength(pl: Plan, u: number): number {
  return Math.min(pl.accessSize, pl.bufferSize - u * pl.accessSize);
}

/**
 * One GPU's kernel walking its buffers, one row per `step`. State is a few integers plus the reused
 * permutation array (random pattern), so stepping allocates nothing.
 */
class Sweep {
  done = false;
  private bi = -1;
  private buf!: SynthObject;
  private units = 0;
  /** Position in the visiting order (0..units-1). */
  private pos = 0;
  /** Stride pattern: current phase and unit. */
  private phase = 0;
  private strideUnit = 0;
  /** Rows of the current unit: op and unit index of each. */
  private readonly subOp: Op[] = ['read', 'read', 'read', 'read'];
  private readonly subUnit = new Float64Array(4);
  private nsub = 0;
  private sub = 0;

  constructor(
    private readonly pl: Plan,
    private readonly gpu: string,
    private readonly corr: number,
    private readonly bufs: readonly SynthObject[],
    private readonly perm: Int32Array | null,
    private readonly rng: Rng,
  ) {
    this.nextBuffer();
  }

  step(e: Emitter, ts: number): void {
    const u = this.subUnit[this.sub]!;
    const pl = this.pl;
    e.access(ts, this.subOp[this.sub]!, this.gpu, this.buf, this.buf.addr + u * pl.accessSize, unitLength(pl, u), this.corr);
    if (++this.sub < this.nsub) return;
    if (++this.pos < this.units) this.enterUnit();
    else this.nextBuffer();
  }

  private nextBuffer(): void {
    // random: one permutation over the units of all buffers (index = buffer × U + unit), walked once.
    if (++this.bi >= (this.perm ? 1 : this.bufs.length)) { this.done = true; return; }
    this.buf = this.bufs[this.bi]!;
    this.units = Math.ceil(this.buf.bytes / this.pl.accessSize);
    this.pos = 0;
    this.phase = 0;
    this.strideUnit = 0;
    if (this.perm) {
      const n = this.units * this.bufs.length;
      for (let i = 0; i < n; i++) this.perm[i] = i;
      this.rng.shuffle(this.perm, n);
      this.units = n;
    }
    this.enterUnit();
  }

  /** The unit at `pos` in the pattern's order, and the rows to write for it. */
  private enterUnit(): void {
    const pl = this.pl;
    let u: number;
    switch (pl.pattern) {
      case 'random': {
        const i = this.perm![this.pos]!;
        const U = unitsOf(pl);
        this.buf = this.bufs[(i / U) | 0]!;
        u = i % U;
        break;
      }
      case 'stride':
        if (this.pos > 0) {
          this.strideUnit += pl.strideUnits;
          if (this.strideUnit >= this.units) this.strideUnit = ++this.phase;
        }
        u = this.strideUnit;
        break;
      default: u = this.pos;
    }
    let n = 0;
    if (pl.pattern === 'stencil') {
      if (u > 0) { this.subOp[n] = 'read'; this.subUnit[n++] = u - 1; }
      this.subOp[n] = 'read'; this.subUnit[n++] = u;
      if (u + 1 < this.units) { this.subOp[n] = 'read'; this.subUnit[n++] = u + 1; }
      if (pl.access !== 'read') { this.subOp[n] = 'write'; this.subUnit[n++] = u; }
    } else {
      if (pl.access !== 'write') { this.subOp[n] = 'read'; this.subUnit[n++] = u; }
      if (pl.access !== 'read') { this.subOp[n] = 'write'; this.subUnit[n++] = u; }
    }
    this.nsub = n;
    this.sub = 0;
  }
}
