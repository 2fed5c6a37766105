/**
 * Opens a source file as a stream of byte chunks, gunzipping it on the fly when it starts with the
 * gzip magic (so `.json` and `.json.gz` read alike, whatever the name says). Nothing is held beyond
 * the chunk in flight: memory stays bounded by the chunk size, not by the file.
 */
import { createReadStream } from 'node:fs';
import { createGunzip } from 'node:zlib';
import { BadInputError } from '../../common/bad-input.ts';
import { isGzipFile } from './gzip.ts';

const CHUNK_BYTES = 1 << 20;

/**
 * Yields the (decompressed) bytes of `path`. `onRawBytes` sees the count of file bytes read so far
 * (for progress). Read and gunzip failures become BadInputError naming the file.
 */
export async function* sourceChunks(path: string, onRawBytes?: (total: number) => void): AsyncGenerator<Buffer> {
  const gz = await isGzipFile(path);
  const raw = createReadStream(path, { highWaterMark: CHUNK_BYTES });
  let total = 0;
  if (onRawBytes) raw.on('data', (c) => { total += (c as Buffer).length; onRawBytes(total); });
  const stream = gz ? raw.pipe(createGunzip({ chunkSize: CHUNK_BYTES })) : raw;
  if (gz) raw.on('error', (e) => stream.destroy(e));
  try {
    for await (const chunk of stream) yield chunk as Buffer;
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const what = gz ? 'gzip' : 'read';
    throw new BadInputError(path, undefined, undefined, `${what} failed (${err.code ? `${err.code}: ` : ''}${err.message})`);
  } finally {
    raw.destroy();
    if (stream !== raw) stream.destroy();
  }
}
