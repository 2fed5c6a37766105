import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingest } from '../../ingest/ingest.ts';
import { MODEL_HOOKS, runEngine } from '../engine.ts';
import { loadPlatform } from '../platform-loader.ts';
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

// Every number below is worked out by hand in fixtures/two-streams.csv's header comment (platform link
// numbers from replay/platforms/*.yaml); corr 1..6 = C1, K1, K2, M, C2, K3.
describe('stream-ordered replay of fixtures/two-streams.csv', () => {
  it('a100-pcie4: every op on its stream after launch, previous op and event wait, copies and memset costed', async () => {
    const { ops, end } = await replayOps('a100-pcie4');
    expect(ops).toEqual([
      { kind: 'copy', stream: 7, corr: 1, start: 15000, end: 2417000 },
      { kind: 'kernel', stream: 7, corr: 2, start: 2422000, end: 3422000 },
      { kind: 'kernel', stream: 13, corr: 3, start: 3427000, end: 3927000 },
      { kind: 'memset', stream: 13, corr: 4, start: 3929000, end: 4026800 },
      { kind: 'copy', stream: 13, corr: 5, start: 4029800, end: 4418500 },
      // launched after the sync on C2 returned 111,500 ns early: the thread moved with the GPU
      { kind: 'kernel', stream: 7, corr: 6, start: 4448500, end: 4648500 },
    ]);
    // the thread's last rows (frees at 4,770,000 observed) after cudaDeviceSynchronize: shift -111,500
    expect(end).toBe(4658500);
  });

  it('gtx1080ti-pcie3: the slower PCIe 3 link and GDDR5X push everything after the copies later', async () => {
    const { ops, end } = await replayOps('gtx1080ti-pcie3');
    expect(ops).toEqual([
      { kind: 'copy', stream: 7, corr: 1, start: 15000, end: 5317000 },
      { kind: 'kernel', stream: 7, corr: 2, start: 5322000, end: 6322000 },
      { kind: 'kernel', stream: 13, corr: 3, start: 6327000, end: 6827000 },
      { kind: 'memset', stream: 13, corr: 4, start: 6829000, end: 7141000 },
      { kind: 'copy', stream: 13, corr: 5, start: 7144000, end: 8142400 },
      { kind: 'kernel', stream: 7, corr: 6, start: 8172400, end: 8372400 },
    ]);
    expect(end).toBe(8382400);
  });
});
