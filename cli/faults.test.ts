/**
 * Fault tests: kill -9 in the middle of synth/ingest, replay and sweep (the next run on the same
 * output cleans up and succeeds; a sweep resumes, redoing only the killed variant, byte-identical to an
 * uninterrupted sweep), a second writer to one output, and a full disk (a 1 MiB tmpfs).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hetmemInProcess, listing } from './testing/in-process.ts';
import { replay } from '../replay/index.ts';

const bin = new URL('../bin/hetmem.mjs', import.meta.url).pathname;
const root = mkdtempSync(join(tmpdir(), 'hetmem-faults-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const hetmem = hetmemInProcess;

/** Waits until `cond()` holds (polling every 10 ms), or fails after `ms`. */
async function until(cond: () => boolean, ms: number, what: string): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

function start(...args: string[]): ChildProcess {
  return spawn(process.execPath, [bin, ...args], { stdio: 'ignore' });
}

async function killed(p: ChildProcess): Promise<void> {
  const exited = new Promise((r) => p.once('exit', r));
  p.kill('SIGKILL');
  await exited;
}

let trace = '';
/** ~400 k rows: a replay long enough (seconds) to be killed while it runs */
let midTrace = '';
beforeAll(async () => {
  trace = join(root, 'v.arrow');
  midTrace = join(root, 'mid.arrow');
  expect((await hetmem('synth', 'vecadd', '--n', '100000', '-o', trace)).code).toBe(0);
  expect((await hetmem('synth', 'vecadd', '--n', '67108864', '-o', midTrace)).code).toBe(0);
}, 60_000);

describe('kill -9 mid-run: the next run on the same output cleans up', () => {
  it('synth killed while writing: its .tmp-<pid>- file is left; the next synth removes it and succeeds', async () => {
    const d = join(root, 'synth');
    mkdirSync(d);
    const out = join(d, 'big.arrow');
    const p = start('synth', 'vecadd', '--n', '268435456', '-o', out); // ~1.5 M rows: seconds of writing
    await until(() => readdirSync(d).some((f) => f.startsWith('.big.arrow.tmp-')), 30_000, 'the temporary');
    await killed(p);
    const left = readdirSync(d);
    expect(left.some((f) => new RegExp(`^\\.big\\.arrow\\.tmp-${p.pid}-`).test(f))).toBe(true); // the pid is in the name
    expect((await hetmem('synth', 'vecadd', '--n', '100000', '-o', out)).code).toBe(0);
    expect(readdirSync(d)).toEqual(['big.arrow']); // temporary and stale lock gone
  }, 60_000);

  it('replay killed mid-run leaves a stale lock; the next replay takes it over and writes the run', async () => {
    const d = join(root, 'replay');
    mkdirSync(d);
    const out = join(d, 'run');
    const p = start('replay', midTrace, '--platform', 'a100-pcie4', '-o', out);
    await until(() => existsSync(join(d, '.run.lock')), 30_000, 'the lock');
    await killed(p);
    expect(readFileSync(join(d, '.run.lock'), 'utf8')).toBe(`${p.pid}\n`);
    const r = await hetmem('replay', trace, '--platform', 'a100-pcie4', '-o', out);
    expect(r.code, r.stderr).toBe(0);
    expect(readdirSync(d)).toEqual(['run']);
    expect(readdirSync(out).sort()).toEqual(['events.parquet', 'run.json', 'summary.json', 'timeline.parquet']);
  }, 60_000);

  it('sweep killed mid-variant resumes: finished variants skipped, the killed one redone, byte-identical to an uninterrupted sweep', async () => {
    const vary = ['--vary', 'gpu0.memory=1MiB,2MiB,4MiB,8MiB', '--workers', '1'];
    const whole = join(root, 'sweep-whole');
    expect((await hetmem('sweep', trace, '--platform', 'a100-pcie4', ...vary, '-o', whole)).code).toBe(0);

    const sw = join(root, 'sweep-killed');
    const p = start('sweep', trace, '--platform', 'a100-pcie4', ...vary, '-o', sw);
    // kill once the first variant is complete and the second has started (its replay holds the lock)
    await until(() => existsSync(join(sw, 'gpu0.memory=1MiB', 'run.json')) && existsSync(join(sw, '.gpu0.memory=2MiB.lock')), 60_000, 'variant 2 to start');
    await killed(p);
    expect(existsSync(join(sw, 'gpu0.memory=2MiB'))).toBe(false); // the killed variant never appeared
    const finished = readdirSync(sw).filter((f) => !f.startsWith('.'));
    const mtimes = Object.fromEntries(finished.map((f) => [f, statSync(join(sw, f, 'run.json')).mtimeMs]));

    const r = await hetmem('sweep', trace, '--platform', 'a100-pcie4', ...vary, '-o', sw);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`ran ${4 - finished.length}, skipped ${finished.length} (complete)`);
    for (const f of finished) expect(statSync(join(sw, f, 'run.json')).mtimeMs).toBe(mtimes[f]); // not redone
    expect(listing(sw)).toEqual(listing(whole)); // no temporaries, no locks
    for (const f of listing(whole)) {
      if (statSync(join(whole, f)).isFile()) expect(readFileSync(join(sw, f)).equals(readFileSync(join(whole, f))), f).toBe(true);
    }
  }, 120_000);
});

describe('one writer per output', () => {
  it('a second replay to the same output while the first runs fails clearly; the first completes', async () => {
    const out = join(root, 'concurrent', 'run');
    const first = replay({ trace, platform: 'a100-pcie4', out }); // claims the output before its first await
    const second = await hetmem('replay', trace, '--platform', 'a100-pcie4', '-o', out);
    expect(second.code).toBe(2);
    expect(second.stderr).toBe(`hetmem: ${out}: is being written by another hetmem process (pid ${process.pid}, lock .run.lock); wait for it to finish or choose another output path\n`);
    await first;
    expect(readdirSync(join(root, 'concurrent'))).toEqual(['run']);
  }, 60_000);

  it('a lock held by a live process refuses; once that process is gone the lock is stale and taken over', async () => {
    const d = join(root, 'locked');
    mkdirSync(d);
    const holder = spawn('sleep', ['30']);
    writeFileSync(join(d, '.run.lock'), `${holder.pid}\n`);
    const r = await hetmem('replay', trace, '--platform', 'a100-pcie4', '-o', join(d, 'run'));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`is being written by another hetmem process (pid ${holder.pid}`);
    await killed(holder);
    expect((await hetmem('replay', trace, '--platform', 'a100-pcie4', '-o', join(d, 'run'))).code).toBe(0);
    expect(readdirSync(d)).toEqual(['run']);
  }, 60_000);
});

describe('a full disk', () => {
  const mnt = join(root, 'tiny');
  mkdirSync(mnt, { recursive: true });
  const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', mnt]).status === 0;
  afterAll(() => { if (mounted) spawnSync('umount', [mnt]); });

  // Mounting needs root (CI runs as root); elsewhere the test cannot make a disk fill up.
  it.skipIf(!mounted)('synth to a 1 MiB tmpfs: exit 2 "disk full", nothing left on the disk', async () => {
    // vecadd --n 10M writes ~60 k rows, several MiB of Arrow: more than the 1 MiB the tmpfs holds
    const r = await hetmem('synth', 'vecadd', '--n', '10000000', '-o', join(mnt, 'v.arrow'));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^hetmem: disk full \(ENOSPC\); nothing was written/);
    expect(readdirSync(mnt)).toEqual([]);
  }, 60_000);
});
