/**
 * `rdma-stream`: an RDMA NIC streams input straight into a ring of GPU buffers (GPUDirect / P2P DMA
 * through the GPU's BAR) and a GPU kernel consumes each chunk; optionally the NIC streams the results
 * out again (the seeds' first two RDMA use cases; REFERENCE.md §1.7–§1.10).
 *
 * Objects (D = `--ring-depth`): `ring_0..ring_{D-1}` of `--chunk-size` and `result_0..result_{D-1}` of
 * `--result-size`, memory `--ring-mem` (devobj: owner gpu0; anon: owner cpu0).
 *
 * Time: chunk j (j = 0 … C−1) arrives over [a_j, a_{j+1}) with a_j = round(j × chunk × 1e9 / rate) ns,
 * i.e. back to back at `--rate`; C = floor(duration × rate / chunk) (the chunks that have fully
 * arrived by `--duration`). Slot s = j mod D.
 *
 * Rows:
 *  - at ts 0: `alloc` ring_0..D−1, then result_0..D−1; nic0 `peer_map`s each ring buffer (peer gpu0,
 *    addr/bytes of the buffer), and with `--stream-out` each result buffer too;
 *  - per chunk j:
 *      a_j            nic0 `write` ring_s (whole chunk);
 *      a_{j+1}        gpu0 `kernel` "consume" (corr j+1, dur `--kernel-duration`), gpu0 `read` ring_s
 *                     (whole chunk, corr j+1);
 *      a_{j+1}+⌊k/2⌋  gpu0 `write` result_s (whole result, corr j+1);
 *      a_{j+1}+k      with `--stream-out`: nic0 `read` result_s (whole result);
 *    rows of different chunks interleave in ts order; at equal ts the older chunk comes first, then the
 *    order above;
 *  - at the last row's ts: nic0 `peer_unmap`s what it mapped, then every object is `free`d (rings,
 *    then results).
 * Total rows 4D + 2D·(1 + so) + C·(4 + so) with so = 1 for `--stream-out`, else 0.
 *
 * A slot must be consumed before the NIC overwrites it: `--kernel-duration` ≤ (D − 1) × chunk period.
 * No randomness: the seed does not change the rows.
 */
import { KiB, MiB, formatNs } from '../trace/units.ts';
import { Emitter, type SynthObject } from './emitter.ts';
import { paramError, type Params, type Workload } from './workload.ts';

const NAME = 'rdma-stream';
const GPU = 'gpu0';
const NIC = 'nic0';

interface Plan {
  chunk: number;
  result: number;
  depth: number;
  rate: number;
  chunks: number;
  kernel: number;
  streamOut: boolean;
  mem: string;
  owner: string;
}

function plan(p: Params): Plan {
  const chunk = p.num('chunk-size');
  const rate = p.num('rate');
  const mem = p.str('ring-mem');
  return {
    chunk,
    result: p.num('result-size'),
    depth: p.num('ring-depth'),
    rate,
    // The epsilon absorbs the rounding of the product, so an exact fit counts (e.g. 1 ms of 1 MB chunks at 1 GB/s = 1).
    chunks: Math.floor(((p.num('duration') / 1e9) * rate) / chunk + 1e-9),
    kernel: p.num('kernel-duration'),
    streamOut: p.bool('stream-out'),
    mem,
    owner: mem === 'anon' ? 'cpu0' : GPU,
  };
}

/** Arrival start of chunk j, in ns. */
function arrival(pl: Plan, j: number): number {
  return Math.round((j * pl.chunk * 1e9) / pl.rate);
}

