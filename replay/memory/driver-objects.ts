/**
 * Driver objects (`mem: devobj`, buffer objects mmapped through the device file; DESIGN.md behaviour 5,
 * REFERENCE.md §1.8, §1.12 TTM rows, seed 001 "GPU driver _constantly_ invalidate the CPU page table"):
 *
 * - A CPU touch of a page without a valid CPU PTE faults it in (`cpu_pte_fault`, one fault per page,
 *   `cost.cpu_fault` each; one event per contiguous run of a row).
 * - The CPU reaches an object in non-coherent VRAM through the BAR: on the first fault the whole object
 *   must sit in the CPU-visible window, so it takes BAR space (64 KiB granules, shared with peer
 *   mappings of it). With no room the object moves to system memory instead (`bo_move`, cause
 *   cpu_fault), as amdgpu_bo_fault_reserve_notify does ("only GTT as a busy placement"). On coherent
 *   device memory the CPU needs no BAR (§1.11).
 * - A `submit` naming the object zaps every valid CPU PTE of it (`pte_zap`, `cost.pte_zap` for the
 *   submitter: ttm_bo_unmap_virtual + TLB shootdown); the next CPU touch faults again.
 *
 * Per allocation: whether it holds CPU-visible BAR space. Per page: FLAG_CPU_PTE.
 *
 * Causal order across agents' clocks (each agent runs at trace ts + its own stall delay, agent-clocks.ts):
 * a zap removes PTEs that a CPU fault installed, so it is stamped no earlier than the end of the latest
 * fault-in of that object; a CPU fault-in after a zap (in trace order) is caused by it, so it starts no
 * earlier than the zap's end. The later agent waits (its wait counts as stall).
 */
import { PAGE_SIZE } from '../../ingest/trace/units.ts';
import type { EventIds } from '../event-ids.ts';
import type { EventLog } from '../events.ts';
import { BarAperture } from '../p2p/bar-aperture.ts';
import type { Platform } from '../platform.ts';
import type { AddressMap } from './address-map.ts';
import type { AgentClocks } from './agent-clocks.ts';
import { KIND_DEVOBJ } from './kinds.ts';
import type { PageMover } from './migrator.ts';
import type { ModelStats } from './model-stats.ts';
import type { PageAddresses } from './page-addresses.ts';
import { FLAG_CPU_PTE, type PageState } from './page-state.ts';
import type { PlatformIndex } from './platform-index.ts';
import { grownTo } from '../../common/growable.ts';

export interface DriverObjectParts {
  platform: Platform; index: PlatformIndex; state: PageState; map: AddressMap; events: EventLog; ids: EventIds;
  clocks: AgentClocks; stats: ModelStats; pages: PageAddresses; bar: BarAperture; mover: PageMover;
}

export class DriverObjects {
  /** per allocation: 1 while its whole range holds CPU-visible BAR space */
  private visible = new Uint8Array(0);
  /** per allocation: modeled end of the latest CPU PTE fault-in, and of the latest zap */
  private faultedInAt = new Float64Array(0);
  private zappedAt = new Float64Array(0);

  constructor(private readonly x: DriverObjectParts) {}

  ensure(n: number): void {
    if (n <= this.visible.length) return;
    const cap = Math.max(16, n * 2);
    this.visible = grownTo(this.visible, cap);
    this.faultedInAt = grownTo(this.faultedInAt, cap);
    this.zappedAt = grownTo(this.zappedAt, cap);
  }

  /** A CPU access to pages [p0, p1] of devobj `id` at time `t`: faults in the missing CPU PTEs. */
  cpuTouch(agent: number, t: number, id: number, p0: number, p1: number): void {
    const m = this.x;
    const s = m.state;
    let missing = 0;
    for (let p = p0; p <= p1; p++) if (!(s.flags[p]! & FLAG_CPU_PTE)) missing++;
    if (missing === 0) return;
    const t0 = t;
    if (this.zappedAt[id]! > t) t = this.zappedAt[id]!; // the refault follows the zap that caused it
    const loc = s.loc[p0]! - 1;
    if (loc >= 0 && m.index.isDevicePrivate(loc) && !this.visible[id]) t = this.makeVisible(agent, t, id, loc);
    const cost = m.platform.cost.cpu_fault;
    const dst = s.loc[p0]! - 1;
    for (let p = p0; p <= p1;) {
      if (s.flags[p]! & FLAG_CPU_PTE) { p++; continue; }
      let q = p;
      while (q <= p1 && !(s.flags[q]! & FLAG_CPU_PTE)) { s.flags[q]! |= FLAG_CPU_PTE; q++; }
      m.events.emit(t, (q - p) * cost, this.x.ids.kind.cpu_pte_fault, m.index.agentEventId[agent]!, -1, dst >= 0 ? m.index.memEventId[dst]! : -1,
        m.pages.pageAddr(p), (q - p) * PAGE_SIZE, this.x.ids.cause.devobj, m.map.obj[id]!);
      t += (q - p) * cost;
      p = q;
    }
    m.stats.devobj.cpu_faults += missing;
    this.faultedInAt[id] = Math.max(this.faultedInAt[id]!, t);
    m.clocks.addStall(agent, t0, t);
  }

