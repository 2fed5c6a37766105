/**
 * Fault service: the open GPU fault batch (§2.2: sorted by address, residency decided per page by the
 * rules of §2.3, prefetch computed per VA block, §2.4) and single CPU faults (managed memory with the
 * prefetcher toward the CPU; HMM device-private memory with hmm_cpu_fault's granularity, §1.4).
 * Thrashing hints (§2.7) throttle or pin. Service time stalls the faulting agent.
 */
import { PAGE_SIZE } from '../../ingest/trace/units.ts';
import type { EventIds } from '../event-ids.ts';
import type { EventLog } from '../events.ts';
import type { Platform } from '../platform.ts';
import type { AddressMap } from './address-map.ts';
import type { AgentClocks } from './agent-clocks.ts';
import type { FaultBatch } from './fault-batcher.ts';
import { markEqual, MaskWords } from './block-bits.ts';
import { hmmCpuFaultRange } from './hmm.ts';
import { isHmm } from './kinds.ts';
import type { MigratedBytes } from './migrated-bytes.ts';
import type { Migrator } from './migrator.ts';
import type { ModelStats } from './model-stats.ts';
import type { PageAddresses } from './page-addresses.ts';
import { FLAG_CPU_UNMAPPED, FLAG_PINNED, type PageState } from './page-state.ts';
import type { PlatformIndex } from './platform-index.ts';
import { PAGES_PER_BLOCK, type Prefetcher } from './prefetcher.ts';
import { RES_DUPLICATE, RES_REMOTE, selectResidency, type ResidencyInputs } from './residency.ts';
import { HINT_PIN, HINT_THROTTLE, type Thrashing } from './thrashing.ts';

export interface FaultServiceParts {
  platform: Platform; index: PlatformIndex; state: PageState; map: AddressMap; events: EventLog; ids: EventIds;
  clocks: AgentClocks; stats: ModelStats; pages: PageAddresses; migrator: Migrator; migrated: MigratedBytes;
  prefetcher: Prefetcher; thrashing: Thrashing; batch: FaultBatch;
  /** serves the faulting accesses of pages the batch mapped where they are (RES_REMOTE) */
  remote: RemoteAccess;
}

/** A remote access over the path to memory `m` (transfers.ts). */
export interface RemoteAccess {
  remoteAccess(agent: number, t: number, m: number, bytes: number, write: boolean, id: number, addr: number): number;
}

export class FaultService {
  /** per GPU: time the fault engine finishes the batch in service */
  readonly faultEngineFree: Float64Array;
  private readonly faulted = new Uint8Array(PAGES_PER_BLOCK);
  private readonly resident = new Uint8Array(PAGES_PER_BLOCK);
  private readonly prefetch = new Uint8Array(PAGES_PER_BLOCK);
  private readonly thrash = new Uint8Array(PAGES_PER_BLOCK);
  private readonly dupScratch = new Uint8Array(PAGES_PER_BLOCK);
  /** the sort order of a one-fault batch */
  private readonly single = new Int32Array(1);
  private readonly residentWords = new MaskWords();
  /** batch entries of the batch in service whose pages were mapped where they are (RES_REMOTE), in order */
  private remoteEntries = new Int32Array(0);
  private remoteCount = 0;
  private readonly resIn: ResidencyInputs;

  constructor(private readonly x: FaultServiceParts) {
    this.faultEngineFree = new Float64Array(x.index.gpus.length);
    const index = x.index;
    this.resIn = {
      faulter: 0, faulterIsCpu: false, faulterIsNic: false, hmm: false, write: false, thrashPin: false, peerRemote: false,
      canAccess(m: number) { return index.canAccess(this.faulter, m); },
    };
  }

