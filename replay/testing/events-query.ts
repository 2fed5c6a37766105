/** Test helper: run SQL over a run directory's parquet files with embedded DuckDB; BIGINTs → numbers. */
import { DuckDBInstance } from '@duckdb/node-api';

export async function query(sql: string): Promise<Record<string, unknown>[]> {
  const inst = await DuckDBInstance.create(':memory:');
  const conn = await inst.connect();
  try {
    const r = await conn.runAndReadAll(sql);
    const cols = r.columnNames();
    return r.getRows().map((row) => Object.fromEntries(row.map((v, i) => [cols[i]!, typeof v === 'bigint' ? Number(v) : v])));
  } finally {
    conn.closeSync();
    inst.closeSync();
  }
}
