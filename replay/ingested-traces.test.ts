/**
 * Real traces replay end to end: `hetmem replay` runs on an ingested Kineto trace and on an ingested nsys trace.
 * Beyond "it runs": every explicit copy of the source must reach the model as exactly one `copy` event
 * with its bytes (device-local DtoD copies included: they cost device-memory bandwidth, not a link).
 * The expected counts and bytes come from a plain read of each source (JSON.parse / SQL), not from the
 * ingester.
 */
import Database from 'better-sqlite3';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { realTraces } from '../common/testing/requirements.ts';
import { query } from '../analysis/query.ts';
import { ingest } from '../ingest/ingest.ts';
import { replay } from './index.ts';

const traces = realTraces.file('');
const tmp = mkdtempSync(join(tmpdir(), 'hetmem-ingested-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function copyEvents(run: string): Promise<{ count: number; bytes: number }> {
  const r = await query(run, "SELECT count(*) AS n, coalesce(sum(bytes), 0) AS b FROM events WHERE kind = 'copy'");
  return { count: Number(r.rows[0]![0]), bytes: Number(r.rows[0]![1]) };
}

realTraces.describe('replay of ingested real traces', () => {
  it('Kineto (HTA sampled rank 0): every gpu_memcpy becomes one modeled copy', async () => {
    const file = join(traces, 'kineto-hta/trace_filter/sampled_rank-0.json.gz');
    const doc = JSON.parse(gunzipSync(readFileSync(file)).toString('utf8')) as { traceEvents: { cat?: string; args?: { bytes?: number } }[] };
    const memcpys = doc.traceEvents.filter((e) => e.cat === 'gpu_memcpy');
    const expected = { count: memcpys.length, bytes: memcpys.reduce((s, e) => s + (e.args?.bytes ?? 0), 0) };
    expect(expected.count).toBe(40); // the traces README says 40 gpu_memcpy per rank
    const trace = join(tmp, 'kineto.arrow');
    await ingest([file], { format: 'auto', output: trace });
    const run = join(tmp, 'kineto-run');
    const summary = await replay({ trace, platform: 'a100-pcie4', out: run });
    expect(summary.end_ns).toBeGreaterThan(0);
    expect(await copyEvents(run)).toEqual(expected);
    // Stream order: every GPU op of the JSON (kernel, gpu_memcpy, gpu_memset events, each on a
    // stream) is scheduled once, and every kernel is one modeled `kernel` event.
    const count = (cat: string) => doc.traceEvents.filter((e) => e.cat === cat).length;
    expect(summary.stream_order).toMatchObject({ kernels: count('kernel'), copies: expected.count, memsets: count('gpu_memset') });
    expect(summary.events_by_kind?.kernel?.count).toBe(count('kernel'));
  });

  it('nsys (Fuser report1, H200): every CUPTI memcpy becomes one modeled copy', async () => {
    const file = join(traces, 'nsys-fuser/report1.sqlite');
    const db = new Database(file, { readonly: true });
    const row = db.prepare('SELECT count(*) AS n, sum(bytes) AS b FROM CUPTI_ACTIVITY_KIND_MEMCPY').get() as { n: number; b: number };
    db.close();
    const trace = join(tmp, 'nsys.arrow');
    await ingest([file], { format: 'auto', output: trace });
    const run = join(tmp, 'nsys-run');
    await replay({ trace, platform: 'h100-pcie5', out: run });
    expect(await copyEvents(run)).toEqual({ count: row.n, bytes: row.b });
  });
});
