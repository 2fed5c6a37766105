import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';

const BIN = fileURLToPath(new URL('../bin/hetmem.mjs', import.meta.url));
const FIXTURE = fileURLToPath(new URL('../fixtures/ingest/nsys-um-calibration.sql', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'hetmem-cli-cal-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const run = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8' });

describe('hetmem calibrate', () => {
  it('prints the comparison table and exits 0; the calibrated platform replays', () => {
    const db = join(tmp, 'um.sqlite');
    const d = new Database(db);
    d.exec(readFileSync(FIXTURE, 'utf8'));
    d.close();
    const r = run('calibrate', db, '--platform', 'a100-pcie4', '-o', join(tmp, 'cal'));
    expect(r.status).toBe(0);
    // every group of the fixture matches (see replay/calibrate/calibrate.test.ts for the derivation)
    expect(r.stdout).toMatch(/HtoD fault\s+1\s+1\s+4 KiB\s+4 KiB\s+1\s+yes/);
    expect(r.stdout).toContain('2 MiB blocks with the same transfer sequence: 2 of 2');
    expect(r.stdout).toContain('fit DtoH: 4.00 µs per transfer + 16.000 GB/s');
    const again = run('replay', join(tmp, 'cal', 'observed.arrow'), '--platform', join(tmp, 'cal', 'calibrated.yaml'), '-o', join(tmp, 'run2'));
    expect(again.status).toBe(0);
    expect(existsSync(join(tmp, 'run2', 'summary.json'))).toBe(true);
  });

  it('exits 2 with a clear message when the source observed nothing', () => {
    const csv = fileURLToPath(new URL('../fixtures/rdma-ring-4.csv', import.meta.url));
    const r = run('calibrate', csv, '--platform', 'a100-pcie4', '-o', join(tmp, 'none'));
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('rdma-ring-4.csv: has nothing observed to compare');
    expect(r.stderr).not.toContain('    at ');
    expect(existsSync(join(tmp, 'none'))).toBe(false);
  });
});
