/**
 * CPU atomics that PCIe cannot make atomic (DESIGN.md behaviour 8; REFERENCE.md §1.11: hmm.rst "cannot
 * perform atomic operations on it"; seed 001 "CPU atomic instruction to PCIE BAR gives _undefined_
 * results"; N. Wilt: locked operations are "not visible to peripherals on the PCI express bus").
 * A CPU `atomic` row is replayed as a write, and a `hazard` event names the object and the rule:
 *
 *   cpu_atomic_bar             the atomic lands in non-coherent device memory through the BAR
 *                              (device / devobj placements, peer-mapped ranges)
 *   cpu_atomic_device_private  the range sat in device-private memory when the atomic was issued (the
 *                              CPU cannot do it there; the fault migrates it back first)
 *
 * Coherent device memory (gh200-c2c) has no hazard: the CPU's atomics are coherent on the link.
 * One event per rule per row; bytes = the row's bytes.
 */
import type { MemoryModel } from './memory-model.ts';
import { FLAG_PEER_MAPPED, FLAG_PINNED } from './page-state.ts';

/** Replays a CPU `atomic` row of [addr, addr+bytes) of allocation `id` and records its hazards. */
export function cpuAtomic(model: MemoryModel, agent: number, ts: number, id: number, addr: number, bytes: number): void {
  const map = model.map;
  const s = model.state;
  const end = Math.min(addr + Math.max(bytes, 1), map.end[id]!);
  const p0 = map.densePage(id, addr);
  const p1 = map.densePage(id, end - 1);
  const privateMem = (p: number) => { const l = s.loc[p]! - 1; return l >= 0 && model.index.isDevicePrivate(l); };
  const t = ts + model.clocks.delay[agent]!;
  let devicePrivate = false;
  for (let p = p0; p <= p1; p++) if (privateMem(p) && !(s.flags[p]! & (FLAG_PINNED | FLAG_PEER_MAPPED))) devicePrivate = true;
  model.access(agent, ts, id, addr, end - addr, true);
  let bar = false;
  for (let p = p0; p <= p1; p++) if (privateMem(p)) bar = true; // still in device memory after the access: reached through the BAR
  if (devicePrivate) emit(model, t, agent, id, addr, end - addr, 'cpu_atomic_device_private');
  if (bar) emit(model, t, agent, id, addr, end - addr, 'cpu_atomic_bar');
}

function emit(model: MemoryModel, t: number, agent: number, id: number, addr: number, bytes: number, rule: 'cpu_atomic_bar' | 'cpu_atomic_device_private'): void {
  const { index, ids } = model;
  const l = model.state.loc[model.map.densePage(id, addr)]! - 1;
  model.events.emit(t, 0, ids.kind.hazard, index.agentEventId[agent]!, -1, l >= 0 ? index.memEventId[l]! : -1, addr, bytes, ids.cause[rule], model.map.obj[id]!);
  model.modelStats.hazards++;
}
