/**
 * Helpers shared by the SQLite-based readers (Nsight Systems exports, native nvprof files): open a
 * file read-only, ask which tables and columns it has (both tools changed their schema over the
 * years), build SELECT lists that tolerate missing optional columns, load `ENUM_*` tables, and turn
 * a bad value into a `file:table:rowid: field: problem` error.
 */
import Database from 'better-sqlite3';
import { BadInputError } from '../../common/bad-input.ts';

export type Db = Database.Database;

const SQLITE_MAGIC = 'SQLite format 3\0';

export function isSqliteHeader(head: Uint8Array): boolean {
  if (head.length < SQLITE_MAGIC.length) return false;
  for (let i = 0; i < SQLITE_MAGIC.length; i++) if (head[i] !== SQLITE_MAGIC.charCodeAt(i)) return false;
  return true;
}

export function openReadOnly(path: string): Db {
  let db: Db;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true });
  } catch (e) {
    throw new BadInputError(path, undefined, undefined, `cannot open as SQLite: ${(e as Error).message}`);
  }
  try {
    // better-sqlite3 opens lazily: a fake header or a truncated file fails only at the first read
    db.prepare('SELECT count(*) FROM sqlite_master').get();
  } catch (e) {
    db.close();
    throw Object.assign(e as Error, { path }); // ingest() names it "corrupt <format> file"
  }
  return db;
}

/**
 * A SQLite error (better-sqlite3's SqliteError: code `SQLITE_NOTADB`, `SQLITE_CORRUPT`, …) met while
 * reading a file of `format` becomes bad input naming the file; other errors pass unchanged.
 */
export function corruptSqliteError(e: unknown, format: string, fallbackFile: string): unknown {
  const err = e as { code?: unknown; message?: string; path?: string };
  if (typeof err?.code !== 'string' || !err.code.startsWith('SQLITE_')) return e;
  return new BadInputError(err.path ?? fallbackFile, undefined, undefined, `corrupt ${format} file (SQLite: ${err.message})`);
}

/** Opens `path` only long enough to list its tables; undefined when it is not a readable SQLite file. */
export function sqliteTablesOf(path: string): Set<string> | undefined {
  let db: Db | undefined;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true });
    return tableNames(db);
  } catch {
    return undefined;
  } finally {
    db?.close();
  }
}

export function tableNames(db: Db): Set<string> {
  const rows = db.prepare("SELECT name FROM sqlite_master WHERE type IN ('table', 'view')").pluck().all() as string[];
  return new Set(rows);
}

export function tableColumns(db: Db, table: string): Set<string> {
  const rows = db.prepare(`PRAGMA table_info(${quoteIdent(table)})`).all() as { name: string }[];
  return new Set(rows.map((r) => r.name));
}

export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** A column a reader wants: the first present of `names`; `required` ones must exist. */
export interface WantedColumn {
  names: readonly string[];
  required?: boolean;
  /** A timestamp: selected as `column - @base` (exact int64 arithmetic in SQLite, then a safe double). */
  time?: boolean;
}

/**
 * The SELECT expression list for `wanted`, in order (NULL for absent optional columns), preceded by
 * `rowid` so errors can name the row. Time columns need the statement bound with `{ base }`. Throws a BadInputError naming the table for a missing required
 * column.
 */
export function selectList(file: string, table: string, columns: Set<string>, wanted: readonly WantedColumn[]): string {
  const parts = ['rowid'];
  for (const w of wanted) {
    const found = w.names.find((n) => columns.has(n));
    // A time that is not a number (text such as 'banana', a blob) is selected as written, so the
    // error quotes it rather than the result of SQLite's text arithmetic ('banana' - base = -base).
    if (found !== undefined) parts.push(w.time ? `(CASE WHEN typeof(${quoteIdent(found)}) IN ('integer', 'real') THEN ${quoteIdent(found)} - @base ELSE ${quoteIdent(found)} END)` : quoteIdent(found));
    else if (w.required) throw new BadInputError(file, table, w.names[0], 'column is missing');
    else parts.push('NULL');
  }
  return parts.join(', ');
}

