/**
 * A canonical trace as a relation, so `hetmem query trace.arrow "…"` works like it does on a run:
 * DuckDB reads no Arrow IPC offline, so the trace is first written as Parquet (export/trace-parquet.ts)
 * into a private temporary folder that is removed when the database closes.
 *
 *   trace   one row per trace row: ts, dur, op, agent, addr, bytes, obj, peer, mem, cause, stream, corr, name
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { sqlString } from './duckdb.ts';
import { exportTraceParquet } from './export/trace-parquet.ts';

export const TRACE_VIEW = 'trace';

/** True when `path` is a file (a trace), not a run or sweep directory. */
export function isTraceFile(path: string): boolean {
  try { return statSync(path).isFile(); } catch { return false; }
}

/** Creates view `trace` over `file`; returns the clean-up to run when the database closes. */
export async function attachTrace(c: DuckDBConnection, file: string): Promise<() => void> {
  const dir = mkdtempSync(join(tmpdir(), 'hetmem-trace-'));
  const cleanup = () => rmSync(dir, { recursive: true, force: true });
  try {
    const parquet = join(dir, 'trace.parquet');
    await exportTraceParquet(file, parquet);
    await c.run(`CREATE VIEW ${TRACE_VIEW} AS SELECT * FROM read_parquet(${sqlString(parquet)})`);
    return cleanup;
  } catch (e) {
    cleanup();
    throw e;
  }
}
