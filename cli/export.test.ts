import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const BIN = fileURLToPath(new URL('../bin/hetmem.mjs', import.meta.url));
const FIXTURE = fileURLToPath(new URL('../fixtures/rdma-ring-4.csv', import.meta.url));
const hetmem = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8' });
let tmp: string;

beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'hetmem-cli-export-'));
  expect(hetmem('ingest', FIXTURE, '-o', join(tmp, 'ring.arrow')).status).toBe(0);
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('hetmem export and query on a trace', () => {
  it('query reads a trace file as relation "trace"', () => {
    const r = hetmem('query', join(tmp, 'ring.arrow'), 'SELECT count(*) AS n FROM trace', '--format', 'json');
    expect(r.status).toBe(0);
    // the fixture's data rows: its lines minus the comment lines and the header
    const lines = readFileSync(FIXTURE, 'utf8').split('\n').filter((l) => l.trim() !== '' && !l.startsWith('#'));
    expect(JSON.parse(r.stdout)).toEqual([{ n: lines.length - 1 }]);
  });

  it('perfetto on a trace file, or parquet on a run directory, is a usage error (exit 2)', () => {
    const a = hetmem('export', join(tmp, 'ring.arrow'), '--format', 'perfetto', '-o', join(tmp, 'x.json'));
    expect(a.status).toBe(2);
    expect(a.stderr).toMatch(/--format perfetto exports a run or sweep directory/);
    const b = hetmem('export', tmp, '--format', 'parquet', '-o', join(tmp, 'x.parquet'));
    expect(b.status).toBe(2);
    expect(b.stderr).toMatch(/--format parquet exports a canonical trace file/);
  });

  it('never overwrites a file hetmem did not write (exit 2, the file untouched)', () => {
    const victim = join(tmp, 'notes.txt');
    writeFileSync(victim, 'my notes\n');
    const r = hetmem('export', join(tmp, 'ring.arrow'), '-o', victim);
    expect(r.status).toBe(2);
    expect(readFileSync(victim, 'utf8')).toBe('my notes\n');
  });

  it('writes a run as Perfetto JSON from the installed command (its SQL files ship with it)', () => {
    const run = join(tmp, 'run');
    expect(hetmem('replay', join(tmp, 'ring.arrow'), '--platform', 'a100-pcie4', '-o', run).status).toBe(0);
    const out = join(tmp, 'run.json');
    const r = hetmem('export', run, '-o', out);
    expect(r.status, r.stderr).toBe(0);
    const doc = JSON.parse(readFileSync(out, 'utf8')) as { traceEvents: { ph: string; name: string }[] };
    // the three process-name records (agents, transfers, counters) are always there
    expect(doc.traceEvents.filter((e) => e.ph === 'M' && e.name === 'process_name')).toHaveLength(3);
  });

  it('writes a trace as Parquet by default and prints the path', () => {
    const out = join(tmp, 'ring.parquet');
    const r = hetmem('export', join(tmp, 'ring.arrow'), '-o', out);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(`${out}\n`);
    expect(readFileSync(out).subarray(0, 4).toString()).toBe('PAR1');
  });
});
