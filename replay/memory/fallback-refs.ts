/**
 * Per allocation: live peer mappings of it that fell back to system memory (p2p/exporter.ts
 * MAP_FALLBACK). While any is live, the exporter GPU's own accesses to the object are the second leg
 * of a bounce through host memory (DESIGN.md behaviour 6), which the access paths need to know.
 */
import { grownTo } from '../../common/growable.ts';
export class FallbackRefs {
  refs = new Int32Array(0);

  /** Grows the table to `n` allocations. */
  ensure(n: number): void {
    if (n <= this.refs.length) return;
    this.refs = grownTo(this.refs, Math.max(16, n * 2));
  }
}
