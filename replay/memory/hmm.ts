/**
 * CPU faults on HMM device-private pages (REFERENCE.md §1.4, §1.12): the CPU touch hits the
 * device-private swap entry and `migrate_to_ram` moves the data back. How much goes back is the
 * driver's choice (`policy.hmm_cpu_fault`): `page` — exactly the faulting page, as Linux test_hmm's
 * `dmirror_devmem_fault` does (hmm-tests `migrate_fault`: the CPU reads half → those pages come
 * back); `bigpage` — the enclosing 64 KiB; `block` — the whole 2 MiB VA block, as UVM-HMM does
 * ("HMM has to migrate the block to system memory", §2.3 rule 4) was the earlier reading of that
 * sentence; it picks the residency, not the size. `prefetch` is what NVIDIA UVM-HMM does (§1.4,
 * corrected 2026-12: `devmem_fault` → `uvm_va_space_cpu_fault_hmm` → `hmm_block_cpu_fault_locked`
 * migrates `service_context->region`, the faulted page plus the tree prefetcher's region clamped to
 * `uvm_hmm_get_prefetch_region`, i.e. the VMA ∩ policy range — here the allocation's pages in the
 * block): the memory model serves it through the same prefetcher path as managed memory, the faulted
 * page as its own transfer (cause cpu_fault) and the rest as prefetch. This function is not used then.
 */
import type { HmmCpuFault } from '../platform.ts';
import { PAGES_PER_BIG_PAGE } from './prefetcher.ts';

/** The block-relative page range [lo, hi) that a CPU fault on page `p` brings back. */
export function hmmCpuFaultRange(mode: HmmCpuFault, p: number, first: number, outer: number): [number, number] {
  if (mode === 'page') return [p, p + 1];
  if (mode === 'block' || mode === 'prefetch') return [first, outer];
  const lo = p - (p % PAGES_PER_BIG_PAGE);
  return [Math.max(lo, first), Math.min(lo + PAGES_PER_BIG_PAGE, outer)];
}
