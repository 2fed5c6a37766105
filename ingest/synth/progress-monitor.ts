/**
 * `progress-monitor`: a NIC peeks at GPU memory to monitor a long computation "with minimal disruption
 * to the GPU" (the seeds' third RDMA use case, REFERENCE.md §1.7–§1.10).
 *
 * Object: `progress` of `--counter-size` bytes, memory `--counter-mem` (devobj/device: owner gpu0;
 * anon: owner cpu0). The progress value is the 8 bytes at its start.
 *
 * Rows (kd = `--kernel-duration`, ui = `--update-interval`, pi = `--peek-interval`):
 *  - at ts 0: `alloc` progress; nic0 `peer_map`s it (peer gpu0, whole object); gpu0 `kernel`
 *    "long_compute" (corr 1, dur kd);
 *  - at u·ui for u = 1 … floor(kd/ui): gpu0 `--update-op` (atomic or write) of the 8-byte counter (corr 1);
 *  - at q·pi for q = 1 … floor(kd/pi): nic0 `read` of `--peek-bytes` at the counter;
 *    at equal ts the update comes before the peek (the NIC sees the fresh value);
 *  - at kd: cpu0 `sync` on gpu0, nic0 `peer_unmap` of progress, `free` of progress.
 * Total rows 6 + floor(kd/ui) + floor(kd/pi). No randomness: the seed does not change the rows.
 */
import { KiB } from '../trace/units.ts';
import { Emitter } from './emitter.ts';
import { paramError, type Workload } from './workload.ts';

const NAME = 'progress-monitor';
const GPU = 'gpu0';
const NIC = 'nic0';
const CPU = 'cpu0';
const COUNTER_BYTES = 8;

export const progressMonitor: Workload = {
  name: NAME,
  summary: 'a long GPU kernel updates a progress counter; a NIC peer-maps it and peeks a few bytes every interval',
  description: `Object "progress" (--counter-size, --counter-mem; owner gpu0, or cpu0 for anon).
  ts 0:        alloc progress; nic0 peer_map progress (peer gpu0); gpu0 kernel "long_compute"
               (corr 1, dur --kernel-duration)
  u*ui:        gpu0 --update-op of the 8-byte counter (u = 1..floor(kd/ui), corr 1)
  q*pi:        nic0 read --peek-bytes at the counter (q = 1..floor(kd/pi)); updates first at equal ts
  kd:          cpu0 sync gpu0; nic0 peer_unmap; free progress
Total 6 + floor(kd/ui) + floor(kd/pi) rows. Deterministic (no randomness).`,
  params: [
    { name: 'kernel-duration', type: 'duration', default: 10e6, min: 1, help: 'length of the monitored GPU kernel' },
    { name: 'update-interval', type: 'duration', default: 10_000, min: 1, help: 'how often the kernel updates the progress counter' },
    { name: 'update-op', type: 'enum', default: 'atomic', allowed: ['atomic', 'write'], help: 'how the kernel updates the counter' },
    { name: 'peek-interval', type: 'duration', default: 100_000, min: 1, help: 'how often the NIC reads the counter' },
    { name: 'peek-bytes', type: 'size', default: COUNTER_BYTES, min: 1, help: 'bytes the NIC reads per peek' },
    { name: 'counter-size', type: 'size', default: 4 * KiB, min: COUNTER_BYTES, help: 'size of the progress object' },
    { name: 'counter-mem', type: 'enum', default: 'devobj', allowed: ['devobj', 'device', 'anon'], help: 'memory kind of the progress object' },
  ],
  validate(p) {
    if (p.num('peek-bytes') > p.num('counter-size')) {
      throw paramError(NAME, '--peek-bytes', `must not exceed --counter-size (${p.num('peek-bytes')} > ${p.num('counter-size')})`);
    }
  },
  devices: () => [{ agent: CPU }, { agent: GPU }, { agent: NIC }],
  expectedRows: (p) => 6 + Math.floor(p.num('kernel-duration') / p.num('update-interval')) + Math.floor(p.num('kernel-duration') / p.num('peek-interval')),
  generate(p, writer) {
    const e = new Emitter(writer);
    const kd = p.num('kernel-duration');
    const ui = p.num('update-interval');
    const pi = p.num('peek-interval');
    const peek = p.num('peek-bytes');
    const op = p.str('update-op') === 'write' ? 'write' : 'atomic';
    const mem = p.str('counter-mem');
    const counter = e.alloc(0, mem === 'anon' ? CPU : GPU, 'progress', p.num('counter-size'), mem);
    e.peer(0, 'peer_map', NIC, GPU, counter);
    e.kernel(0, GPU, kd, 1, 'long_compute');
    const nu = Math.floor(kd / ui);
    const np = Math.floor(kd / pi);
    let u = 1;
    let q = 1;
    while (u <= nu || q <= np) {
      if (u <= nu && (q > np || u * ui <= q * pi)) {
        e.access(u * ui, op, GPU, counter, counter.addr, COUNTER_BYTES, 1);
        u++;
      } else {
        e.access(q * pi, 'read', NIC, counter, counter.addr, peek, null);
        q++;
      }
    }
    e.sync(kd, CPU, GPU, 'cudaDeviceSynchronize');
    e.peer(kd, 'peer_unmap', NIC, GPU, counter);
    e.free(kd, counter);
  },
};
