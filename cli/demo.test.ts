import { describe, expect, it } from 'vitest';
import { expandVariants, normaliseAxes } from '../replay/sweep/variants.ts';
import { presetNames } from '../replay/index.ts';
import { workloadByName } from '../ingest/synth/index.ts';
import { DEMO_WORKLOADS } from './demo.ts';

// The end-to-end demo is `npm start` itself (measured in the closing note, not timed in tests);
// here: the demo covers every workload on several platforms and BAR sizes (so its report compares
// something), with names the other modules know.
describe('the demo configuration', () => {
  it('covers the three workloads, each over ≥ 2 platforms and ≥ 2 BAR sizes', () => {
    expect(DEMO_WORKLOADS.map((w) => w.workload)).toEqual(['gpu-kernel', 'rdma-stream', 'progress-monitor']);
    for (const w of DEMO_WORKLOADS) {
      const axes = normaliseAxes(w.vary);
      const platforms = axes.find((a) => a.key === 'platform')!.values;
      expect(platforms.length, w.workload).toBeGreaterThanOrEqual(2);
      for (const p of platforms) expect(presetNames()).toContain(p);
      expect(axes.find((a) => a.key === 'gpu0.bar')!.values.length, w.workload).toBeGreaterThanOrEqual(2);
      expect(() => workloadByName(w.workload)).not.toThrow();
    }
  });

  it('oversubscribes the GPU kernel and varies its memory up to a fully resident size', () => {
    const gk = DEMO_WORKLOADS[0]!;
    expect(gk.params.oversubscription).toBeGreaterThan(1);
    // footprint = 1.5 × 256 MiB = 384 MiB; the largest memory tried (512 MiB) holds it all
    const mem = normaliseAxes(gk.vary).find((a) => a.key === 'gpu0.memory')!.values;
    expect(mem).toContain('256MiB');
    expect(mem[mem.length - 1]).toBe('512MiB');
    // 2 platforms × 2 BARs × 3 memories
    expect(expandVariants(normaliseAxes(gk.vary), undefined)).toHaveLength(12);
  });
});
