/**
 * events.parquet from an ordered event stream (event-columns.ts EventSource), in bounded memory.
 *
 * Rows arrive already in (ts, emission) order, 2048 at a time (DuckDB's vector size, so the staging
 * table's layout does not depend on how the replay chunked its events). Each block is copied into a
 * DuckDB data chunk with `copy_data_to_vector` (STACK.md fast path): the four numbers as DOUBLE, the six
 * string columns as codes of one ENUM over the event log's string table (nulls through the validity
 * mask) — no string is built per row. DuckDB stages the rows in a table that it may spill to its
 * temporary directory under `memory_limit`, then one single-threaded `COPY` without `ORDER BY` (the
 * table's insertion order is the order) casts to the contract's types (run-output.ts EVENT_COLUMNS:
 * BIGINT and VARCHAR) and writes the Parquet file.
 */
import duckdb from '@duckdb/node-bindings';
import { DuckDBDataChunk, type DuckDBConnection } from '@duckdb/node-api';
import { EventColumns, type EventSource } from '../event-columns.ts';
import { copyToParquet } from './parquet.ts';

const BLOCK = 2048;

const sqlString = (s: string) => `'${s.replaceAll("'", "''")}'`;

/** Writes every row of `source` (string ids into `strings`) to `path`; returns the row count. */
export async function writeEventsParquet(conn: DuckDBConnection, source: EventSource, strings: readonly string[], path: string): Promise<number> {
  // The ENUM's members are the whole string table (known once the replay has ended, never empty: the
  // log interns its own kinds first); an id is its code.
  await conn.run(`CREATE TYPE hetmem_event_str AS ENUM (${strings.map(sqlString).join(', ')})`);
  await conn.run(`CREATE TABLE ev (ts DOUBLE, dur DOUBLE, kind hetmem_event_str, agent hetmem_event_str, src hetmem_event_str,
    dst hetmem_event_str, addr DOUBLE, bytes DOUBLE, cause hetmem_event_str, obj hetmem_event_str)`);
  // One data chunk, built on the bindings' logical types once and reset after each append (node-api's
  // DuckDBDataChunk.create would rebuild the ENUM type, whole string table included, per chunk).
  const dbl = duckdb.create_logical_type(duckdb.Type.DOUBLE);
  const str = duckdb.create_enum_type(strings);
  const chunk = new DuckDBDataChunk(duckdb.create_data_chunk([dbl, dbl, str, str, str, str, dbl, dbl, str, str]));
  // DuckDB stores an ENUM of up to 255 members in 1 byte, up to 65535 in 2, else 4.
  const width = strings.length <= 255 ? 1 : strings.length <= 65535 ? 2 : 4;
  const codes = width === 1 ? new Uint8Array(BLOCK) : width === 2 ? new Uint16Array(BLOCK) : new Uint32Array(BLOCK);
  const validity = new Uint8Array(BLOCK / 8);
  const block = new EventColumns(BLOCK);
  const appender = await conn.createAppender('ev');
  let rows = 0;
  try {
    for (let n = source.fill(block); n > 0; n = source.fill(block)) {
      const put = (k: number, data: Float64Array) => {
        duckdb.copy_data_to_vector(duckdb.data_chunk_get_vector(chunk.chunk, k), 0, data.buffer as ArrayBuffer, data.byteOffset, n * 8);
      };
      const putCodes = (k: number, ids: Int32Array) => {
        const vector = duckdb.data_chunk_get_vector(chunk.chunk, k);
        validity.fill(0);
        for (let i = 0; i < n; i++) {
          const v = ids[i]!;
          if (v < 0) codes[i] = 0;
          else { codes[i] = v; validity[i >> 3]! |= 1 << (i & 7); }
        }
        duckdb.copy_data_to_vector(vector, 0, codes.buffer as ArrayBuffer, 0, n * width);
        // The mask is written for every block: the chunk is reused, so no earlier block's nulls linger.
        duckdb.vector_ensure_validity_writable(vector);
        duckdb.copy_data_to_vector_validity(vector, 0, validity.buffer as ArrayBuffer, 0, Math.ceil(n / 8));
      };
      put(0, block.ts); put(1, block.dur);
      putCodes(2, block.kind); putCodes(3, block.agent); putCodes(4, block.src); putCodes(5, block.dst);
      put(6, block.addr); put(7, block.bytes);
      putCodes(8, block.cause); putCodes(9, block.obj);
      duckdb.data_chunk_set_size(chunk.chunk, n);
      appender.appendDataChunk(chunk);
      duckdb.data_chunk_reset(chunk.chunk);
      rows += n;
    }
    appender.flushSync();
  } finally {
    appender.closeSync();
  }
  await copyToParquet(conn, `SELECT CAST(ts AS BIGINT) AS ts, CAST(dur AS BIGINT) AS dur, kind::VARCHAR AS kind, agent::VARCHAR AS agent,
    src::VARCHAR AS src, dst::VARCHAR AS dst, CASE WHEN isnan(addr) THEN NULL ELSE CAST(addr AS BIGINT) END AS addr,
    CAST(bytes AS BIGINT) AS bytes, cause::VARCHAR AS cause, obj::VARCHAR AS obj FROM ev`, path);
  await conn.run('DROP TABLE ev');
  await conn.run('DROP TYPE hetmem_event_str');
  return rows;
}
