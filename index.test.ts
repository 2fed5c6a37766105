/**
 * The library surface (index.ts) as a notebook uses it: every CLI verb has a library function, output
 * paths are named `out`, and query results come as arrays, objects or an Arrow table.
 */
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as hetmem from './index.ts';
import { verbsFor } from './cli/main.ts';
import { writeTestRun } from './analysis/testing/test-run.ts';

const RING = fileURLToPath(new URL('./fixtures/rdma-ring-4.csv', import.meta.url));
let tmp: string;
beforeAll(() => { tmp = mkdtempSync(join(tmpdir(), 'hetmem-lib-')); });
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** The library function behind each CLI verb (`platforms` lists presetNames()). */
const FUNCTION_OF_VERB: Record<string, keyof typeof hetmem> = {
  synth: 'synth', ingest: 'ingest', inspect: 'inspect', platforms: 'presetNames', replay: 'replay',
  sweep: 'sweep', query: 'query', report: 'report', demo: 'demo', export: 'exportRun', calibrate: 'calibrate',
};

describe('library exports', () => {
  it('has a function for every CLI verb (a new verb without one fails here)', () => {
    const verbs = verbsFor([]); // no verb named → all of them
    expect([...verbs].sort()).toEqual(Object.keys(FUNCTION_OF_VERB).sort());
    for (const v of verbs) expect(typeof hetmem[FUNCTION_OF_VERB[v]!], v).toBe('function');
  });
});

describe('ingest(files, { out })', () => {
  it('writes the trace named by out; the older name output is an alias', async () => {
    // rdma-ring-4.csv by hand: gpu0 4 alloc + 8 kernel + 8 read + 4 free, nic0 4 peer_map + 8 write
    // + 4 peer_unmap = 40 rows.
    const a = await hetmem.ingest([RING], { out: join(tmp, 'a.arrow') });
    expect(a.rows).toBe(40);
    expect(a.out).toBe(join(tmp, 'a.arrow'));
    expect(existsSync(a.out)).toBe(true);
    const b = await hetmem.ingest([RING], { output: join(tmp, 'b.arrow') });
    expect(b.out).toBe(join(tmp, 'b.arrow'));
    expect((await hetmem.inspect(b.out)).rows).toBe(40);
  });

  it('without out is a usage error, not a TypeError', async () => {
    await expect(hetmem.ingest([RING], {} as never)).rejects.toMatchObject({ name: 'UsageError', message: expect.stringContaining('out') });
  });
});

describe('query shapes', () => {
  let run: string;
  beforeAll(async () => {
    run = join(tmp, 'run');
    // Two migrations by hand: 4096 B fault and 2 MiB prefetch, both sys0 → gpu0.
    await writeTestRun(run, {
      events: [
        { ts: 10, dur: 5, kind: 'migrate', agent: 'gpu0', src: 'sys0', dst: 'gpu0', addr: 0, bytes: 4096, cause: 'fault' },
        { ts: 20, dur: 7, kind: 'migrate', agent: 'gpu0', src: 'sys0', dst: 'gpu0', addr: 4096, bytes: 2097152, cause: 'prefetch' },
      ],
      timeline: [],
    });
  });
  const SQL = 'SELECT cause, bytes, bytes > 4096 AS big, CAST(dur AS INTEGER) AS d FROM events ORDER BY ts';

  it('rows as arrays by default and as objects on request', async () => {
    const arrays = await hetmem.query(run, SQL);
    expect(arrays.rows).toEqual([['fault', 4096, false, 5], ['prefetch', 2097152, true, 7]]);
    const objects = await hetmem.query(run, SQL, { rows: 'objects' });
    expect(objects.columns).toEqual(['cause', 'bytes', 'big', 'd']);
    expect(objects.rows).toEqual([
      { cause: 'fault', bytes: 4096, big: false, d: 5 },
      { cause: 'prefetch', bytes: 2097152, big: true, d: 7 },
    ]);
  });

  it('an unknown rows shape is a usage error', async () => {
    await expect(hetmem.query(run, SQL, { rows: 'columns' as never })).rejects.toMatchObject({ name: 'UsageError' });
  });

  it('queryArrow: an Arrow table with one typed column per result column', async () => {
    const t = await hetmem.queryArrow(run, SQL);
    expect(t.numRows).toBe(2);
    expect(t.schema.fields.map((f) => `${f.name}:${f.type}`)).toEqual(['cause:Utf8', 'bytes:Float64', 'big:Bool', 'd:Int32']);
    expect(t.toArray().map((r) => r.toJSON())).toEqual([
      { cause: 'fault', bytes: 4096, big: false, d: 5 },
      { cause: 'prefetch', bytes: 2097152, big: true, d: 7 },
    ]);
  });

  it('queryArrow refuses a BIGINT that is not exact as a number, naming column and row', async () => {
    // 2^53 + 1 = 9007199254740993 has no double; 2^53 - 1 is the largest safe integer and passes.
    const ok = await hetmem.queryArrow(run, 'SELECT 9007199254740991::BIGINT AS n');
    expect(ok.getChild('n')?.get(0)).toBe(9007199254740991);
    await expect(hetmem.queryArrow(run, 'SELECT 1 AS a, 9007199254740993::BIGINT AS n')).rejects.toThrow(/column n, row 1/);
  });
});

describe('installed as a package (what `npm install <repo path>` leaves: a link in node_modules)', () => {
  it('plain node, no TypeScript loader: imports the compiled build and runs ingest → replay → query', async () => {
    const { mkdirSync, symlinkSync, writeFileSync } = await import('node:fs');
    const { spawnSync } = await import('node:child_process');
    const app = join(tmp, 'notebook-folder');
    mkdirSync(join(app, 'node_modules'), { recursive: true });
    symlinkSync(fileURLToPath(new URL('.', import.meta.url)), join(app, 'node_modules', 'hetmem'), 'dir');
    writeFileSync(join(app, 'package.json'), '{ "type": "module" }\n');
    writeFileSync(join(app, 'use.mjs'), `
      import { ingest, replay, query, queryArrow, inspect } from 'hetmem';
      const t = await ingest([${JSON.stringify(RING)}], { out: 'ring.arrow' });
      await replay({ trace: t.out, platform: 'a100-pcie4', out: 'run' });
      const q = await query('run', "SELECT kind, count(*) AS n FROM events WHERE kind IN ('peer_map', 'fallback') GROUP BY kind", { rows: 'objects' });
      const a = await queryArrow('run', 'migrations_by_cause');
      console.log(JSON.stringify({ entry: import.meta.resolve('hetmem'), rows: (await inspect(t.out)).rows, kinds: q.rows, arrowRows: a.numRows }));
    `);
    const env = { ...process.env };
    delete env.NODE_OPTIONS; // vitest's loader must not leak into the child
    const r = spawnSync(process.execPath, ['use.mjs'], { cwd: app, env, encoding: 'utf8' });
    expect(r.stderr).toBe('');
    const got = JSON.parse(r.stdout) as { entry: string; rows: number; kinds: unknown[]; arrowRows: number };
    expect(got.entry).toMatch(/\/dist\/index\.js$/);
    expect(got.rows).toBe(40); // counted by hand above
    // rdma-ring-4.csv's header: with >= 4 MiB of BAR free (a100-pcie4 has 64 GiB) the NIC's 4 peer_maps
    // all map and nothing falls back; no migrations, so migrations_by_cause has no rows.
    expect(got.kinds).toEqual([{ kind: 'peer_map', n: 4 }]);
    expect(got.arrowRows).toBe(0);
  });
});
