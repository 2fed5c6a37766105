import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MiB, writeSampleSweep } from '../analysis/testing/sample-sweep.ts';

const BIN = fileURLToPath(new URL('../bin/hetmem.mjs', import.meta.url));
const hetmem = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8' });
let tmp: string;

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'hetmem-cli-query-'));
  await writeSampleSweep(join(tmp, 'sweep'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('hetmem query', () => {
  it('prints a named query as JSON with BIGINT sums as numbers', () => {
    const r = hetmem('query', join(tmp, 'sweep'), 'fallbacks', '--format', 'json');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    // the sample: only platform=pa with the 256 MiB BAR falls back, 1 MiB bounced
    expect(JSON.parse(r.stdout)).toEqual([
      { run: 'platform=pa/gpu0.bar=256MiB', kind: 'bounce', agent: 'gpu0', obj: 'ring1', events: 1, bytes: MiB, first_ts: 9000 },
      { run: 'platform=pa/gpu0.bar=256MiB', kind: 'fallback', agent: 'nic0', obj: 'ring1', events: 1, bytes: MiB, first_ts: 9000 },
    ]);
  });

  it('orders runs by variant size, not by the text of their ids (256MiB before 1GiB)', () => {
    const r = hetmem('query', join(tmp, 'sweep'), 'bar_pressure', '--format', 'json');
    expect(r.status).toBe(0);
    // as text "gpu0.bar=1GiB" < "gpu0.bar=256MiB" ('1' < '2'); by size 256 MiB < 1 GiB
    expect((JSON.parse(r.stdout) as { run: string }[]).map((x) => x.run)).toEqual([
      'platform=pa/gpu0.bar=256MiB', 'platform=pa/gpu0.bar=1GiB', 'platform=pb/gpu0.bar=256MiB', 'platform=pb/gpu0.bar=1GiB',
    ]);
  });

  it('--list prints every named query with a description', () => {
    const r = hetmem('query', '--list');
    expect(r.status).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines.map((l) => l.split(/\s+/)[0])).toEqual(['bar_pressure', 'compare_variants', 'fallbacks', 'link_utilisation',
      'migration_size_histogram', 'migrations_by_cause', 'stall_breakdown', 'top_objects']);
    for (const l of lines) expect(l).toMatch(/^\S+\s{2,}\S.{9,}/);
  });

  it('a bad query exits 2 with DuckDB\'s message and no stack', () => {
    const r = hetmem('query', join(tmp, 'sweep'), 'SELECT nosuchcolumn FROM runs');
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^hetmem: query failed: Binder Error: .*nosuchcolumn/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('a directory that holds no run exits 2 naming it', () => {
    const r = hetmem('query', tmp + '/nope', 'fallbacks');
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(`${tmp}/nope: is not a directory`);
  });

  it('report writes the HTML and prints its path', () => {
    const out = join(tmp, 'r', 'report.html');
    const r = hetmem('report', join(tmp, 'sweep'), '-o', out);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(`${out}\n`);
  });
});
