/**
 * The footprint sentence: a hand-made trace of device allocations, swept over device memory with its
 * allocations replayed as managed memory, then reported.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { sweep } from '../replay/sweep/sweep.ts';
import { writeTrace, type Row } from '../replay/testing/trace-builder.ts';
import { sha256OfFiles } from '../common/file-hash.ts';
import { report } from './report.ts';
import { traceFootprint } from './trace-footprint.ts';

const tmp = mkdtempSync(join(tmpdir(), 'hetmem-footprint-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const MiB = 1 << 20;
const A = 0x7f0000000000, B = A + 4 * MiB, C = B + 2 * MiB;
// live device bytes: a (4) → 4, b (2) → 6, free a → 2, c (8) → 10: peak 10 MiB; allocated 4 + 2 + 8 = 14 MiB in 3
const ROWS: Row[] = [
  { ts: 0, op: 'alloc', agent: 'gpu0', addr: A, bytes: 4 * MiB, obj: 'a', mem: 'device' },
  { ts: 1, op: 'alloc', agent: 'gpu0', addr: B, bytes: 2 * MiB, obj: 'b', mem: 'device' },
  { ts: 2, op: 'write', agent: 'gpu0', addr: A, bytes: 4 * MiB, obj: 'a' },
  { ts: 3, op: 'free', agent: 'gpu0', obj: 'a' },
  { ts: 4, op: 'alloc', agent: 'gpu0', addr: C, bytes: 8 * MiB, obj: 'c', mem: 'device' },
  { ts: 5, op: 'write', agent: 'gpu0', addr: C, bytes: 8 * MiB, obj: 'c' },
  { ts: 6, op: 'read', agent: 'gpu0', addr: B, bytes: 2 * MiB, obj: 'b' },
];

describe('trace footprint', () => {
  const trace = join(tmp, 'step.arrow');
  writeTrace(trace, ROWS);

  it('is the peak of the live allocation sizes, and nothing when the trace changed', async () => {
    expect(await traceFootprint(trace, await sha256OfFiles([trace]))).toEqual([{ mem: 'device', peakLive: 10 * MiB, allocated: 14 * MiB, allocations: 3 }]);
    expect(await traceFootprint(trace, '0'.repeat(64))).toBeUndefined();
  });

  it('is stated in the answers of a managed-memory sweep, with the memory tried below it; equal answers said once', async () => {
    const out = join(tmp, 'sweep');
    await sweep({ trace, platform: 'a100-pcie4', vary: { 'policy.device_alloc': ['managed'], 'gpu0.bar': ['256MiB', '1GiB'], 'gpu0.memory': ['4MiB', '8MiB'] }, out, workers: 1 });
    const r = await report(out, { out: join(tmp, 'report.html') });
    const html = readFileSync(r.html, 'utf8');
    expect(html).toContain("<li>The trace&#39;s GPU footprint: at most 10 MiB of device allocations live at once (the peak of the sum of live allocation sizes; 14 MiB allocated in total in 3 allocations); the largest gpu0.memory tried (8MiB) is below it, so every variant evicts: sweep up to at least 10 MiB.</li>");
    // the BAR does not matter to a trace without peer mappings: both BAR groups give the same memory
    // answer, said once for both
    const memoryAnswers = [...html.matchAll(/<li>([^<]*slowdown budget[^<]*)/g)].map((m) => m[1]!);
    expect(memoryAnswers).toHaveLength(1);
    expect(memoryAnswers[0]).toMatch(/^Device_alloc=managed · bar=256MiB or 1GiB: device memory for a 10 % slowdown budget: /);
  });
});
