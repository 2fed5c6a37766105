import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ingest } from '../../ingest/ingest.ts';
import { MODEL_HOOKS, runEngine } from '../engine.ts';
import { loadPlatform } from '../platform-loader.ts';

const dir = mkdtempSync(join(tmpdir(), 'hetmem-stream-replay-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const HEADER = 'ts,op,agent,obj,offset,bytes,mem,peer,dur,stream,corr,name';

let n = 0;
async function run(csvRows: string[], platform: string) {
  const csv = join(dir, `t${++n}.csv`);
  writeFileSync(csv, [HEADER, ...csvRows].join('\n') + '\n');
  const trace = join(dir, `t${n}.arrow`);
  await ingest([csv], { out: trace });
  const ops: [string, number, number, number][] = [];
  const r = await runEngine(trace, loadPlatform(platform).platform, { ...MODEL_HOOKS, gpuOp: (kind, _a, _s, corr, start, end) => { ops.push([kind, corr, start, end]); } });
  return { ...r, ops };
}

describe('pageable host memory goes through the pinned staging buffer', () => {
  // One cudaMemcpyAsync of 8,140,800 B from pageable host memory, launched at 1000, observed at 2000
  // (gap 1000 kept: S' = 2000). The runtime first copies the data into pinned staging memory
  // (2 x bytes at the host memory's bandwidth), then DMAs it (1000 fixed + path latency + bytes / bottleneck).
  const rows = [
    '0,alloc,cpu0,h,,8140800,pageable,,,0,,',
    '1000,submit,cpu0,,,,,,500,0,1,cudaMemcpyAsync',
    '2000,copy,cpu0,h,0,8140800,pageable,gpu0,1000000,7,1,Memcpy HtoD (Pageable -> Device)',
  ];
  it('a100-pcie4: staging 2 x 8140800 / 204.8 = 79500, then DMA 1000 + 1000 + 8140800 / 26.5 = 309200', async () => {
    const { ops } = await run(rows, 'a100-pcie4');
    expect(ops).toEqual([['copy', 1, 2000, 2000 + 79500 + 309200]]);
  });
  it('gtx1080ti-pcie3: staging 2 x 8140800 / 51.2 = 318000, then DMA 1000 + 1000 + 8140800 / 12 = 680400', async () => {
    const { ops } = await run(rows, 'gtx1080ti-pcie3');
    expect(ops).toEqual([['copy', 1, 2000, 2000 + 318000 + 680400]]);
  });
  it('the same copy from pinned memory has no staging step', async () => {
    const { ops } = await run(rows.map((r) => r.replaceAll('pageable', 'pinned').replace('Pageable', 'Pinned')), 'a100-pcie4');
    expect(ops).toEqual([['copy', 1, 2000, 2000 + 309200]]);
  });
});

describe('a trace without streams replays as before', () => {
  // A pinned HtoD copy (63,600,000 B, observed 15000 .. 2515000) and a kernel (2520000 .. 3520000), then the
  // CPU frees the buffer at 4770000. Without a stream column every row runs at ts + its agent's delay:
  // the kernel is not moved and no GPU op is scheduled; the run ends with the CPU's last row at 4770000
  // (the copy's modeled end 15000 + 2402000 = 2417000 and the kernel's 3520000 are earlier).
  // With streams, the kernel follows the modeled copy: max(20000, 2417000) + 5000 = 2422000 .. 3422000.
  const rows = (stream: string, thread: string) => [
    `0,alloc,cpu0,h,,63600000,pinned,,,${thread},,`,
    `10000,submit,cpu0,,,,,,5000,${thread},1,cudaMemcpyAsync`,
    `15000,copy,cpu0,h,0,63600000,pinned,gpu0,2500000,${stream},1,Memcpy HtoD`,
    `20000,submit,cpu0,,,,,,5000,${thread},2,cudaLaunchKernel`,
    `2520000,kernel,gpu0,,,,,,1000000,${stream},2,K`,
    `4770000,free,cpu0,h,,,,,,${thread},,`,
  ];
  it('no stream: no op is scheduled, the copy is costed from its trace time, the run ends at the CPU\'s last row', async () => {
    const { ops, model } = await run(rows('', ''), 'a100-pcie4');
    expect(ops).toEqual([]);
    expect(model.clocks.pendingUntil[0]).toBe(15000 + 2402000);
    expect(model.endNs).toBe(4770000);
  });
  it('with streams: the kernel moves with the modeled copy', async () => {
    const { ops, model } = await run(rows('7', '0'), 'a100-pcie4');
    expect(ops).toEqual([['copy', 1, 15000, 2417000], ['kernel', 2, 2422000, 3422000]]);
    expect(model.endNs).toBe(4770000);
  });
});

describe('a kernel keeps its compute time plus the stall its accesses add', () => {
  // Managed 2 MiB, first page written by the CPU at 1000 (resident in sys0). The kernel (stream 7, corr 2,
  // observed 2520000 .. 3520000) follows a pinned copy that the model makes 98000 ns faster (as in
  // the test above): S' = 2422000, shift -98000. Its read at 2600000 (corr 2) runs at 2600000 - 98000
  // = 2502000 and faults; the fault stall is whatever the fault service charges (fault-service.ts),
  // and the kernel's modeled end is S' + 1000000 + that stall.
  it('the access runs at the kernel\'s shifted time and the stall lengthens the kernel', async () => {
    const { ops, model } = await run([
      '0,alloc,cpu0,m,,2MiB,managed,,,0,,',
      '0,alloc,cpu0,h,,63600000,pinned,,,0,,',
      '1000,write,cpu0,m,0,4096,,,,0,,',
      '10000,submit,cpu0,,,,,,5000,0,1,cudaMemcpyAsync',
      '15000,copy,cpu0,h,0,63600000,pinned,gpu0,2500000,7,1,Memcpy HtoD',
      '20000,submit,cpu0,,,,,,5000,0,2,cudaLaunchKernel',
      '2520000,kernel,gpu0,,,,,,1000000,7,2,K',
      '2600000,read,gpu0,m,0,4096,,,,7,2,',
      '4770000,free,cpu0,m,,,,,,0,,',
    ], 'a100-pcie4');
    const gpu = model.index.gpuAgents[0]!;
    const stall = model.clocks.stall[gpu]!;
    expect(stall).toBeGreaterThan(0);
    const log = model.clocks.stallLog;
    const starts: number[] = [];
    log.scan((cols, k) => { for (let i = 0; i < k; i++) if (cols[1]![i] === gpu) starts.push(cols[0]![i]!); });
    expect(starts[0]).toBe(2502000);
    expect(ops).toEqual([['copy', 1, 15000, 2417000], ['kernel', 2, 2422000, 2422000 + 1000000 + stall]]);
  });
});
