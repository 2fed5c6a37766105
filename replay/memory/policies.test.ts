import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { replay } from '../index.ts';
import { query } from '../testing/events-query.ts';
import { writeTrace, type Row } from '../testing/trace-builder.ts';

const dir = mkdtempSync(join(tmpdir(), 'hetmem-policies-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const BASE = 0x7f0000000000;
const MB2 = 2 * 1024 * 1024;
const K4 = 4096;

async function run(name: string, rows: Row[], platform = 'a100-pcie4', set: Record<string, string> = {}) {
  const trace = join(dir, `${name}.arrow`);
  writeTrace(trace, rows);
  const out = join(dir, name);
  const summary = await replay({ trace, platform, set, out });
  return { summary, events: `'${out}/events.parquet'` };
}
const allocAndInit = (bytes: number, mem = 'managed'): Row[] => [
  { ts: 0, op: 'alloc', agent: 'cpu0', addr: BASE, bytes, obj: 'buf', mem },
  { ts: 1, op: 'write', agent: 'cpu0', addr: BASE, bytes, obj: 'buf' },
];

describe('explicit prefetch and advice (REFERENCE.md §2.3)', () => {
  it('prefetch rows migrate the range in 2 MiB pieces with cause user_prefetch; later GPU reads do not fault', async () => {
    // 5 MiB = blocks of 2, 2 and 1 MiB → three migrate rows.
    const bytes = 5 * 1024 * 1024;
    const { summary, events } = await run('uprefetch', [
      ...allocAndInit(bytes),
      { ts: 10, op: 'prefetch', agent: 'cpu0', addr: BASE, bytes, obj: 'buf', peer: 'gpu0' },
      { ts: 11, op: 'sync', agent: 'cpu0' },
      { ts: 12, op: 'read', agent: 'gpu0', addr: BASE, bytes, obj: 'buf' },
    ]);
    const rows = await query(`SELECT addr - ${BASE} AS off, bytes, cause FROM ${events} WHERE kind = 'migrate' ORDER BY ts`);
    expect(rows).toEqual([
      { off: 0, bytes: MB2, cause: 'user_prefetch' }, { off: MB2, bytes: MB2, cause: 'user_prefetch' },
      { off: 2 * MB2, bytes: MB2 / 2, cause: 'user_prefetch' },
    ]);
    expect(summary.faults.gpu).toBe(0);
  });

  it('accessed_by: the GPU maps system memory remotely instead of migrating (rule 7)', async () => {
    // gpu0 reads the first 64 KiB four times: the first read faults on its 16 pages (one batch) and, the GPU
    // being in accessed_by, gets remote mappings instead of migrations, and its faulting read then goes
    // over PCIe like reads 2-4 (the mapped bytes cross the link as remote accesses).
    const rows: Row[] = [...allocAndInit(MB2), { ts: 5, op: 'advise', agent: 'cpu0', addr: BASE, bytes: MB2, obj: 'buf', name: 'accessed_by:gpu0' }];
    for (let k = 0; k < 4; k++) rows.push({ ts: 10 + k, op: 'read', agent: 'gpu0', addr: BASE, bytes: 64 * 1024, obj: 'buf' });
    const { summary } = await run('accessed-by', rows);
    expect(summary.migrations.total.count).toBe(0);
    // First read: 16 faulted pages in one batch, mapped remotely, then read remotely; reads 2-4 stream
    // 64 KiB each over PCIe: 4 × 64 KiB remote.
    expect(summary.faults).toMatchObject({ gpu: 16, gpu_batches: 1 });
    expect(summary.remote.bytes).toBe(4 * 64 * 1024);
  });
});

describe('access counters on a coherent ATS platform (gh200-c2c, REFERENCE.md §2.6)', () => {
  it('a notification migrates only the accessed 64 KiB sub-regions of a block held in one 2 MiB chunk', async () => {
    // anon memory on GH200: GPU reads go over C2C without faults (ATS). The CPU init writes the whole
    // 2 MiB block, so sys0 holds every page of it: physically one 2 MiB chunk (access-counters.ts).
    // Read k (k = 0..299) touches page 32·(k mod 2) + (k mod 16): reads alternate between sub-region 0
    // (pages 0..15) and sub-region 2 (pages 32..47), never sub-region 1 or 3..31.
    // Each read row counts one access; the 256th (k = 255) triggers the notification, which migrates
    // the accessed sub-regions 0 and 2 — 2 × 64 KiB, one transfer each (not contiguous) — and nothing
    // else of the granule (`expand_notification_block`). Reads 0..255 are remote (the 256th is counted
    // before its data moves, then served remotely); reads 256..299 hit the GPU.
    const rows: Row[] = [...allocAndInit(MB2, 'anon')];
    for (let k = 0; k < 300; k++) rows.push({ ts: 10 + k, op: 'read', agent: 'gpu0', addr: BASE + ((k % 2) * 32 + (k % 16)) * K4, bytes: K4, obj: 'buf' });
    const { summary } = await run('counters', rows, 'gh200-c2c');
    expect(summary.faults.gpu).toBe(0);
    expect(summary.migrations.by_direction_cause).toEqual({ 'sys0->gpu0:access_counter': { count: 2, bytes: 2 * 64 * 1024 } });
    expect(summary.remote.bytes).toBe(256 * K4);
  });

  it('a notification on a block the source holds only in part migrates only the notified page', async () => {
    // The CPU init writes just the first 1 MiB of a 2 MiB allocation, so sys0 does not hold the whole
    // block: not one 2 MiB chunk → `expand_notification_block` sets only the notified page. The GPU reads
    // pages 0..3 in turn (read k → page k mod 4); the 256th read (k = 255, page 3) notifies → page 3
    // alone migrates (one 4 KiB transfer). Reads of page 3 afterwards (k = 259, 263, …, 299: 11 of them)
    // hit; all other reads stay remote: 300 − 11 = 289 remote 4 KiB reads.
    const rows: Row[] = [
      { ts: 0, op: 'alloc', agent: 'cpu0', addr: BASE, bytes: MB2, obj: 'buf', mem: 'anon' },
      { ts: 1, op: 'write', agent: 'cpu0', addr: BASE, bytes: MB2 / 2, obj: 'buf' },
    ];
    for (let k = 0; k < 300; k++) rows.push({ ts: 10 + k, op: 'read', agent: 'gpu0', addr: BASE + (k % 4) * K4, bytes: K4, obj: 'buf' });
    const { summary } = await run('counters-page', rows, 'gh200-c2c');
    expect(summary.migrations.by_direction_cause).toEqual({ 'sys0->gpu0:access_counter': { count: 1, bytes: K4 } });
    expect(summary.remote.bytes).toBe(289 * K4);
  });
});

describe('thrashing (REFERENCE.md §2.7)', () => {
  it('a page bouncing between CPU and GPU is throttled 10 times, then pinned and mapped remotely', async () => {
    // GPU read and CPU write alternate on one page, 1 µs apart (all within the 500 µs lapse). Fault k of the
    // page (1-based): the 1st has no earlier migration; the 2nd and 3rd are thrashing events 1 and 2; from the
    // 4th on, events ≥ 3 mark it thrashing: faults 4..13 get THROTTLE (10 = pin threshold), fault 14 (a CPU
    // write) gets PIN — the CPU cannot map device memory, so the page still comes back to sys0 — and fault 15
    // (GPU read 8) finds the pin and maps sys0 remotely (one `pin`), and that read itself is then remote;
    // GPU reads 9..40 are remote too: 33 remote reads of one page each. CPU writes hit.
    const rows: Row[] = [...allocAndInit(K4)];
    for (let k = 0; k < 40; k++) {
      rows.push({ ts: 1000 * (2 * k + 10), op: 'read', agent: 'gpu0', addr: BASE, bytes: K4, obj: 'buf' });
      rows.push({ ts: 1000 * (2 * k + 11), op: 'write', agent: 'cpu0', addr: BASE, bytes: K4, obj: 'buf' });
    }
    const { summary } = await run('thrash', rows, 'a100-pcie4', { 'policy.prefetch': 'off' });
    expect(summary.thrashing).toEqual({ throttles: 10, pins: 1 });
    expect(summary.faults.gpu + summary.faults.cpu).toBe(15);
    expect(summary.remote).toEqual({ count: 33, bytes: 33 * K4 });
  });
});

describe('two GPUs (two-gpu-nvlink)', () => {
  it('a GPU touching another GPU\'s pages migrates them over NVLink (rule 11)', async () => {
    const { summary } = await run('peer', [
      ...allocAndInit(MB2),
      { ts: 10, op: 'prefetch', agent: 'cpu0', addr: BASE, bytes: MB2, obj: 'buf', peer: 'gpu0' },
      { ts: 11, op: 'sync', agent: 'cpu0' },
      { ts: 12, op: 'read', agent: 'gpu1', addr: BASE, bytes: MB2, obj: 'buf' },
    ], 'two-gpu-nvlink');
    expect(summary.migrations.by_direction['gpu0->gpu1']!.bytes).toBe(MB2);
    expect(summary.links['gpu0-gpu1']!.down!.bytes).toBe(MB2);
    expect(summary.links['cpu0-sw1']!.down!.bytes).toBe(0);
  });

  it('accessed_by:gpu1 keeps the data on gpu0 and maps it: the bytes cross NVLink as remote accesses (§2.3 rule 7)', async () => {
    // 4 MiB resident on gpu0 (user prefetch), advice accessed_by:gpu1, gpu1 reads all 4 MiB: 1024 page
    // faults in four batches of 256 (the batch cap); rule 7 keeps every page on gpu0 and maps it, and each
    // batch's faulting reads then go gpu0 → gpu1 over the NVLink: 4 MiB remote, nothing migrates to gpu1,
    // nothing crosses gpu1's PCIe link.
    const { summary } = await run('peer-accessed-by', [
      ...allocAndInit(2 * MB2),
      { ts: 10, op: 'prefetch', agent: 'cpu0', addr: BASE, bytes: 2 * MB2, obj: 'buf', peer: 'gpu0' },
      { ts: 11, op: 'sync', agent: 'cpu0' },
      { ts: 12, op: 'advise', agent: 'cpu0', addr: BASE, bytes: 2 * MB2, obj: 'buf', name: 'accessed_by:gpu1' },
      { ts: 13, op: 'read', agent: 'gpu1', addr: BASE, bytes: 2 * MB2, obj: 'buf' },
    ], 'two-gpu-nvlink');
    expect(summary.faults.gpu).toBe(1024);
    expect(summary.faults.gpu_batches).toBe(4);
    expect(summary.migrations.by_direction['gpu0->gpu1']).toBeUndefined();
    expect(summary.remote.bytes).toBe(2 * MB2);
    expect(summary.links['gpu0-gpu1']!.down!.bytes).toBe(2 * MB2);
    expect(summary.links['sw1-gpu1']!.down!.bytes).toBe(0);
  });
});

describe('device allocations (cudaMalloc) never migrate', () => {
  it('a CPU read of device memory goes through the BAR at the platform\'s BAR read bandwidth (REFERENCE.md §3.4)', async () => {
    const { summary, events } = await run('device-bar', [
      { ts: 0, op: 'alloc', agent: 'gpu0', addr: BASE, bytes: MB2, obj: 'dev', mem: 'device' },
      { ts: 1, op: 'read', agent: 'cpu0', addr: BASE, bytes: 64 * 1024, obj: 'dev' },
    ]);
    expect(summary.migrations.total.count).toBe(0);
    expect(summary.faults.cpu).toBe(0);
    // Path gpu0 → sw0 → cpu0: 2 × 500 ns latency; bandwidth min(26.5, bar_cpu_read 0.7) = 0.7 B/ns:
    // 1000 + ⌈65536 / 0.7⌉ = 1000 + 93623 = 94623 ns, no fixed DMA cost (CPU loads).
    const rows = await query(`SELECT kind, cause, src, bytes, dur FROM ${events} WHERE kind = 'remote'`);
    expect(rows).toEqual([{ kind: 'remote', cause: 'bar', src: 'gpu0', bytes: 65536, dur: 94623 }]);
    expect(summary.stall_ns.cpu0).toBe(94623);
  });
});

describe('first touch at the preferred location (REFERENCE.md §2.4)', () => {
  it('the whole block is populated on the GPU at the first fault', async () => {
    // Unpopulated managed 2 MiB with preferred:gpu0. The GPU reads page 0, then page 100. With the rule the first
    // fault populates all 512 pages on gpu0 (zero-fill, no transfer), so page 100 does not fault; without it the
    // first fault would cover only big page [0,16) and page 100 would fault again.
    const rows: Row[] = [
      { ts: 0, op: 'alloc', agent: 'cpu0', addr: BASE, bytes: MB2, obj: 'buf', mem: 'managed' },
      { ts: 1, op: 'advise', agent: 'cpu0', addr: BASE, bytes: MB2, obj: 'buf', name: 'preferred:gpu0' },
      { ts: 2, op: 'read', agent: 'gpu0', addr: BASE, bytes: K4, obj: 'buf' },
      { ts: 3, op: 'read', agent: 'gpu0', addr: BASE + 100 * K4, bytes: K4, obj: 'buf' },
    ];
    const { summary } = await run('first-touch-pref', rows);
    expect(summary.faults).toMatchObject({ gpu: 1, gpu_batches: 1 });
    expect(summary.migrations.total.count).toBe(0);
    const out = join(dir, 'first-touch-pref');
    const res = await query(`SELECT max(value) AS v FROM '${out}/timeline.parquet' WHERE metric = 'resident_bytes' AND entity = 'gpu0'`);
    expect(res[0]!.v).toBe(MB2);
    // Without the advice: two faults (big page [0,16), then [96,112)).
    const { summary: plain } = await run('first-touch-plain', rows.filter((r) => r.op !== 'advise'));
    expect(plain.faults).toMatchObject({ gpu: 2, gpu_batches: 2 });
  });
});

describe('remote traffic counts exact bytes', () => {
  it('a 100-byte CPU read straddling two pages of device memory is one 100-byte remote event at its address', async () => {
    const { summary, events } = await run('device-straddle', [
      { ts: 0, op: 'alloc', agent: 'gpu0', addr: BASE, bytes: MB2, obj: 'dev', mem: 'device' },
      { ts: 1, op: 'read', agent: 'cpu0', addr: BASE + 4050, bytes: 100, obj: 'dev' },
      { ts: 2, op: 'write', agent: 'cpu0', addr: BASE + 8192, bytes: 8, obj: 'dev' },
    ]);
    expect(summary.remote).toEqual({ count: 2, bytes: 108 });
    // reads move data gpu0 → sys0 (the CPU's memory side), writes sys0 → gpu0
    const rows = await query(`SELECT addr - ${BASE} AS off, bytes, src, dst FROM ${events} WHERE kind = 'remote' ORDER BY ts`);
    expect(rows).toEqual([{ off: 4050, bytes: 100, src: 'gpu0', dst: 'sys0' }, { off: 8192, bytes: 8, src: 'sys0', dst: 'gpu0' }]);
  });
});

describe('read duplication (read_mostly, REFERENCE.md §2.3 rule 2, §2.7)', () => {
  it('GPU reads copy the pages and the CPU keeps reading locally; a GPU write breaks duplication', async () => {
    // 64 KiB (16 pages) written by the CPU, advised read_mostly. The GPU read faults on 16 pages (one batch);
    // rule 2 duplicates them: one 64 KiB `duplicate` copy, sys0 stays the owner, so the CPU read hits.
    // The GPU then writes page 0: the write breaks duplication and gpu0 (holding a copy) becomes the sole owner,
    // so the CPU's next read of page 0 faults; the range is still read_mostly, so rule 2 duplicates that one page
    // back (4 KiB gpu0 → sys0) instead of migrating it. No page ever migrates.
    const KB64 = 64 * 1024;
    const { summary, events } = await run('read-mostly', [
      ...allocAndInit(KB64),
      { ts: 5, op: 'advise', agent: 'cpu0', addr: BASE, bytes: KB64, obj: 'buf', name: 'read_mostly' },
      { ts: 10, op: 'read', agent: 'gpu0', addr: BASE, bytes: KB64, obj: 'buf' },
      { ts: 11, op: 'read', agent: 'cpu0', addr: BASE, bytes: KB64, obj: 'buf' },
      { ts: 12, op: 'write', agent: 'gpu0', addr: BASE, bytes: K4, obj: 'buf' },
      { ts: 13, op: 'read', agent: 'cpu0', addr: BASE, bytes: K4, obj: 'buf' },
    ]);
    const dups = await query(`SELECT src, dst, bytes FROM ${events} WHERE kind = 'duplicate' ORDER BY ts`);
    expect(dups).toEqual([{ src: 'sys0', dst: 'gpu0', bytes: KB64 }, { src: 'gpu0', dst: 'sys0', bytes: K4 }]);
    expect(summary.faults).toMatchObject({ gpu: 16, gpu_batches: 1, cpu: 1 });
    expect(summary.migrations.total.count).toBe(0);
  });
});
