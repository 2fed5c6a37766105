/**
 * `query(dir, nameOrSql)`: runs a named query (analysis/queries/*.sql) or free SQL over a run or a
 * sweep directory (relations: see views.ts). A bad query is a UsageError carrying DuckDB's message.
 */
import { UsageError } from '../common/bad-input.ts';
import { openDataset } from './dataset.ts';
import { openDb, readResult, rowObjects, type Cell, type DbOptions, type QueryResult, type Db } from './duckdb.ts';
import { lockDownConnection, prepareReadOnly } from './read-only-sql.ts';
import { namedQueryNames, namedQuerySql } from './named-queries.ts';
import { attachTrace, isTraceFile, TRACE_VIEW } from './trace-view.ts';
import { attachDataset, VIEW_NAMES } from './views.ts';
import { checkSweepComplete } from '../replay/sweep/status.ts';

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
    await lockDownConnection(db.connection, dataset.root);
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

/**
 * Runs read-only SQL (read-only-sql.ts: SELECT statements only) on an open analysis database and
 * returns the last statement's result; DuckDB's errors become UsageErrors (exit code 2).
 */
export async function runSql(db: Db, sql: string): Promise<QueryResult> {
  try {
    const statements = await prepareReadOnly(db.connection, sql);
    try {
      let reader;
      for (const s of statements) reader = await s.runAndReadAll();
      return readResult(reader!);
    } finally {
      for (const s of statements) s.destroySync();
    }
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw new UsageError(`query failed: ${(e as Error).message}`);
  }
}

export interface QueryOptions extends DbOptions {
  /**
   * Query a sweep whose plan (sweep.json) still has variants that are not done, using the ones that
   * are; default false: such a sweep is a UsageError saying how many are missing.
   */
  partial?: boolean;
  /**
   * The shape of `rows`: `'arrays'` (default; one array of cells per row, in `columns` order) or
   * `'objects'` (one object per row keyed by column name, e.g. `{ cause: 'fault', bytes: 4096 }`).
   * For an Arrow table use `queryArrow()`.
   */
  rows?: 'arrays' | 'objects';
}

/** A query result whose rows are objects keyed by column name (`query(…, { rows: 'objects' })`). */
export interface QueryObjectsResult extends Omit<QueryResult, 'rows'> {
  rows: Record<string, Cell>[];
}

/**
 * Runs a named query or free SQL over a run or sweep directory. Integers come back as numbers
 * (every count, byte and ns hetmem writes is exact in a double).
 */
export async function query(dir: string, nameOrSql: string, options?: QueryOptions & { rows?: 'arrays' }): Promise<QueryResult>;
export async function query(dir: string, nameOrSql: string, options: QueryOptions & { rows: 'objects' }): Promise<QueryObjectsResult>;
export async function query(dir: string, nameOrSql: string, options: QueryOptions = {}): Promise<QueryResult | QueryObjectsResult> {
  const sql = resolveQuery(nameOrSql);
  checkSweepComplete(dir, options.partial);
  const db = await openAnalysis(dir, options);
  try {
    return shapeRows(await runSql(db, sql), options.rows);
  } finally {
    db.close();
  }
}

function shapeRows(result: QueryResult, rows: QueryOptions['rows'] = 'arrays'): QueryResult | QueryObjectsResult {
  if (rows === 'arrays') return result;
  if (rows === 'objects') return { ...result, rows: rowObjects(result) };
  throw new UsageError(`query option rows must be "arrays" or "objects", not ${JSON.stringify(rows)}`);
}
