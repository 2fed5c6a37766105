/**
 * The bad-input corpus: one hostile or broken input per class and per format, each run through the
 * CLI entry point (in-process `main`, so the corpus stays fast) and each asserting
 *   - exit code 2 (bad input, never 1 "internal error"),
 *   - the message shape: `hetmem: <file>[:<line or table:rowid>][: <field>]: <problem>`, naming the
 *     file and, where one exists, the line/row and field,
 *   - that nothing was written: the case folder lists exactly the inputs it had before (no output,
 *     no temporary, no lock), and inputs that are someone's data are unchanged.
 * The inputs are generated here (small, by hand), so the corpus needs nothing from ../shared.
 */
import { lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hetmemInProcess, listing } from './testing/in-process.ts';

const FIXTURE_SQL = readFileSync(new URL('../fixtures/ingest/nsys-unified-memory.sql', import.meta.url), 'utf8');
const PRESET = new URL('../replay/platforms/two-gpu-nvlink.yaml', import.meta.url).pathname;
const root = mkdtempSync(join(tmpdir(), 'hetmem-corpus-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const hetmem = hetmemInProcess;

let seq = 0;
function caseDir(): string {
  const d = join(root, `case${seq++}`);
  mkdirSync(d);
  return d;
}

let trace = '';
let runDir = '';
beforeAll(async () => {
  const d = join(root, 'shared');
  mkdirSync(d);
  trace = join(d, 'v.arrow');
  runDir = join(d, 'run');
  expect((await hetmem('synth', 'vecadd', '--n', '100000', '-o', trace)).code).toBe(0);
  expect((await hetmem('replay', trace, '--platform', 'a100-pcie4', '-o', runDir)).code).toBe(0);
}, 60_000);

interface Case {
  name: string;
  /** writes the inputs into `dir` and returns the argv (after `hetmem`) */
  setup(dir: string): string[];
  /** the whole stderr line, with `<dir>` standing for the case folder */
  message: RegExp | ((dir: string) => RegExp);
  env?: Record<string, string>;
}

const esc = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const nsysFixture = (file: string, extraSql = ''): void => {
  const db = new Database(file);
  db.exec(FIXTURE_SQL);
  if (extraSql) db.exec(extraSql);
  db.close();
};
const kinetoEvent = (ts: string, dur: string): string =>
  `{"traceEvents":[\n{"name":"k","ph":"X","cat":"kernel","ts":${ts},"dur":${dur},"pid":0,"tid":7,"args":{"device":0,"stream":7}}\n]}\n`;

const CASES: Case[] = [
  // ---- outputs that are not ours ----
  {
    name: 'ingest -o <a directory of the user\'s files>',
    setup: (d) => {
      writeFileSync(join(d, 'in.csv'), 'ts,op,agent,obj,bytes,mem\n0,alloc,cpu0,x,4KiB,anon\n');
      mkdirSync(join(d, 'victim', 'sub'), { recursive: true });
      writeFileSync(join(d, 'victim', 'sub', 'thesis.tex'), 'precious');
      return ['ingest', join(d, 'in.csv'), '-o', join(d, 'victim')];
    },
    message: (d) => new RegExp(`^hetmem: ${esc(join(d, 'victim'))}: is a directory hetmem did not write`),
  },
  {
    name: 'replay -o <a non-run directory>, even with --force',
    setup: (d) => {
      mkdirSync(join(d, 'photos'));
      writeFileSync(join(d, 'photos', 'a.jpg'), 'jpeg');
      return ['replay', trace, '--platform', 'a100-pcie4', '-o', join(d, 'photos'), '--force'];
    },
    message: /: is a directory hetmem did not write .*even with --force/,
  },
  {
    name: 'report -o <a file hetmem did not write>',
    setup: (d) => {
      writeFileSync(join(d, 'notes.html'), '<!DOCTYPE html><p>mine</p>');
      return ['report', runDir, '-o', join(d, 'notes.html')];
    },
    message: /notes\.html: is a file hetmem did not write; refusing to replace it/,
  },
  {
    name: 'replay -o <a hetmem trace> without --force',
    setup: (d) => {
      writeFileSync(join(d, 't.arrow'), readFileSync(trace));
      return ['replay', trace, '--platform', 'a100-pcie4', '-o', join(d, 't.arrow')];
    },
    message: /t\.arrow: is a hetmem trace, not a hetmem run directory; pass --force to replace it/,
  },
  // ---- query: read-only ----
  ...[
    ['COPY TO', (d: string) => `COPY (SELECT 1) TO '${join(runDir, 'events.parquet')}'`, /query refused: statement 1 is COPY/],
    ['ATTACH', () => `ATTACH '${join(runDir, 'x.duckdb')}' AS x`, /query refused: statement 1 is ATTACH/],
    ['INSTALL', () => 'INSTALL httpfs', /query refused: statement 1 is LOAD/], // DuckDB's statement type for INSTALL
    ['read_csv outside the run', () => "SELECT * FROM read_csv('/etc/passwd')", /query failed: Permission Error: Cannot access file "\/etc\/passwd"/],
    ['SET to re-enable access', () => 'SET enable_external_access = true', /query refused: statement 1 is SET/],
    ['a write hidden after a SELECT', () => `SELECT 1; COPY (SELECT 1) TO '${join(runDir, 'y.csv')}'`, /query refused: statement 2 is COPY/],
  ].map(([what, sql, message]): Case => ({
    name: `query ${what as string}`,
    setup: (d) => ['query', runDir, (sql as (d: string) => string)(d)],
    message: message as RegExp,
  })),
  // ---- corrupt inputs ----
  {
    name: 'nsys: fake SQLite header',
    setup: (d) => { writeFileSync(join(d, 'f.sqlite'), 'SQLite format 3\0 and then garbage'); return ['ingest', '--format', 'nsys', join(d, 'f.sqlite'), '-o', join(d, 'o.arrow')]; },
    message: /f\.sqlite: corrupt nsys file \(SQLite: file is not a database\)/,
  },
  {
    name: 'nvprof: fake SQLite header',
    setup: (d) => { writeFileSync(join(d, 'f.nvvp'), 'SQLite format 3\0 and then garbage'); return ['ingest', '--format', 'nvprof', join(d, 'f.nvvp'), '-o', join(d, 'o.arrow')]; },
    message: /f\.nvvp: corrupt nvprof file \(SQLite: file is not a database\)/,
  },
  {
    name: 'nsys: truncated export',
    setup: (d) => {
      const full = join(d, 'full.sqlite');
      nsysFixture(full);
      const bytes = readFileSync(full);
      rmSync(full);
      // keep the header page and cut the file in half: the schema points at pages that are gone
      writeFileSync(join(d, 't.sqlite'), bytes.subarray(0, Math.max(4096, bytes.length >> 1)));
      return ['ingest', '--format', 'nsys', join(d, 't.sqlite'), '-o', join(d, 'o.arrow')];
    },
    message: /t\.sqlite: corrupt nsys file \(SQLite: database disk image is malformed\)/,
  },
  {
    name: 'nsys: a time written as text (start = \'banana\')',
    setup: (d) => {
      nsysFixture(join(d, 'b.sqlite'), "UPDATE CUPTI_ACTIVITY_KIND_MEMCPY SET start = 'banana' WHERE rowid = 2");
      return ['ingest', '--format', 'nsys', join(d, 'b.sqlite'), '-o', join(d, 'o.arrow')];
    },
    message: /b\.sqlite:CUPTI_ACTIVITY_KIND_MEMCPY:2: start: is not an integer \(got "banana"\)/,
  },
  {
    name: 'query: a corrupt events.parquet in the run',
    setup: (d) => {
      mkdirSync(join(d, 'run'));
      for (const f of readdirSync(runDir)) writeFileSync(join(d, 'run', f), readFileSync(join(runDir, f)));
      writeFileSync(join(d, 'run', 'events.parquet'), readFileSync(join(runDir, 'events.parquet')).subarray(0, 300));
      return ['query', join(d, 'run'), 'SELECT count(*) FROM events'];
    },
    message: /run\/events\.parquet: is not a readable Parquet file \(Invalid Input Error: No magic bytes/,
  },
  {
    name: 'report: a corrupt timeline.parquet in the run',
    setup: (d) => {
      mkdirSync(join(d, 'run'));
      for (const f of readdirSync(runDir)) writeFileSync(join(d, 'run', f), readFileSync(join(runDir, f)));
      writeFileSync(join(d, 'run', 'timeline.parquet'), 'PAR1 not really');
      return ['report', join(d, 'run'), '-o', join(d, 'r.html')];
    },
    message: /run\/timeline\.parquet: is not a readable Parquet file/,
  },
  {
    name: 'replay: a truncated Arrow trace',
    setup: (d) => { writeFileSync(join(d, 't.arrow'), readFileSync(trace).subarray(0, 2000)); return ['replay', join(d, 't.arrow'), '--platform', 'a100-pcie4', '-o', join(d, 'run')]; },
    message: /t\.arrow: is not an Arrow IPC trace file/,
  },
  // ---- a forced format that finds nothing of its kind ----
  {
    name: '--format uvm-log on a zlib stream',
    setup: (d) => { writeFileSync(join(d, 'z.bin'), deflateSync(Buffer.from('hello '.repeat(500)))); return ['ingest', '--format', 'uvm-log', join(d, 'z.bin'), '-o', join(d, 'o.arrow')]; },
    message: /z\.bin: no uvm-log rows found \(skipped: \d+ kmsg:line_without_timestamp\)/,
  },
  {
    name: '--format ftrace on garbage',
    setup: (d) => { writeFileSync(join(d, 'g.txt'), 'not\na\ntrace\n'); return ['ingest', '--format', 'ftrace', join(d, 'g.txt'), '-o', join(d, 'o.arrow')]; },
    message: /g\.txt: no ftrace rows found \(skipped: 3 ftrace:other_line\)/,
  },
  // ---- numbers out of range, as written ----
  {
    name: 'kineto: NaN timestamp',
    setup: (d) => { writeFileSync(join(d, 'k.json'), kinetoEvent('NaN', '1')); return ['ingest', '--format', 'kineto', join(d, 'k.json'), '-o', join(d, 'o.arrow')]; },
    message: /k\.json:2: traceEvents\[0\]\.ts: is not a finite number \(got NaN\)/,
  },
  {
    name: 'kineto: 1e400 timestamp (Infinity after JSON.parse)',
    setup: (d) => { writeFileSync(join(d, 'k.json'), kinetoEvent('1e400', '1')); return ['ingest', '--format', 'kineto', join(d, 'k.json'), '-o', join(d, 'o.arrow')]; },
    message: /k\.json:2: traceEvents\[0\]\.ts: is not a finite number \(got 1e400\)/,
  },
  {
    name: 'kineto: Infinity duration',
    setup: (d) => { writeFileSync(join(d, 'k.json'), kinetoEvent('5', 'Infinity')); return ['ingest', '--format', 'kineto', join(d, 'k.json'), '-o', join(d, 'o.arrow')]; },
    message: /k\.json:2: traceEvents\[0\]\.dur: is not a finite non-negative number \(got Infinity\)/,
  },
  {
    name: 'csv: a fault timestamp past 2^53 ns (1e26 written out)',
    setup: (d) => {
      writeFileSync(join(d, 'f.csv'), `ts,op,agent,obj,bytes,mem\n0,alloc,cpu0,x,4KiB,managed\n1${'0'.repeat(26)},read,gpu0,x,4KiB,\n`);
      return ['ingest', join(d, 'f.csv'), '-o', join(d, 'o.arrow')];
    },
    message: new RegExp(`f\\.csv:3: ts: is out of range \\(got "1${'0'.repeat(26)}"`),
  },
  // ---- bounded work: records over the limit (HETMEM_MAX_RECORD_BYTES=1000 here, 16 MiB by default) ----
  {
    name: 'csv: a field longer than the record limit',
    env: { HETMEM_MAX_RECORD_BYTES: '1000' },
    setup: (d) => { writeFileSync(join(d, 'l.csv'), `ts,op,agent,obj,bytes,mem\n0,alloc,cpu0,${'x'.repeat(1001)},4KiB,anon\n`); return ['ingest', join(d, 'l.csv'), '-o', join(d, 'o.arrow')]; },
    message: /l\.csv:2: a field or line is longer than 1000 bytes/,
  },
  {
    name: 'uvm-log: a line longer than the record limit',
    env: { HETMEM_MAX_RECORD_BYTES: '1000' },
    setup: (d) => { writeFileSync(join(d, 'l.log'), `[1.000] s,\nf,${'1'.repeat(1001)}\n`); return ['ingest', '--format', 'uvm-log', join(d, 'l.log'), '-o', join(d, 'o.arrow')]; },
    message: /l\.log:2: this line is longer than 1000 bytes/,
  },
  {
    name: 'kineto: a JSON event longer than the record limit',
    env: { HETMEM_MAX_RECORD_BYTES: '1000' },
    setup: (d) => { writeFileSync(join(d, 'l.json'), kinetoEvent('1', '1').replace('"k"', `"${'k'.repeat(1001)}"`)); return ['ingest', '--format', 'kineto', join(d, 'l.json'), '-o', join(d, 'o.arrow')]; },
    message: /l\.json:2: the JSON value starting on this line is longer than 1000 bytes/,
  },
  // ---- platforms ----
  {
    name: 'platform: a YAML alias bomb',
    setup: (d) => {
      // 9 levels of 9 aliases each: 9^8 expansions if unbounded
      const lines = ['a0: &a0 [x, x, x, x, x, x, x, x, x]'];
      for (let i = 1; i <= 8; i++) lines.push(`a${i}: &a${i} [${Array(9).fill(`*a${i - 1}`).join(', ')}]`);
      writeFileSync(join(d, 'bomb.yaml'), lines.join('\n') + '\n');
      return ['replay', trace, '--platform', join(d, 'bomb.yaml'), '-o', join(d, 'run')];
    },
    message: /bomb\.yaml: YAML: Excessive alias count .*more than 100 alias expansions/,
  },
  {
    name: 'platform: a PCIe link cycle',
    setup: (d) => {
      // two-gpu-nvlink plus a second PCIe link from cpu0 to gpu0 (already below cpu0 via sw0)
      const text = readFileSync(PRESET, 'utf8').replace(/^(links:\n)/m, '$1  loop: { a: cpu0, b: gpu0, type: pcie, gen: 4, lanes: 16, bandwidth: 26.5GB/s, latency: 500ns }\n');
      writeFileSync(join(d, 'cyc.yaml'), text);
      return ['replay', trace, '--platform', join(d, 'cyc.yaml'), '-o', join(d, 'run')];
    },
    message: /cyc\.yaml:\d+: links\.[\w-]+: closes a cycle of PCIe links/,
  },
  {
    name: 'platform: --set gpu0.bar=0',
    setup: (d) => ['replay', trace, '--platform', 'a100-pcie4', '--set', 'gpu0.bar=0', '-o', join(d, 'run')],
    message: /^hetmem: --set: agents\.gpu0\.bar: must be positive \(got 0\)/,
  },
  {
    name: 'platform: --set gpu0.memory=0',
    setup: (d) => ['replay', trace, '--platform', 'a100-pcie4', '--set', 'gpu0.memory=0', '-o', join(d, 'run')],
    message: /^hetmem: --set: agents\.gpu0\.memory: must be positive \(got 0\)/,
  },
  {
    name: 'platform file: a zero-size system memory',
    setup: (d) => {
      writeFileSync(join(d, 'z.yaml'), readFileSync(PRESET, 'utf8').replace(/(sys0:\s*\{[^}]*size:\s*)[^,}]+/, '$10'));
      return ['replay', trace, '--platform', join(d, 'z.yaml'), '-o', join(d, 'run')];
    },
    message: /z\.yaml:\d+: memories\.sys0\.size: must be positive \(got 0\)/,
  },
  // ---- sweeps ----
  {
    name: 'sweep: a bad --vary value names --vary and leaves no finished variant',
    setup: (d) => ['sweep', trace, '--platform', 'a100-pcie4', '--vary', 'gpu0.memory=1GiB,banana', '--workers', '1', '-o', join(d, 'sw')],
    message: /^hetmem: --vary: agents\.gpu0\.memory: is not a size \(got "banana".*\(variant gpu0\.memory=banana\)/,
  },
  // ---- usage ----
  {
    name: 'a misspelled option is unknown, with a did-you-mean',
    setup: (d) => ['replay', trace, '--platfrom', 'a100-pcie4', '-o', join(d, 'run')],
    message: /^error: unknown option --platfrom \(did you mean --platform\?\)/,
  },
];

describe('bad-input corpus: exit 2, file/line/field, nothing written', () => {
  it.each(CASES.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const d = caseDir();
    const args = c.setup(d);
    const before = listing(d);
    const runBefore = listing(runDir).map((f) => [f, statSync(join(runDir, f)).mtimeMs]);
    const saved = Object.fromEntries(Object.keys(c.env ?? {}).map((k) => [k, process.env[k]]));
    Object.assign(process.env, c.env ?? {});
    let r;
    try {
      r = await hetmem(...args);
    } finally {
      for (const [k, v] of Object.entries(saved)) { if (v === undefined) delete process.env[k]; else process.env[k] = v; }
    }
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(typeof c.message === 'function' ? c.message(d) : c.message);
    expect(r.stderr).not.toMatch(/internal error|\n\s+at /); // no stack
    expect(listing(d)).toEqual(before);
    // the shared run directory the query cases point at is untouched
    expect(listing(runDir).map((f) => [f, statSync(join(runDir, f)).mtimeMs])).toEqual(runBefore);
  }, 60_000);

  it('ingest -o /dev/full refuses and leaves the device node a device', async () => {
    const d = caseDir();
    writeFileSync(join(d, 'in.csv'), 'ts,op,agent,obj,bytes,mem\n0,alloc,cpu0,x,4KiB,anon\n');
    const r = await hetmem('ingest', join(d, 'in.csv'), '-o', '/dev/full');
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('hetmem: /dev/full: is a device, FIFO or socket, not a file hetmem writes; refusing to replace it (choose another output path)\n');
    expect(lstatSync('/dev/full').isCharacterDevice()).toBe(true);
  });
});

describe('outputs hetmem wrote may be replaced', () => {
  it('replay over its own run directory (exit 0), over a trace only with --force; --output and --out both work', async () => {
    const d = caseDir();
    expect((await hetmem('replay', trace, '--platform', 'a100-pcie4', '--out', join(d, 'run') + '/')).code).toBe(0);
    expect((await hetmem('replay', trace, '--platform', 'a100-pcie4', '--output', join(d, 'run'))).code).toBe(0);
    writeFileSync(join(d, 't.arrow'), readFileSync(trace));
    expect((await hetmem('replay', trace, '--platform', 'a100-pcie4', '-o', join(d, 't.arrow'), '--force')).code).toBe(0);
    expect(statSync(join(d, 't.arrow')).isDirectory()).toBe(true);
    expect(listing(d)).toEqual(['run', 'run/events.parquet', 'run/run.json', 'run/summary.json', 'run/timeline.parquet',
      't.arrow', 't.arrow/events.parquet', 't.arrow/run.json', 't.arrow/summary.json', 't.arrow/timeline.parquet']);
  }, 60_000);
});
