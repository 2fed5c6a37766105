/**
 * Builds small run directories for tests, following replay/run-output.ts exactly (column names,
 * order and types), so analysis/ and reports/ can be tested before — and independently of — the
 * replay engine. Parquet is written by DuckDB from literal rows.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openDb, sqlString } from '../duckdb.ts';
import { RUN_FILES, type RunInfo, type RunSummary } from '../../replay/run-output.ts';

export interface TestEvent {
  ts: number;
  dur?: number | null;
  kind: string;
  agent: string;
  src?: string | null;
  dst?: string | null;
  addr?: number | null;
  bytes?: number | null;
  cause?: string | null;
  obj?: string | null;
}

export interface TestTimelineRow {
  ts: number;
  dur: number;
  metric: string;
  entity: string;
  value: number;
}

export interface TestRun {
  events: TestEvent[];
  timeline: TestTimelineRow[];
  /** merged over `emptySummary(platform)` */
  summary?: Partial<RunSummary>;
  platform?: string;
  overrides?: Record<string, string>;
}

/** A summary with every counter at zero. */
export function emptySummary(platform: string): RunSummary {
  return {
    schema: 'hetmem.summary/1',
    platform,
    trace: { rows: 0, sha256: '0'.repeat(64) },
    end_ns: 0,
    migrations: { total: { count: 0, bytes: 0 }, by_direction: {}, by_cause: {}, by_direction_cause: {} },
    faults: { gpu: 0, cpu: 0, gpu_batches: 0, batch_service_ns: 0 },
    evictions: { count: 0, bytes: 0 },
    remote: { count: 0, bytes: 0 },
    thrashing: { throttles: 0, pins: 0 },
    stall_ns: {},
    links: {},
    bar: {},
    p2p: { peer_maps: 0, peer_unmaps: 0, fallbacks: 0, bounce_bytes: 0, revocations: 0, refused: 0 },
    odp: { invalidations: 0, nic_faults: 0, invalidation_ns: 0 },
    devobj: { cpu_faults: 0, pte_zaps: 0, moves: 0, move_bytes: 0 },
    hazards: 0,
  };
}

const lit = (v: string | number | null | undefined): string =>
  v === null || v === undefined ? 'NULL' : typeof v === 'number' ? String(v) : sqlString(v);

/** Writes events.parquet, timeline.parquet, summary.json and run.json into `dir` (created). */
export async function writeTestRun(dir: string, run: TestRun): Promise<void> {
  mkdirSync(dir, { recursive: true });
  const platform = run.platform ?? 'test-platform';
  const db = await openDb();
  try {
    const c = db.connection;
    await c.run(`CREATE TABLE events (ts BIGINT, dur BIGINT, kind VARCHAR, agent VARCHAR, src VARCHAR, dst VARCHAR,
      addr BIGINT, bytes BIGINT, cause VARCHAR, obj VARCHAR)`);
    await c.run('CREATE TABLE timeline (ts BIGINT, dur BIGINT, metric VARCHAR, entity VARCHAR, value DOUBLE)');
    if (run.events.length > 0) {
      const values = run.events.map((e) =>
        `(${[e.ts, e.dur, e.kind, e.agent, e.src, e.dst, e.addr, e.bytes, e.cause, e.obj].map(lit).join(', ')})`);
      await c.run(`INSERT INTO events VALUES ${values.join(',\n')}`);
    }
    if (run.timeline.length > 0) {
      const values = run.timeline.map((t) => `(${[t.ts, t.dur, t.metric, t.entity, t.value].map(lit).join(', ')})`);
      await c.run(`INSERT INTO timeline VALUES ${values.join(',\n')}`);
    }
    await c.run(`COPY (SELECT * FROM events ORDER BY ts) TO ${sqlString(join(dir, RUN_FILES.events))} (FORMAT parquet)`);
    await c.run(`COPY (SELECT * FROM timeline ORDER BY ts, metric, entity) TO ${sqlString(join(dir, RUN_FILES.timeline))} (FORMAT parquet)`);
  } finally {
    db.close();
  }
  const summary: RunSummary = { ...emptySummary(platform), ...run.summary };
  writeFileSync(join(dir, RUN_FILES.summary), JSON.stringify(summary, null, 2) + '\n');
  const info: RunInfo = {
    schema: 'hetmem.run/1',
    platform: { name: platform, source: 'test', resolved: {} },
    overrides: run.overrides ?? {},
    trace: { path: 'test.arrow', sha256: summary.trace.sha256, rows: summary.trace.rows },
    versions: { hetmem: '0.0.0-test', node: 'test', arrow: 'test', duckdb: 'test' },
  };
  writeFileSync(join(dir, RUN_FILES.run), JSON.stringify(info, null, 2) + '\n');
}
