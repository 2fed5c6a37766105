import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UsageError } from '../../common/bad-input.ts';
import { openDataset } from '../../analysis/dataset.ts';
import { sweep } from './sweep.ts';
import { expandVariants, inShard, parseShard, parseVary } from './variants.ts';

const FAKE = new URL('./testing/fake-replay.ts', import.meta.url).href;
let tmp: string;
let trace: string;

beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'hetmem-sweep-'));
  trace = join(tmp, 't.arrow');
  writeFileSync(trace, 'not really arrow: the fake engine only reads its size');
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Every file below `dir` (relative path → bytes), to compare two sweeps byte for byte. */
function snapshot(dir: string): Map<string, Buffer> {
  const files = (readdirSync(dir, { recursive: true }) as string[]).filter((f) => statSync(join(dir, f)).isFile()).sort();
  return new Map(files.map((f) => [f, readFileSync(join(dir, f))]));
}

describe('variants', () => {
  it('expands the cartesian product, first axis slowest, with hive-style ids', () => {
    const v = expandVariants([parseVary('platform=a,b'), parseVary('gpu0.bar=256MiB,1GiB,4GiB')], undefined);
    expect(v.map((x) => x.id)).toEqual([
      'platform=a/gpu0.bar=256MiB', 'platform=a/gpu0.bar=1GiB', 'platform=a/gpu0.bar=4GiB',
      'platform=b/gpu0.bar=256MiB', 'platform=b/gpu0.bar=1GiB', 'platform=b/gpu0.bar=4GiB',
    ]);
    expect(v[4]).toMatchObject({ platform: 'b', set: { 'gpu0.bar': '1GiB' } });
  });

  it('shards split the variants into disjoint sets that cover them all', () => {
    const v = expandVariants([parseVary('k=1,2,3,4,5,6,7')], 'p');
    const shards = [0, 1, 2].map((i) => v.filter((x) => inShard(x, parseShard(`${i}/3`))).map((x) => x.index));
    expect(shards).toEqual([[0, 3, 6], [1, 4], [2, 5]]);
  });

  it('rejects malformed flags', () => {
    expect(() => parseVary('nokey')).toThrow(UsageError);
    expect(() => parseVary('k=a/b')).toThrow(/value "a\/b"/);
    expect(() => parseVary('run=1,2')).toThrow(UsageError);
    expect(() => parseVary('k=1,1')).toThrow(/repeated/);
    expect(() => parseShard('3/3')).toThrow(UsageError);
    expect(() => expandVariants([parseVary('k=1')], undefined)).toThrow(/--platform/);
  });
});

describe('sweep', () => {
  const vary = { platform: ['pa', 'pbb'], 'gpu0.bar': ['1', '2'] };

  it('gives byte-identical run directories with 1 and 2 workers', async () => {
    const a = join(tmp, 'w1');
    const b = join(tmp, 'w2');
    const ra = await sweep({ trace, vary, out: a, workers: 1, replayModule: FAKE });
    const rb = await sweep({ trace, vary, out: b, workers: 2, replayModule: FAKE });
    expect(ra.ran).toBe(4);
    expect(rb.ran).toBe(4);
    const sa = snapshot(a);
    const sb = snapshot(b);
    // 4 runs × 4 files + sweep.json
    expect([...sa.keys()]).toHaveLength(17);
    expect([...sb.keys()]).toEqual([...sa.keys()]);
    for (const [f, bytes] of sa) expect(sb.get(f)!.equals(bytes), f).toBe(true);
    // and the dataset reads back with both keys as columns, runs in sweep order
    expect(openDataset(a).runs.map((r) => r.id)).toEqual([
      'platform=pa/gpu0.bar=1', 'platform=pa/gpu0.bar=2', 'platform=pbb/gpu0.bar=1', 'platform=pbb/gpu0.bar=2',
    ]);
  });

  it('skips complete variants and runs the missing ones (resume)', async () => {
    const dir = join(tmp, 'resume');
    await sweep({ trace, vary, out: dir, workers: 2, replayModule: FAKE });
    const kept = join(dir, 'platform=pa', 'gpu0.bar=2');
    const before = statSync(join(kept, 'summary.json')).mtimeMs;
    rmSync(join(dir, 'platform=pbb', 'gpu0.bar=1'), { recursive: true });
    const r = await sweep({ trace, vary, out: dir, workers: 2, replayModule: FAKE });
    expect(r.ran).toBe(1);
    expect(r.skipped).toBe(3);
    expect(r.variants.filter((v) => v.status === 'ran').map((v) => v.id)).toEqual(['platform=pbb/gpu0.bar=1']);
    expect(statSync(join(kept, 'summary.json')).mtimeMs).toBe(before);
  });

  it('shards together produce the same directories as one full sweep', async () => {
    const dir = join(tmp, 'sharded');
    const r0 = await sweep({ trace, vary, out: dir, workers: 1, shard: '0/2', replayModule: FAKE });
    expect(r0.variants.map((v) => v.id)).toEqual(['platform=pa/gpu0.bar=1', 'platform=pbb/gpu0.bar=1']);
    await sweep({ trace, vary, out: dir, workers: 1, shard: { index: 1, count: 2 }, replayModule: FAKE });
    const full = snapshot(join(tmp, 'w1'));
    const sharded = snapshot(dir);
    expect([...sharded.keys()]).toEqual([...full.keys()]);
    for (const [f, bytes] of full) expect(sharded.get(f)!.equals(bytes), f).toBe(true);
  });

  it('a failing variant is bad input and leaves no partial directory', async () => {
    const dir = join(tmp, 'failing');
    await expect(sweep({ trace, platform: 'pa', vary: { fail: ['no', 'yes'] }, out: dir, workers: 2, replayModule: FAKE }))
      .rejects.toThrow(/fake engine refuses/);
    await expect(sweep({ trace, platform: 'pa', vary: { fail: ['yes'] }, out: join(tmp, 'f2'), workers: 1, replayModule: FAKE }))
      .rejects.toThrow(UsageError);
    expect(existsSync(join(dir, 'fail=yes'))).toBe(false);
    // the plan is written before any variant runs (so `sweep status` can say what is missing)
    expect(JSON.parse(readFileSync(join(dir, 'sweep.json'), 'utf8')).variants).toEqual(['fail=no', 'fail=yes']);
    // no temporaries left behind either
    const left = (readdirSync(dir, { recursive: true }) as string[]).map((f) => relative(dir, join(dir, f)));
    expect(left.filter((f) => f.includes('.tmp-'))).toEqual([]);
  });

  it('refuses to mix two traces in one sweep directory', async () => {
    const other = join(tmp, 'other.arrow');
    writeFileSync(other, 'x');
    await expect(sweep({ trace: other, vary, out: join(tmp, 'w1'), workers: 1, replayModule: FAKE })).rejects.toThrow(/choose another -o/);
  });

  it('a missing trace is bad input', async () => {
    await expect(sweep({ trace: join(tmp, 'nope.arrow'), vary, out: join(tmp, 'x'), replayModule: FAKE })).rejects.toThrow(/trace file not found/);
  });
});