  /** Services the open GPU fault batch; returns the time its faulting agent resumes. */
  serviceBatch(): number {
    const { batch, index, state: s, events: ev, ids, pages: pa, migrator, stats } = this.x;
    const agent = batch.agent;
    const t0 = batch.openTs;
    const me = index.agentMem[agent]!;
    const g = index.memGpu[me]!;
    const cost = this.x.platform.cost;
    const n = batch.count;
    const pages = batch.pages.subarray(0, n);
    // Sort by address (dense page order = VA order within allocations), §2.2 step 3; writes follow.
    const order = n === 1 ? this.single : Int32Array.from({ length: n }, (_, i) => i).sort((x, y) => pages[x]! - pages[y]!);
    let start = Math.max(t0, this.faultEngineFree[g]!);
    for (let k = 0; k < n; k++) { const r = s.readyAt[pages[k]!]!; if (r > start) start = r; } // causality (page-state.ts)
    let t = start + cost.gpu_fault_batch + n * cost.gpu_fault_per_page;
    let done = t;
    let migrated = 0;
    stats.counters.gpuBatches++;
    stats.counters.gpuFaults += n;
    const agentId = index.agentEventId[agent]!;
    // 'fault' rows: contiguous runs of faulted pages (before big-page growth).
    for (let k = 0; k < n;) {
      const p = pages[order[k]!]!;
      let q = p;
      let j = k + 1;
      while (j < n && pages[order[j]!]! === q + 1) { q++; j++; }
      ev.emit(t0, 0, ids.kind.fault, agentId, -1, index.memEventId[me]!, pa.pageAddr(p), (q - p + 1) * PAGE_SIZE, ids.cause.fault, pa.objOfPage(p));
      k = j;
    }
    let throttle = false;
    for (let k = 0; k < n;) {
      const b = (pages[order[k]!]! / PAGES_PER_BLOCK) | 0;
      const base = b * PAGES_PER_BLOCK;
      const f = this.faulted;
      f.fill(0);
      const dupMask = this.dupScratch;
      dupMask.fill(0);
      let anyDup = false;
      const id = s.blockAlloc[b]!;
      const hmm = isHmm(this.x.map.memKind[id]!);
      let j = k;
      let anyMigrate = false;
      let firstTouchAtPreferred = false;
      for (; j < n && ((pages[order[j]!]! / PAGES_PER_BLOCK) | 0) === b; j++) {
        const p = pages[order[j]!]!;
        const l = s.loc[p]! - 1;
        if (l === me || (s.dup[p]! & (1 << me))) continue; // already served (e.g. by an earlier prefetch)
        const hint = l >= 0 ? this.x.thrashing.onFault(s, p, t0) : 0;
        if (hint === HINT_THROTTLE) { throttle = true; stats.counters.throttles++; ev.emit(t0, cost.gpu_fault_batch, ids.kind.throttle, agentId, -1, -1, pa.pageAddr(p), PAGE_SIZE, ids.cause.thrashing, pa.objOfPage(p)); }
        if (hint === HINT_PIN) { stats.counters.pins++; ev.emit(t0, 0, ids.kind.pin, agentId, index.memEventId[l]!, index.memEventId[me]!, pa.pageAddr(p), PAGE_SIZE, ids.cause.thrashing, pa.objOfPage(p)); }
        const r = this.resIn;
        r.faulter = me; r.faulterIsCpu = false; r.faulterIsNic = false; r.hmm = hmm; r.write = batch.writes[order[j]!] === 1;
        r.thrashPin = hint === HINT_PIN; r.peerRemote = l >= 0 && index.memGpu[l]! >= 0 && this.x.platform.policy.gpu_peer_fault === 'remote';
        const d = selectResidency(s, p, r);
        if (d === RES_REMOTE) {
          // §2.3 rule 7 (accessed_by), 5 (thrashing pin), 9, 10: keep the data where it is and map it;
          // the faulting access then crosses the link as a remote access (after the batch, below).
          s.remote[p]! |= 1 << me;
          if (this.remoteEntries.length < batch.capacity) this.remoteEntries = new Int32Array(batch.capacity);
          this.remoteEntries[this.remoteCount++] = order[j]!;
          continue;
        }
        if (d === RES_DUPLICATE) { dupMask[p - base] = 1; anyDup = true; continue; }
        if (d !== me) { done = Math.max(done, migrator.migratePage(t, agent, p, d, ids.cause.fault)); continue; }
        f[p - base] = 1;
        anyMigrate = true;
        if (l < 0 && s.preferred[p] === me) firstTouchAtPreferred = true;
      }
      if (anyDup) done = Math.max(done, migrator.duplicateMasked(t, agent, b, dupMask, me));
      if (anyMigrate) {
        const r = this.resident;
        // No page of the block held on `me` (held counts owned and duplicated pages): none resident.
        if (s.held[b * s.memories + me] === 0) r.fill(0);
        else { r.fill(0); markEqual(s.loc, s.loc32, base, 0, PAGES_PER_BLOCK, me + 1, r, this.residentWords.of(r)); }
        const th = this.thrash;
        const anyPin = s.pinHorizon > t0; // else no page is thrash-pinned at t0 (page-state.ts)
        if (anyPin) for (let i = 0; i < PAGES_PER_BLOCK; i++) th[i] = s.pinUntil[base + i]! > t0 ? 1 : 0;
        const prefetcher = this.x.prefetcher;
        prefetcher.compute(r, f, anyPin ? th : null, s.blockFirst[b]!, s.blockOuter[b]!, this.prefetch);
        const pf = this.prefetch;
        // "On first touch at the preferred location, the whole block is prefetched" (§2.4).
        const firstTouchFill = firstTouchAtPreferred && prefetcher.enabled;
        if (firstTouchFill) for (let i = s.blockFirst[b]!; i < s.blockOuter[b]!; i++) pf[i] = f[i] || r[i] ? 0 : 1;
        const e1 = migrator.migrateMasked(t, agent, b, f, me, ids.cause.fault);
        const anyPrefetch = firstTouchFill || prefetcher.count > 0;
        const pfLo = firstTouchFill ? s.blockFirst[b]! : prefetcher.spanLo; // the prefetch mask is clear outside [pfLo, pfHi)
        const pfHi = firstTouchFill ? s.blockOuter[b]! : prefetcher.spanHi;
        if (anyPrefetch) for (let i = pfLo; i < pfHi; i++) if (pf[i] && (s.flags[base + i]! & FLAG_PINNED || (anyPin && s.pinUntil[base + i]! > t0))) pf[i] = 0;
        const e2 = anyPrefetch ? migrator.migrateMasked(t, agent, b, pf, me, ids.cause.prefetch) : t;
        done = Math.max(done, e1, e2);
        migrated += this.x.migrated.collect();
      }
      k = j;
    }
    if (throttle) done += this.x.platform.policy.thrashing_nap;
    this.faultEngineFree[g] = done;
    stats.counters.batchServiceNs += done - start;
    ev.emit(start, done - start, ids.kind.fault_batch, agentId, -1, index.memEventId[me]!, Number.NaN, migrated, ids.cause.fault, -1);
    this.x.clocks.addStall(agent, t0, done);
    if (this.remoteCount > 0) this.replayRemoteFaults(agent, done);
    batch.clear();
    return done;
  }

