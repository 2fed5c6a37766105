/** The first bytes of a file without reading the rest: format sniffing, and dispatch inside a reader. */
import { closeSync, openSync, readSync } from 'node:fs';
import { gunzipSync, constants as zlibConstants } from 'node:zlib';
import { hasGzipMagic } from './gzip.ts';

/** The first `bytes` bytes of `file`, as stored. */
export function readFileHead(file: string, bytes = 4096): Uint8Array {
  const fd = openSync(file, 'r');
  try {
    const buf = Buffer.alloc(bytes);
    return buf.subarray(0, readSync(fd, buf, 0, bytes, 0));
  } finally {
    closeSync(fd);
  }
}

/** Bytes of each file's start given to a format's `sniff` (gunzipped when the file is gzip). */
export const SNIFF_BYTES = 64 * 1024;

/**
 * The first SNIFF_BYTES of a file, gunzipped when it starts with the gzip magic (what `sniff` sees);
 * empty when a gzip head does not inflate at all.
 */
export function readSniffHead(file: string): Uint8Array {
  const raw = readFileHead(file, SNIFF_BYTES);
  const head = new Uint8Array(raw.buffer, raw.byteOffset, raw.byteLength);
  if (!hasGzipMagic(head)) return head;
  try {
    // A truncated gzip stream: flush what inflates instead of failing at the missing end.
    return gunzipSync(head, { finishFlush: zlibConstants.Z_SYNC_FLUSH }).subarray(0, SNIFF_BYTES);
  } catch {
    return new Uint8Array(0);
  }
}
