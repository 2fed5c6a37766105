/**
 * The byte range of one access row in dense pages: its first and last page and how many of its bytes
 * fall in each, so remote and DMA traffic count exact bytes, not whole pages. One instance is reused
 * for every row (no allocation per row); whoever handles the row receives it explicitly.
 */
import { PAGE_SIZE } from '../../ingest/trace/units.ts';
import type { AddressMap } from './address-map.ts';
import type { PageAddresses } from './page-addresses.ts';

export class AccessRow {
  /** first byte of the row (clamped to its allocation by `end`) */
  addr = 0;
  /** first and last dense page */
  p0 = 0;
  p1 = 0;
  /** bytes of the row in its first and last page */
  headBytes = 0;
  tailBytes = 0;

  /** Points the row at [addr, addr + max(bytes, 1)) of allocation `id`, clipped to the allocation. */
  set(map: AddressMap, id: number, addr: number, bytes: number): this {
    const end = Math.min(addr + Math.max(bytes, 1), map.end[id]!);
    const p0 = map.densePage(id, addr);
    const p1 = map.densePage(id, end - 1);
    this.headBytes = p0 === p1 ? end - addr : PAGE_SIZE - (addr % PAGE_SIZE);
    this.tailBytes = p0 === p1 ? end - addr : end - (end - 1 - ((end - 1) % PAGE_SIZE));
    this.p0 = p0;
    this.p1 = p1;
    this.addr = addr;
    return this;
  }

  /** First byte of the row in page `p` (its own address in the first page, else the page's start). */
  byteAddr(p: number, pages: PageAddresses): number { return p === this.p0 ? this.addr : pages.pageAddr(p); }

  /** Bytes of the row that fall in page `p`. */
  pageBytes(p: number): number {
    return p === this.p0 ? this.headBytes : p === this.p1 ? this.tailBytes : PAGE_SIZE;
  }
}
