import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ingest } from './ingest.ts';
import { inspect } from './inspect.ts';
import { META } from './trace/schema.ts';
import { TraceWriter, emptyRow } from './trace/writer.ts';
import type { Addr, Bytes, Ns } from './trace/units.ts';

const dir = mkdtempSync(join(tmpdir(), 'hetmem-inspect-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const fixture = (name: string) => new URL(`../fixtures/${name}`, import.meta.url).pathname;

describe('inspect', () => {
  it('counts rows and bytes per op and agent across batches, and lists objects', async () => {
    const path = join(dir, 'small.arrow');
    const w = new TraceWriter(path, { batchRows: 3, metadata: { [META.sourceFormat]: 'test', [META.unmapped]: '{"x":2}', [META.devices]: '[{"agent":"gpu0"}]' } });
    const r = emptyRow();
    const add = (ts: number, op: typeof r.op, agent: string, bytes: number | null, obj: string | null = null, extra: Partial<typeof r> = {}) => {
      Object.assign(r, { dur: null, addr: null, obj, mem: null, ...extra });
      r.ts = ts as Ns; r.op = op; r.agent = agent; r.bytes = bytes as Bytes | null;
      w.append(r);
    };
    add(0, 'alloc', 'cpu0', 8192, 'a', { addr: 4096 as Addr, mem: 'managed' });
    add(5, 'alloc', 'gpu0', 100, 'b', { addr: 1 << 21 as Addr, mem: 'device' });
    add(10, 'write', 'cpu0', 8192, 'a');
    add(20, 'read', 'gpu0', 4096, 'a');
    add(20, 'kernel', 'gpu0', null, null, { dur: 1000 as Ns });
    add(30, 'read', 'gpu0', 4096, 'a');
    add(40, 'free', 'cpu0', 8192, 'a');
    add(50, 'read', 'cpu0', null);
    w.close();

    const s = await inspect(path);
    expect(s.rows).toBe(8);
    expect(s.batches).toBe(3); // 8 rows in batches of 3
    // first 0, last 50; latest end = kernel 20 + 1000 = 1020.
    expect(s.time).toEqual({ first: 0, last: 50, end: 1020, span: 1020 });
    expect(s.ops).toEqual({
      alloc: { count: 2, bytes: 8292 }, free: { count: 1, bytes: 8192 }, kernel: { count: 1, bytes: 0 },
      read: { count: 3, bytes: 8192 }, write: { count: 1, bytes: 8192 },
    });
    expect(s.agents.cpu0).toEqual({
      count: 4, bytes: 8192 * 3,
      ops: { alloc: { count: 1, bytes: 8192 }, free: { count: 1, bytes: 8192 }, read: { count: 1, bytes: 0 }, write: { count: 1, bytes: 8192 } },
    });
    expect(s.agents.gpu0!.count).toBe(4);
    expect(s.agents.gpu0!.bytes).toBe(100 + 4096 * 2);
    expect(s.objects).toEqual([
      { name: 'a', addr: 4096, bytes: 8192, mem: 'managed', agent: 'cpu0', allocTs: 0, freed: true, freeTs: 40 },
      { name: 'b', addr: 1 << 21, bytes: 100, mem: 'device', agent: 'gpu0', allocTs: 5, freed: false, freeTs: null },
    ]);
    expect(s.metadata[META.devices]).toEqual([{ agent: 'gpu0' }]);
    expect(s.metadata[META.sourceFormat]).toBe('test');
    expect(s.unmapped).toEqual({ x: 2 });
  });

  it('summarises the rdma-ring-4 fixture as its comment describes', async () => {
    const out = join(dir, 'ring.arrow');
    await ingest([fixture('rdma-ring-4.csv')], { output: out });
    const s = await inspect(out);
    const MiB = 1 << 20;
    // From the fixture: 4 allocs, 4 peer_maps, 8 NIC writes and 8 kernels each with 1 read, 4 unmaps, 4 frees.
    expect(s.rows).toBe(4 + 4 + 8 * 3 + 4 + 4);
    expect(s.agents.nic0!.ops.write).toEqual({ count: 8, bytes: 8 * MiB });
    expect(s.agents.gpu0!.ops.read).toEqual({ count: 8, bytes: 8 * MiB });
    expect(s.ops.peer_map).toEqual({ count: 4, bytes: 4 * MiB });
    expect(s.objects.map((o) => [o.name, o.addr, o.freed])).toEqual([0, 1, 2, 3].map((i) => [`ring${i}`, 0x7f0000000000 + i * 2 * MiB, true]));
    expect(s.time).toMatchObject({ first: 0, last: 1_100_000 });
    expect(s.metadata[META.sourceFiles]).toEqual(['rdma-ring-4.csv']);
  });

  it('rejects a file that is not a trace', async () => {
    await expect(inspect(fixture('progress-peek.csv'))).rejects.toThrow(/is not an Arrow IPC trace file/);
  });
});
