/**
 * `hetmem sweep --slurm` against a real Slurm (munge, slurmctld and slurmd started here by
 * scripts/slurm-local.sh and stopped at the end): a 4-task job array with one task cancelled,
 * `sweep status --wait` reporting its variant missing, a resubmission that runs only that task, and
 * outputs byte-identical to a local `--workers 1` sweep. Skipped (one line) where Slurm cannot run;
 * required in CI (CI=true) or with HETMEM_SLURM_TEST=required.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { synth } from '../../ingest/synth/index.ts';
import { sweep } from './sweep.ts';
import { sweepOutputs } from './testing/outputs.ts';
import { ENABLE_HINT, freePortPair, slurmUnavailable, startLocalSlurm, type LocalSlurm } from './testing/local-slurm.ts';

const required = process.env.CI === 'true' || process.env.HETMEM_SLURM_TEST === 'required';
const unavailable = slurmUnavailable();
const root = new URL('../..', import.meta.url).pathname;
let slurm: LocalSlurm | undefined;
let tmp: string | undefined;

afterAll(() => {
  slurm?.stop();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('sweep on a real Slurm', () => {
  if (unavailable && !required) {
    // Skipped, not failed, on a machine without Slurm (a laptop, a bare clone): the test needs the
    // Debian packages and root to start munge/slurmctld/slurmd. .ci/run installs them and sets CI, so
    // in CI `required` is true and a missing Slurm fails the test below instead.
    it.skip(`no local Slurm (${unavailable}); to run it, ${ENABLE_HINT}`, () => {});
    return;
  }

  it('runs a 4-task job array, reports a cancelled task\'s variant missing, and a resubmission completes it identically to a local sweep', async () => {
    expect(unavailable, `Slurm is required here (CI): ${unavailable}; .ci/run installs it`).toBeNull();
    tmp = mkdtempSync(join(tmpdir(), 'hetmem-slurm-real-'));
    slurm = startLocalSlurm(join(tmp, 'slurm'), await freePortPair());
    const run = (...args: string[]) => {
      const r = spawnSync(process.execPath, [join(root, 'bin/hetmem.mjs'), ...args], { env: slurm!.env, encoding: 'utf8', timeout: 240_000 });
      return { code: r.status, stdout: r.stdout, stderr: r.stderr };
    };

    const trace = join(tmp, 'k.arrow');
    // 1.5× oversubscribed on 64 MiB: each variant replays in well under a second
    synth('gpu-kernel', { oversubscription: 1.5, 'device-memory': '64MiB' }, trace);
    const vary = ['--vary', 'platform=a100-pcie4,h100-pcie5', '--vary', 'gpu0.memory=64MiB,128MiB'];
    const local = join(tmp, 'local');
    await sweep({ trace, vary: { platform: ['a100-pcie4', 'h100-pcie5'], 'gpu0.memory': ['64MiB', '128MiB'] }, out: local, workers: 1 });

    const sw = join(tmp, 'slurm-sweep');
    const submit = run('sweep', trace, ...vary, '--slurm', '-o', sw);
    expect(submit.code, submit.stderr).toBe(0);
    const jobId = submit.stdout.trim();
    expect(jobId).toMatch(/^\d+$/);
    expect(submit.stderr).toContain('4 of 4 array tasks for 4 of 4 variants');
    // task 3 (variant 3: h100-pcie5 with 128MiB) is cancelled; the node's 2 CPUs run tasks 0 and 1 first
    const cancel = spawnSync('scancel', [`${jobId}_3`], { env: slurm.env, encoding: 'utf8' });
    expect(cancel.status, cancel.stderr).toBe(0);

    const partial = run('sweep', 'status', sw, '--wait', '--timeout', '180', '--poll', '1');
    expect(partial.code, partial.stderr).toBe(3);
    expect(partial.stdout).toBe(`${sw}: 3 of 4 variants done, 0 failed, 1 missing\n  missing platform=h100-pcie5/gpu0.memory=128MiB\n`);
    expect(partial.stderr).toContain('the Slurm job has left the queue');

    const again = run('sweep', trace, ...vary, '--slurm', '-o', sw);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toContain('1 of 4 array tasks for 1 of 4 variants');
    const done = run('sweep', 'status', sw, '--wait', '--timeout', '180', '--poll', '1');
    expect(done.code, done.stderr + done.stdout).toBe(0);

    const a = sweepOutputs(local);
    const b = sweepOutputs(sw);
    // 4 runs × 4 files + sweep.json
    expect([...b.keys()]).toHaveLength(17);
    expect([...b.keys()]).toEqual([...a.keys()]);
    for (const [f, bytes] of a) expect(b.get(f)!.equals(bytes), f).toBe(true);
  }, 420_000);
});
