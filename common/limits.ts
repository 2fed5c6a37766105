/**
 * Bounds on hostile input. A text line, CSV record or JSON value longer than `maxRecordBytes()` is
 * rejected with its line number before it is buffered whole: unbounded, a 2 GiB CSV field grows one
 * string until V8 aborts the process (`Check failed: i::kMaxInt >= len`), with no message naming the
 * file. Real traces stay far below the default (the longest record of the shared traces is a few KiB:
 * Kineto events with long kernel names).
 */

/** Default limit: 16 MiB per line / record / JSON value. */
export const DEFAULT_MAX_RECORD_BYTES = 16 * 1024 * 1024;

/** Environment variable that overrides the limit (bytes; e.g. `HETMEM_MAX_RECORD_BYTES=67108864`). */
export const MAX_RECORD_ENV = 'HETMEM_MAX_RECORD_BYTES';

/** The limit in force: `HETMEM_MAX_RECORD_BYTES` when it is a positive integer, else the default. */
export function maxRecordBytes(): number {
  const v = Number(process.env[MAX_RECORD_ENV]);
  return Number.isSafeInteger(v) && v > 0 ? v : DEFAULT_MAX_RECORD_BYTES;
}

/** The problem text for a record over the limit. */
export function recordTooLong(what: string, limit: number): string {
  return `${what} is longer than ${limit} bytes (the limit for one record; raise it with ${MAX_RECORD_ENV} if the file is genuine)`;
}
