/**
 * CPU faults on HMM device-private pages (REFERENCE.md §1.4, §1.12): the CPU touch hits the
 * device-private swap entry and `migrate_to_ram` moves the data back. How much goes back is the
 * driver's choice (`policy.hmm_cpu_fault`): `page` — exactly the faulting page, as Linux test_hmm's
 * `dmirror_devmem_fault` does (hmm-tests `migrate_fault`: the CPU reads half → those pages come
 * back); `bigpage` — the enclosing 64 KiB; `block` — the whole 2 MiB VA block, as UVM-HMM does
 * ("HMM has to migrate the block to system memory", §2.3 rule 4).
 */
import type { HmmCpuFault } from '../platform.ts';
import { PAGES_PER_BIG_PAGE } from './prefetcher.ts';

/** The block-relative page range [lo, hi) that a CPU fault on page `p` brings back. */
export function hmmCpuFaultRange(mode: HmmCpuFault, p: number, first: number, outer: number): [number, number] {
  if (mode === 'page') return [p, p + 1];
  if (mode === 'block') return [first, outer];
  const lo = p - (p % PAGES_PER_BIG_PAGE);
  return [Math.max(lo, first), Math.min(lo + PAGES_PER_BIG_PAGE, outer)];
}
