/**
 * The canonical trace (Arrow IPC file) as Parquet, for the tools users have: DuckDB cannot read Arrow
 * IPC files offline (its arrow extension must be downloaded) and Debian has no pyarrow, but both
 * DuckDB and pandas/polars read Parquet.
 *
 * Same columns and row order as the trace; dictionary columns become plain strings; Int64 columns stay
 * BIGINT (null where null); the trace's schema metadata (`hetmem.*` keys: source format, files, hash,
 * devices, unmapped counts …) is kept as Parquet key/value metadata.
 *
 * Rows travel batch by batch through DuckDB's appender as typed arrays (no object per row, see
 * replay/output/parquet.ts); string columns travel as dictionary codes and are joined to the final
 * dictionaries (the trace format only ever appends to a dictionary, so codes are stable) when the
 * file is written. DuckDB spills to a temporary directory beside the output past its memory limit, so
 * memory does not grow with the trace.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { commitTemp, discardTemp, tempPathFor } from '../../common/atomic-output.ts';
import { claimOutput } from '../../common/output-guard.ts';
import { loadColumns, loadStrings, openDuckDb, type NumericColumn } from '../../replay/output/parquet.ts';
import { TraceReader } from '../../ingest/trace/reader.ts';
import { COLUMNS, DICT_COLUMNS, INT64_COLUMNS, type DictColumn } from '../../ingest/trace/schema.ts';
import { sqlString } from '../duckdb.ts';

export interface TraceParquetResult {
  /** the file written */
  file: string;
  rows: number;
  /** metadata keys carried over */
  metadataKeys: string[];
}

const isDict = (c: string): c is DictColumn => (DICT_COLUMNS as readonly string[]).includes(c);
const isInt64 = (c: string) => (INT64_COLUMNS as readonly string[]).includes(c);

/** Writes canonical trace `trace` as Parquet to `out` (atomically). */
export async function exportTraceParquet(trace: string, out: string, options: { force?: boolean } = {}): Promise<TraceParquetResult> {
  const reader = await TraceReader.open(trace);
  const { conn, close } = await openDuckDb();
  const claim = claimOutput(out, 'trace-parquet', { force: options.force });
  const tmp = tempPathFor(out);
  const spill = mkdtempSync(join(dirname(out), '.hetmem-spill-'));
  try {
    await conn.run(`SET temp_directory = ${sqlString(spill)}`);
    await conn.run(`SET memory_limit = '1GB'`);
    await conn.run('SET preserve_insertion_order = true');
    const dictionaries = new Map<DictColumn, readonly string[]>();
    let rows = 0;
    let created = false;
    for (let k = 0; k < reader.numBatches; k++) {
      const b = await reader.batch(k);
      const n = b.length;
      const cols: NumericColumn[] = [{ name: 'row', data: Float64Array.from({ length: n }, (_v, i) => rows + i) }];
      for (const c of COLUMNS) {
        if (isDict(c)) { cols.push({ name: c, data: b.codes(c) }); dictionaries.set(c, b.dictionary(c)); } else cols.push({ name: c, data: b.num(c as never) });
      }
      if (!created) { await loadColumns(conn, 'trace_rows', cols, n); created = true; } else {
        await loadColumns(conn, 'trace_batch', cols, n);
        await conn.run('INSERT INTO trace_rows SELECT * FROM trace_batch');
      }
      rows += n;
    }
    if (!created) await loadColumns(conn, 'trace_rows', [{ name: 'row', data: new Float64Array(0) }, ...COLUMNS.map((c) => ({ name: c, data: isDict(c) ? new Int32Array(0) : new Float64Array(0) }) as NumericColumn)], 0);
    for (const c of DICT_COLUMNS) await loadStrings(conn, `dict_${c}`, dictionaries.get(c) ?? []);
    const select = COLUMNS.map((c) => {
      if (isDict(c)) return `dict_${c}.s AS "${c}"`;
      const cast = isInt64(c) ? 'BIGINT' : 'INTEGER'; // the only other numeric column is Int32 `stream`
      return `CASE WHEN isnan(t."${c}") THEN NULL ELSE t."${c}"::${cast} END AS "${c}"`;
    }).join(', ');
    const joins = DICT_COLUMNS.map((c) => `LEFT JOIN dict_${c} ON dict_${c}.id = t."${c}"`).join(' ');
    const meta = [...reader.metadata].sort(([a], [b]) => (a < b ? -1 : 1));
    const kv = meta.length === 0 ? '' : `, KV_METADATA {${meta.map(([key, v]) => `${sqlString(key)}: ${sqlString(v)}`).join(', ')}}`;
    await conn.run(`COPY (SELECT ${select} FROM trace_rows t ${joins} ORDER BY t.row) TO ${sqlString(tmp)} (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 122880${kv})`);
    commitTemp(tmp, out);
    return { file: out, rows, metadataKeys: meta.map(([key]) => key) };
  } catch (e) {
    discardTemp(tmp);
    throw e;
  } finally {
    claim.release();
    close();
    await reader.close();
    rmSync(spill, { recursive: true, force: true });
  }
}
