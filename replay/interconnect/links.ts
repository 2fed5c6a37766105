/**
 * Link occupancy and accounting. The queueing model: a transfer holds every link
 * direction of its path for its whole duration, `fixed + Σ latency + ⌈bytes / bottleneck bandwidth⌉`
 * ns; a link direction carries one transfer at a time, so a transfer starts when it is requested or
 * when the last direction of its path frees up, whichever is later (FIFO in request order). Both
 * directions of a link are independent (PCIe/NVLink are full duplex).
 *
 * Every transfer is logged (start, duration, bytes, path) in a bounded log (spill-log.ts) so the
 * timeline can spread bytes and busy time over intervals afterwards.
 */
import { SpillLog } from '../spill-log.ts';
import type { Path, Topology } from './topology.ts';

export class Links {
  /** per direction id */
  readonly freeAt: Float64Array;
  readonly bytes: Float64Array;
  readonly busy: Float64Array;
  readonly transfers: Float64Array;
  /** the start time of the last `transfer()` (returned separately to avoid an object per call) */
  lastStart = 0;
  private readonly pathIds = new Map<Path, number>();
  readonly pathList: Path[] = [];
  /** transfer log for the timeline, bounded in memory: columns start, dur, bytes, path id (`pathList`) */
  readonly log = new SpillLog(4);

  constructor(readonly topology: Topology) {
    const D = 2 * topology.linkCount;
    this.freeAt = new Float64Array(D);
    this.bytes = new Float64Array(D);
    this.busy = new Float64Array(D);
    this.transfers = new Float64Array(D);
  }

  /** Duration of moving `bytes` over `path` with no queueing (integer ns); `cap` limits the bandwidth
   * further (e.g. CPU loads through a BAR, §3.4). */
  static duration(path: Path, bytes: number, fixed: number, cap = Infinity): number {
    return fixed + path.latency + Math.ceil(bytes / Math.min(path.bottleneck, cap));
  }

  /** Queues a transfer requested at time `t`; returns its end time (`lastStart` = its start). */
  transfer(path: Path, t: number, bytes: number, fixed: number, cap = Infinity): number {
    const dirs = path.dirs;
    let start = t;
    for (let i = 0; i < dirs.length; i++) { const f = this.freeAt[dirs[i]!]!; if (f > start) start = f; }
    const dur = Links.duration(path, bytes, fixed, cap);
    const end = start + dur;
    for (let i = 0; i < dirs.length; i++) {
      const d = dirs[i]!;
      this.freeAt[d] = end;
      this.bytes[d]! += bytes;
      this.busy[d]! += dur;
      this.transfers[d]! += 1;
    }
    this.logTransfer(start, dur, bytes, path);
    this.lastStart = start;
    return end;
  }

  private logTransfer(start: number, dur: number, bytes: number, path: Path): void {
    let id = this.pathIds.get(path);
    if (id === undefined) { id = this.pathList.length; this.pathList.push(path); this.pathIds.set(path, id); }
    const k = this.log.add();
    const c = this.log.cols;
    c[0]![k] = start; c[1]![k] = dur; c[2]![k] = bytes; c[3]![k] = id;
  }
}
