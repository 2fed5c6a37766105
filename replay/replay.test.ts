import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingest } from '../ingest/ingest.ts';
import { synth } from '../ingest/synth/index.ts';
import { replay } from './index.ts';
import { loadPlatform, presetNames } from './platform-loader.ts';
import { RUN_FILES } from './run-output.ts';
import { query } from './testing/events-query.ts';
import { writeTrace, type Row } from './testing/trace-builder.ts';

const dir = mkdtempSync(join(tmpdir(), 'hetmem-replay-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const fixture = (name: string) => new URL(`../fixtures/${name}`, import.meta.url).pathname;
const BASE = 0x7f0000000000;
const KiB4 = 4096;
const MB2 = 2 * 1024 * 1024;

/**
 * The per-block transfer table for one thread touching a block's pages in order, from the corrected
 * rules (REFERENCE.md §2.4; prefetcher.test.ts walks the tree by hand): the faulted 4 KiB page is its
 * own transfer (cause fault), and the prefetch region minus the faulted and resident pages is one
 * transfer (cause prefetch). The thread faults at the first page not yet resident:
 *   fault 0   → bitmap big page [0,16): region [0,16)                 → prefetch [1,16)    15 pages
 *   fault 16  → bitmap [0,32): [0,32) 100 %, [0,64) 50 %               → prefetch [17,32)   15 pages
 *   fault 32  → bitmap [0,48): [0,64) 75 %, [0,128) 37.5 %            → prefetch [33,64)   31 pages
 *   fault 64  → bitmap [0,80): [0,128) 62.5 %, [0,256) 31 %           → prefetch [65,128)  63 pages
 *   fault 128 → bitmap [0,144): [0,256) 56.25 %, [0,512) 28 %         → prefetch [129,256) 127 pages
 *   fault 256 → bitmap [0,272): [0,512) 53.1 %                         → prefetch [257,512) 255 pages
 * Six 4 KiB fault transfers and six prefetch transfers per block. As [first page, pages], in order.
 */
const FAULTED = [[0, 1], [16, 1], [32, 1], [64, 1], [128, 1], [256, 1]];
const PREFETCHED = [[1, 15], [17, 15], [33, 31], [65, 63], [129, 127], [257, 255]];

describe('Done-when: synth vecadd --n 67108864 replayed on a100-pcie4', () => {
  it('migrates every 2 MiB block in the prefetcher\'s pattern, each transfer taking latency + bytes / bandwidth', async () => {
    const trace = join(dir, 'v.arrow');
    synth('vecadd', { n: 67108864 }, trace);
    const out = join(dir, 'vecadd-run');
    const s = await replay({ trace, platform: 'a100-pcie4', out });
    expect(readdirSync(out).sort()).toEqual(Object.values(RUN_FILES).sort());
    const ev = `'${out}/events.parquet'`;
    // 67108864 floats × 4 B = 256 MiB per array = 128 VA blocks; x and y: 256 blocks H2D, then y's 128 blocks D2H
    // (the CPU reads y back: CPU faults on managed memory go through the same prefetcher toward sys0).
    const pattern = async (src: string, dst: string, cause: string) => query(`
      SELECT obj, (addr - ${BASE}) // ${MB2} AS block, string_agg(format('{}+{}', ((addr - ${BASE}) % ${MB2}) // ${KiB4}, bytes // ${KiB4}), ' ' ORDER BY ts) AS runs
      FROM ${ev} WHERE kind = 'migrate' AND src = '${src}' AND dst = '${dst}' AND cause = '${cause}' GROUP BY ALL ORDER BY obj, block`);
    const blocksOf = (obj: string) => Array.from({ length: 128 }, (_, b) => b + (obj === 'y' ? 128 : 0));
    const expectEveryBlock = (rows: Record<string, unknown>[], objs: string[], runs: number[][]) => {
      expect(rows.map((r) => [r.obj, r.block])).toEqual(objs.flatMap((o) => blocksOf(o).map((b) => [o, b])));
      const want = runs.map(([p, n]) => `${p}+${n}`).join(' ');
      for (const r of rows) expect(r.runs).toBe(want);
    };
    expectEveryBlock(await pattern('sys0', 'gpu0', 'fault'), ['x', 'y'], FAULTED);
    expectEveryBlock(await pattern('sys0', 'gpu0', 'prefetch'), ['x', 'y'], PREFETCHED);
    expectEveryBlock(await pattern('gpu0', 'sys0', 'cpu_fault'), ['y'], FAULTED);
    expectEveryBlock(await pattern('gpu0', 'sys0', 'prefetch'), ['y'], PREFETCHED);
    expect(s.migrations.total.bytes).toBe(3 * 256 * 1024 * 1024);
    // Durations from the platform file: path sys0→cpu0→sw0→gpu0, bottleneck 26.5 GB/s = 26.5 B/ns,
    // latency 2 × 500 ns, fixed 1 µs: dur = 1000 + 1000 + ⌈bytes / 26.5⌉ (e.g. 64 KiB → 2000 + 2474 = 4474 ns).
    const p = loadPlatform('a100-pcie4').platform;
    const bw = p.links.find((l) => l.name === 'sw0-gpu0')!.bandwidth;
    const fixed = p.cost.transfer_fixed + 2 * p.links.find((l) => l.name === 'sw0-gpu0')!.latency;
    const durs = await query(`SELECT DISTINCT bytes, dur FROM ${ev} WHERE kind = 'migrate' ORDER BY bytes`);
    expect(durs.map((r) => r.bytes)).toEqual([1, 15, 31, 63, 127, 255].map((n) => n * KiB4));
    for (const r of durs) expect(r.dur).toBe(fixed + Math.ceil((r.bytes as number) / bw));
    expect(Math.ceil(65536 / 26.5) + 2000).toBe(4474);
    // One fault batch per faulted big page (a single thread stalls on each fault): 6 per block × 256 blocks.
    expect(s.faults.gpu_batches).toBe(6 * 256);
    expect(s.faults.cpu).toBe(6 * 128);
  });
});

describe('fixture migrate-then-cpu-reads-half.csv (hmm-tests migrate_fault, REFERENCE.md §1.6)', () => {
  const trace = join(dir, 'half.arrow');
  beforeAll(async () => { await ingest([fixture('migrate-then-cpu-reads-half.csv')], { output: trace }); });

  it('private device memory: exactly VA block 0 comes back when the CPU reads the first half', async () => {
    const out = join(dir, 'half-run');
    const s = await replay({ trace, platform: 'a100-pcie4', out });
    // The GPU reads 4 MiB in one row: 1024 faults in batches of 256 (block 0 pages 0-255, 256-511, block 1 …);
    // no batch makes a node > 51 % before it is full, so everything moves as faulted pages: 4 MiB H2D.
    expect(s.migrations.by_direction['sys0->gpu0']).toEqual({ count: 4, bytes: 4 * 1024 * 1024 });
    expect(s.faults.gpu_batches).toBe(4);
    // The CPU reads block 0 page by page: CPU faults + prefetcher toward sys0 (same pattern as vecadd) bring
    // back exactly the 512 pages of block 0, nothing of block 1.
    expect(s.migrations.by_direction['gpu0->sys0']!.bytes).toBe(MB2);
    const back = await query(`SELECT min(addr) AS lo, max(addr + bytes) AS hi, count(DISTINCT cause) AS causes FROM '${out}/events.parquet'
      WHERE kind = 'migrate' AND src = 'gpu0'`);
    expect(back).toEqual([{ lo: BASE, hi: BASE + MB2, causes: 2 }]);
  });

  it('coherent device memory (gh200-c2c): no fault and no migration back, 2 MiB of remote reads', async () => {
    const out = join(dir, 'half-gh200');
    const s = await replay({ trace, platform: 'gh200-c2c', out });
    expect(s.migrations.by_direction['sys0->gpu0']!.bytes).toBe(4 * 1024 * 1024);
    expect(s.migrations.by_direction['gpu0->sys0']).toBeUndefined();
    expect(s.faults.cpu).toBe(0);
    expect(s.remote.bytes).toBe(MB2);
    // The remote read crosses the C2C link upwards (gpu0 → cpu0): 2 MiB on cpu0-gpu0:up.
    expect(s.links['cpu0-gpu0']!.up!.bytes).toBe(MB2);
  });
});

describe('HMM device-private CPU faults (policy.hmm_cpu_fault, REFERENCE.md §1.4)', () => {
  // anon 2 MiB buffer: CPU writes it, the GPU reads it all (migrates to gpu0), the CPU reads pages 0..9 one by one.
  const rows: Row[] = [
    { ts: 0, op: 'alloc', agent: 'cpu0', addr: BASE, bytes: MB2, obj: 'buf', mem: 'anon' },
    { ts: 1, op: 'write', agent: 'cpu0', addr: BASE, bytes: MB2, obj: 'buf' },
    { ts: 2, op: 'read', agent: 'gpu0', addr: BASE, bytes: MB2, obj: 'buf' },
    ...Array.from({ length: 10 }, (_, k): Row => ({ ts: 3 + k, op: 'read', agent: 'cpu0', addr: BASE + k * KiB4, bytes: KiB4, obj: 'buf' })),
  ];
  it.each([
    // page: test_hmm's dmirror_devmem_fault moves exactly the faulting page → 10 faults, 10 × 4 KiB.
    ['page', 10, [[0, 1], [1, 1], [2, 1], [3, 1], [4, 1], [5, 1], [6, 1], [7, 1], [8, 1], [9, 1]]],
    // bigpage: the first fault brings pages 0-15 back; the other 9 reads hit.
    ['bigpage', 1, [[0, 16]]],
    // block: the first fault brings the whole 2 MiB block back.
    ['block', 1, [[0, 512]]],
  ])('%s granularity', async (mode, faults, runs) => {
    const trace = join(dir, `hmm-${mode}.arrow`);
    writeTrace(trace, rows);
    const out = join(dir, `hmm-${mode}-run`);
    const s = await replay({ trace, platform: 'a100-pcie4', set: { 'policy.hmm_cpu_fault': mode as string }, out });
    expect(s.faults.cpu).toBe(faults);
    const back = await query(`SELECT (addr - ${BASE}) // 4096 AS page, bytes // 4096 AS n, cause FROM '${out}/events.parquet'
      WHERE kind = 'migrate' AND src = 'gpu0' ORDER BY ts, addr`);
    expect(back.map((r) => [r.page, r.n])).toEqual(runs);
    expect(new Set(back.map((r) => r.cause))).toEqual(new Set(['cpu_fault']));
  });
});

describe('determinism', () => {
  it('two replays of the same trace and config give byte-identical run directories', async () => {
    const trace = join(dir, 'det.arrow');
    synth('gpu-kernel', { buffers: 2, 'buffer-size': '8MiB', 'access-size': '4KiB', kernels: 2, pattern: 'random', seed: 7 }, trace);
    const a = join(dir, 'det-a');
    const b = join(dir, 'det-b');
    const set = { 'gpu0.memory': '12MiB' }; // oversubscribed: evictions and refaults too
    const sa = await replay({ trace, platform: 'a100-pcie4', set, out: a });
    await replay({ trace, platform: 'a100-pcie4', set, out: b });
    expect(sa.evictions.count).toBeGreaterThan(0);
    for (const f of Object.values(RUN_FILES)) expect(readFileSync(join(a, f)).equals(readFileSync(join(b, f))), f).toBe(true);
    // run.json carries the trace's sha256, checked against an independent hash of the file.
    const run = JSON.parse(readFileSync(join(a, RUN_FILES.run), 'utf8')) as { trace: { sha256: string }; overrides: Record<string, string> };
    expect(run.trace.sha256).toBe(createHash('sha256').update(readFileSync(trace)).digest('hex'));
    expect(run.overrides).toEqual(set);
  });
});

describe('bad input', () => {
  it('an agent the platform lacks names the trace row and field, and leaves no run directory', async () => {
    const trace = join(dir, 'bad.arrow');
    writeTrace(trace, [
      { ts: 0, op: 'alloc', agent: 'cpu0', addr: BASE, bytes: MB2, obj: 'buf', mem: 'managed' },
      { ts: 1, op: 'read', agent: 'gpu1', addr: BASE, bytes: 4096, obj: 'buf' },
    ]);
    const out = join(dir, 'bad-run');
    await expect(replay({ trace, platform: 'a100-pcie4', out })).rejects.toThrow(
      `${trace}:row 2: agent: agent "gpu1" is not on platform a100-pcie4 (agents: cpu0, gpu0, nic0)`);
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(dir).filter((f) => f.includes('bad-run'))).toEqual([]);
  });
});

describe('every CSV fixture replays on every preset', () => {
  it('ingests and replays without error, counting every row', async () => {
    const fixtures = readdirSync(new URL('../fixtures/', import.meta.url)).filter((f) => f.endsWith('.csv')).sort();
    expect(fixtures.length).toBeGreaterThan(0);
    for (const f of fixtures) {
      const trace = join(dir, `${f}.arrow`);
      const { rows } = await ingest([fixture(f)], { output: trace });
      for (const p of presetNames()) {
        const s = await replay({ trace, platform: p, out: join(dir, `fx-${f}-${p}`) });
        expect(s.trace.rows, `${f} on ${p}`).toBe(rows);
        expect(s.end_ns, `${f} on ${p}`).toBeGreaterThan(0);
      }
    }
  });
});
