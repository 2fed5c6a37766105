/**
 * Bitmaps of one VA block's 512 pages, 16 × 32-bit words (bit `i & 31` of word `i >> 5` is page `i`),
 * and their conversion from/to the model's byte masks (one Uint8 per page, 0 or not). The prefetcher
 * works on these so that a fault costs a few word operations per block instead of passes over 512 bytes.
 */
/** 4 KiB pages per 2 MiB VA block (the driver's `uvm_va_block_t` span, REFERENCE.md §2.4). */
export const PAGES_PER_BLOCK = 512;
/** 32-bit words of a block bitmap. */
export const BLOCK_WORDS = PAGES_PER_BLOCK >> 5;

/** Number of set bits of a 32-bit word. */
export function popcount32(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  x = (x + (x >>> 4)) & 0x0f0f0f0f;
  return Math.imul(x, 0x01010101) >>> 24;
}

/** The bits [lo, hi) of a word, 0 ≤ lo ≤ hi ≤ 32 (as a signed 32-bit value). */
export function wordRange(lo: number, hi: number): number {
  if (hi <= lo) return 0;
  const upTo = hi >= 32 ? -1 : (1 << hi) - 1;
  return upTo & ~((1 << lo) - 1);
}

/** `out[w]` = bits of the pages [lo, hi) of the block (every other bit clear). */
export function rangeBits(out: Int32Array, lo: number, hi: number): void {
  for (let w = 0; w < BLOCK_WORDS; w++) {
    const a = Math.max(lo - (w << 5), 0);
    const b = Math.min(hi - (w << 5), 32);
    out[w] = wordRange(a, b);
  }
}

/**
 * Byte masks viewed four pages at a time: a Uint32Array over the same memory. The model reuses a few
 * mask arrays across calls, so the views of the last few masks seen are kept (found by identity).
 * Null for a mask that is not 4-byte aligned or shorter than a block.
 */
export class MaskWords {
  private readonly masks: Uint8Array[] = [];
  private readonly views: (Uint32Array | null)[] = [];
  private next = 0;

  constructor(private readonly slots = 1) {}

  of(mask: Uint8Array): Uint32Array | null {
    const masks = this.masks;
    for (let k = 0; k < masks.length; k++) if (masks[k] === mask) return this.views[k]!;
    const view = mask.byteOffset % 4 === 0 && mask.length >= PAGES_PER_BLOCK ? new Uint32Array(mask.buffer, mask.byteOffset, PAGES_PER_BLOCK >> 2) : null;
    const k = masks.length < this.slots ? masks.length : this.next;
    this.next = (k + 1) % this.slots;
    masks[k] = mask;
    this.views[k] = view;
    return view;
  }
}

/**
 * The first page at or after `i` (and before `outer`) whose byte in `mask` is set, else `outer`.
 * `words` is `mask` viewed as Uint32 (MaskWords): clear runs are skipped four pages at a time.
 */
export function nextSet(mask: Uint8Array, words: Uint32Array | null, i: number, outer: number): number {
  while (i < outer) {
    if ((i & 3) === 0 && words !== null) {
      const w = i >> 2;
      // 16 pages at a time at a 16-page boundary (the view spans the whole block), else 4.
      if ((i & 15) === 0 && (words[w]! | words[w + 1]! | words[w + 2]! | words[w + 3]!) === 0) { i += 16; continue; }
      if (words[w] === 0) { i += 4; continue; }
    }
    if (mask[i]) return i;
    i++;
  }
  return outer;
}

/**
 * `out[w]` = bit per page of `mask` (page set when its byte is non-zero), for all 512 pages. `words`
 * is `mask` viewed as Uint32 (MaskWords), or null to read byte by byte.
 */
export function bytesToBits(mask: Uint8Array, words: Uint32Array | null, out: Int32Array): void {
  if (words === null) {
    for (let w = 0; w < BLOCK_WORDS; w++) {
      let bits = 0;
      for (let i = 0; i < 32; i++) if (mask[(w << 5) + i]) bits |= 1 << i;
      out[w] = bits;
    }
    return;
  }
  for (let w = 0; w < BLOCK_WORDS; w++) {
    let bits = 0;
    for (let q = 0; q < 8; q++) {
      let x = words[(w << 3) + q]!;
      if (x === 0) continue;
      // Fold every byte onto its lowest bit, then gather the four byte bits (little-endian bytes:
      // page 4q+k is byte k of the word).
      x |= x >>> 4; x |= x >>> 2; x |= x >>> 1;
      x &= 0x01010101;
      bits |= ((x | (x >>> 7) | (x >>> 14) | (x >>> 21)) & 0xf) << (q << 2);
    }
    out[w] = bits;
  }
}

/**
 * Sets `out[i] = 1` for each page i in [first, outer) of the block at dense page `base` (a multiple
 * of 4) whose byte in `bytes` equals `value` (≥ 1), and returns how many. `words` is `bytes` viewed as
 * Uint32 over the same memory: clear words are skipped and words of four equal bytes taken whole.
 * `out` is not cleared first; `outWords` is `out` viewed as Uint32 (MaskWords), or null.
 */
export function markEqual(
  bytes: Uint8Array, words: Uint32Array, base: number, first: number, outer: number, value: number,
  out: Uint8Array, outWords: Uint32Array | null,
): number {
  const four = Math.imul(value, 0x01010101) >>> 0;
  let n = 0;
  let i = first;
  for (; i < outer && (i & 3) !== 0; i++) if (bytes[base + i] === value) { out[i] = 1; n++; }
  for (; i + 4 <= outer; i += 4) {
    const w = words[(base + i) >> 2]!;
    if (w === 0) continue;
    const x = w ^ four; // a zero byte of x is a page equal to value
    if (((x - 0x01010101) & ~x & 0x80808080) === 0) continue; // no zero byte (exact test, no false negatives)
    if (x === 0) {
      if (outWords !== null) outWords[i >> 2] = 0x01010101; else out.fill(1, i, i + 4);
      n += 4;
      continue;
    }
    for (let k = i; k < i + 4; k++) if (bytes[base + k] === value) { out[k] = 1; n++; }
  }
  for (; i < outer; i++) if (bytes[base + i] === value) { out[i] = 1; n++; }
  return n;
}
