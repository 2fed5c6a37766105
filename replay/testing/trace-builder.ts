/**
 * Test helper: writes small canonical traces from compact row literals (tests only).
 */
import type { Op } from '../../ingest/trace/schema.ts';
import type { Addr, Bytes, Ns } from '../../ingest/trace/units.ts';
import { TraceWriter, clearRow, emptyRow } from '../../ingest/trace/writer.ts';

export interface Row {
  ts: number; op: Op; agent: string; addr?: number; bytes?: number; obj?: string; peer?: string; mem?: string; name?: string; dur?: number;
}

export function writeTrace(path: string, rows: readonly Row[]): void {
  const w = new TraceWriter(path, { metadata: { 'hetmem.source.format': 'test' } });
  const r = emptyRow();
  for (const x of rows) {
    clearRow(r);
    r.ts = x.ts as Ns; r.op = x.op; r.agent = x.agent;
    r.addr = (x.addr ?? null) as Addr | null; r.bytes = (x.bytes ?? null) as Bytes | null; r.dur = (x.dur ?? null) as Ns | null;
    r.obj = x.obj ?? null; r.peer = x.peer ?? null; r.mem = x.mem ?? null; r.name = x.name ?? null;
    w.append(r);
  }
  w.close();
}

/** `vecadd`-shaped rows (the shape `hetmem synth vecadd` writes): CPU writes x and y page by page, one GPU thread reads
 * x[p], reads y[p], writes y[p] in page order, sync, CPU reads y. `pages` per array; 1 ns apart. */
export function vecaddRows(pages: number, base = 0x7f0000000000): Row[] {
  const bytes = pages * 4096;
  const x = base;
  const y = base + Math.ceil(bytes / 2097152) * 2097152;
  const rows: Row[] = [];
  let ts = 0;
  rows.push({ ts, op: 'alloc', agent: 'cpu0', addr: x, bytes, obj: 'x', mem: 'managed' });
  rows.push({ ts, op: 'alloc', agent: 'cpu0', addr: y, bytes, obj: 'y', mem: 'managed' });
  for (let p = 0; p < pages; p++) rows.push({ ts: ++ts, op: 'write', agent: 'cpu0', addr: x + p * 4096, bytes: 4096, obj: 'x' });
  for (let p = 0; p < pages; p++) rows.push({ ts: ++ts, op: 'write', agent: 'cpu0', addr: y + p * 4096, bytes: 4096, obj: 'y' });
  rows.push({ ts: ++ts, op: 'kernel', agent: 'gpu0', dur: 3 * pages, name: 'vecadd' });
  for (let p = 0; p < pages; p++) {
    rows.push({ ts: ++ts, op: 'read', agent: 'gpu0', addr: x + p * 4096, bytes: 4096, obj: 'x' });
    rows.push({ ts: ++ts, op: 'read', agent: 'gpu0', addr: y + p * 4096, bytes: 4096, obj: 'y' });
    rows.push({ ts: ++ts, op: 'write', agent: 'gpu0', addr: y + p * 4096, bytes: 4096, obj: 'y' });
  }
  rows.push({ ts: ++ts, op: 'sync', agent: 'cpu0' });
  for (let p = 0; p < pages; p++) rows.push({ ts: ++ts, op: 'read', agent: 'cpu0', addr: y + p * 4096, bytes: 4096, obj: 'y' });
  return rows;
}
