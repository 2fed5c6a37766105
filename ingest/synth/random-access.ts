/**
 * `random-access`: one GPU kernel reads uniformly random pages of one managed buffer — the miss-heavy
 * stream a cache simulator is measured on (e.g. libCacheSim's LRU on a uniform trace), and the replay
 * bench's eviction stress: with device memory at a quarter of the footprint, about three reads in four
 * miss and most misses evict.
 *
 * Rows, in order (P = footprint / access-size units; R = `--reads`):
 *  1. cpu0 `alloc`s "data" (`--mem`, `--footprint` bytes, placed 2 MiB-aligned from 0x7f0000000000);
 *  2. gpu0 `kernel` "random_access" (corr 1, dur = R ticks), sharing the tick of its first read;
 *  3. R gpu0 `read`s (corr 1), each of one unit chosen uniformly among the P units (seeded
 *     `Rng.int(P)`, independent draws: units repeat), `--access-size` bytes at its unit's address;
 *  4. cpu0 `sync` on gpu0;
 *  5. cpu0 `free`s "data".
 * Total R + 4 rows. One row per `--access-gap` tick (the kernel row shares its first read's tick). No
 * CPU initialisation: the buffer is first touched by the GPU.
 */
import { GiB, KiB, PAGE_SIZE } from '../trace/units.ts';
import { Emitter } from './emitter.ts';
import { paramError, type Params, type Workload } from './workload.ts';

const CPU = 'cpu0';
const GPU = 'gpu0';
const NAME = 'random-access';

const units = (p: Params) => p.num('footprint') / p.num('access-size');

export const randomAccess: Workload = {
  name: NAME,
  summary: 'one GPU kernel reads uniformly random pages of one managed buffer (a cache-simulator stream; eviction stress)',
  description: `Rows (P = footprint / access-size units, R = --reads):
  cpu0 alloc data (--footprint bytes, --mem)
  gpu0 kernel "random_access" corr 1 (dur = R ticks, shares its first read's tick)
  R times: gpu0 read of a uniformly random unit (--access-size bytes, corr 1; seeded, units repeat)
  cpu0 sync gpu0
  cpu0 free data
Total R+4 rows, one per --access-gap tick. Replay it with device memory below the footprint
(e.g. --set gpu0.memory=1GiB for the default 4 GiB) to measure eviction.`,
  params: [
    { name: 'reads', type: 'int', default: 1_000_000, min: 1, max: 2 ** 40, help: 'number of random reads (rows)' },
    { name: 'footprint', type: 'size', default: 4 * GiB, min: PAGE_SIZE, help: 'bytes of the buffer read at random (4 GiB = 1 Mi pages of 4 KiB)' },
    { name: 'access-size', type: 'size', default: 4 * KiB, min: 1, help: 'bytes per read; the footprint is cut into units of this size' },
    { name: 'device-memory', type: 'size', default: 1 * GiB, min: PAGE_SIZE, help: 'device memory of gpu0 the workload is meant for (metadata only; replay takes gpu0.memory from the platform or --set)' },
    { name: 'mem', type: 'enum', default: 'managed', allowed: ['managed', 'anon'], help: 'memory kind of the buffer: managed (cudaMallocManaged) or anon (malloc, HMM)' },
    { name: 'access-gap', type: 'duration', default: 100, min: 1, help: 'time between consecutive rows' },
  ],
  validate(p) {
    if (p.num('footprint') % p.num('access-size') !== 0) throw paramError(NAME, '--footprint, --access-size', 'the footprint must be a whole number of access-size units');
  },
  devices: (p) => [{ agent: CPU }, { agent: GPU, memory: p.num('device-memory') }],
  expectedRows: (p) => p.num('reads') + 4,
  generate(p, writer, rng) {
    const e = new Emitter(writer);
    const R = p.num('reads');
    const P = units(p);
    const size = p.num('access-size');
    const gap = p.num('access-gap');
    let tick = 0;
    const data = e.alloc(tick++ * gap, CPU, 'data', p.num('footprint'), p.str('mem'));
    e.kernel(tick * gap, GPU, R * gap, 1, 'random_access');
    for (let i = 0; i < R; i++) e.access(tick++ * gap, 'read', GPU, data, data.addr + rng.int(P) * size, size, 1);
    e.sync(tick++ * gap, CPU, GPU, 'cudaDeviceSynchronize');
    e.free(tick++ * gap, data);
  },
};