/** Smallest value of `column` over the tables that have it (exact, as bigint), or undefined. */
export function minOver(db: Db, tables: readonly { table: string; column: string }[]): bigint | undefined {
  let min: bigint | undefined;
  for (const { table, column } of tables) {
    const v = db.prepare(`SELECT min(${quoteIdent(column)}) FROM ${quoteIdent(table)}`).pluck().safeIntegers(true).get() as bigint | null;
    if (typeof v === 'bigint' && (min === undefined || v < min)) min = v;
  }
  return min;
}

/** `ENUM_*` table as id → symbol name, or the documented fallback when the table is absent/empty. */
export function loadEnum(db: Db, tables: Set<string>, table: string, fallback: ReadonlyMap<number, string>): Map<number, string> {
  if (!tables.has(table)) return new Map(fallback);
  const cols = tableColumns(db, table);
  if (!cols.has('id') || !cols.has('name')) return new Map(fallback);
  const rows = db.prepare(`SELECT id, name FROM ${quoteIdent(table)}`).raw(true).all() as [number, string | null][];
  if (rows.length === 0) return new Map(fallback);
  const m = new Map<number, string>();
  for (const [id, name] of rows) if (name !== null) m.set(id, name);
  return m;
}

/** Checks integer cells of one row and names the row in errors. */
export class RowCheck {
  rowid = 0;
  constructor(readonly file: string, readonly table: string) {}

  fail(field: string, problem: string): never {
    throw new BadInputError(this.file, `${this.table}:${this.rowid}`, field, problem);
  }

  /** A required non-negative exact integer. */
  int(field: string, v: unknown): number {
    if (typeof v !== 'number' || !Number.isInteger(v)) this.fail(field, v === null ? 'is missing' : `is not an integer (got ${shownCell(v)})`);
    if (!Number.isSafeInteger(v)) this.fail(field, `is out of range (got ${v}; the largest exact value is 2^53-1)`);
    if (v < 0) this.fail(field, `must not be negative (got ${v})`);
    return v;
  }

  /** An optional non-negative exact integer (NULL → null). */
  optInt(field: string, v: unknown): number | null {
    return v === null || v === undefined ? null : this.int(field, v);
  }

  /**
   * A stream id for the Int32 `stream` column: CUPTI's "no stream" 0xFFFFFFFF (context-wide
   * synchronisation) and NULL become null; anything else beyond Int32 is an error.
   */
  stream(field: string, v: unknown): number | null {
    const s = this.optInt(field, v);
    if (s === null || s === 0xffffffff) return null;
    if (s > 0x7fffffff) this.fail(field, `is out of range for a stream id (got ${s})`);
    return s;
  }

  /** A required integer that may be negative (ids). */
  signedInt(field: string, v: unknown): number {
    if (typeof v !== 'number' || !Number.isSafeInteger(v)) this.fail(field, v === null ? 'is missing' : `is not an exact integer (got ${shownCell(v)})`);
    return v;
  }

  /** `end` of an interval whose start is `start` (relative ns); the duration. */
  duration(start: number, end: unknown): number {
    const e = this.signedInt('end', end);
    if (e < start) this.fail('end', `is before start (start ${start}, end ${e} ns after the trace base)`);
    return e - start;
  }
}

/** Row counts of tables a reader does not map, for `sink.unmapped` (`table:<NAME>`). */
export function countRows(db: Db, table: string): number {
  return db.prepare(`SELECT count(*) FROM ${quoteIdent(table)}`).pluck().get() as number;
}

/** A cell as written in the source: text quoted, blobs as hex, numbers as they are. */
function shownCell(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (v instanceof Uint8Array) return `x'${Buffer.from(v).toString('hex')}'`;
  return String(v);
}
