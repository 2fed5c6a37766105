import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadPlatform } from '../platform-loader.ts';
import { Links } from './links.ts';
import { Topology } from './topology.ts';

const dir = mkdtempSync(join(tmpdir(), 'hetmem-links-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** sys0 —dram 100 GB/s— cpu0 —pcie 10 GB/s, 1 µs— gpu0; transfer_fixed 1 µs. */
function tinyPlatform() {
  const file = join(dir, 'tiny.yaml');
  writeFileSync(file, `
name: tiny
agents:
  cpu0: { kind: cpu, socket: 0, memory: sys0 }
  gpu0: { kind: gpu, memory: 1GiB, bar: 256MiB, bandwidth: 500GB/s, coherence: private }
memories:
  sys0: { size: 4GiB, bandwidth: 100GB/s, socket: 0 }
links:
  sys0-dram: { a: cpu0, b: sys0, type: dram, bandwidth: 100GB/s, latency: 0ns }
  cpu0-gpu0: { a: cpu0, b: gpu0, type: pcie, gen: 3, lanes: 16, bandwidth: 10GB/s, latency: 1us }
cost: { gpu_fault_batch: 45us, gpu_fault_per_page: 2us, cpu_fault: 20us, transfer_fixed: 1us, bar_cpu_read: 1GB/s,
        bar_cpu_write: 10GB/s, rnr_backoff: 1ms, invalidation: 3us, pte_zap: 3us, peer_map: 10us }
`);
  return loadPlatform(file).platform;
}

describe('link queueing (one transfer at a time per link direction)', () => {
  it('queues later transfers behind earlier ones, keeps directions independent, accounts bytes and busy time', () => {
    const topo = new Topology(tinyPlatform());
    const links = new Links(topo);
    const down = topo.path('sys0', 'gpu0')!;
    const up = topo.path('gpu0', 'sys0')!;
    // Path sys0→cpu0→gpu0: latency 0 + 1000 ns; bottleneck min(100, 10) = 10 bytes/ns.
    expect(down.latency).toBe(1000);
    expect(down.bottleneck).toBe(10);
    // 1 MB at 10 B/ns = 100 000 ns, + 1000 fixed + 1000 latency = 102 000 ns.
    const e1 = links.transfer(down, 0, 1_000_000, 1000);
    expect([links.lastStart, e1]).toEqual([0, 102_000]);
    // Requested at t=5000 while the first still holds the path → starts when it ends.
    const e2 = links.transfer(down, 5000, 1_000_000, 1000);
    expect([links.lastStart, e2]).toEqual([102_000, 204_000]);
    // The other direction is free: 4096 B → ceil(409.6) = 410 ns + 2000.
    const e3 = links.transfer(up, 0, 4096, 1000);
    expect([links.lastStart, e3]).toEqual([0, 2410]);
    // A request after the path drained starts at once.
    const e4 = links.transfer(down, 300_000, 10, 0);
    expect([links.lastStart, e4]).toEqual([300_000, 301_001]);
    const pcie = topo.platform.links.findIndex((l) => l.name === 'cpu0-gpu0');
    const dram = topo.platform.links.findIndex((l) => l.name === 'sys0-dram');
    // Link cpu0-gpu0 is declared a=cpu0 b=gpu0: sys→gpu is `down` (dir 2i), gpu→sys `up` (2i+1).
    expect(links.bytes[2 * pcie]).toBe(2_000_010);
    expect(links.busy[2 * pcie]).toBe(102_000 + 102_000 + 1001);
    expect(links.transfers[2 * pcie]).toBe(3);
    expect(links.bytes[2 * pcie + 1]).toBe(4096);
    // sys0-dram is declared a=cpu0 b=sys0, so data leaving sys0 runs b→a = `up`.
    expect(links.bytes[2 * dram + 1]).toBe(2_000_010);
    expect(links.transfers[2 * dram]).toBe(1);
  });
});

describe('topology paths and p2p routability (REFERENCE.md §1.7)', () => {
  it('prefers the NVLink hop between two GPUs over the PCIe/host path', () => {
    const topo = new Topology(loadPlatform('two-gpu-nvlink').platform);
    const p = topo.path('gpu0', 'gpu1')!;
    expect(Array.from(p.dirs, (d) => topo.dirName[d])).toEqual(['gpu0-gpu1:down']);
    expect(topo.p2pRule(p)).toEqual({ kind: 'allowed' });
  });

  it('NIC and GPU under one switch: P2P allowed; on separate root ports: through the host bridge', () => {
    const a100 = new Topology(loadPlatform('a100-pcie4').platform);
    const pa = a100.path('nic0', 'gpu0')!;
    expect(Array.from(pa.dirs, (d) => a100.dirName[d])).toEqual(['sw0-nic0:up', 'sw0-gpu0:down']);
    expect(pa.viaHostBridge).toBe(false);
    expect(a100.p2pRule(pa)).toEqual({ kind: 'allowed' });
    const consumer = new Topology(loadPlatform('consumer-pcie4-256m').platform);
    const pc = consumer.path('nic0', 'gpu0')!;
    expect(Array.from(pc.dirs, (d) => consumer.dirName[d])).toEqual(['cpu0-nic0:up', 'cpu0-gpu0:down']);
    expect(pc.viaHostBridge).toBe(true);
    expect(consumer.p2pRule(pc)).toEqual({ kind: 'reads_blocked' });
  });
});