  /** Puts the whole object into the CPU-visible BAR window, or moves it to system memory when the
   * window has no room. Returns when the object is usable. */
  private makeVisible(agent: number, t: number, id: number, loc: number): number {
    const m = this.x;
    const gpu = m.index.memGpu[loc]!;
    const [g0, g1] = this.granules(id);
    if (m.bar.fits(gpu, g0, g1)) {
      m.bar.map(t, gpu, g0, g1);
      this.visible[id] = 1;
      return t;
    }
    m.bar.markFull(t, gpu);
    const { end, bytes } = m.mover.moveAllocation(t, agent, id, m.index.memHome[loc]!, this.x.ids.cause.cpu_fault, this.x.ids.kind.bo_move);
    this.noteMove(id, bytes);
    return end;
  }

  /** `submit` naming object `objId` (interned name): zaps its valid CPU PTEs. */
  submit(agent: number, t: number, objId: number): void {
    const m = this.x;
    const id = objId >= 0 ? m.map.findObj(objId) : -1;
    if (id < 0 || m.map.memKind[id] !== KIND_DEVOBJ) return;
    const f = m.state.flags;
    const p0 = m.map.densePage(id, m.map.start[id]!);
    const p1 = m.map.densePage(id, m.map.end[id]! - 1);
    let zapped = 0;
    for (let p = p0; p <= p1; p++) if (f[p]! & FLAG_CPU_PTE) { f[p]! &= ~FLAG_CPU_PTE; zapped++; }
    if (zapped === 0) return;
    const t0 = t;
    if (this.faultedInAt[id]! > t) t = this.faultedInAt[id]!; // zaps the PTEs that fault-in installed
    const cost = m.platform.cost.pte_zap;
    const loc = m.state.loc[p0]! - 1;
    m.events.emit(t, cost, this.x.ids.kind.pte_zap, m.index.agentEventId[agent]!, -1, loc >= 0 ? m.index.memEventId[loc]! : -1, m.map.start[id]!,
      zapped * PAGE_SIZE, this.x.ids.cause.submit, m.map.obj[id]!);
    m.stats.devobj.pte_zaps++;
    this.zappedAt[id] = t + cost;
    m.clocks.addStall(agent, t0, t + cost);
  }

  /** The object is about to move (exporter fallback): its CPU-visible window goes, its PTEs are zapped
   * (ttm_bo_handle_move_mem unmaps before moving, §1.8). */
  onMoved(t: number, id: number): void {
    const m = this.x;
    if (this.visible[id]) this.release(t, id);
    if (m.map.memKind[id] !== KIND_DEVOBJ) return;
    const f = m.state.flags;
    for (let p = m.map.densePage(id, m.map.start[id]!); p <= m.map.densePage(id, m.map.end[id]! - 1); p++) f[p]! &= ~FLAG_CPU_PTE;
  }

  /** Counts a move of a driver object (devobj) of `bytes`. */
  noteMove(id: number, bytes: number): void {
    if (this.x.map.memKind[id] !== KIND_DEVOBJ || bytes === 0) return;
    this.x.stats.devobj.moves++;
    this.x.stats.devobj.move_bytes += bytes;
  }

  onFree(t: number, id: number): void { if (this.visible[id]) this.release(t, id); }

  private release(t: number, id: number): void {
    const m = this.x;
    const loc = m.state.loc[m.map.densePage(id, m.map.start[id]!)]! - 1;
    const [g0, g1] = this.granules(id);
    m.bar.unmap(t, m.index.memGpu[loc]!, g0, g1);
    this.visible[id] = 0;
  }

  private granules(id: number): [number, number] {
    const map = this.x.map;
    return BarAperture.granules(map.densePage(id, map.start[id]!), map.densePage(id, map.end[id]! - 1));
  }
}
