/**
 * `sweep status` from the folders: done / failed (with the error) / missing; a task killed mid-run
 * leaves its variant missing, and running its shard again completes the sweep byte-identically;
 * `query`/`report` refuse an unfinished sweep unless told `partial`.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UsageError } from '../../common/bad-input.ts';
import { query } from '../../analysis/query.ts';
import { report } from '../../reports/report.ts';
import { FAILED_DIR } from './failures.ts';
import { formatStatus, sweepStatus, waitForSweep } from './status.ts';
import { sweep } from './sweep.ts';
import { sweepOutputs } from './testing/outputs.ts';

const FAKE = new URL('./testing/fake-replay.ts', import.meta.url).href;
const RUN_SHARD = new URL('./testing/run-shard.ts', import.meta.url).pathname;
// variants in sweep order: 0 pa/1, 1 pa/2, 2 pbb/1, 3 pbb/2 (first axis slowest)
const vary = { platform: ['pa', 'pbb'], 'gpu0.bar': ['1', '2'] };
let tmp: string;
let trace: string;

beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'hetmem-status-'));
  trace = join(tmp, 't.arrow');
  writeFileSync(trace, 'the fake engine only reads its size');
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function withEnv<T>(name: string, value: string, f: () => Promise<T>): Promise<T> {
  process.env[name] = value; // worker threads copy the environment when they start
  try {
    return await f();
  } finally {
    delete process.env[name];
  }
}

describe('sweep status', () => {
  it('says which variants are done, failed (with the error) and missing; a later success clears the failure', async () => {
    const dir = join(tmp, 'crash');
    // one worker runs in sweep order: pa/1 completes, pa/2 crashes, and the pool starts nothing after a failure
    await expect(withEnv('HETMEM_FAKE_CRASH', 'pa/2', () => sweep({ trace, vary, out: dir, workers: 1, replayModule: FAKE })))
      .rejects.toThrow(/crashed on pa\/2/);
    const s = sweepStatus(dir);
    expect(s.total).toBe(4);
    expect(s.done).toEqual(['platform=pa/gpu0.bar=1']);
    expect(s.failed.map((f) => [f.variant, f.error, f.badInput])).toEqual([['platform=pa/gpu0.bar=2', 'the fake engine crashed on pa/2', false]]);
    expect(s.missing).toEqual(['platform=pbb/gpu0.bar=1', 'platform=pbb/gpu0.bar=2']);
    expect(formatStatus(s).split('\n').slice(0, 4)).toEqual([
      `${dir}: 1 of 4 variants done, 1 failed, 2 missing`,
      expect.stringMatching(/^ {2}failed {2}platform=pa\/gpu0\.bar=2: the fake engine crashed on pa\/2 \[/),
      '  missing platform=pbb/gpu0.bar=1',
      '  missing platform=pbb/gpu0.bar=2',
    ]);

    const again = await sweep({ trace, vary, out: dir, workers: 2, replayModule: FAKE });
    expect(again.ran).toBe(3);
    const after = sweepStatus(dir);
    expect([after.done.length, after.failed.length, after.missing.length]).toEqual([4, 0, 0]);
    expect(readdirSync(join(dir, FAILED_DIR))).toEqual([]);
  });

  it('a task killed mid-run leaves its variant missing; running the shard again gives the uninterrupted sweep byte for byte', async () => {
    const whole = join(tmp, 'whole');
    await sweep({ trace, vary, out: whole, workers: 1, replayModule: FAKE });

    const dir = join(tmp, 'killed');
    // shard 1/2 holds variants 1 (pa/2) and 3 (pbb/2); in its own process pbb/2 never finishes
    const child = spawn(process.execPath, ['--import', 'tsx', RUN_SHARD, trace, dir, '1/2', JSON.stringify(vary)], {
      env: { ...process.env, HETMEM_FAKE_HANG: 'pbb/2' }, stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    const exited = new Promise<NodeJS.Signals | null>((r) => child.on('exit', (_code, signal) => r(signal)));
    const firstDone = join(dir, 'platform=pa', 'gpu0.bar=2', 'summary.json');
    for (let i = 0; i < 600 && !existsSync(firstDone) && child.exitCode === null; i++) await new Promise((r) => setTimeout(r, 100));
    expect(existsSync(firstDone), stderr).toBe(true);
    child.kill('SIGKILL'); // mid-run: pbb/2 is replaying into its temporary folder
    expect(await exited).toBe('SIGKILL');

    await sweep({ trace, vary, out: dir, workers: 1, shard: '0/2', replayModule: FAKE });
    const s = sweepStatus(dir);
    expect(s.done).toEqual(['platform=pa/gpu0.bar=1', 'platform=pa/gpu0.bar=2', 'platform=pbb/gpu0.bar=1']);
    expect(s.failed).toEqual([]); // killed, not failed: nothing could write a record
    expect(s.missing).toEqual(['platform=pbb/gpu0.bar=2']);

    const resumed = await sweep({ trace, vary, out: dir, workers: 1, shard: '1/2', replayModule: FAKE });
    expect(resumed.variants.map((v) => [v.id, v.status])).toEqual([['platform=pa/gpu0.bar=2', 'skipped'], ['platform=pbb/gpu0.bar=2', 'ran']]);
    expect(sweepStatus(dir).missing).toEqual([]);
    const a = sweepOutputs(whole);
    const b = sweepOutputs(dir);
    // 4 runs × 4 files + sweep.json
    expect([...b.keys()]).toHaveLength(17);
    expect([...b.keys()]).toEqual([...a.keys()]);
    for (const [f, bytes] of a) expect(b.get(f)!.equals(bytes), f).toBe(true);
  });

  it('--wait ends when the sweep completes, at the deadline, or when nothing runs any more', async () => {
    const dir = join(tmp, 'wait');
    await sweep({ trace, vary, out: dir, workers: 1, shard: '0/2', replayModule: FAKE });
    const timedOut = await waitForSweep(dir, { timeoutMs: 50, pollMs: 10 });
    expect([timedOut.ended, timedOut.status.done.length]).toEqual(['timeout', 2]);
    const gone = await waitForSweep(dir, { timeoutMs: 60_000, pollMs: 10, stillRunning: () => false });
    expect(gone.ended).toBe('job-gone');
    // the other shard completes the sweep while the wait polls
    const waiting = waitForSweep(dir, { timeoutMs: 60_000, pollMs: 20 });
    await sweep({ trace, vary, out: dir, workers: 1, shard: '1/2', replayModule: FAKE });
    const done = await waiting;
    expect([done.ended, done.status.done.length]).toEqual(['complete', 4]);
  });

  it('a folder without a plan is bad input', () => {
    expect(() => sweepStatus(tmp)).toThrow(/has no sweep\.json/);
  });
});

describe('query and report on an unfinished sweep', () => {
  it('refuse it, saying how many variants are missing, unless partial', async () => {
    const dir = join(tmp, 'partial');
    await sweep({ trace, vary, out: dir, workers: 1, shard: '1/2', replayModule: FAKE });
    await expect(query(dir, 'SELECT count(*) FROM runs')).rejects.toThrow(UsageError);
    await expect(query(dir, 'SELECT count(*) FROM runs')).rejects.toThrow(/2 of 4 planned variants are not done \(0 failed, 2 missing\); .*--partial to use the 2 that are done/);
    // shard 1/2 ran variants 1 and 3: pa/2 and pbb/2
    const r = await query(dir, 'SELECT run FROM runs ORDER BY run', { partial: true });
    expect(r.rows).toEqual([['platform=pa/gpu0.bar=2'], ['platform=pbb/gpu0.bar=2']]);
    await expect(report(dir, { out: join(tmp, 'r.html') })).rejects.toThrow(/not done/);
    const rep = await report(dir, { out: join(tmp, 'r.html'), partial: true });
    expect(readFileSync(rep.html, 'utf8')).toContain('Partial: 2 of 4 planned variants are not done (0 failed, 2 missing).');
  });
});
