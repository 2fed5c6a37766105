import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingest } from '../../ingest/ingest.ts';
import { MODEL_HOOKS, runEngine } from '../engine.ts';
import { loadPlatform } from '../platform-loader.ts';
import { replay } from '../index.ts';
import { whatWasModeled } from '../../reports/what-was-modeled.ts';
import type { StreamOpKind } from './scheduler.ts';

const dir = mkdtempSync(join(tmpdir(), 'hetmem-streams-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const fixture = new URL('../../fixtures/two-streams.csv', import.meta.url).pathname;
const trace = join(dir, 'two-streams.arrow');
beforeAll(async () => { await ingest([fixture], { out: trace }); });

interface Span { kind: StreamOpKind; stream: number; corr: number; start: number; end: number }

async function replayOps(platform: string): Promise<{ ops: Span[]; end: number }> {
  const ops: Span[] = [];
  const { model } = await runEngine(trace, loadPlatform(platform).platform, {
    ...MODEL_HOOKS, gpuOp: (kind, _agent, stream, corr, start, end) => { ops.push({ kind, stream, corr, start, end }); },
  });
  ops.sort((a, b) => a.corr - b.corr);
  return { ops, end: model.endNs };
}

// Every number is worked out by hand in fixtures/two-streams.csv's header comment (platform link
// numbers from replay/platforms/*.yaml); corr 1..6 = C1, K1, K2, M, C2, K3.
type Row = [StreamOpKind, number, number, number, number]; // kind, stream, corr, start, end
const EXPECTED: Record<string, { why: string; ops: Row[]; end: number }> = {
  'a100-pcie4': {
    why: 'copies and the memset costed faster than observed pull every later op earlier',
    ops: [
      ['copy', 7, 1, 15000, 2417000],
      ['kernel', 7, 2, 2422000, 3422000],
      ['kernel', 13, 3, 3427000, 3927000],
      ['memset', 13, 4, 3929000, 4026800],
      ['copy', 13, 5, 4029800, 4418500],
      // launched after the sync on C2 returned 111,500 ns early: the thread moved with the GPU
      ['kernel', 7, 6, 4448500, 4648500],
    ],
    // the thread's last rows (frees at 4,770,000 observed) after cudaDeviceSynchronize: shift -111,500
    end: 4658500,
  },
  'gtx1080ti-pcie3': {
    why: 'the slower PCIe 3 link and GDDR5X push everything after the copies later, the CPU thread too',
    ops: [
      ['copy', 7, 1, 15000, 5317000],
      ['kernel', 7, 2, 5322000, 6322000],
      ['kernel', 13, 3, 6327000, 6827000],
      ['memset', 13, 4, 6829000, 7141000],
      ['copy', 13, 5, 7144000, 8142400],
      ['kernel', 7, 6, 8172400, 8372400],
    ],
    end: 8382400,
  },
};

describe('stream-ordered replay of fixtures/two-streams.csv: every op after its launch, previous op and event wait', () => {
  for (const [platform, want] of Object.entries(EXPECTED)) {
    it(`${platform}: ${want.why}`, async () => {
      const { ops, end } = await replayOps(platform);
      expect(ops.map((o) => [o.kind, o.stream, o.corr, o.start, o.end])).toEqual(want.ops);
      expect(end).toBe(want.end);
    });
  }
});

describe('what a stream-ordered run reports about its schedule', () => {
  it('summary.json counts the scheduled ops and sets the modeled end beside the observed span', async () => {
    const summary = await replay({ trace, platform: 'a100-pcie4', out: join(dir, 'run-a100') });
    // From the fixture's rows: kernels K1, K2, K3; copies C1, C2; memset M; queues (gpu0, 7) and
    // (gpu0, 13); one CPU thread (stream 0). The latest observed end is the frees at 4,770,000 ns
    // (K3 ends at 4,560,000 + 200,000 = 4,760,000; the device sync returns at 4,600,000 + 165,000).
    expect(summary.stream_order).toEqual({ kernels: 3, copies: 2, memsets: 1, streams: 2, cpu_threads: 1, observed_end_ns: 4770000 });
    // The modeled end is the a100 schedule's 4,658,500 above: (4,658,500 − 4,770,000) / 4,770,000 = −2.34 %.
    expect(summary.end_ns).toBe(4658500);
    const streams = whatWasModeled(summary).find((m) => m.topic === 'streams');
    expect(streams?.text).toBe('replayed in stream order: 3 kernels, 2 copies and 1 memset on 2 streams, launched by 1 CPU thread; ' +
      'the trace spans 4.77 ms and the model ends at 4.66 ms (−2.34 %).');
    // Kernels and memsets are events too (the Perfetto export draws them on the GPU's track).
    expect(summary.events_by_kind?.kernel?.count).toBe(3);
    expect(summary.events_by_kind?.memset).toEqual({ count: 1, bytes: 150524000 });
  });
});
