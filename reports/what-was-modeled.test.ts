/**
 * What a run modeled, said in sentences: small traces replayed for real, the expected sentences
 * derived by hand from the rows.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { replay } from '../replay/index.ts';
import { vecaddRows, writeTrace, type Row } from '../replay/testing/trace-builder.ts';
import { whatWasModeled } from './what-was-modeled.ts';

const tmp = mkdtempSync(join(tmpdir(), 'hetmem-modeled-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const MiB = 1 << 20;
const BUF = 0x7f0000000000;

async function run(name: string, rows: Row[]) {
  const trace = join(tmp, `${name}.arrow`);
  writeTrace(trace, rows);
  return replay({ trace, platform: 'a100-pcie4', out: join(tmp, name) });
}

describe('whatWasModeled', () => {
  it('a trace of copies on device memory: no UVM work, the copies counted, the stray access named', async () => {
    const s = await run('copies', [
      { ts: 0, op: 'alloc', agent: 'gpu0', addr: BUF, bytes: 4 * MiB, obj: 'buf', mem: 'device' },
      { ts: 10, op: 'copy', agent: 'cpu0', peer: 'gpu0', bytes: 1 * MiB, obj: 'buf' },
      { ts: 20, op: 'copy', agent: 'gpu0', peer: 'cpu0', bytes: 2 * MiB, obj: 'buf' },
      { ts: 30, op: 'copy', agent: 'cpu0', peer: 'gpu0', bytes: 1 * MiB, obj: 'buf' },
      { ts: 40, op: 'read', agent: 'gpu0', addr: 0x1000, bytes: 4096 }, // no allocation there
    ]);
    // 3 copy rows of 1 + 2 + 1 = 4 MiB; no managed memory (so no fault, no migration); no peer_map
    // row; 1 of the 5 rows addresses no allocation.
    expect(whatWasModeled(s).map((m) => m.text)).toEqual([
      "no managed or HMM memory was touched: the UVM/HMM model had nothing to migrate; 3 copies (4 MiB) were costed on the platform's links.",
      'no peer mappings: the BAR/P2P model had nothing to map, so the BAR size does not matter here.',
      '1 access row of 5 fell outside every live allocation and was skipped (the trace names no allocation there).',
    ]);
    expect(s.events_by_kind?.copy).toEqual({ count: 3, bytes: 4 * MiB });
  });

  it('a managed-memory kernel: the UVM model had work; the trace observed nothing to check it against', async () => {
    // vecadd over 4 pages of managed x and y: the GPU faults them in (migrations > 0). The synthetic
    // rows are accesses only: no obs_migrate / obs_fault row, so the observed sentence says so.
    const s = await run('vecadd', vecaddRows(4));
    expect(s.migrations.total.count).toBeGreaterThan(0);
    expect(s.trace_ops?.obs_migrate).toBeUndefined();
    expect(whatWasModeled(s).map((m) => m.topic)).toEqual(['observed', 'p2p']);
    expect(whatWasModeled(s)[0]!.text).toMatch(/^the trace records no migrations or faults of its own/);
  });

  it('a trace that records its own migrations and faults says how many', async () => {
    // One managed 2 MiB object written by the CPU, read by the GPU (the model migrates it), plus two
    // obs_migrate rows and one obs_fault row as a profiler would record them: 2 migrations, 1 fault.
    const s = await run('observed', [
      { ts: 0, op: 'alloc', agent: 'cpu0', addr: BUF, bytes: 2 * MiB, obj: 'x', mem: 'managed' },
      { ts: 10, op: 'write', agent: 'cpu0', addr: BUF, bytes: 2 * MiB, obj: 'x' },
      { ts: 20, op: 'read', agent: 'gpu0', addr: BUF, bytes: 2 * MiB, obj: 'x' },
      { ts: 21, op: 'obs_fault', agent: 'gpu0', addr: BUF, bytes: 4096 },
      { ts: 22, op: 'obs_migrate', agent: 'cpu0', peer: 'gpu0', addr: BUF, bytes: 4096 },
      { ts: 23, op: 'obs_migrate', agent: 'cpu0', peer: 'gpu0', addr: BUF + 4096, bytes: 61440 },
    ]);
    expect(s.trace_ops).toEqual({ alloc: 1, obs_fault: 1, obs_migrate: 2, read: 1, write: 1 });
    expect(whatWasModeled(s).find((m) => m.topic === 'observed')?.text)
      .toBe('the trace records 2 migrations and 1 fault of its own; `hetmem calibrate` compares them with the model.');
  });
});
