import { describe, expect, it } from 'vitest';
import { BLOCK_WORDS, bytesToBits, markEqual, MaskWords, nextSet, PAGES_PER_BLOCK, popcount32, rangeBits, wordRange } from './block-bits.ts';

describe('block bitmaps (512 pages in 16 words)', () => {
  it('popcount and word ranges', () => {
    expect(popcount32(0)).toBe(0);
    expect(popcount32(-1)).toBe(32); // all 32 bits
    expect(popcount32(0b1011_0000_0001)).toBe(4);
    expect(wordRange(0, 32)).toBe(-1);
    expect(wordRange(4, 8)).toBe(0xf0);
    expect(wordRange(31, 32)).toBe(1 << 31);
    expect(wordRange(5, 5)).toBe(0);
  });

  it('rangeBits sets exactly pages [lo, hi) across word boundaries', () => {
    const out = new Int32Array(BLOCK_WORDS);
    rangeBits(out, 30, 70); // word 0: bits 30,31; word 1: all; word 2: bits 0..5
    expect(out[0]).toBe((1 << 30) | (1 << 31));
    expect(out[1]).toBe(-1);
    expect(out[2]).toBe(0x3f);
    expect([...out.subarray(3)].every((w) => w === 0)).toBe(true);
  });

  it('bytesToBits and nextSet read any non-zero byte as set, with and without the word view', () => {
    const mask = new Uint8Array(PAGES_PER_BLOCK);
    const set = [0, 3, 4, 31, 32, 100, 255, 256, 511];
    for (const i of set) mask[i] = i % 2 ? 1 : 0x80; // 0x80: a byte whose low bit is clear
    const view = new MaskWords(2).of(mask);
    expect(view).not.toBeNull();
    for (const words of [view, null]) {
      const bits = new Int32Array(BLOCK_WORDS);
      bytesToBits(mask, words, bits);
      const got: number[] = [];
      for (let i = 0; i < PAGES_PER_BLOCK; i++) if (bits[i >> 5]! & (1 << (i & 31))) got.push(i);
      expect(got).toEqual(set);
      const walked: number[] = [];
      for (let i = nextSet(mask, words, 0, PAGES_PER_BLOCK); i < PAGES_PER_BLOCK; i = nextSet(mask, words, i + 1, PAGES_PER_BLOCK)) walked.push(i);
      expect(walked).toEqual(set);
      // `outer` bounds the search even inside a non-zero word: page 4 is set, outer 4 → none found.
      expect(nextSet(mask, words, 1, 4)).toBe(3);
      expect(nextSet(mask, words, 5, 32)).toBe(31);
      expect(nextSet(mask, words, 5, 31)).toBe(31); // none in [5, 31): outer
      expect(nextSet(mask, words, 101, 512)).toBe(255);
      expect(nextSet(mask, words, 256, 256)).toBe(256);
    }
  });

  it('an unaligned mask gets no word view', () => {
    const buf = new Uint8Array(PAGES_PER_BLOCK + 1);
    expect(new MaskWords().of(buf.subarray(1))).toBeNull();
  });

  it('markEqual marks exactly the pages whose byte equals the value, with and without the out view', () => {
    // Two blocks of page bytes drawn from {0, 1, 2} in runs (whole words of one value, mixed words),
    // checked against a byte-by-byte comparison over random [first, outer) regions.
    let seed = 7;
    const rand = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
    const bytes = new Uint8Array(2 * PAGES_PER_BLOCK);
    for (let i = 0; i < bytes.length;) { const v = Math.floor(rand() * 3); const len = 1 + Math.floor(rand() * 12); bytes.fill(v, i, i + len); i += len; }
    const words = new Uint32Array(bytes.buffer);
    for (let trial = 0; trial < 200; trial++) {
      const base = (trial % 2) * PAGES_PER_BLOCK;
      const first = Math.floor(rand() * 40);
      const outer = PAGES_PER_BLOCK - Math.floor(rand() * 40);
      const value = 1 + (trial % 2);
      const out = new Uint8Array(PAGES_PER_BLOCK);
      const n = markEqual(bytes, words, base, first, outer, value, out, trial % 4 < 2 ? new MaskWords().of(out) : null);
      let want = 0;
      for (let i = 0; i < PAGES_PER_BLOCK; i++) {
        const hit = i >= first && i < outer && bytes[base + i] === value ? 1 : 0;
        want += hit;
        if (out[i] !== hit) throw new Error(`trial ${trial}: page ${i} got ${out[i]} want ${hit}`);
      }
      expect(n).toBe(want);
    }
  });
});