export const rdmaStream: Workload = {
  name: NAME,
  summary: 'a NIC streams chunks into a ring of GPU buffers via P2P DMA, a GPU kernel consumes each; optional stream-out',
  description: `Objects: ring_0..ring_{D-1} (--chunk-size), result_0..result_{D-1} (--result-size), --ring-mem
(devobj: owner gpu0; anon: owner cpu0). Chunk j arrives at a_j = round(j*chunk*1e9/rate) ns;
C = floor(duration*rate/chunk) chunks; slot s = j mod D. Rows:
  ts 0: alloc rings, results; nic0 peer_map each ring (peer gpu0) [+ each result with --stream-out]
  a_j:          nic0 write ring_s
  a_{j+1}:      gpu0 kernel "consume" (corr j+1, dur --kernel-duration); gpu0 read ring_s
  a_{j+1}+k/2:  gpu0 write result_s
  a_{j+1}+k:    nic0 read result_s (only with --stream-out)
  end: nic0 peer_unmap what it mapped; free rings, results
Total 4D + 2D(1+so) + C(4+so) rows (so = 1 with --stream-out). Deterministic (no randomness).`,
  params: [
    { name: 'chunk-size', type: 'size', default: 1 * MiB, min: 1, help: 'bytes per chunk the NIC writes (one ring buffer)' },
    { name: 'ring-depth', type: 'int', default: 8, min: 2, max: 65536, help: 'number of ring buffers (and result buffers)' },
    { name: 'ring-mem', type: 'enum', default: 'devobj', allowed: ['devobj', 'anon'], help: 'memory kind of the ring: devobj (GPU driver object) or anon (HMM process memory)' },
    { name: 'rate', type: 'rate', default: 12.5e9, min: 1, help: 'NIC line rate the chunks arrive at' },
    { name: 'duration', type: 'duration', default: 1e6, min: 1, help: 'how long the NIC streams' },
    { name: 'kernel-duration', type: 'duration', default: 20_000, min: 1, help: 'compute time of the kernel consuming one chunk' },
    { name: 'result-size', type: 'size', default: 64 * KiB, min: 1, help: 'bytes of the result each kernel writes' },
    { name: 'stream-out', type: 'bool', default: false, help: 'the NIC reads each result back out (peer-mapped result buffers)' },
  ],
  validate(p) {
    const pl = plan(p);
    if (pl.chunks < 1) {
      throw paramError(NAME, '--duration', `streams no whole chunk: ${formatNs(p.num('duration'))} at ${p.num('rate')} bytes/s is less than one --chunk-size (${pl.chunk} bytes)`);
    }
    const room = arrival(pl, pl.depth - 1);
    if (pl.kernel > room) {
      throw paramError(NAME, '--kernel-duration', `must be at most (ring-depth − 1) × chunk period = ${room} ns, or the NIC overwrites a slot before the kernel has consumed it (got ${pl.kernel} ns)`);
    }
  },
  devices: (p) => [...(plan(p).owner === 'cpu0' ? [{ agent: 'cpu0' }] : []), { agent: GPU }, { agent: NIC }],
  expectedRows(p) {
    const pl = plan(p);
    const so = pl.streamOut ? 1 : 0;
    return 4 * pl.depth + 2 * pl.depth * (1 + so) + pl.chunks * (4 + so);
  },
  generate(p, writer) {
    const pl = plan(p);
    const e = new Emitter(writer);
    const D = pl.depth;
    const rings: SynthObject[] = [];
    const results: SynthObject[] = [];
    for (let s = 0; s < D; s++) rings.push(e.alloc(0, pl.owner, `ring_${s}`, pl.chunk, pl.mem));
    for (let s = 0; s < D; s++) results.push(e.alloc(0, pl.owner, `result_${s}`, pl.result, pl.mem));
    const mapped = pl.streamOut ? [...rings, ...results] : rings;
    for (const o of mapped) e.peer(0, 'peer_map', NIC, GPU, o);

    // Four per-chunk stages, each a stream monotone in j: merge them by (ts, j, stage).
    const stages = pl.streamOut ? 4 : 3;
    const next = new Float64Array(stages); // next chunk index per stage
    const half = Math.floor(pl.kernel / 2);
    const stageTs = (stage: number, j: number): number => {
      if (stage === 0) return arrival(pl, j);
      const land = arrival(pl, j + 1);
      return stage === 1 ? land : stage === 2 ? land + half : land + pl.kernel;
    };
    let lastTs = 0;
    for (;;) {
      let best = -1;
      let bestTs = Infinity;
      let bestJ = Infinity;
      for (let st = 0; st < stages; st++) {
        const j = next[st]!;
        if (j >= pl.chunks) continue;
        const ts = stageTs(st, j);
        if (ts < bestTs || (ts === bestTs && j < bestJ)) { best = st; bestTs = ts; bestJ = j; }
      }
      if (best < 0) break;
      const j = bestJ;
      const s = j % D;
      const ring = rings[s]!;
      const res = results[s]!;
      switch (best) {
        case 0: e.access(bestTs, 'write', NIC, ring, ring.addr, ring.bytes, null); break;
        case 1:
          e.kernel(bestTs, GPU, pl.kernel, j + 1, 'consume');
          e.access(bestTs, 'read', GPU, ring, ring.addr, ring.bytes, j + 1);
          break;
        case 2: e.access(bestTs, 'write', GPU, res, res.addr, res.bytes, j + 1); break;
        default: e.access(bestTs, 'read', NIC, res, res.addr, res.bytes, null);
      }
      lastTs = bestTs;
      next[best] = j + 1;
    }
    for (const o of mapped) e.peer(lastTs, 'peer_unmap', NIC, GPU, o);
    for (const o of [...rings, ...results]) e.free(lastTs, o);
  },
};