  /**
   * The faulting accesses of pages the batch mapped remotely (RES_REMOTE) now happen: one remote
   * access per run of consecutive pages with the same location and access kind, each a whole 4 KiB page
   * (the batch keeps pages, not the bytes of the access: a simplification for sub-page accesses).
   */
  private replayRemoteFaults(agent: number, t: number): void {
    const { batch, state: s, pages: pa } = this.x;
    const n = this.remoteCount;
    const e = this.remoteEntries;
    this.remoteCount = 0;
    for (let k = 0; k < n;) {
      const p = batch.pages[e[k]!]!;
      const l = s.loc[p]! - 1;
      const w = batch.writes[e[k]!] === 1;
      let j = k + 1;
      while (j < n && batch.pages[e[j]!] === p + (j - k) && s.loc[batch.pages[e[j]!]!]! - 1 === l && (batch.writes[e[j]!] === 1) === w) j++;
      const id = s.blockAlloc[(p / PAGES_PER_BLOCK) | 0]!;
      if (l >= 0 && id >= 0) t = this.x.remote.remoteAccess(agent, t, l, (j - k) * PAGE_SIZE, w, id, pa.pageAddr(p));
      k = j;
    }
  }

  /** A CPU fault on page `p` (managed: prefetcher toward the CPU; HMM device-private: hmm_cpu_fault).
   * Returns when the faulting agent resumes. */
  cpuFault(agent: number, t: number, id: number, p: number, write: boolean): number {
    const { index, state: s, events: ev, ids, pages: pa, migrator, stats, platform } = this.x;
    const me = index.agentMem[agent]!;
    const b = (p / PAGES_PER_BLOCK) | 0;
    const base = b * PAGES_PER_BLOCK;
    const first = s.blockFirst[b]!;
    const outer = s.blockOuter[b]!;
    const cost = platform.cost;
    stats.counters.cpuFaults++;
    const t0 = t;
    if (s.readyAt[p]! > t) t = s.readyAt[p]!; // causality: wait for the page's last change (page-state.ts)
    const agentId = index.agentEventId[agent]!;
    const l = s.loc[p]! - 1;
    ev.emit(t, 0, ids.kind.fault, agentId, l >= 0 ? index.memEventId[l]! : -1, index.memEventId[me]!, pa.pageAddr(p), PAGE_SIZE, ids.cause.cpu_fault, pa.objOfPage(p));
    const ts = t + cost.cpu_fault;
    let done = ts;
    const hint = l >= 0 ? this.x.thrashing.onFault(s, p, t) : 0;
    if (hint === HINT_THROTTLE) { stats.counters.throttles++; done += platform.policy.thrashing_nap; ev.emit(t, platform.policy.thrashing_nap, ids.kind.throttle, agentId, -1, -1, pa.pageAddr(p), PAGE_SIZE, ids.cause.thrashing, pa.objOfPage(p)); }
    const f = this.faulted;
    f.fill(0);
    const hmm = isHmm(this.x.map.memKind[id]!);
    // UVM-HMM (`prefetch`) takes the managed path below: faulted page + prefetcher region (memory/hmm.ts).
    if (hmm && platform.policy.hmm_cpu_fault !== 'prefetch') {
      // HMM device-private: migrate_to_ram with the driver's granularity (§1.4), no prefetcher.
      const [lo, hi] = hmmCpuFaultRange(platform.policy.hmm_cpu_fault, p - base, first, outer);
      for (let i = lo; i < hi; i++) { const li = s.loc[base + i]! - 1; if (li >= 0 && index.isDevicePrivate(li)) f[i] = 1; }
      done = Math.max(done, migrator.migrateMasked(ts, agent, b, f, me, ids.cause.cpu_fault));
    } else {
      const r = this.resIn;
      r.faulter = me; r.faulterIsCpu = true; r.faulterIsNic = false; r.hmm = hmm; r.write = write; r.thrashPin = hint === HINT_PIN; r.peerRemote = false;
      const d = selectResidency(s, p, r);
      if (d === RES_DUPLICATE) {
        const m = this.dupScratch;
        m.fill(0);
        m[p - base] = 1;
        done = Math.max(done, migrator.duplicateMasked(ts, agent, b, m, me));
      }
      else if (d >= 0 && d !== me) done = Math.max(done, migrator.migratePage(ts, agent, p, d, ids.cause.cpu_fault));
      else {
        // RES_REMOTE cannot serve a CPU touch of device-private memory: the page must come back.
        f[p - base] = 1;
        const res = this.resident;
        for (let i = 0; i < PAGES_PER_BLOCK; i++) res[i] = s.loc[base + i]! > 0 && index.memIsSys[s.loc[base + i]! - 1] ? 1 : 0;
        const th = this.thrash;
        if (s.pinHorizon > t) for (let i = 0; i < PAGES_PER_BLOCK; i++) th[i] = s.pinUntil[base + i]! > t ? 1 : 0;
        else th.fill(0); // no page is thrash-pinned at t (page-state.ts)
        // Pages in system memory without a CPU mapping (evicted, migrator.ts) stay in the prefetch set and
        // are mapped by this fault without a copy (`uvm_perf_prefetch_prenotify_fault_migrations` drops
        // only CPU-mapped resident pages; the service maps the whole new-residency mask).
        const um = this.dupScratch;
        for (let i = 0; i < PAGES_PER_BLOCK; i++) um[i] = res[i] && (s.flags[base + i]! & FLAG_CPU_UNMAPPED) ? 1 : 0;
        this.x.prefetcher.compute(res, f, th, first, outer, this.prefetch, um);
        s.flags[p]! &= ~FLAG_CPU_UNMAPPED;
        // Only pages that sit in device-private memory need to come back; unpopulated ones populate on the CPU.
        done = Math.max(done, migrator.migrateMasked(ts, agent, b, f, me, ids.cause.cpu_fault));
        const pf = this.prefetch;
        for (let i = first; i < outer; i++) {
          if (!pf[i]) continue;
          if (um[i]) s.flags[base + i]! &= ~FLAG_CPU_UNMAPPED;
          const li = s.loc[base + i]! - 1;
          if (li < 0 || index.memIsSys[li] || index.memCoherent[li] || (s.flags[base + i]! & FLAG_PINNED)) pf[i] = 0;
        }
        done = Math.max(done, migrator.migrateMasked(ts, agent, b, pf, me, ids.cause.prefetch));
      }
    }
    this.x.migrated.discard();
    this.x.clocks.addStall(agent, t0, done);
    return done;
  }
}
