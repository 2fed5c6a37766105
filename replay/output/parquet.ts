/**
 * Columnar typed arrays → Parquet through embedded DuckDB (STACK.md fast path): columns are copied
 * into DuckDB data chunks with `copy_data_to_vector` (no value objects), appended to a temporary
 * table, then `COPY (SELECT …) TO 'x.parquet'` writes the file. Strings travel as integer ids plus a
 * small id → string table joined in SQL. The COPY has a fixed row-group size, so the same rows in the
 * same order give the same bytes (on more than one thread only where WRITE_THREADS says so). (Events take events-parquet.ts, which streams.)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import duckdb from '@duckdb/node-bindings';
import { DuckDBDataChunk, DuckDBDoubleType, DuckDBIntegerType, DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';

export type NumericColumn = { name: string; data: Float64Array } | { name: string; data: Int32Array };

const CHUNK = 2048; // DuckDB's standard vector size

/**
 * DuckDB's memory for staging a run's tables: above it, table data spills to a scratch directory of its
 * own (removed on close), so a run of any size is written in bounded memory.
 */
export const DUCKDB_MEMORY_LIMIT = '256MB';

/**
 * DuckDB threads for a COPY that only scans one staged table (events.parquet): it compresses row
 * groups in parallel and writes them in order, and the bytes do not depend on the count — the table
 * is appended in order, so each of its row groups but the last holds exactly ROW_GROUP_SIZE rows,
 * DuckDB's Parquet batch copy takes such a batch as one row group unchanged (`PhysicalFixedBatchCopy`,
 * `CorrectSizeForBatch`) and flushes batches in batch-index order. A COPY whose SELECT joins (the
 * timeline's string lookups) regroups rows by thread timing, so every other COPY runs on one thread.
 * At most 4, at most the machine's cores.
 */
export const WRITE_THREADS = Math.max(1, Math.min(4, availableParallelism()));

/** Rows per Parquet row group; DuckDB's own table row-group size, so a staged table's row groups map 1:1. */
const ROW_GROUP_SIZE = 122880;

export async function openDuckDb(): Promise<{ conn: DuckDBConnection; close(): void }> {
  const scratch = mkdtempSync(join(tmpdir(), 'hetmem-duckdb-'));
  try {
    const instance = await DuckDBInstance.create(':memory:', { threads: '1' });
    const conn = await instance.connect();
    await conn.run(`SET temp_directory = '${scratch.replaceAll("'", "''")}'`);
    await conn.run(`SET memory_limit = '${DUCKDB_MEMORY_LIMIT}'`);
    return { conn, close() { try { conn.closeSync(); instance.closeSync(); } finally { rmSync(scratch, { recursive: true, force: true }); } } };
  } catch (e) {
    rmSync(scratch, { recursive: true, force: true });
    throw e;
  }
}

/** Loads `n` rows of numeric columns into a new table `table`. */
export async function loadColumns(conn: DuckDBConnection, table: string, columns: readonly NumericColumn[], n: number): Promise<void> {
  const sqlType = (c: NumericColumn) => (c.data instanceof Float64Array ? 'DOUBLE' : 'INTEGER');
  await conn.run(`CREATE OR REPLACE TABLE ${table} (${columns.map((c) => `"${c.name}" ${sqlType(c)}`).join(', ')})`);
  const appender = await conn.createAppender(table);
  const types = columns.map((c) => (c.data instanceof Float64Array ? DuckDBDoubleType.instance : DuckDBIntegerType.instance));
  for (let start = 0; start < n; start += CHUNK) {
    const rows = Math.min(CHUNK, n - start);
    const chunk = DuckDBDataChunk.create(types, rows);
    columns.forEach((c, k) => {
      const width = c.data.BYTES_PER_ELEMENT;
      const vector = duckdb.data_chunk_get_vector(chunk.chunk, k);
      duckdb.copy_data_to_vector(vector, 0, c.data.buffer as ArrayBuffer, c.data.byteOffset + start * width, rows * width);
    });
    duckdb.data_chunk_set_size(chunk.chunk, rows);
    appender.appendDataChunk(chunk);
  }
  appender.flushSync();
  appender.closeSync();
}

/** Loads an id → string table. */
export async function loadStrings(conn: DuckDBConnection, table: string, strings: readonly string[]): Promise<void> {
  await conn.run(`CREATE OR REPLACE TABLE ${table} (id INTEGER, s VARCHAR)`);
  const appender = await conn.createAppender(table);
  for (let i = 0; i < strings.length; i++) { appender.appendInteger(i); appender.appendVarchar(strings[i]!); appender.endRow(); }
  appender.flushSync();
  appender.closeSync();
}

/**
 * Writes the result of `select` to a Parquet file. `threads` > 1 only for a SELECT that scans one
 * table appended in order (see WRITE_THREADS); the connection is left at one thread.
 */
export async function copyToParquet(conn: DuckDBConnection, select: string, path: string, threads = 1): Promise<void> {
  if (threads !== 1) await conn.run(`SET threads = ${threads}`);
  try {
    await conn.run(`COPY (${select}) TO '${path.replaceAll("'", "''")}' (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE ${ROW_GROUP_SIZE})`);
  } finally {
    if (threads !== 1) await conn.run('SET threads = 1');
  }
}
