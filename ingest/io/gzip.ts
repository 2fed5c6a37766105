/**
 * Whether bytes are gzip: RFC 1952 §2.3.1 — every member starts with ID1 = 0x1f, ID2 = 0x8b. The
 * content decides, never the file name, so `trace.json` that is compressed and `trace.json.gz` that
 * is not both read as what they are.
 */
import { open } from 'node:fs/promises';
import { BadInputError } from '../../common/bad-input.ts';

/** Whether `head` (a file's first bytes) starts with the gzip magic. */
export function hasGzipMagic(head: Uint8Array): boolean {
  return head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b;
}

/** Whether the file starts with the gzip magic bytes. */
export async function isGzipFile(path: string): Promise<boolean> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (e) {
    throw new BadInputError(path, undefined, undefined, `cannot open (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  try {
    const head = Buffer.alloc(2);
    const { bytesRead } = await handle.read(head, 0, 2, 0);
    return hasGzipMagic(head.subarray(0, bytesRead));
  } finally {
    await handle.close();
  }
}
