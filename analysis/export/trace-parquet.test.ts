import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ingest } from '../../ingest/ingest.ts';
import { readAllRows, TraceReader } from '../../ingest/trace/reader.ts';
import { COLUMNS } from '../../ingest/trace/schema.ts';
import { openDb, selectAll, sqlString } from '../duckdb.ts';
import { exportTraceParquet } from './trace-parquet.ts';

const root = mkdtempSync(join(tmpdir(), 'hetmem-trace-parquet-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('hetmem export --format parquet', () => {
  it('writes every row and column of a trace as the Arrow reader sees them, with the metadata', async () => {
    // The fixture has allocations, accesses, nulls in most columns, and a 2-row runRows so the trace
    // spans several sorted runs.
    const trace = join(root, 'ring.arrow');
    await ingest([new URL('../../fixtures/rdma-ring-4.csv', import.meta.url).pathname], { output: trace, runRows: 2 });
    const out = join(root, 'ring.parquet');
    const r = await exportTraceParquet(trace, out);
    const expected = await readAllRows(trace); // apache-arrow's reader: independent of DuckDB
    expect(r.rows).toBe(expected.length);

    const db = await openDb();
    try {
      const got = await selectAll(db.connection, `SELECT * FROM read_parquet(${sqlString(out)})`);
      expect(got.columns).toEqual([...COLUMNS]);
      expect(got.types).toEqual(['BIGINT', 'BIGINT', 'VARCHAR', 'VARCHAR', 'BIGINT', 'BIGINT', 'VARCHAR', 'VARCHAR', 'VARCHAR', 'VARCHAR', 'INTEGER', 'BIGINT', 'VARCHAR']);
      expect(got.rows.map((row) => Object.fromEntries(COLUMNS.map((c, i) => [c, row[i]])))).toEqual(expected);
      const meta = await selectAll(db.connection, `SELECT decode(key), decode(value) FROM parquet_kv_metadata(${sqlString(out)}) ORDER BY 1`);
      const t = await TraceReader.open(trace);
      const want = [...t.metadata].sort(([a], [b]) => (a < b ? -1 : 1));
      await t.close();
      expect(meta.rows).toEqual(want);
    } finally {
      db.close();
    }
    // nothing but the output is left beside it (no spill folder, no temporary)
    expect(readdirSync(root).sort()).toEqual(['ring.arrow', 'ring.parquet']);
  });
});
