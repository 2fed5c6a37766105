/**
 * The P2P/BAR behaviour on real presets: the same `rdma-stream` trace on consumer-pcie4-256m and a100-pcie4; and the
 * `rdma-stream` / `progress-monitor` workloads end to end on every preset.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { synth } from '../../ingest/synth/index.ts';
import { replay } from '../index.ts';
import { presetNames } from '../platform-loader.ts';
import { RUN_FILES, type RunSummary } from '../run-output.ts';
import { query } from '../testing/events-query.ts';

const dir = mkdtempSync(join(tmpdir(), 'hetmem-rdma-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const MiB = 1024 * 1024;

describe('Done-when: one rdma-stream trace, a 256 MiB BAR against a 64 GiB one', () => {
  // 8 ring buffers of 64 MiB (512 MiB of ring) at 12.5 GB/s for 50 ms: C = ⌊0.05 × 12.5e9 / 64 MiB⌋ = ⌊9.31⌋ = 9
  // chunks into slots 0..7, 0.
  const trace = join(dir, 'stream.arrow');
  synth('rdma-stream', { 'chunk-size': '64MiB', 'ring-depth': 8, duration: '50ms' }, trace);

  it('consumer-pcie4-256m falls back and bounces; a100-pcie4 maps everything', async () => {
    const consumer = await replay({ trace, platform: 'consumer-pcie4-256m', out: join(dir, 'consumer') });
    const a100 = await replay({ trace, platform: 'a100-pcie4', out: join(dir, 'a100') });
    // 256 MiB of BAR holds ring_0..ring_3 exactly; ring_4..ring_7 fall back. They receive chunks 4..7 once
    // each: 256 MiB of payload, bounced NIC → RAM → GPU = 2 × 256 MiB of bounce bytes.
    // Only the 4 mapped slots are peer-unmapped at the end; the 4 fallback slots held no peer mapping.
    expect(consumer.p2p).toEqual({ peer_maps: 4, peer_unmaps: 4, fallbacks: 4, bounce_bytes: 2 * 256 * MiB, revocations: 0, refused: 0 });
    expect(consumer.bar.gpu0).toMatchObject({ aperture_bytes: 256 * MiB, peak_bytes: 256 * MiB });
    expect(consumer.bar.gpu0!.full_ns).toBeGreaterThan(0);
    // The rings are driver objects: the fallback moved four of them (4 × 64 MiB) to system memory.
    expect(consumer.devobj).toMatchObject({ moves: 4, move_bytes: 256 * MiB });
    // GPU PCIe link: 5 chunks P2P (320 MiB) + 4 pulled from RAM (256 MiB) down; the 256 MiB moved up.
    expect(consumer.links['cpu0-gpu0']!.down!.bytes).toBe(9 * 64 * MiB);
    expect(consumer.links['cpu0-gpu0']!.up!.bytes).toBe(256 * MiB);

    expect(a100.p2p).toEqual({ peer_maps: 8, peer_unmaps: 8, fallbacks: 0, bounce_bytes: 0, revocations: 0, refused: 0 });
    expect(a100.bar.gpu0).toMatchObject({ aperture_bytes: 64 * 1024 * MiB, peak_bytes: 512 * MiB, full_ns: 0 });
    expect(a100.links['cpu0-sw0']!.down!.bytes + a100.links['cpu0-sw0']!.up!.bytes).toBe(0); // nothing via the host
    expect(a100.stall_ns.gpu0).toBe(0);

    for (const s of [consumer, a100]) {
      const onDisk = JSON.parse(readFileSync(join(dir, s === consumer ? 'consumer' : 'a100', RUN_FILES.summary), 'utf8')) as RunSummary;
      for (const k of ['aperture_bytes', 'peak_bytes', 'p50_bytes', 'p99_bytes', 'full_ns'] as const) expect(typeof onDisk.bar.gpu0![k]).toBe('number');
      expect(typeof onDisk.p2p.fallbacks).toBe('number');
      expect(typeof onDisk.p2p.bounce_bytes).toBe('number');
      expect(typeof onDisk.odp.invalidations).toBe('number');
      expect(typeof onDisk.devobj.pte_zaps).toBe('number');
      expect(typeof onDisk.hazards).toBe('number');
    }
  });
});

describe('rdma-stream and progress-monitor replay on every preset', () => {
  const cases: [string, Record<string, string | number | boolean>, number][] = [
    // [workload, params, bytes the NIC moves]: 1 ms at 12.5 GB/s of 1 MiB chunks = ⌊11.92⌋ = 11 chunks
    ['rdma-stream', {}, 11 * MiB],
    ['rdma-stream', { 'stream-out': true }, 11 * MiB + 11 * 64 * 1024],
    ['rdma-stream', { 'ring-mem': 'anon' }, 11 * MiB],
    // 10 ms kernel, a peek of 8 B every 100 µs: 100 peeks
    ['progress-monitor', {}, 100 * 8],
    ['progress-monitor', { 'counter-mem': 'anon', 'update-op': 'write' }, 100 * 8],
  ];
  it.each(cases)('%s %j', async (workload, params, nicBytes) => {
    const trace = join(dir, `${workload}-${Object.keys(params).join('-')}.arrow`);
    const { rows } = synth(workload, params, trace);
    for (const p of presetNames()) {
      const out = join(dir, `${workload}-${Object.keys(params).join('-')}-${p}`);
      const s = await replay({ trace, platform: p, out });
      expect(s.trace.rows, p).toBe(rows);
      expect(s.end_ns, p).toBeGreaterThan(0);
      // Every byte the NIC moves shows up once, over P2P (remote) or through host memory (bounce).
      const [nic] = await query(`SELECT sum(bytes) AS b FROM '${out}/events.parquet' WHERE agent = 'nic0' AND kind IN ('remote', 'bounce')`);
      expect(nic!.b, p).toBe(nicBytes);
      // Unmapped and freed at the end: no BAR left in use.
      const [last] = await query(`SELECT coalesce(sum(value) FILTER (WHERE ts = (SELECT max(ts) FROM '${out}/timeline.parquet')), 0) AS v
        FROM '${out}/timeline.parquet' WHERE metric = 'bar_mapped_bytes'`);
      expect(last!.v, p).toBe(0);
    }
  });
});
