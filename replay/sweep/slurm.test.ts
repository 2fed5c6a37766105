/**
 * The sbatch script and the submission logic, with a stand-in `sbatch` that records its arguments
 * (the real Slurm is exercised by slurm.real.test.ts).
 */
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, chmodSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UsageError } from '../../common/bad-input.ts';
import { hetmemBin, shellWord, slurmScript, submitSweep } from './slurm.ts';
import { sweep } from './sweep.ts';

const FAKE = new URL('./testing/fake-replay.ts', import.meta.url).href;
let tmp: string;
let trace: string;
let sbatch: string;
let calls: string;

beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'hetmem-slurm-unit-'));
  trace = join(tmp, 't.arrow');
  writeFileSync(trace, 'x');
  calls = join(tmp, 'sbatch-calls');
  sbatch = join(tmp, 'sbatch');
  // prints what `sbatch --parsable` prints on a federated cluster: "jobid;cluster"
  writeFileSync(sbatch, `#!/bin/sh\necho "$*" >> '${calls}'\necho '4242;hetmem-local'\n`);
  chmodSync(sbatch, 0o755);
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('slurmScript', () => {
  it('writes the directives and one sweep command per task, everything quoted for bash', () => {
    const script = slurmScript({
      node: '/usr/bin/node', bin: '/opt/het mem/bin/hetmem.mjs', trace: '/data/k.arrow', platform: 'a100-pcie4',
      vary: [{ key: 'gpu0.bar', values: ['256MiB', '1GiB'] }, { key: 'policy.prefetch', values: ['on', 'off'] }],
      agents: { gpu3: 'gpu0' }, out: '/scratch/sw', arraySize: 3, total: 4,
      slurm: { cpus: 2, mem: '8G', time: '1:00:00', partition: 'cpu', opts: ['--account=hw'] },
    });
    const lines = script.split('\n');
    expect(lines[0]).toBe('#!/bin/bash');
    expect(lines.filter((l) => l.startsWith('#SBATCH '))).toEqual([
      '#SBATCH --job-name=hetmem-sweep',
      '#SBATCH --array=0-2', // 3 tasks
      '#SBATCH --cpus-per-task=2',
      '#SBATCH --mem=8G',
      '#SBATCH --time=1:00:00',
      '#SBATCH --partition=cpu',
      '#SBATCH --output=/scratch/sw/_slurm/%A_%a.out',
      '#SBATCH --account=hw',
    ]);
    // the path with a space is single-quoted; the shard count is the array size
    expect(lines.slice(-5)).toEqual([
      'set -euo pipefail',
      "exec /usr/bin/node '/opt/het mem/bin/hetmem.mjs' sweep /data/k.arrow --platform a100-pcie4 --vary gpu0.bar=256MiB,1GiB --vary policy.prefetch=on,off --map gpu3=gpu0 \\",
      '  --workers "${SLURM_CPUS_PER_TASK:-1}" --shard "${SLURM_ARRAY_TASK_ID}/3" \\',
      '  -o /scratch/sw',
      '',
    ]);
  });

  it('quotes shell words only when needed', () => {
    expect(shellWord('a=b,c/d')).toBe('a=b,c/d');
    expect(shellWord("it's $HOME")).toBe(`'it'\\''s $HOME'`);
  });

  it('finds the hetmem entry script of this package', () => {
    expect(hetmemBin()).toBe(new URL('../../bin/hetmem.mjs', import.meta.url).pathname);
  });
});

describe('submitSweep', () => {
  const vary = { platform: ['pa', 'pbb'], 'gpu0.bar': ['1', '2'] }; // variants 0 pa/1, 1 pa/2, 2 pbb/1, 3 pbb/2

  it('writes the plan and the script, submits all tasks, then only the shards that still miss variants', async () => {
    const out = join(tmp, 'sw');
    const first = await submitSweep({ trace, vary, out }, { arraySize: 2, sbatch });
    expect(first).toMatchObject({ jobId: '4242', tasks: [0, 1], arraySize: 2, total: 4, missing: 4 });
    expect(JSON.parse(readFileSync(join(out, 'sweep.json'), 'utf8')).variants).toHaveLength(4);
    expect(statSync(first.script).mode & 0o111).not.toBe(0);
    expect(readFileSync(first.script, 'utf8')).toContain('--shard "${SLURM_ARRAY_TASK_ID}/2"');
    expect(existsSync(join(out, '_slurm'))).toBe(true); // sbatch does not create the --output folder
    expect(JSON.parse(readFileSync(join(out, '_slurm', 'job.json'), 'utf8'))).toMatchObject({ jobId: '4242', tasks: [0, 1] });

    // shard 0 of 2 (variants 0 and 2) completes as the task would run it; only task 1 is left
    await sweep({ trace, vary, out, shard: '0/2', workers: 1, replayModule: FAKE });
    const second = await submitSweep({ trace, vary, out }, { arraySize: 2, sbatch });
    expect(second).toMatchObject({ jobId: '4242', tasks: [1], missing: 2 });
    await sweep({ trace, vary, out, shard: '1/2', workers: 1, replayModule: FAKE });
    const third = await submitSweep({ trace, vary, out }, { arraySize: 2, sbatch });
    expect(third).toMatchObject({ jobId: null, tasks: [], missing: 0 });

    // sbatch ran twice: the whole array, then --array=1 (the directive in the script stays 0-1)
    expect(readFileSync(calls, 'utf8').trim().split('\n')).toEqual([
      `--parsable ${first.script}`,
      `--parsable --array=1 ${first.script}`,
    ]);
  });

  it('rejects options that cannot make a job', async () => {
    const out = join(tmp, 'bad');
    await expect(submitSweep({ trace, vary, out }, { arraySize: 5, sbatch })).rejects.toThrow(/more than the 4 variants/);
    await expect(submitSweep({ trace, vary, out }, { mem: '8G\nrm -rf /', sbatch })).rejects.toThrow(UsageError);
    await expect(submitSweep({ trace, vary, out }, { opts: ['account=hw'], sbatch })).rejects.toThrow(/expected an sbatch option/);
    await expect(submitSweep({ trace, vary, out, shard: '0/2' }, { sbatch })).rejects.toThrow(/drop --shard/);
    await expect(submitSweep({ trace, vary, out }, { sbatch: join(tmp, 'no-sbatch') })).rejects.toThrow(/not found/);
  });
});
