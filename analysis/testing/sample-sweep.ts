/**
 * A tiny, hand-checkable sweep for tests of analysis/ and reports/: platforms `pa` and `pb` × BAR
 * `256MiB` and `1GiB`. Every run migrates the same bytes; only `pa` with the 256 MiB BAR falls back
 * (one fallback, one 1 MiB bounce). An object name carries `<script>` to test HTML escaping.
 */
import { join } from 'node:path';
import { writeTestRun, emptySummary, type TestEvent, type TestTimelineRow } from './test-run.ts';

export const HOSTILE_OBJ = '<script>alert("x")</script>&buf';
export const MiB = 1048576;

export interface SampleVariant { platform: 'pa' | 'pb'; bar: '256MiB' | '1GiB' }

export function sampleFallsBack(v: SampleVariant): boolean {
  return v.platform === 'pa' && v.bar === '256MiB';
}

/** Modeled end: pb is 2× slower; the fallback adds 40 µs of bounce. */
export function sampleEndNs(v: SampleVariant): number {
  return (v.platform === 'pa' ? 100_000 : 200_000) + (sampleFallsBack(v) ? 40_000 : 0);
}

export function sampleEvents(v: SampleVariant): TestEvent[] {
  const ev: TestEvent[] = [
    { ts: 1000, dur: 5000, kind: 'migrate', agent: 'gpu0', src: 'sys0', dst: 'gpu0', addr: 0x10000000, bytes: 65536, cause: 'fault', obj: 'weights' },
    { ts: 1000, dur: 80000, kind: 'migrate', agent: 'gpu0', src: 'sys0', dst: 'gpu0', addr: 0x10010000, bytes: 2 * MiB - 65536, cause: 'prefetch', obj: 'weights' },
    { ts: 2000, dur: 45000, kind: 'fault_batch', agent: 'gpu0', bytes: 2 * MiB },
    { ts: 2000, dur: 0, kind: 'fault', agent: 'gpu0', addr: 0x10000000, bytes: 65536, cause: 'fault', obj: 'weights' },
    { ts: 5000, dur: 90000, kind: 'migrate', agent: 'gpu0', src: 'gpu0', dst: 'sys0', addr: 0x10000000, bytes: 2 * MiB, cause: 'eviction', obj: 'weights' },
    { ts: 5000, dur: 0, kind: 'evict', agent: 'gpu0', src: 'gpu0', dst: 'sys0', addr: 0x10000000, bytes: 2 * MiB, cause: 'eviction', obj: 'weights' },
    { ts: 6000, dur: 20000, kind: 'fault', agent: 'cpu0', addr: 0x20000000, bytes: 4096, cause: 'cpu_fault', obj: HOSTILE_OBJ },
    { ts: 7000, dur: 3000, kind: 'migrate', agent: 'cpu0', src: 'gpu0', dst: 'sys0', addr: 0x20000000, bytes: 4096, cause: 'cpu_fault', obj: HOSTILE_OBJ },
    { ts: 8000, dur: 0, kind: 'peer_map', agent: 'nic0', src: null, dst: 'gpu0', addr: 0x30000000, bytes: 65536, obj: 'ring0' },
  ];
  if (sampleFallsBack(v)) {
    ev.push(
      { ts: 9000, dur: 0, kind: 'fallback', agent: 'nic0', src: 'gpu0', dst: 'sys0', addr: 0x30100000, bytes: MiB, cause: 'bar_full', obj: 'ring1' },
      { ts: 9000, dur: 40000, kind: 'bounce', agent: 'gpu0', src: 'sys0', dst: 'gpu0', addr: 0x30100000, bytes: MiB, cause: 'bounce', obj: 'ring1' },
    );
  }
  return ev;
}

