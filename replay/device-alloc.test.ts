/**
 * `policy.device_alloc`: the mapping itself, and the what-if it exists for — a real training step
 * (param's linear ET, ingested alone) replayed as managed memory on a GPU with less memory than the
 * step's footprint. The footprint comes from the ET JSON (fixtures/ingest/et-json.ts), not from the
 * reader or the model.
 */
import { realTraces } from '../common/testing/requirements.ts';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadEt, peakLiveGpuBytes } from '../fixtures/ingest/et-json.ts';
import { ingest } from '../ingest/ingest.ts';
import { VA_BLOCK_SIZE } from '../ingest/trace/units.ts';
import { replayedMemKind } from './device-alloc.ts';
import { replay, type RunSummary } from './index.ts';
import { loadPlatform } from './platform-loader.ts';

describe('replayedMemKind', () => {
  it('turns device allocations into managed ones under managed, and nothing else', () => {
    expect(replayedMemKind('device', 'managed')).toBe('managed');
    for (const k of ['devobj', 'pinned', 'pageable', 'anon', 'managed']) expect(replayedMemKind(k, 'managed')).toBe(k);
    for (const k of ['device', 'devobj', 'pinned', 'pageable', 'anon', 'managed']) expect(replayedMemKind(k, 'device')).toBe(k);
  });

  it('is a platform policy: default device, settable to managed, anything else is bad input', () => {
    expect(loadPlatform('a100-pcie4', {}).platform.policy.device_alloc).toBe('device');
    expect(loadPlatform('a100-pcie4', { 'policy.device_alloc': 'managed' }).platform.policy.device_alloc).toBe('managed');
    expect(() => loadPlatform('a100-pcie4', { 'policy.device_alloc': 'unified' })).toThrow(/device_alloc/);
  });
});

realTraces.describe('what-if: param linear step as managed memory', () => {
  const ET = realTraces.file('pytorch-et/param/linear_et.json.gz');
  const tmp = mkdtempSync(join(tmpdir(), 'hetmem-device-alloc-'));
  const trace = join(tmp, 'linear.arrow');
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));
  // the peak of live CUDA storages, each in its own 2 MiB chunks, from the JSON (332 MiB for this step)
  const footprint = peakLiveGpuBytes(loadEt(ET).nodes, VA_BLOCK_SIZE);
  const run = (memory: number, deviceAlloc: string): Promise<RunSummary> => replay({
    trace, platform: 'a100-pcie4', out: join(tmp, `${deviceAlloc}-${memory}`),
    set: { 'gpu0.memory': `${memory / 2 ** 20}MiB`, 'policy.device_alloc': deviceAlloc },
  });
  beforeAll(async () => { await ingest([ET], { format: 'et', output: trace }); });

  it('no migrations and no evictions once device memory covers the footprint', async () => {
    expect(footprint).toBe(332 * 2 ** 20);
    const s = await run(footprint, 'managed');
    expect(s.evictions.count).toBe(0);
    expect(s.migrations.total.bytes).toBe(0);
    expect(s.faults.gpu).toBeGreaterThan(0); // first touches still fault the pages in (§2.2)
  });

  it('evictions, and faults migrating evicted data back, at half the footprint', async () => {
    const s = await run(footprint / 2, 'managed');
    expect(s.evictions.count).toBeGreaterThan(0);
    expect(s.migrations.by_cause.eviction?.bytes).toBeGreaterThan(0);
    expect(s.migrations.by_cause.fault?.bytes).toBeGreaterThan(0);
    const fits = await run(footprint, 'managed');
    expect(s.end_ns).toBeGreaterThan(fits.end_ns);
  });

  it('as recorded (device), the same small GPU evicts nothing: cudaMalloc memory does not migrate', async () => {
    const s = await run(footprint / 2, 'device');
    expect(s.evictions.count).toBe(0);
    expect(s.migrations.total.count).toBe(0);
    expect(s.faults.gpu).toBe(0);
  });
});
