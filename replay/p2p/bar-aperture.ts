/**
 * The BAR aperture of each GPU as a resource (REFERENCE.md §1.10, §3.5): the window through which PCIe
 * peers (a NIC's peer mapping) and the CPU (CPU-visible VRAM of a driver object, §1.8) reach device
 * memory. It is handed out in 64 KiB granules — nvidia_p2p_get_pages pins "in fixed size chunks" of
 * 64 KB (`GPU_BOUND_SHIFT 16`, §1.10).
 *
 * State is one reference count per dense 64 KiB granule (16 dense pages; dense blocks are 2 MiB, so
 * granules never straddle allocations): a granule occupies the aperture while any mapping — peer or
 * CPU-visible — holds it. Occupancy changes go to `log` (timeline `bar_mapped_bytes`).
 *
 * "Full" (summary `bar.full_ns`): from a request the aperture had no room for until the next release
 * of BAR space, or while the aperture is filled to the last granule.
 */
import type { TripleLog } from '../memory/triple-log.ts';

/** Peer-mapping granule (§1.10: 64 KB-aligned pinning). */
export const BAR_GRANULE = 64 * 1024;
/** 4 KiB dense pages per granule */
export const PAGES_PER_GRANULE = 16;

export class BarAperture {
  /** bytes mapped per GPU */
  readonly mapped: Float64Array;
  /** per dense granule: mappings holding it (peer + CPU-visible) */
  private refs = new Uint16Array(0);
  /** per GPU: start of the current "full" span, NaN when the aperture has room */
  private readonly fullSince: Float64Array;

  constructor(
    /** aperture bytes per GPU index */
    readonly aperture: readonly number[],
    private readonly log: TripleLog,
    /** per GPU index, ns spent full (ModelStats.barFullNs, summary `bar.full_ns`) */
    private readonly fullNs: number[],
  ) {
    this.mapped = new Float64Array(aperture.length);
    this.fullSince = new Float64Array(aperture.length).fill(Number.NaN);
    for (let g = 0; g < aperture.length; g++) fullNs[g] = 0;
  }

  /** Dense granule range [g0, g1) covering dense pages [p0, p1]. */
  static granules(p0: number, p1: number): [number, number] {
    return [Math.floor(p0 / PAGES_PER_GRANULE), Math.floor(p1 / PAGES_PER_GRANULE) + 1];
  }

  private ensure(g1: number): void {
    if (g1 <= this.refs.length) return;
    let n = Math.max(64, this.refs.length);
    while (n < g1) n *= 2;
    const r = new Uint16Array(n);
    r.set(this.refs);
    this.refs = r;
  }

  /** Bytes of [g0, g1) not yet in the aperture (what mapping it would add). */
  newBytes(g0: number, g1: number): number {
    this.ensure(g1);
    let n = 0;
    for (let k = g0; k < g1; k++) if (this.refs[k] === 0) n++;
    return n * BAR_GRANULE;
  }

  /** Whether granules [g0, g1) fit into GPU `gpu`'s aperture now. */
  fits(gpu: number, g0: number, g1: number): boolean {
    return this.mapped[gpu]! + this.newBytes(g0, g1) <= this.aperture[gpu]!;
  }

  /** Takes a reference on granules [g0, g1) of GPU `gpu` (the caller checked `fits`). */
  map(t: number, gpu: number, g0: number, g1: number): void {
    this.ensure(g1);
    let added = 0;
    for (let k = g0; k < g1; k++) if (this.refs[k]!++ === 0) added += BAR_GRANULE;
    if (added === 0) return;
    this.mapped[gpu]! += added;
    this.log.push(t, gpu, added);
    if (this.mapped[gpu]! + BAR_GRANULE > this.aperture[gpu]!) this.markFull(t, gpu);
  }

  /** Drops a reference on granules [g0, g1); granules nobody holds leave the aperture. */
  unmap(t: number, gpu: number, g0: number, g1: number): void {
    let freed = 0;
    for (let k = g0; k < g1; k++) if (this.refs[k]! > 0 && --this.refs[k]! === 0) freed += BAR_GRANULE;
    if (freed === 0) return;
    this.mapped[gpu]! -= freed;
    this.log.push(t, gpu, -freed);
    const since = this.fullSince[gpu]!;
    if (since === since) { this.fullNs[gpu]! += t - since; this.fullSince[gpu] = Number.NaN; }
  }

  /** A request found no room: the aperture counts as full from `t` until space is released. */
  markFull(t: number, gpu: number): void {
    if (this.fullSince[gpu]! !== this.fullSince[gpu]!) this.fullSince[gpu] = t;
  }

  /** Closes open "full" spans at the end of the run. */
  finish(endNs: number): void {
    for (let g = 0; g < this.fullSince.length; g++) {
      const since = this.fullSince[g]!;
      if (since === since) { this.fullNs[g]! += Math.max(0, endNs - since); this.fullSince[g] = Number.NaN; }
    }
  }
}
