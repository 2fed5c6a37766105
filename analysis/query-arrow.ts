/**
 * `queryArrow(dir, nameOrSql)`: a query's result as an Apache Arrow table, for notebooks and tools
 * that take Arrow (Observable Plot and Arquero read Arrow tables directly).
 *
 * DuckDB's own Arrow export needs its `arrow` extension, which cannot be installed offline (STACK.md),
 * so the table is built from the query's cells with one Arrow type per DuckDB type: booleans → Bool,
 * integers up to 32 bits → Int32, every other number (BIGINT, HUGEINT, DOUBLE, DECIMAL, …) → Float64,
 * the rest → Utf8. A BIGINT is a number only when exact: a value beyond ±(2^53 − 1) cannot be one (it
 * never occurs in hetmem's outputs; free SQL can make one) and is an error naming the column and row.
 */
import { Bool, Float64, Int32, Table, Utf8, vectorFromArray, type DataType, type Vector } from 'apache-arrow';
import { UsageError } from '../common/bad-input.ts';
import type { Cell, DbOptions, QueryResult } from './duckdb.ts';
import { query } from './query.ts';

const INT32_TYPES = new Set(['TINYINT', 'SMALLINT', 'INTEGER', 'UTINYINT', 'USMALLINT']);
const FLOAT64_TYPES = new Set(['BIGINT', 'HUGEINT', 'UINTEGER', 'UBIGINT', 'UHUGEINT', 'FLOAT', 'DOUBLE']);
/** Types whose values can exceed 2^53 and so may have been rounded on the way to a number. */
const WIDE_INTEGER_TYPES = new Set(['BIGINT', 'HUGEINT', 'UBIGINT', 'UHUGEINT']);

/** The Arrow type a column of this DuckDB type becomes. */
export function arrowTypeOf(duckdbType: string): DataType {
  if (duckdbType === 'BOOLEAN') return new Bool();
  if (INT32_TYPES.has(duckdbType)) return new Int32();
  if (FLOAT64_TYPES.has(duckdbType) || duckdbType.startsWith('DECIMAL')) return new Float64();
  return new Utf8();
}

/** The cells of a query result as an Arrow table (column order and names kept). */
export function resultToArrow(result: QueryResult): Table {
  const columns: Record<string, Vector> = {};
  result.columns.forEach((name, c) => {
    const duckdbType = result.types[c] ?? 'VARCHAR';
    const type = arrowTypeOf(duckdbType);
    const values = result.rows.map((row, r) => cellFor(row[c] ?? null, type, duckdbType, name, r));
    columns[name] = vectorFromArray(values, type);
  });
  return new Table(columns);
}

function cellFor(v: Cell, type: DataType, duckdbType: string, column: string, row: number): Cell {
  if (v === null) return null;
  if (type instanceof Utf8) return typeof v === 'string' ? v : String(v);
  if (type instanceof Float64 && typeof v === 'string') return Number(v); // NaN / ±Infinity come as text
  if (WIDE_INTEGER_TYPES.has(duckdbType) && typeof v === 'number' && !Number.isSafeInteger(v)) {
    throw new UsageError(`queryArrow: column ${column}, row ${row + 1}: ${duckdbType} value ${v} is beyond 2^53 and not exact as a number (CAST it to VARCHAR or DOUBLE in the query)`);
  }
  return v;
}

/** Runs a named query or free SQL over a run or sweep directory; the result as an Arrow table. */
export async function queryArrow(dir: string, nameOrSql: string, options: DbOptions = {}): Promise<Table> {
  return resultToArrow(await query(dir, nameOrSql, options));
}
