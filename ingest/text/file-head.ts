/** The first bytes of a file without reading the rest (format dispatch inside a reader). */
import { closeSync, openSync, readSync } from 'node:fs';
import { gunzipSync, constants as zlibConstants } from 'node:zlib';

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
const SNIFF_BYTES = 64 * 1024;

/** The first bytes of a file, gunzipped when it starts with the gzip magic. */
export function readHead(file: string): Uint8Array {
  const fd = openSync(file, 'r');
  try {
    const buf = new Uint8Array(SNIFF_BYTES);
    const n = readSync(fd, buf, 0, SNIFF_BYTES, 0);
    const head = buf.subarray(0, n);
    if (n >= 2 && head[0] === 0x1f && head[1] === 0x8b) {
      try {
        // A truncated gzip stream: flush what inflates instead of failing at the missing end.
        return gunzipSync(head, { finishFlush: zlibConstants.Z_SYNC_FLUSH }).subarray(0, SNIFF_BYTES);
      } catch {
        return new Uint8Array(0);
      }
    }
    return head;
  } finally {
    closeSync(fd);
  }
}
