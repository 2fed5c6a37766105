import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { replay } from '../index.ts';
import { query } from '../testing/events-query.ts';
import { writeTrace, type Row } from '../testing/trace-builder.ts';

const dir = mkdtempSync(join(tmpdir(), 'hetmem-hmm-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const MB2 = 2 * 1024 * 1024;
const KiB4 = 4096;
const BASE = 0x7f0000000000;

describe('UVM-HMM CPU fault (REFERENCE.md §1.4 corrected): the faulted page plus the prefetcher region', () => {
  it('hmm_cpu_fault=prefetch brings back page 5 as the fault and the rest of its big page as prefetch; page brings back one page', async () => {
    // anon (HMM) 2 MiB: the CPU writes it (RAM), the GPU reads it all (it migrates to gpu0), the CPU
    // reads page 5. By hand (§2.4 tree towards the CPU, nothing CPU-resident in the block): the tree's
    // bitmap is big page [0,16) (filled for the fault): [0,16) 100 % > 51 qualifies, [0,32) 50 % does
    // not → region [0,16). Transfers gpu0 → sys0: page 5 (cause cpu_fault, 4 KiB), then the prefetch
    // runs [0,5) = 20 KiB and [6,16) = 40 KiB. With `page` (test_hmm) only page 5 comes back.
    const rows: Row[] = [
      { ts: 0, op: 'alloc', agent: 'cpu0', addr: BASE, bytes: MB2, obj: 'h', mem: 'anon' },
      { ts: 1, op: 'write', agent: 'cpu0', addr: BASE, bytes: MB2, obj: 'h' },
      { ts: 1000, op: 'read', agent: 'gpu0', addr: BASE, bytes: MB2, obj: 'h' },
      { ts: 10_000_000, op: 'read', agent: 'cpu0', addr: BASE + 5 * KiB4, bytes: 8, obj: 'h' },
    ];
    const trace = join(dir, 'hmm.arrow');
    writeTrace(trace, rows);
    const back = async (mode: string) => {
      const out = join(dir, `run-${mode}`);
      await replay({ trace, platform: 'a100-pcie4', set: { 'policy.hmm_cpu_fault': mode }, out });
      return query(`SELECT (addr - ${BASE}) // ${KiB4} AS page, bytes // ${KiB4} AS pages, cause FROM '${out}/events.parquet'
        WHERE kind = 'migrate' AND src = 'gpu0' AND dst = 'sys0' ORDER BY ts, addr`);
    };
    expect(await back('prefetch')).toEqual([
      { page: 5, pages: 1, cause: 'cpu_fault' }, { page: 0, pages: 5, cause: 'prefetch' }, { page: 6, pages: 10, cause: 'prefetch' }]);
    expect(await back('page')).toEqual([{ page: 5, pages: 1, cause: 'cpu_fault' }]);
  });
});
