/**
 * events.parquet from an ordered event stream (event-columns.ts EventSource), in bounded memory.
 *
 * Rows arrive already in (ts, emission) order, 2048 at a time (DuckDB's vector size, so the staging
 * table's layout does not depend on how the replay chunked its events). Each block is copied into a
 * DuckDB data chunk with `copy_data_to_vector` (STACK.md fast path): the four numbers as BIGINT, the six
 * string columns as ENUM codes, one ENUM per kind of string (nulls through the validity mask) — no
 * string is built per row. DuckDB stages the rows in a table that it may spill to its temporary
 * directory under `memory_limit`, then one `COPY` without `ORDER BY` (the table's
 * insertion order is the order) writes the Parquet file in the contract's types (run-output.ts
 * EVENT_COLUMNS: BIGINT, and UTF8 strings that read back as VARCHAR) with no conversion left to do.
 */
import duckdb from '@duckdb/node-bindings';
import { DuckDBDataChunk, type DuckDBConnection } from '@duckdb/node-api';
import { EventColumns, type EventSource } from '../event-columns.ts';
import { STRING_GROUPS, type GroupDictionary, type StringGroup } from '../events.ts';
import { int64Words } from './int64-words.ts';
import { copyToParquet, WRITE_THREADS } from './parquet.ts';

const BLOCK = 2048;

/** Events from which the COPY runs on `threads` threads: four Parquet row groups. */
const PARALLEL_MIN_ROWS = 4 * 122880;

const sqlString = (s: string) => `'${s.replaceAll("'", "''")}'`;

/**
 * Writes every row of `source` to `path`; string ids are mapped through the dictionary of their
 * column's group (events.ts `dictionaries()`). `threads`: DuckDB threads for the COPY of four row
 * groups or more (parquet.ts WRITE_THREADS; the bytes are the same for any count). Returns the row count.
 */
export async function writeEventsParquet(
  conn: DuckDBConnection, source: EventSource, dicts: Readonly<Record<StringGroup, GroupDictionary>>, path: string, threads = WRITE_THREADS,
): Promise<number> {
  // One ENUM per group, its members the strings the kept rows use (an empty group gets one unused
  // member: an ENUM cannot be empty). The ENUM columns go to Parquet as they are — DuckDB writes them as
  // UTF8 strings from their codes, so VARCHAR readers see VARCHAR, and no string is hashed per row.
  const members = (g: StringGroup) => (dicts[g].strings.length ? dicts[g].strings : ['']);
  for (const g of STRING_GROUPS) await conn.run(`CREATE TYPE hetmem_${g} AS ENUM (${members(g).map(sqlString).join(', ')})`);
  // The numbers are staged as BIGINT already (int64words below), so the COPY converts nothing.
  await conn.run(`CREATE TABLE ev (ts BIGINT, dur BIGINT, kind hetmem_kind, agent hetmem_agent, src hetmem_mem, dst hetmem_mem,
    addr BIGINT, bytes BIGINT, cause hetmem_cause, obj hetmem_obj)`);
  // One data chunk, built on logical types made once and reset after each append (node-api's
  // DuckDBDataChunk.create would rebuild every ENUM type per chunk).
  const big = duckdb.create_logical_type(duckdb.Type.BIGINT);
  const en = Object.fromEntries(STRING_GROUPS.map((g) => [g, duckdb.create_enum_type(members(g))])) as Record<StringGroup, duckdb.LogicalType>;
  const chunk = new DuckDBDataChunk(duckdb.create_data_chunk([big, big, en.kind, en.agent, en.mem, en.mem, big, big, en.cause, en.obj]));
  // DuckDB stores an ENUM of up to 255 members in 1 byte, up to 65535 in 2, else 4.
  const codeArray = (g: StringGroup) => { const n = members(g).length; return n <= 255 ? new Uint8Array(BLOCK) : n <= 65535 ? new Uint16Array(BLOCK) : new Uint32Array(BLOCK); };
  const validity = new Uint8Array(BLOCK / 8);
  const block = new EventColumns(BLOCK);
  const appender = await conn.createAppender('ev');
  const words = new Int32Array(BLOCK * 2);
  /** Column `k` from doubles as int64 (NaN = null, through the validity mask when `nullable`). */
  const put = (k: number, data: Float64Array, n: number, nullable = false) => {
    const vector = duckdb.data_chunk_get_vector(chunk.chunk, k);
    const nulls = int64Words(data, n, words, nullable ? validity : null);
    duckdb.copy_data_to_vector(vector, 0, words.buffer as ArrayBuffer, 0, n * 8);
    if (nullable) {
      duckdb.vector_ensure_validity_writable(vector);
      duckdb.copy_data_to_vector_validity(vector, 0, validity.buffer as ArrayBuffer, 0, Math.ceil(n / 8));
    } else if (nulls > 0) throw new Error(`event column ${k} holds ${nulls} non-numbers`);
  };
  /** Column `k` of group `g` from string ids: codes, and the validity mask (-1 = null). */
  const stringColumn = (k: number, g: StringGroup) => {
    const code = dicts[g].code;
    const out = codeArray(g);
    return (ids: Int32Array, n: number) => {
      const vector = duckdb.data_chunk_get_vector(chunk.chunk, k);
      validity.fill(0);
      for (let i = 0; i < n; i++) {
        const v = ids[i]!;
        if (v < 0) out[i] = 0;
        else { out[i] = code[v]!; validity[i >> 3]! |= 1 << (i & 7); }
      }
      duckdb.copy_data_to_vector(vector, 0, out.buffer as ArrayBuffer, 0, n * out.BYTES_PER_ELEMENT);
      // The mask is written for every block: the chunk is reused, so no earlier block's nulls linger.
      duckdb.vector_ensure_validity_writable(vector);
      duckdb.copy_data_to_vector_validity(vector, 0, validity.buffer as ArrayBuffer, 0, Math.ceil(n / 8));
    };
  };
  const kind = stringColumn(2, 'kind'), agent = stringColumn(3, 'agent'), src = stringColumn(4, 'mem'), dst = stringColumn(5, 'mem');
  const cause = stringColumn(8, 'cause'), obj = stringColumn(9, 'obj');
  let rows = 0;
  try {
    for (let n = source.fill(block); n > 0; n = source.fill(block)) {
      put(0, block.ts, n); put(1, block.dur, n);
      kind(block.kind, n); agent(block.agent, n); src(block.src, n); dst(block.dst, n);
      put(6, block.addr, n, true); put(7, block.bytes, n);
      cause(block.cause, n); obj(block.obj, n);
      duckdb.data_chunk_set_size(chunk.chunk, n);
      appender.appendDataChunk(chunk);
      duckdb.data_chunk_reset(chunk.chunk);
      rows += n;
    }
    appender.flushSync();
  } finally {
    appender.closeSync();
  }
  // Extra threads pay (about 180 MiB more resident, measured) only when there are row groups to share.
  await copyToParquet(conn, 'SELECT ts, dur, kind, agent, src, dst, addr, bytes, cause, obj FROM ev', path, rows >= PARALLEL_MIN_ROWS ? threads : 1);
  await conn.run('DROP TABLE ev');
  for (const g of STRING_GROUPS) await conn.run(`DROP TYPE hetmem_${g}`);
  return rows;
}
