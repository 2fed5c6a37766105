/**
 * `--map`: a trace recorded on another machine names agents the platform lacks (rank 1 of a job uses
 * gpu1; a100-pcie4 has only gpu0). Without a map the replay stops with a message that names the row,
 * the agent and the fix; with `gpu1 → gpu0` the rows run on gpu0 and run.json records the map.
 */
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BadInputError, UsageError } from '../common/bad-input.ts';
import { replay } from './index.ts';
import { query } from './testing/events-query.ts';
import { writeTrace } from './testing/trace-builder.ts';

const dir = mkdtempSync(join(tmpdir(), 'hetmem-agentmap-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const trace = join(dir, 't.arrow');
// A 1 MiB device-local copy on gpu1: on a100-pcie4 (HBM 1555 GB/s, transfer_fixed 1 µs) it takes
// 1000 + ceil(2 × 1048576 / 1555) = 1000 + 1349 = 2349 ns.
writeTrace(trace, [{ ts: 0, op: 'copy', agent: 'gpu1', peer: 'gpu1', bytes: 1048576 }]);

describe('replay --map', () => {
  it('without a map, names the row, the agent and the fix, and writes nothing', async () => {
    const out = join(dir, 'no-map');
    const e = await replay({ trace, platform: 'a100-pcie4', out }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(BadInputError);
    expect((e as Error).message).toBe(`${trace}:row 1: agent: agent "gpu1" is not on platform a100-pcie4 (agents: cpu0, gpu0, nic0); map it onto one with --map gpu1=<agent>`);
    expect(existsSync(out)).toBe(false);
  });

  it('with gpu1 → gpu0, the rows run on gpu0 and run.json records the map', async () => {
    const out = join(dir, 'mapped');
    await replay({ trace, platform: 'a100-pcie4', agents: { gpu1: 'gpu0' }, out });
    expect(await query(`SELECT kind, agent, src, dst, dur FROM '${out}/events.parquet'`)).toEqual([
      { kind: 'copy', agent: 'gpu0', src: 'gpu0', dst: 'gpu0', dur: 2349 },
    ]);
    expect(JSON.parse(readFileSync(join(out, 'run.json'), 'utf8')).agents).toEqual({ gpu1: 'gpu0' });
  });

  it('refuses a map onto an agent the platform lacks', async () => {
    const e = await replay({ trace, platform: 'a100-pcie4', agents: { gpu1: 'gpu7' }, out: join(dir, 'bad') }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(UsageError);
    expect((e as Error).message).toContain('has no agent "gpu7"');
  });
});
