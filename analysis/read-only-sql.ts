/**
 * Free SQL without DuckDB's full powers. `hetmem query` runs user text, so its connection must not
 * write files, attach databases, install or load extensions, or read outside the run/sweep queried.
 * Two layers, because neither is enough alone (STACK.md "read-only free SQL", measured with
 * @duckdb/node-api 1.5.5):
 *
 * 1. settings, in this order after the views exist: `allowed_directories` = the dataset root,
 *    `enable_external_access = false` (no file outside it, no INSTALL/LOAD, no network),
 *    `lock_configuration = true` (no SET turning either back on). Passing them to
 *    `DuckDBInstance.create` fails ("Failed to set config"), so they are SET on the connection.
 * 2. a statement-type check: `COPY … TO '<root>/x.parquet'` and `ATTACH '<root>/x.duckdb'` stay
 *    allowed by (1) because they are inside the allowed directory, so only SELECT statements run.
 */
import { StatementType, type DuckDBConnection } from '@duckdb/node-api';
import { UsageError } from '../common/bad-input.ts';
import { sqlString } from './duckdb.ts';

/** Locks `connection` down to reading files below `root` (an absolute directory). */
export async function lockDownConnection(connection: DuckDBConnection, root: string): Promise<void> {
  const dir = root.endsWith('/') ? root : `${root}/`;
  await connection.run(`SET allowed_directories = [${sqlString(dir)}]`);
  await connection.run('SET enable_external_access = false');
  await connection.run('SET lock_configuration = true');
}

const STATEMENT_NAMES = new Map<number, string>(
  Object.entries(StatementType).filter(([, v]) => typeof v === 'number').map(([k, v]) => [v as number, k]),
);

/**
 * Prepares every statement of `sql` and refuses the batch unless each is a SELECT (queries, CTEs,
 * `FROM x` shorthands, DESCRIBE/SHOW/SUMMARIZE): nothing runs when one statement is refused. Returns
 * the prepared statements in order; the caller runs them and destroys them.
 */
export async function prepareReadOnly(connection: DuckDBConnection, sql: string) {
  const extracted = await connection.extractStatements(sql);
  const prepared = [];
  try {
    for (let i = 0; i < extracted.count; i++) {
      const p = await extracted.prepare(i);
      prepared.push(p);
      if (p.statementType !== StatementType.SELECT) {
        const kind = STATEMENT_NAMES.get(p.statementType) ?? String(p.statementType);
        throw new UsageError(`query refused: statement ${i + 1} is ${kind}; hetmem query runs read-only SQL (SELECT statements only)`);
      }
    }
  } catch (e) {
    for (const p of prepared) p.destroySync();
    throw e;
  }
  if (prepared.length === 0) throw new UsageError('query refused: no SQL statement given');
  return prepared;
}
