/**
 * The bytes a GPU fault batch reports as migrated for it (`fault_batch` bytes, summary faults).
 *
 * Every run of pages the migrator moves adds its bytes here; the fault service collects the total
 * after each VA block of a batch that migrated pages toward the faulting GPU. Work that is not part of
 * a batch discards what it moved when it finishes: a CPU fault, an explicit prefetch, an RDMA
 * registration's page-in, a whole-object move, and an eviction (which also drops bytes moved before it
 * and not yet collected). Moves that neither collect nor discard — access-counter migrations, and a
 * batch's moves to another memory (preferred location) in a block that migrated nothing toward the
 * GPU — count toward the next collection. The output contract fixes these numbers, so the rule is kept
 * as it is; it is the model's accounting, not a driver counter.
 */
export class MigratedBytes {
  private bytes = 0;

  add(bytes: number): void { this.bytes += bytes; }

  /** The bytes since the last collect/discard; starts over. */
  collect(): number { const b = this.bytes; this.bytes = 0; return b; }

  /** Drops the bytes since the last collect/discard. */
  discard(): void { this.bytes = 0; }
}
