/**
 * From dense page / block indices (address-map.ts) back to what events report: the address a page
 * starts at (offset within its allocation's 2 MiB-aligned dense range, as every event's `addr`) and the
 * interned object name of the allocation that owns it.
 */
import { PAGE_SIZE, VA_BLOCK_SIZE } from '../../ingest/trace/units.ts';
import type { AddressMap } from './address-map.ts';
import type { PageState } from './page-state.ts';
import { PAGES_PER_BLOCK } from './prefetcher.ts';

export class PageAddresses {
  constructor(private readonly state: PageState, private readonly map: AddressMap) {}

  pageAddr(p: number): number {
    const b = (p / PAGES_PER_BLOCK) | 0;
    return this.blockAddr(b) + (p - b * PAGES_PER_BLOCK) * PAGE_SIZE;
  }

  blockAddr(b: number): number {
    const id = this.state.blockAlloc[b]!;
    return (b - this.map.firstBlock[id]!) * VA_BLOCK_SIZE;
  }

  /** Interned object name of the allocation owning page `p` (-1 none). */
  objOfPage(p: number): number {
    const id = this.state.blockAlloc[(p / PAGES_PER_BLOCK) | 0]!;
    return id >= 0 ? this.map.obj[id]! : -1;
  }
}
