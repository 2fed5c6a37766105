import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { UsageError } from '../common/bad-input.ts';
import { synth } from '../ingest/synth/index.ts';
import { query } from './testing/events-query.ts';
import { EventColumns } from './event-columns.ts';
import { EventLog, parseEventSelection } from './events.ts';
import { replay } from './index.ts';

const queryRows = async (sql: string): Promise<unknown[][]> => (await query(sql)).map((r) => Object.values(r));
const dir = mkdtempSync(join(tmpdir(), 'hetmem-events-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

type Row = [ts: number, dur: number, kind: number, agent: number, src: number, dst: number, addr: number, bytes: number, cause: number, obj: number];

/** A fixed pseudo-random event stream (LCG): ts jumps back and forth, and runs of contiguous `remote` rows. */
function stream(log: EventLog, n: number): Row[] {
  const remote = log.id('remote');
  const kinds = [log.id('migrate'), log.id('fault'), log.id('evict'), remote];
  const out: Row[] = [];
  let x = 12345;
  const rnd = (m: number) => { x = (Math.imul(x, 1103515245) + 12345) >>> 0; return (x >>> 8) % m; };
  let addr = 0;
  for (let i = 0; i < n; i++) {
    const kind = kinds[rnd(4)]!;
    // ts in a coarse grid, so equal ts are frequent and emission order decides ties
    const ts = rnd(50) * 10;
    if (kind === remote) {
      // contiguous to the previous remote row when the previous row was remote: the log merges them
      const r: Row = [ts, 5, kind, 1, 2, 3, addr, 4096, -1, 7];
      addr += 4096;
      out.push(r);
    } else {
      addr = rnd(1000) * 65536;
      out.push([ts, rnd(3), kind, rnd(2), rnd(3) - 1, rnd(3), rnd(5) === 0 ? Number.NaN : rnd(100) * 4096, 4096 * (1 + rnd(4)), rnd(3) - 1, rnd(4) - 1]);
    }
  }
  for (const r of out) log.emit(...r);
  return out;
}

/**
 * The expected rows, computed independently of the log: merge each `remote` row into the previous
 * row under the documented rule, then a stable sort by ts (Array.prototype.sort is stable).
 */
function expected(rows: Row[], remote: number): Row[] {
  const merged: Row[] = [];
  for (const r of rows) {
    const p = merged.at(-1);
    if (p && r[2] === remote && p[2] === remote && p[3] === r[3] && p[4] === r[4] && p[5] === r[5] && p[9] === r[9] && p[8] === r[8]
      && p[6] + p[7] === r[6] && p[0] + p[1] <= r[0] + r[1]) {
      p[7] += r[7];
      p[1] = r[0] + r[1] - p[0];
    } else merged.push([...r]);
  }
  return merged.map((r, i) => [r, i] as const).sort((a, b) => a[0][0] - b[0][0] || a[1] - b[1]).map(([r]) => r);
}

function drain(log: EventLog): Row[] {
  const { source, rows } = log.finish();
  const out: Row[] = [];
  const b = new EventColumns(100); // a block size unrelated to the chunk size
  for (let n = source.fill(b); n > 0; n = source.fill(b)) {
    for (let i = 0; i < n; i++) out.push([b.ts[i]!, b.dur[i]!, b.kind[i]!, b.agent[i]!, b.src[i]!, b.dst[i]!, b.addr[i]!, b.bytes[i]!, b.cause[i]!, b.obj[i]!]);
  }
  log.close();
  expect(out).toHaveLength(rows);
  return out;
}

describe('EventLog', () => {
  it('hands out rows in (ts, emission) order with remote rows merged, the same for every chunk size', () => {
    const ref = new EventLog();
    const want = expected(stream(ref, 5000), ref.id('remote'));
    const single = drain(ref); // 5000 < the default chunk: never spilled
    expect(single).toEqual(want);
    for (const chunkRows of [2, 7, 64, 999]) {
      const log = new EventLog();
      log.configure({ chunkRows });
      stream(log, 5000);
      expect(drain(log), `chunkRows ${chunkRows}`).toEqual(want);
    }
  });

  it('counts every row into the totals, including rows that events.parquet does not keep', () => {
    const log = new EventLog();
    log.configure({ chunkRows: 50, keep: ['evict'] });
    const rows = expected(stream(log, 3000), log.id('remote'));
    const kept = drain(log);
    const evict = log.id('evict');
    expect(kept).toEqual(rows.filter((r) => r[2] === evict));
    // Totals by hand from the reference rows: evictions, remote, and migrations per (src, dst, cause).
    const sum = (k: number) => rows.filter((r) => r[2] === k).reduce((a, r) => ({ count: a.count + 1, bytes: a.bytes + r[7] }), { count: 0, bytes: 0 });
    expect(log.totals.evictions).toEqual(sum(evict));
    expect(log.totals.remote).toEqual(sum(log.id('remote')));
    const mig = rows.filter((r) => r[2] === log.id('migrate'));
    expect([...log.totals.migrations.values()].reduce((a, m) => a + m.count, 0)).toBe(mig.length);
    expect([...log.totals.migrations.values()].reduce((a, m) => a + m.bytes, 0)).toBe(mig.reduce((a, r) => a + r[7], 0));
    expect(log.totals.rows).toBe(rows.length);
  });

  it('--events parses all, none and a kind list; an unknown kind is a usage error naming it', () => {
    expect(parseEventSelection('all', ['a', 'b'])).toBe('all');
    expect(parseEventSelection('none', ['a', 'b'])).toBe('none');
    expect(parseEventSelection(' b, a,b ', ['a', 'b'])).toEqual(['a', 'b']);
    expect(() => parseEventSelection('a,migrat', ['a', 'b'])).toThrow(UsageError);
    expect(() => parseEventSelection('a,migrat', ['a', 'b'])).toThrow(/unknown: migrat/);
  });
});

describe('replay event output', () => {
  // 4000 random 4 KiB reads over 4 MiB with 1 MiB of device memory: about 5 events per read (≈ 20 000),
  // so a 1000-row chunk spills about 20 sorted runs that the writer merges.
  const trace = join(dir, 'ra.arrow');
  synth('random-access', { reads: 4000, footprint: '4MiB', seed: 3 }, trace);
  const set = { 'gpu0.memory': '1MiB' };

  it('chunked event output is byte-identical to a single-chunk run on a trace that crosses several chunks', async () => {
    const one = await replay({ trace, platform: 'a100-pcie4', set, out: join(dir, 'one') });
    const many = await replay({ trace, platform: 'a100-pcie4', set, out: join(dir, 'many'), eventChunkRows: 1000 });
    const rows = (await queryRows(`SELECT count(*)::INTEGER FROM '${join(dir, 'one', 'events.parquet')}'`))[0]![0] as number;
    expect(rows).toBeGreaterThan(5 * 1000); // several chunks indeed
    for (const f of ['events.parquet', 'timeline.parquet', 'summary.json', 'run.json']) {
      expect(readFileSync(join(dir, 'many', f)).equals(readFileSync(join(dir, 'one', f))), f).toBe(true);
    }
    expect(many).toEqual(one);
    // Rows in (ts) order in the file.
    const unordered = await queryRows(`SELECT count(*)::INTEGER FROM (SELECT ts < lag(ts) OVER (ORDER BY file_row_number) AS back FROM read_parquet('${join(dir, 'many', 'events.parquet')}', file_row_number = true)) WHERE back`);
    expect(unordered[0]![0]).toBe(0);
  });

  it('--events keeps only the chosen kinds (none: an empty file with the same columns); the summary is unchanged', async () => {
    const all = join(dir, 'one', 'events.parquet');
    await replay({ trace, platform: 'a100-pcie4', set, out: join(dir, 'some'), events: ['evict', 'migrate'], eventChunkRows: 1000 });
    await replay({ trace, platform: 'a100-pcie4', set, out: join(dir, 'none'), events: 'none' });
    // The kept rows are exactly the full run's rows of those kinds, in the same order.
    const same = await queryRows(`SELECT count(*)::INTEGER FROM (
      SELECT * EXCLUDE (file_row_number), row_number() OVER (ORDER BY file_row_number) FROM read_parquet('${all}', file_row_number = true) WHERE kind IN ('evict', 'migrate')
      EXCEPT SELECT * EXCLUDE (file_row_number), row_number() OVER (ORDER BY file_row_number) FROM read_parquet('${join(dir, 'some', 'events.parquet')}', file_row_number = true))`);
    expect(same[0]![0]).toBe(0);
    const counts = await queryRows(`SELECT (SELECT count(*) FROM '${all}' WHERE kind IN ('evict', 'migrate'))::INTEGER,
      (SELECT count(*) FROM '${join(dir, 'some', 'events.parquet')}')::INTEGER, (SELECT count(*) FROM '${join(dir, 'none', 'events.parquet')}')::INTEGER`);
    expect(counts[0]![0]).toBeGreaterThan(0);
    expect(counts[0]).toEqual([counts[0]![0], counts[0]![0], 0]);
    const cols = async (f: string) => (await queryRows(`SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM '${f}')`)).map(String);
    expect(await cols(join(dir, 'none', 'events.parquet'))).toEqual(await cols(all));
    for (const d of ['some', 'none']) expect(readFileSync(join(dir, d, 'summary.json'), 'utf8')).toBe(readFileSync(join(dir, 'one', 'summary.json'), 'utf8'));
    expect(JSON.parse(readFileSync(join(dir, 'some', 'run.json'), 'utf8')).events).toEqual(['evict', 'migrate']);
    expect(JSON.parse(readFileSync(join(dir, 'none', 'run.json'), 'utf8')).events).toBe('none');
    expect(JSON.parse(readFileSync(join(dir, 'one', 'run.json'), 'utf8')).events).toBeUndefined();
  });
});