/** Two 5 µs intervals. */
export function sampleTimeline(v: SampleVariant): TestTimelineRow[] {
  const bar0 = 65536;
  const bar1 = sampleFallsBack(v) ? 65536 : 65536 + MiB;
  const util = v.platform === 'pa' ? [0.5, 0.25] : [0.8, 0.1];
  return [
    { ts: 0, dur: 5000, metric: 'bar_mapped_bytes', entity: 'gpu0', value: bar0 },
    { ts: 0, dur: 5000, metric: 'link_bytes', entity: 'gpu0-pcie:down', value: 2 * MiB },
    { ts: 0, dur: 5000, metric: 'link_util', entity: 'gpu0-pcie:down', value: util[0]! },
    { ts: 0, dur: 5000, metric: 'resident_bytes', entity: 'gpu0', value: 2 * MiB },
    { ts: 0, dur: 5000, metric: 'stall_ns', entity: 'gpu0', value: 45000 },
    { ts: 5000, dur: 5000, metric: 'bar_mapped_bytes', entity: 'gpu0', value: bar1 },
    { ts: 5000, dur: 5000, metric: 'link_bytes', entity: 'gpu0-pcie:up', value: 2 * MiB + 4096 },
    { ts: 5000, dur: 5000, metric: 'link_util', entity: 'gpu0-pcie:up', value: util[1]! },
    { ts: 5000, dur: 5000, metric: 'resident_bytes', entity: 'gpu0', value: 0 },
    { ts: 5000, dur: 5000, metric: 'stall_ns', entity: 'cpu0', value: 23000 },
  ];
}

export async function writeSampleRun(dir: string, v: SampleVariant): Promise<void> {
  const fb = sampleFallsBack(v);
  const aperture = v.bar === '256MiB' ? 256 * MiB : 1024 * MiB;
  const s = emptySummary(v.platform);
  await writeTestRun(dir, {
    platform: v.platform,
    overrides: { 'gpu0.bar': v.bar },
    events: sampleEvents(v),
    timeline: sampleTimeline(v),
    summary: {
      trace: { rows: 9, sha256: 'a'.repeat(64) },
      end_ns: sampleEndNs(v),
      migrations: {
        total: { count: 4, bytes: 4 * MiB + 4096 },
        by_direction: { 'sys0->gpu0': { count: 2, bytes: 2 * MiB }, 'gpu0->sys0': { count: 2, bytes: 2 * MiB + 4096 } },
        by_cause: {},
        by_direction_cause: {},
      },
      faults: { gpu: 1, cpu: 1, gpu_batches: 1, batch_service_ns: 45000 },
      evictions: { count: 1, bytes: 2 * MiB },
      stall_ns: { gpu0: 45000, cpu0: 23000 },
      links: {
        'gpu0-pcie': {
          down: { bytes: 2 * MiB, busy_ns: 85000, peak_util: v.platform === 'pa' ? 0.5 : 0.8, transfers: 2 },
          up: { bytes: 2 * MiB + 4096, busy_ns: 93000, peak_util: v.platform === 'pa' ? 0.25 : 0.1, transfers: 2 },
        },
      },
      bar: { gpu0: { aperture_bytes: aperture, peak_bytes: fb ? 65536 : 65536 + MiB, p50_bytes: 65536, p99_bytes: fb ? 65536 : 65536 + MiB, full_ns: fb ? 1000 : 0 } },
      p2p: { ...s.p2p, peer_maps: fb ? 1 : 2, fallbacks: fb ? 1 : 0, bounce_bytes: fb ? MiB : 0 },
    },
  });
}

export const SAMPLE_VARIANTS: SampleVariant[] = [
  { platform: 'pa', bar: '256MiB' }, { platform: 'pa', bar: '1GiB' },
  { platform: 'pb', bar: '256MiB' }, { platform: 'pb', bar: '1GiB' },
];

/** Writes the 4-run sweep as `root/platform=<p>/gpu0.bar=<b>/`. */
export async function writeSampleSweep(root: string): Promise<void> {
  for (const v of SAMPLE_VARIANTS) await writeSampleRun(join(root, `platform=${v.platform}`, `gpu0.bar=${v.bar}`), v);
}
