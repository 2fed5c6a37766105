/** CPU atomics PCIe cannot make atomic (hazards.ts): recorded on x86 PCIe, absent on gh200-c2c. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { replay } from '../index.ts';
import { query } from '../testing/events-query.ts';
import { writeTrace } from '../testing/trace-builder.ts';

const dir = mkdtempSync(join(tmpdir(), 'hetmem-hazard-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const B = 0x7f0000000000;
const MB2 = 2 * 1024 * 1024;
const trace = join(dir, 'atomics.arrow');
// flag: 4 KiB of gpu0 device memory (reached through the BAR); m: 2 MiB managed, first written by the GPU
// (so it sits in gpu0 memory). The CPU does an 8-byte atomic on each, then a plain write of flag (no hazard).
writeTrace(trace, [
  { ts: 0, op: 'alloc', agent: 'gpu0', addr: B, bytes: 4096, obj: 'flag', mem: 'device' },
  { ts: 0, op: 'alloc', agent: 'cpu0', addr: B + MB2, bytes: MB2, obj: 'm', mem: 'managed' },
  { ts: 10, op: 'write', agent: 'gpu0', addr: B + MB2, bytes: 4096, obj: 'm' },
  { ts: 1_000_000, op: 'atomic', agent: 'cpu0', addr: B, bytes: 8, obj: 'flag' },
  { ts: 2_000_000, op: 'atomic', agent: 'cpu0', addr: B + MB2, bytes: 8, obj: 'm' },
  { ts: 3_000_000, op: 'write', agent: 'cpu0', addr: B, bytes: 8, obj: 'flag' },
]);

describe('CPU atomics on device memory', () => {
  it('x86 PCIe (a100-pcie4): one hazard per atomic, naming the object and the rule', async () => {
    const out = join(dir, 'a100');
    const s = await replay({ trace, platform: 'a100-pcie4', out });
    expect(s.hazards).toBe(2);
    const h = await query(`SELECT obj, cause AS rule, bytes FROM '${out}/events.parquet' WHERE kind = 'hazard' ORDER BY ts`);
    expect(h).toEqual([{ obj: 'flag', rule: 'cpu_atomic_bar', bytes: 8 }, { obj: 'm', rule: 'cpu_atomic_device_private', bytes: 8 }]);
  });

  it('coherent NVLink-C2C (gh200-c2c): no hazard', async () => {
    const s = await replay({ trace, platform: 'gh200-c2c', out: join(dir, 'gh200') });
    expect(s.hazards).toBe(0);
  });
});
