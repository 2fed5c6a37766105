/**
 * The one rule for naming allocations that a source does not name, shared by every reader: the n-th
 * allocation at an address of an owner is `mem@0x<addr>#<n>` (n from 1, counted per source file),
 * its free takes the same name, and memory allocated before the capture — a free with no allocation
 * seen, or a range known only from its use — is `#0`. Reusing an address therefore gives a new
 * object (the allocator handed the range out again), and names stay stable across readers, so a
 * Kineto and an nsys trace of the same run name their objects alike.
 */

/** `mem@0x<addr>#<n>`: the n-th allocation at `address` (#0 = allocated before the capture). */
export function objectName(address: number, n: number): string {
  return `mem@0x${address.toString(16)}#${n}`;
}

/**
 * Names allocations and frees as they stream by. `owner` scopes addresses (an agent, when the source
 * has per-device address spaces; one constant when addresses are process-wide).
 */
export class AllocationNames {
  private readonly counts = new Map<string, number>();
  private readonly live = new Map<string, string>();

  /** The name of a new allocation at `addr` of `owner` (it becomes live). */
  alloc(owner: string, addr: number): string {
    const key = `${owner}@${addr}`;
    const n = (this.counts.get(key) ?? 0) + 1;
    this.counts.set(key, n);
    const name = objectName(addr, n);
    this.live.set(key, name);
    return name;
  }

  /** The name of the live allocation a free at `addr` of `owner` ends, or `#0` when none is live. */
  free(owner: string, addr: number): string {
    const key = `${owner}@${addr}`;
    const name = this.live.get(key);
    if (name === undefined) return objectName(addr, 0);
    this.live.delete(key);
    return name;
  }
}
