import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { sha256OfFiles } from './file-hash.ts';

const dir = mkdtempSync(join(tmpdir(), 'hetmem-hash-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('hashes the bytes of all files in order, as one stream', async () => {
  const a = join(dir, 'a');
  const b = join(dir, 'b');
  writeFileSync(a, 'abc');
  writeFileSync(b, Buffer.alloc(3 << 20, 7)); // several read chunks
  const expected = createHash('sha256').update('abc').update(Buffer.alloc(3 << 20, 7)).digest('hex');
  expect(await sha256OfFiles([a, b])).toBe(expected);
  // FIPS 180-2 test vector: sha256("abc")
  expect(await sha256OfFiles([a])).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
});
