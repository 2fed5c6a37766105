/**
 * `hetmem sweep status` and `--partial` through the binary: exit codes (0 done, 3 unfinished, 2 no
 * plan), the lines on stdout, the warning on stderr. The sweep is made in-process with the fake engine.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sweep } from '../replay/sweep/sweep.ts';
import { parseDuration } from './sweep-status.ts';

const root = new URL('..', import.meta.url).pathname;
const FAKE = new URL('../replay/sweep/testing/fake-replay.ts', import.meta.url).href;
const tmp = mkdtempSync(join(tmpdir(), 'hetmem-cli-status-'));
const dir = join(tmp, 'sw');
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function hetmem(...args: string[]) {
  const r = spawnSync(process.execPath, [join(root, 'bin/hetmem.mjs'), ...args], { cwd: root, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

beforeAll(async () => {
  const trace = join(tmp, 't.arrow');
  writeFileSync(trace, 'x');
  // shard 0/2 of 3 variants runs 0 and 2 (k=1, k=3); k=2 stays missing
  await sweep({ trace, platform: 'pa', vary: { k: ['1', '2', '3'] }, out: dir, shard: '0/2', workers: 1, replayModule: FAKE });
});

describe('hetmem sweep status', () => {
  it('lists what is missing and exits 3 (also after a --wait that times out)', () => {
    const r = hetmem('sweep', 'status', dir);
    expect(r.code, r.stderr).toBe(3);
    expect(r.stdout).toBe(`${dir}: 2 of 3 variants done, 0 failed, 1 missing\n  missing k=2\n`);
    const w = hetmem('sweep', 'status', dir, '--wait', '--timeout', '1', '--poll', '200ms', '--json');
    expect(w.code).toBe(3);
    expect(JSON.parse(w.stdout)).toMatchObject({ total: 3, done: ['k=1', 'k=3'], failed: [], missing: ['k=2'] });
    expect(w.stderr).toContain('gave up waiting after 1');
  });

  it('query refuses the unfinished sweep (exit 2) unless --partial, which warns on stderr', () => {
    const q = hetmem('query', dir, 'SELECT count(*) AS n FROM runs', '--format', 'csv');
    expect(q.code).toBe(2);
    expect(q.stderr).toContain('1 of 3 planned variants is not done (0 failed, 1 missing)');
    const p = hetmem('query', dir, 'SELECT count(*) AS n FROM runs', '--format', 'csv', '--partial');
    expect(p.code, p.stderr).toBe(0);
    expect(p.stdout).toBe('n\n2\n');
    expect(p.stderr).toMatch(/^hetmem: warning: .*1 of 3 planned variants is not done .*using the 2 that are done\n$/);
  });

  it('a folder without a plan is bad input (exit 2)', () => {
    const r = hetmem('sweep', 'status', tmp);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('has no sweep.json');
  });

  it('reads durations', () => {
    expect([parseDuration('90', 'x'), parseDuration('90s', 'x'), parseDuration('15m', 'x'), parseDuration('2h', 'x'), parseDuration('200ms', 'x')])
      .toEqual([90_000, 90_000, 900_000, 7_200_000, 200]);
    expect(() => parseDuration('soon', '--timeout')).toThrow(/--timeout soon: expected a duration/);
  });
});
