/** The first bytes of a file without reading the rest (format dispatch inside a reader). */
import { closeSync, openSync, readSync } from 'node:fs';

export function readFileHead(file: string, bytes = 4096): Uint8Array {
  const fd = openSync(file, 'r');
  try {
    const buf = Buffer.alloc(bytes);
    return buf.subarray(0, readSync(fd, buf, 0, bytes, 0));
  } finally {
    closeSync(fd);
  }
}
