/**
 * Row builders shared by the synthetic workloads: one reused `TraceRow`, so a workload allocates
 * nothing per row, and one object placement rule for all of them.
 *
 * Placement: objects are placed in alloc order at the next 2 MiB boundary at or after the end of the
 * previous object, from 0x7f0000000000 — the same rule and base as the canonical CSV form (csv.ts), so
 * a synthetic trace and its hand-written CSV twin have the same addresses.
 */
import { ObjectPlacer } from '../trace/placement.ts';
import type { Op } from '../trace/schema.ts';
import type { Addr, Bytes, Ns } from '../trace/units.ts';
import { clearRow, emptyRow, type TraceWriter } from '../trace/writer.ts';


/** An allocated object (a handful per trace). */
export interface SynthObject {
  readonly name: string;
  readonly addr: Addr;
  readonly bytes: Bytes;
  readonly mem: string;
  readonly owner: string;
}

export class Emitter {
  private readonly row = emptyRow();
  private readonly placer = new ObjectPlacer();

  constructor(readonly writer: TraceWriter) {}

  /** `alloc` of a new object placed by the rule above. */
  alloc(ts: number, owner: string, name: string, bytes: number, mem: string): SynthObject {
    const addr = this.placer.place(bytes);
    const o: SynthObject = { name, addr, bytes: bytes as Bytes, mem, owner };
    const r = this.start(ts, 'alloc', owner);
    r.obj = name; r.addr = addr; r.bytes = o.bytes; r.mem = mem;
    this.writer.append(r);
    return o;
  }

  /** `free` of an object, by its owner. */
  free(ts: number, o: SynthObject): void {
    const r = this.start(ts, 'free', o.owner);
    r.obj = o.name; r.addr = o.addr; r.bytes = o.bytes; r.mem = o.mem;
    this.writer.append(r);
  }

  /** A `read`/`write`/`atomic` of `[addr, addr+bytes)` inside object `o`; `corr` ties it to a kernel. */
  access(ts: number, op: Op, agent: string, o: SynthObject, addr: number, bytes: number, corr: number | null): void {
    const r = this.start(ts, op, agent);
    r.obj = o.name; r.addr = addr as Addr; r.bytes = bytes as Bytes; r.corr = corr;
    this.writer.append(r);
  }

  /** A GPU `kernel` compute span. */
  kernel(ts: number, gpu: string, dur: number, corr: number, name: string): void {
    const r = this.start(ts, 'kernel', gpu);
    r.dur = dur as Ns; r.corr = corr; r.name = name;
    this.writer.append(r);
  }

  /** `agent` waits for `peer` (e.g. the CPU for a GPU: cudaDeviceSynchronize). */
  sync(ts: number, agent: string, peer: string | null, name: string | null): void {
    const r = this.start(ts, 'sync', agent);
    r.peer = peer; r.name = name;
    this.writer.append(r);
  }

  /** `copy` of `[addr, addr+bytes)` of object `o` from `agent`'s memory side to `peer`'s. */
  copy(ts: number, agent: string, peer: string, o: SynthObject, addr: number, bytes: number): void {
    const r = this.start(ts, 'copy', agent);
    r.peer = peer; r.obj = o.name; r.addr = addr as Addr; r.bytes = bytes as Bytes;
    this.writer.append(r);
  }

  /** Importer `agent` maps (or unmaps) object `o` of exporter `peer`. */
  peer(ts: number, op: 'peer_map' | 'peer_unmap', agent: string, peer: string, o: SynthObject): void {
    const r = this.start(ts, op, agent);
    r.peer = peer; r.obj = o.name; r.addr = o.addr; r.bytes = o.bytes;
    this.writer.append(r);
  }

  private start(ts: number, op: Op, agent: string) {
    const r = this.row;
    clearRow(r);
    r.ts = ts as Ns;
    r.op = op;
    r.agent = agent;
    return r;
  }
}
