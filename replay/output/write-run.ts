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
import { writeEventsParquet } from './events-parquet.ts';

export function versions(): RunInfo['versions'] {
  return {
    hetmem: HETMEM_VERSION,
    node: process.version,
    arrow: dependencyVersion('apache-arrow'),
    duckdb: dependencyVersion('@duckdb/node-api'),
  };
}

export async function writeRun(out: string, model: MemoryModel, info: Omit<RunInfo, 'schema' | 'versions'>): Promise<RunSummary> {
  const ev = model.events;
  try {
    const { source } = ev.finish(); // counts the last events into ev.totals before the summary reads them
    const timeline = buildTimeline(model);
    const summary = buildSummary(model, timeline, { rows: info.trace.rows, sha256: info.trace.sha256 });
    const run: RunInfo = { schema: 'hetmem.run/1', ...info, versions: versions() };
    await writeDirectoryAtomic(out, async (dir) => {
      const db = await openDuckDb();
      try {
        await writeEventsParquet(db.conn, source, ev.dictionaries(), join(dir, RUN_FILES.events));
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
  } finally {
    ev.close();
    for (const log of [model.links.log, model.residentLog, model.barLog, model.stallLog]) log.close();
  }
}
