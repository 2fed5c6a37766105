/**
 * `query(dir, nameOrSql)`: runs a named query (analysis/queries/*.sql) or free SQL over a run or a
 * sweep directory (relations: see views.ts). A bad query is a UsageError carrying DuckDB's message.
 */
import { UsageError } from '../common/bad-input.ts';
import { openDataset } from './dataset.ts';
import { openDb, selectAll, type DbOptions, type QueryResult, type Db } from './duckdb.ts';
import { namedQueryNames, namedQuerySql } from './named-queries.ts';
import { attachTrace, isTraceFile, TRACE_VIEW } from './trace-view.ts';
import { attachDataset, VIEW_NAMES } from './views.ts';

export type { QueryResult, Cell } from './duckdb.ts';

/**
 * Opens an in-memory DuckDB with the views of `dir` — a run or sweep directory, or a canonical trace
 * file (view `trace`, see trace-view.ts); the caller closes it.
 */
export async function openAnalysis(dir: string, options: DbOptions = {}): Promise<Db> {
  if (isTraceFile(dir)) {
    const db = await openDb(options);
    try {
      const cleanup = await attachTrace(db.connection, dir);
      return { connection: db.connection, close() { db.close(); cleanup(); } };
    } catch (e) {
      db.close();
      throw e;
    }
  }
  const dataset = openDataset(dir);
  const db = await openDb(options);
  try {
    await attachDataset(db.connection, dataset, dir);
    return db;
  } catch (e) {
    db.close();
    throw e;
  }
}

/** The SQL a name or free text stands for. */
export function resolveQuery(nameOrSql: string): string {
  const named = namedQuerySql(nameOrSql.trim());
  if (named !== undefined) return named;
  // a bare relation name shows the relation
  if ([...VIEW_NAMES, TRACE_VIEW].includes(nameOrSql.trim())) return `SELECT * FROM ${nameOrSql.trim()}`;
  if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(nameOrSql.trim())) {
    throw new UsageError(`unknown query "${nameOrSql}"; named queries: ${namedQueryNames().join(', ')}; relations: ${VIEW_NAMES.join(', ')} (a run or sweep), ${TRACE_VIEW} (a trace file) (or pass SQL)`);
  }
  return nameOrSql;
}

/** Runs SQL on an open analysis database; DuckDB's errors become UsageErrors (exit code 2). */
export async function runSql(db: Db, sql: string): Promise<QueryResult> {
  try {
    return await selectAll(db.connection, sql);
  } catch (e) {
    throw new UsageError(`query failed: ${(e as Error).message}`);
  }
}

export async function query(dir: string, nameOrSql: string, options: DbOptions = {}): Promise<QueryResult> {
  const sql = resolveQuery(nameOrSql);
  const db = await openAnalysis(dir, options);
  try {
    return await runSql(db, sql);
  } finally {
    db.close();
  }
}
