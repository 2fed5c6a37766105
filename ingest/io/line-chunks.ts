/**
 * Streams a text file as chunks of whole lines (without terminators; a trailing `\r` is removed), so
 * the text readers hold one 64 KiB chunk at a time whatever the file size. Chunks of lines instead of
 * single lines keep the per-line cost to a loop iteration rather than an awaited promise.
 */
import { createReadStream, statSync } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import { BadInputError } from '../../common/bad-input.ts';
import { maxRecordBytes, recordTooLong } from '../../common/limits.ts';
import { parseInteger } from '../trace/units.ts';

/** What every text parser consumes: lines in order, grouped in chunks (an array of arrays in tests). */
export type LineChunks = AsyncIterable<readonly string[]> | Iterable<readonly string[]>;

const CHUNK_BYTES = 1 << 16;

/** Yields the lines of `path` chunk by chunk; `onBytes` gets the running total of bytes read. */
export async function* readLineChunks(path: string, onBytes?: (totalBytes: number) => void): AsyncGenerator<string[]> {
  const decoder = new StringDecoder('utf8');
  const limit = maxRecordBytes();
  let rest = '';
  let total = 0;
  let linesBefore = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: CHUNK_BYTES }) as AsyncIterable<Buffer>) {
    total += chunk.length;
    onBytes?.(total);
    const text = rest + decoder.write(chunk);
    const lines = text.split('\n');
    rest = lines.pop()!;
    // (UTF-16 length ≤ UTF-8 bytes: a line over the limit in chars is over it in bytes)
    for (let i = 0; i < lines.length; i++) {
      if (lines[i]!.length > limit) throw new BadInputError(path, linesBefore + i + 1, undefined, recordTooLong('this line', limit));
      lines[i] = stripCr(lines[i]!);
    }
    linesBefore += lines.length;
    if (rest.length > limit) throw new BadInputError(path, linesBefore + 1, undefined, recordTooLong('this line', limit));
    if (lines.length > 0) yield lines;
  }
  rest += decoder.end();
  if (rest !== '') yield [stripCr(rest)];
}

/** The lines of an in-memory text, in the LineChunks shape (tests, fuzzing). */
export function textLineChunks(text: string): string[][] {
  const lines = text.split('\n').map(stripCr);
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return [lines];
}

function stripCr(s: string): string {
  return s.endsWith('\r') ? s.slice(0, -1) : s;
}

/** The first line of a sniffed head (bytes may end mid-line; that is fine for a prefix test). */
export function headLines(head: Uint8Array, max = 20): string[] {
  const text = new TextDecoder('utf-8', { fatal: false }).decode(head.subarray(0, 8192));
  return text.split('\n').slice(0, max).map(stripCr);
}

/** Reads line-oriented text files one after the other through `parse`, reporting progress in bytes over all of them. */
export async function parseTextFiles(
  files: readonly string[],
  progress: ((bytesRead: number) => void) | undefined,
  parse: (file: string, lines: LineChunks) => Promise<void>,
): Promise<void> {
  let done = 0;
  for (const file of files) {
    await parse(file, readLineChunks(file, progress ? (n) => progress(done + n) : undefined));
    done += statSync(file).size;
  }
}

/**
 * Field parsers that report the current line of a text reader: `fail(field, problem)` throws the
 * BadInputError `file:line: field: problem`; `int(field, text)` parses a decimal or 0x integer.
 */
export function lineFieldParsers(file: string, line: () => number): {
  fail: (field: string, problem: string) => never;
  int: (field: string, text: string | undefined) => number;
} {
  const fail = (field: string, problem: string): never => { throw new BadInputError(file, line(), field, problem); };
  const int = (field: string, text: string | undefined): number => {
    if (text === undefined) return fail(field, 'is missing');
    const v = parseInteger(text);
    return typeof v === 'string' ? fail(field, v) : v;
  };
  return { fail, int };
}
