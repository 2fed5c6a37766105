/**
 * Which memory kind a `copy` row carries, the one rule for every reader: the host side's kind when a
 * side is host memory — pinned or pageable decides what the copy costs in replay — else the device
 * side's.
 */
import type { MemKind } from './trace/schema.ts';

/**
 * The host side's memory kind (the source's when both are host), else `betweenDevices`: by default the
 * source's kind (what CUPTI records say); a reader whose labels may leave the source unknown passes
 * `srcMem ?? dstMem`.
 */
export function copyMemKind(
  srcSide: string, dstSide: string, srcMem: MemKind | null, dstMem: MemKind | null, betweenDevices: MemKind | null = srcMem,
): MemKind | null {
  if (srcSide === 'host') return srcMem;
  if (dstSide === 'host') return dstMem;
  return betweenDevices;
}
