/**
 * The placement rule of the canonical trace (DESIGN.md): objects given without an address are placed in
 * alloc order at the next 2 MiB boundary (a UVM VA block, REFERENCE.md §2.1) at or after the end of the
 * previous object, starting at 0x7f0000000000 (a typical x86-64 mmap region). The CSV reader and the
 * synthetic workloads share it, so a synthetic trace and its hand-written CSV twin have the same addresses.
 */
import { VA_BLOCK_SIZE, type Addr, type Bytes } from './units.ts';

export const PLACEMENT_BASE = 0x7f0000000000 as Addr;
export const PLACEMENT_ALIGN: Bytes = VA_BLOCK_SIZE;

export class ObjectPlacer {
  private next: number = PLACEMENT_BASE;

  /** The address of the next object of `bytes` bytes. */
  place(bytes: number): Addr {
    const addr = Math.ceil(this.next / PLACEMENT_ALIGN) * PLACEMENT_ALIGN;
    this.next = addr + bytes;
    return addr as Addr;
  }
}
