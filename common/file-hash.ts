/** sha256 of source files, streamed (a multi-GiB trace is never held in memory). */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';

/** Hex sha256 over the raw bytes of all `files`, in order (one file: that file's sha256). */
export async function sha256OfFiles(files: readonly string[]): Promise<string> {
  const h = createHash('sha256');
  for (const f of files) {
    for await (const chunk of createReadStream(f)) h.update(chunk as Buffer);
  }
  return h.digest('hex');
}
