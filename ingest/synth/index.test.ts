import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { UsageError } from '../../common/bad-input.ts';
import { TraceReader } from '../trace/reader.ts';
import { META } from '../trace/schema.ts';
import { WORKLOADS, synth } from './index.ts';
import { fileBytes, scratchDir } from './testing.ts';
import { vecadd } from './vecadd.ts';
import { resolveParams } from './workload.ts';

const PKG_VERSION = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
const tmp = scratchDir();
afterAll(() => tmp.cleanup());

/** Small parameters per workload, so every test stays fast. */
const SMALL: Record<string, Record<string, string | number | boolean>> = {
  'gpu-kernel': { pattern: 'random', 'buffer-size': '1MiB', buffers: 3, gpus: 2, kernels: 2, readback: 0.5 },
  'rdma-stream': { duration: '2ms', 'stream-out': true },
  'progress-monitor': { 'kernel-duration': '1ms' },
  vecadd: { n: 4096 },
  'random-access': { reads: 1000, footprint: '1MiB' },
};

describe('synth()', () => {
  it('has the four workloads of the contract, and the random-access bench stream', () => {
    expect(WORKLOADS.map((w) => w.name)).toEqual(['gpu-kernel', 'rdma-stream', 'progress-monitor', 'vecadd', 'random-access']);
  });

  for (const w of WORKLOADS) {
    it(`${w.name}: same parameters and seed → byte-identical file; metadata; rows as announced`, async () => {
      const a = tmp.path(`${w.name}-a.arrow`);
      const b = tmp.path(`${w.name}-b.arrow`);
      const ra = synth(w.name, { ...SMALL[w.name], seed: 11 }, a);
      synth(w.name, { ...SMALL[w.name], seed: 11 }, b);
      expect(fileBytes(a).equals(fileBytes(b))).toBe(true);
      const t = await TraceReader.open(a);
      let rows = 0;
      let lastTs = -1;
      let sorted = true;
      for await (const batch of t.batches()) {
        const ts = batch.num('ts');
        for (let i = 0; i < batch.length; i++) { if (ts[i]! < lastTs) sorted = false; lastTs = ts[i]!; }
        rows += batch.length;
      }
      const meta = t.metadata;
      await t.close();
      expect(sorted).toBe(true);
      // Two independent counts: the rows read back from the file, and the workload's own formula.
      expect(rows).toBe(ra.rows);
      expect(w.expectedRows(resolveParams(w, { ...SMALL[w.name] }))).toBe(rows);
      expect(meta.get(META.sourceFormat)).toBe(`synth:${w.name}`);
      expect(meta.get(META.ingestVersion)).toBe(PKG_VERSION);
      const params = JSON.parse(meta.get(META.synthParams)!) as Record<string, unknown>;
      expect(params.seed).toBe(11);
      expect(Object.keys(params)).toEqual([...Object.keys(params)].sort());
      expect(Object.keys(params).sort()).toEqual([...w.params.map((s) => s.name), 'seed'].sort());
      expect(Array.isArray(JSON.parse(meta.get(META.devices)!))).toBe(true);
    });
  }

  it('a random workload changes with the seed', () => {
    synth('random-access', { ...SMALL['random-access'], seed: 1 }, tmp.path('ra1.arrow'));
    synth('random-access', { ...SMALL['random-access'], seed: 2 }, tmp.path('ra2.arrow'));
    expect(fileBytes(tmp.path('ra1.arrow')).equals(fileBytes(tmp.path('ra2.arrow')))).toBe(false);
    synth('gpu-kernel', { ...SMALL['gpu-kernel'], seed: 1 }, tmp.path('seed1.arrow'));
    synth('gpu-kernel', { ...SMALL['gpu-kernel'], seed: 2 }, tmp.path('seed2.arrow'));
    expect(fileBytes(tmp.path('seed1.arrow')).equals(fileBytes(tmp.path('seed2.arrow')))).toBe(false);
  });

  it('an unknown workload is a usage error', () => {
    expect(() => synth('matmul', {}, tmp.path('m.arrow'))).toThrow(UsageError);
    expect(() => synth('matmul', {}, tmp.path('m.arrow'))).toThrow(/unknown workload "matmul" \(known: gpu-kernel, rdma-stream, progress-monitor, vecadd, random-access\)/);
  });

  it('leaves no file behind when generation fails half-way', () => {
    const dir = scratchDir();
    const original = vecadd.generate;
    const spy = vi.spyOn(vecadd, 'generate').mockImplementation((p, writer, rng) => {
      original.call(vecadd, p, writer, rng);
      throw new Error('disk on fire');
    });
    try {
      // 2^18 floats → 6 × 256 + 6 = 1542 rows written before the failure.
      expect(() => synth('vecadd', { n: 2 ** 18 }, dir.path('v.arrow'))).toThrow(/disk on fire/);
      expect(dir.files()).toEqual([]);
    } finally {
      spy.mockRestore();
      dir.cleanup();
    }
  });
});
