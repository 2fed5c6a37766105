/**
 * The embedded DuckDB used by analysis/ and reports/: one in-memory database per use, results read
 * back as plain JSON-able cells (BIGINT/HUGEINT become numbers — every ns and byte count of hetmem is
 * exact in a double, see ingest/trace/units.ts).
 */
import { DuckDBInstance, type DuckDBConnection, type DuckDBResultReader, type JS } from '@duckdb/node-api';

/** One cell of a query result: what JSON, CSV and a table can show. */
export type Cell = string | number | boolean | null;

export interface QueryResult {
  columns: string[];
  /** DuckDB type names (`BIGINT`, `VARCHAR`, `DOUBLE`, …), one per column */
  types: string[];
  rows: Cell[][];
}

export interface Db {
  connection: DuckDBConnection;
  close(): void;
}

export interface DbOptions {
  /**
   * DuckDB worker threads. Default 1: parallel float aggregation differs in the last digits from run
   * to run (STACK.md), and hetmem's outputs must be byte-identical for identical inputs.
   */
  threads?: number;
}

export async function openDb(options: DbOptions = {}): Promise<Db> {
  const instance = await DuckDBInstance.create(':memory:', { threads: String(options.threads ?? 1) });
  const connection = await instance.connect();
  return {
    connection,
    close() {
      connection.closeSync();
      instance.closeSync();
    },
  };
}

/** A SQL string literal. */
export function sqlString(s: string): string {
  return `'${s.replaceAll("'", "''")}'`;
}

/** A quoted SQL identifier (variant keys such as `gpu0.bar` need quoting). */
export function sqlIdent(s: string): string {
  return `"${s.replaceAll('"', '""')}"`;
}

/** Runs `sql` and reads the whole result as plain cells. */
export async function selectAll(connection: DuckDBConnection, sql: string): Promise<QueryResult> {
  return readResult(await connection.runAndReadAll(sql));
}

/** Reads a whole result as plain cells. */
export function readResult(reader: DuckDBResultReader): QueryResult {
  const columns = reader.columnNames();
  const types = reader.columnTypes().map((t) => t.toString());
  const rows = reader.getRowsJS().map((row) => row.map(toCell));
  return { columns, types, rows };
}

/** Converts DuckDB's JS values to cells: bigint → number, dates → ISO text, nested → JSON text. */
export function toCell(v: JS): Cell {
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return v;
  if (typeof v === 'number') return Number.isFinite(v) ? v : String(v);
  if (typeof v === 'bigint') return Number(v);
  if (v instanceof Date) return v.toISOString();
  if (v instanceof Uint8Array) return Buffer.from(v).toString('hex');
  return JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? Number(x) : x));
}

/** Result rows as objects keyed by column name (for charts). */
export function rowObjects(result: QueryResult): Record<string, Cell>[] {
  return result.rows.map((row) => Object.fromEntries(result.columns.map((c, i) => [c, row[i] ?? null])));
}
