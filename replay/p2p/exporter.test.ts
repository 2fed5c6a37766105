/**
 * The exporter's policy on peer mappings (exporter.ts), on the scenario fixtures rdma-ring-4.csv and
 * progress-peek.csv. Every expected number is worked out by hand from the fixture and the preset YAML.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingest } from '../../ingest/ingest.ts';
import { replay } from '../index.ts';
import type { RunSummary } from '../run-output.ts';
import { query } from '../testing/events-query.ts';

const dir = mkdtempSync(join(tmpdir(), 'hetmem-p2p-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const fixture = (name: string) => new URL(`../../fixtures/${name}`, import.meta.url).pathname;
const MiB = 1024 * 1024;
const KiB64 = 65536;

const ring = join(dir, 'ring.arrow');
const peek = join(dir, 'peek.arrow');
beforeAll(async () => {
  await ingest([fixture('rdma-ring-4.csv')], { output: ring });
  await ingest([fixture('progress-peek.csv')], { output: peek });
});

let runNo = 0;
async function run(trace: string, platform: string, set: Record<string, string> = {}): Promise<{ s: RunSummary; ev: string; out: string }> {
  const out = join(dir, `run-${runNo++}`);
  const s = await replay({ trace, platform, set, out });
  return { s, ev: `'${out}/events.parquet'`, out };
}
const link = (s: RunSummary, name: string) => ({ down: s.links[name]!.down!.bytes, up: s.links[name]!.up!.bytes });
const kinds = async (ev: string, kind: string) => query(`SELECT agent, src, dst, cause, obj, bytes FROM ${ev} WHERE kind = '${kind}' ORDER BY ts, obj`);

describe('rdma-ring-4.csv: a ring of four 1 MiB GPU buffers the NIC streams into', () => {
  it('fits the BAR (a100-pcie4, 64 GiB): four P2P mappings, no fallback, the NIC writes go nic0 → gpu0 only', async () => {
    const { s, out } = await run(ring, 'a100-pcie4');
    expect(s.p2p).toEqual({ peer_maps: 4, peer_unmaps: 4, fallbacks: 0, bounce_bytes: 0, revocations: 0, refused: 0 });
    // 4 × 1 MiB = 64 granules of 64 KiB mapped at once; back to 0 after the unmaps at 1 ms.
    expect(s.bar.gpu0!.peak_bytes).toBe(4 * MiB);
    expect(s.bar.gpu0!.full_ns).toBe(0);
    const bar = await query(`SELECT max(value) AS peak, arg_max(value, ts) AS last FROM '${out}/timeline.parquet' WHERE metric = 'bar_mapped_bytes' AND entity = 'gpu0'`);
    expect(bar).toEqual([{ peak: 4 * MiB, last: 0 }]);
    // 8 chunks × 1 MiB over the common switch: sw0-nic0 up, sw0-gpu0 down; nothing reaches the host.
    expect(link(s, 'sw0-nic0')).toEqual({ down: 0, up: 8 * MiB });
    expect(link(s, 'sw0-gpu0')).toEqual({ down: 8 * MiB, up: 0 });
    expect(link(s, 'cpu0-sw0')).toEqual({ down: 0, up: 0 });
    expect(link(s, 'sys0-dram')).toEqual({ down: 0, up: 0 });
    expect(s.migrations.total.count).toBe(0);
  });

  it('does not fit (a100-pcie4 with a 2 MiB BAR): ring2 and ring3 fall back; bounce bytes = 2 × the 4 MiB payload', async () => {
    const { s, ev } = await run(ring, 'a100-pcie4', { 'gpu0.bar': '2MiB' });
    // ring0 + ring1 = 32 granules fill the 2 MiB BAR; ring2 and ring3 find no room → sysmem fallback.
    expect(s.p2p).toEqual({ peer_maps: 2, peer_unmaps: 2, fallbacks: 2, bounce_bytes: 8 * MiB, revocations: 0, refused: 0 });
    expect((await kinds(ev, 'fallback')).map((r) => [r.obj, r.cause, r.bytes])).toEqual([['ring2', 'bar_full', MiB], ['ring3', 'bar_full', MiB]]);
    // Chunks 2, 3, 6, 7 (4 MiB) bounce: each 1 MiB once nic0 → sys0 and once sys0 → gpu0.
    const b = await query(`SELECT agent, coalesce(src, '-') AS src, dst, count(*) AS n, sum(bytes) AS bytes FROM ${ev} WHERE kind = 'bounce' GROUP BY ALL ORDER BY agent`);
    expect(b).toEqual([{ agent: 'gpu0', src: 'sys0', dst: 'gpu0', n: 4, bytes: 4 * MiB }, { agent: 'nic0', src: '-', dst: 'sys0', n: 4, bytes: 4 * MiB }]);
    // The GPU's upstream PCIe link (cpu0-sw0) carries the bounce both ways (2 × 4 MiB) plus the 2 MiB fallback moves up;
    // DRAM takes 4 MiB NIC writes + 2 MiB moved in and gives 4 MiB to the GPU.
    expect(link(s, 'cpu0-sw0')).toEqual({ down: 4 * MiB, up: 4 * MiB + 2 * MiB });
    expect(link(s, 'sys0-dram')).toEqual({ down: 6 * MiB, up: 4 * MiB });
    // sw0-gpu0 down: 4 MiB P2P (chunks 0, 1, 4, 5) + 4 MiB bounce pulls; up: the 2 MiB moved out.
    expect(link(s, 'sw0-gpu0')).toEqual({ down: 8 * MiB, up: 2 * MiB });
    expect(s.devobj.moves).toBe(0); // the rings are `device` memory, not driver objects
    // Full from ring1's mapping until the unmaps. The NIC runs late by 2 × 10 µs (peer_map) + 2 × 41 569 ns
    // (1 MiB moves gpu0 → sys0: 1 µs fixed + 2 × 500 ns + ⌈1048576 / 26.5⌉ = 39 569 ns): ring1 maps at
    // 10 + 10 = 20 µs; the unmaps run at 1 ms + 103 138 ns → 1 103 138 − 20 000.
    expect(s.bar.gpu0!.full_ns).toBe(1_103_138 - 20_000);
  });

  it('P2P blocked through the host bridge (consumer-pcie4-256m, p2p.host_bridge=blocked): all four fall back', async () => {
    const { s, ev } = await run(ring, 'consumer-pcie4-256m', { 'p2p.host_bridge': 'blocked' });
    // nothing is ever peer-mapped, so nothing is peer-unmapped: the four releases are of fallbacks
    expect(s.p2p).toEqual({ peer_maps: 0, peer_unmaps: 0, fallbacks: 4, bounce_bytes: 2 * 8 * MiB, revocations: 0, refused: 0 });
    expect(new Set((await kinds(ev, 'fallback')).map((r) => r.cause))).toEqual(new Set(['p2p_blocked']));
    expect(s.bar.gpu0!.peak_bytes).toBe(0);
    // The GPU's own PCIe link: the 8 MiB pulled down, the 4 MiB of objects moved up; the NIC's 8 MiB go to the host.
    expect(link(s, 'cpu0-gpu0')).toEqual({ down: 8 * MiB, up: 4 * MiB });
    expect(link(s, 'cpu0-nic0')).toEqual({ down: 0, up: 8 * MiB });
  });

  it('reads_blocked host bridge (consumer-pcie4-256m default): the NIC only writes, so all four map', async () => {
    const { s } = await run(ring, 'consumer-pcie4-256m');
    expect(s.p2p.peer_maps).toBe(4);
    expect(s.p2p.fallbacks).toBe(0);
    // P2P through the root complex: nic0 → cpu0 → gpu0, 8 MiB on both PCIe links, none on DRAM.
    expect(link(s, 'cpu0-gpu0')).toEqual({ down: 8 * MiB, up: 0 });
    expect(link(s, 'sys0-dram')).toEqual({ down: 0, up: 0 });
  });

  it('degraded host bridge (consumer-pcie4-256m, degraded:0.5): P2P at half the path bandwidth', async () => {
    const { s, ev } = await run(ring, 'consumer-pcie4-256m', { 'p2p.host_bridge': 'degraded:0.5' });
    expect(s.p2p.peer_maps).toBe(4);
    // nic0 → cpu0 → gpu0: bottleneck the NIC's x8 link, 12.5 GB/s, halved = 6.25 B/ns; latency 2 × 1 µs.
    // A 1 MiB chunk: 2000 + ⌈1048576 / 6.25⌉ = 2000 + 167773 = 169773 ns.
    const durs = await query(`SELECT DISTINCT dur FROM ${ev} WHERE kind = 'remote' AND agent = 'nic0'`);
    expect(durs).toEqual([{ dur: 169_773 }]);
  });

  it('is deterministic: the same fallback scenario twice gives byte-identical events and summary', async () => {
    const a = await run(ring, 'a100-pcie4', { 'gpu0.bar': '2MiB', 'policy.p2p_fallback': 'revoke_lru' });
    const b = await run(ring, 'a100-pcie4', { 'gpu0.bar': '2MiB', 'policy.p2p_fallback': 'revoke_lru' });
    for (const f of ['events.parquet', 'timeline.parquet', 'summary.json']) {
      expect(readFileSync(join(a.out, f)).equals(readFileSync(join(b.out, f))), f).toBe(true);
    }
  });

  it('revoke_lru: the cyclic ring thrashes a 2-slot BAR; every use after the setup re-maps', async () => {
    const { s, ev } = await run(ring, 'a100-pcie4', { 'gpu0.bar': '2MiB', 'policy.p2p_fallback': 'revoke_lru' });
    // Setup: ring2 revokes ring0, ring3 revokes ring1 (2). Writes go ring0,1,2,3,0,1,2,3 and each finds its
    // mapping revoked, re-maps and revokes the LRU one of the two held (8): 10 revocations, 4 + 8 peer_maps.
    // At the end ring2 and ring3 (the last two re-mapped) are live, ring0 and ring1 revoked: 2 peer_unmaps.
    expect(s.p2p).toEqual({ peer_maps: 12, peer_unmaps: 2, fallbacks: 0, bounce_bytes: 0, revocations: 10, refused: 0 });
    expect((await kinds(ev, 'peer_map')).filter((r) => r.cause === 'remap')).toHaveLength(8);
    // Cost: 12 maps × 10 µs + 10 synchronous move_notify × 3 µs = 150 µs of NIC stall.
    expect(s.stall_ns.nic0).toBe(12 * 10_000 + 10 * 3_000);
    expect(link(s, 'sw0-nic0').up).toBe(8 * MiB);
  });

  it('fail: ring2 and ring3 are refused and their chunks never land', async () => {
    const { s } = await run(ring, 'a100-pcie4', { 'gpu0.bar': '2MiB', 'policy.p2p_fallback': 'fail' });
    // ring0 and ring1 mapped and released; ring2 and ring3 refused (never mapped): 2 peer_unmaps.
    expect(s.p2p).toEqual({ peer_maps: 2, peer_unmaps: 2, fallbacks: 0, bounce_bytes: 0, revocations: 0, refused: 2 });
    // Only chunks 0, 1, 4, 5 (ring0, ring1) are DMAed.
    expect(link(s, 'sw0-nic0').up).toBe(4 * MiB);
  });
});

describe('progress-peek.csv: a NIC peeks 8 B of a progress counter every 100 µs', () => {
  it('routable with room (a100-pcie4): one 64 KiB granule mapped, 80 B of P2P reads, GPU stall 0', async () => {
    const { s, ev } = await run(peek, 'a100-pcie4');
    expect(s.p2p).toEqual({ peer_maps: 1, peer_unmaps: 1, fallbacks: 0, bounce_bytes: 0, revocations: 0, refused: 0 });
    // The 4 KiB counter rounds up to one 64 KiB pinning granule (§1.10).
    expect(s.bar.gpu0!.peak_bytes).toBe(KiB64);
    expect(s.bar.gpu0!.p99_bytes).toBe(KiB64);
    expect((await kinds(ev, 'peer_map')).map((r) => r.bytes)).toEqual([KiB64]);
    // 10 peeks × 8 B read from gpu0 memory: sw0-gpu0 up, sw0-nic0 down; the GPU never waits.
    expect(link(s, 'sw0-gpu0')).toEqual({ down: 0, up: 80 });
    expect(link(s, 'sw0-nic0')).toEqual({ down: 80, up: 0 });
    expect(s.stall_ns.gpu0).toBe(0);
    expect(s.migrations.total.count + s.faults.gpu + s.odp.invalidations).toBe(0);
  });

  it('reads blocked (consumer-pcie4-256m): the first peek fails over to host memory, then every access bounces', async () => {
    const { s, ev } = await run(peek, 'consumer-pcie4-256m');
    // Mapped at 10 µs (writes would work); the peek at 100 µs (+10 µs map delay) fails → fallback.
    expect(s.p2p).toMatchObject({ peer_maps: 1, fallbacks: 1, refused: 0 });
    expect((await kinds(ev, 'fallback')).map((r) => [r.cause, r.bytes])).toEqual([['p2p_reads_blocked', 4096]]);
    // Bounce legs: 10 peeks × 8 B from host + the 9 counter writes after the first peek (170 … 970 µs) × 8 B to host.
    expect(s.p2p.bounce_bytes).toBe(80 + 72);
    expect(s.bar.gpu0!.peak_bytes).toBe(KiB64);
  });
});
