/**
 * Writes a run directory (run-output.ts): events.parquet, timeline.parquet, summary.json, run.json,
 * all into a temporary directory that replaces `out` only when everything succeeded.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeDirectoryAtomic } from '../../common/atomic-output.ts';
import { HETMEM_VERSION, dependencyVersion } from '../../common/package-version.ts';
import type { MemoryModel } from '../memory/memory-model.ts';
import { RUN_FILES, type RunInfo, type RunSummary } from '../run-output.ts';
import { copyToParquet, loadColumns, loadStrings, openDuckDb } from './parquet.ts';
import { buildSummary } from './summary.ts';
import { buildTimeline } from './timeline.ts';

export function versions(): RunInfo['versions'] {
  return {
    hetmem: HETMEM_VERSION,
    node: process.version,
    arrow: dependencyVersion('apache-arrow'),
    duckdb: dependencyVersion('@duckdb/node-api'),
  };
}

const nullableBigint = (c: string) => `CASE WHEN isnan(${c}) THEN NULL ELSE CAST(${c} AS BIGINT) END`;

export async function writeRun(out: string, model: MemoryModel, info: Omit<RunInfo, 'schema' | 'versions'>): Promise<RunSummary> {
  const timeline = buildTimeline(model);
  const summary = buildSummary(model, timeline, { rows: info.trace.rows, sha256: info.trace.sha256 });
  const run: RunInfo = { schema: 'hetmem.run/1', ...info, versions: versions() };
  await writeDirectoryAtomic(out, async (dir) => {
    const db = await openDuckDb();
    try {
      const ev = model.events;
      const n = ev.count;
      const seq = new Float64Array(n).map((_, i) => i);
      await loadColumns(db.conn, 'ev', [
        { name: 'seq', data: seq }, { name: 'ts', data: ev.ts.subarray(0, n) }, { name: 'dur', data: ev.dur.subarray(0, n) },
        { name: 'kind', data: ev.kind.subarray(0, n) }, { name: 'agent', data: ev.agent.subarray(0, n) },
        { name: 'src', data: ev.src.subarray(0, n) }, { name: 'dst', data: ev.dst.subarray(0, n) },
        { name: 'addr', data: ev.addr.subarray(0, n) }, { name: 'bytes', data: ev.bytes.subarray(0, n) },
        { name: 'cause', data: ev.cause.subarray(0, n) }, { name: 'obj', data: ev.obj.subarray(0, n) },
      ], n);
      await loadStrings(db.conn, 'str', ev.strings.strings);
      const s = (c: string) => `(SELECT s FROM str WHERE id = ev.${c})`;
      await copyToParquet(db.conn, `SELECT CAST(ts AS BIGINT) AS ts, CAST(dur AS BIGINT) AS dur, ${s('kind')} AS kind, ${s('agent')} AS agent,
        ${s('src')} AS src, ${s('dst')} AS dst, ${nullableBigint('addr')} AS addr, CAST(bytes AS BIGINT) AS bytes, ${s('cause')} AS cause,
        ${s('obj')} AS obj FROM ev ORDER BY ev.ts, ev.seq`, join(dir, RUN_FILES.events));
      const t = timeline;
      await loadColumns(db.conn, 'tl', [
        { name: 'ts', data: t.ts.subarray(0, t.count) }, { name: 'dur', data: t.dur.subarray(0, t.count) },
        { name: 'metric', data: t.metric.subarray(0, t.count) }, { name: 'entity', data: t.entity.subarray(0, t.count) },
        { name: 'value', data: t.value.subarray(0, t.count) },
      ], t.count);
      await loadStrings(db.conn, 'tstr', t.strings);
      await copyToParquet(db.conn, `SELECT CAST(ts AS BIGINT) AS ts, CAST(dur AS BIGINT) AS dur, (SELECT s FROM tstr WHERE id = tl.metric) AS metric,
        (SELECT s FROM tstr WHERE id = tl.entity) AS entity, value FROM tl`, join(dir, RUN_FILES.timeline));
    } finally {
      db.close();
    }
    writeFileSync(join(dir, RUN_FILES.summary), JSON.stringify(summary, null, 2) + '\n');
    writeFileSync(join(dir, RUN_FILES.run), JSON.stringify(run, null, 2) + '\n');
  });
  return summary;
}
