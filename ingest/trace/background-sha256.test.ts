import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { BackgroundSha256 } from './background-sha256.ts';

describe('BackgroundSha256', () => {
  it('equals createHash over the same bytes, through many updates that wrap the ring and reuse the buffer', () => {
    // 40 MiB in updates of 5 MiB + 3 bytes (each spans two 4 MiB slots; 8 slots wrap after 32 MiB),
    // the caller overwriting its buffer after every update: the worker must hash copies.
    const piece = 5 * 1024 * 1024 + 3;
    const buf = new Uint8Array(piece);
    const independent = createHash('sha256');
    const bg = new BackgroundSha256();
    let x = 1;
    for (let done = 0; done < 40 * 1024 * 1024; done += piece) {
      for (let i = 0; i < piece; i++) { x = (Math.imul(x, 1103515245) + 12345) >>> 0; buf[i] = x >>> 24; }
      independent.update(buf);
      bg.update(buf);
    }
    bg.update(new Uint8Array(0));
    const want = independent.digest('hex');
    expect(bg.digest()).toBe(want);
    expect(bg.digest()).toBe(want); // a second call returns the same
  });

  it('the empty input has the well-known empty sha256', () => {
    expect(new BackgroundSha256().digest()).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });
});
