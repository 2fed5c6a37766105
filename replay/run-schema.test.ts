import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingest } from '../ingest/ingest.ts';
import { replay } from './index.ts';
import { RUN_FILES } from './run-output.ts';
import { readRunInfo, readRunSummary } from './run-schema.ts';

const dir = mkdtempSync(join(tmpdir(), 'hetmem-run-schema-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const BIN = new URL('../bin/hetmem.mjs', import.meta.url).pathname;
const run = join(dir, 'run');

beforeAll(async () => {
  const trace = join(dir, 'ring.arrow');
  await ingest([new URL('../fixtures/rdma-ring-4.csv', import.meta.url).pathname], { output: trace });
  await replay({ trace, platform: 'consumer-pcie4-256m', out: run });
});

/** A copy of the run whose `file` is edited by `edit`. */
function edited(name: string, file: string, edit: (json: Record<string, unknown>) => void): string {
  const d = join(dir, name);
  cpSync(run, d, { recursive: true });
  const json = JSON.parse(readFileSync(join(d, file), 'utf8')) as Record<string, unknown>;
  edit(json);
  writeFileSync(join(d, file), JSON.stringify(json));
  return d;
}

describe('summary.json and run.json schemas', () => {
  it('accept what replay writes, unchanged', () => {
    const file = (f: string) => join(run, f);
    expect(readRunSummary(file(RUN_FILES.summary))).toEqual(JSON.parse(readFileSync(file(RUN_FILES.summary), 'utf8')));
    expect(readRunInfo(file(RUN_FILES.run))).toEqual(JSON.parse(readFileSync(file(RUN_FILES.run), 'utf8')));
  });

  it('name the schema version a run of another hetmem has', () => {
    const d = edited('v2', RUN_FILES.summary, (j) => { j.schema = 'hetmem.summary/2'; });
    expect(() => readRunSummary(join(d, RUN_FILES.summary), 'v2/summary.json')).toThrow(
      'v2/summary.json: schema: is "hetmem.summary/2", this hetmem reads "hetmem.summary/1" (a run written by another hetmem version: replay it again with this one)');
  });

  it('name the key path of a field of the wrong type', () => {
    const d = edited('bad-faults', RUN_FILES.summary, (j) => { (j.faults as Record<string, unknown>).gpu = 'many'; });
    expect(() => readRunSummary(join(d, RUN_FILES.summary), 's.json')).toThrow(/^s\.json: faults\.gpu: invalid input: expected number, received string$/);
    const r = edited('bad-trace', RUN_FILES.run, (j) => { delete (j.trace as Record<string, unknown>).sha256; });
    expect(() => readRunInfo(join(r, RUN_FILES.run), 'r.json')).toThrow(/^r\.json: trace\.sha256: invalid input: expected string, received undefined$/);
  });

  it('make hetmem query exit 2 with the message, no stack, for a run of another schema version', () => {
    const d = edited('v0', RUN_FILES.run, (j) => { j.schema = 'hetmem.run/0'; });
    const r = spawnSync(process.execPath, [BIN, 'query', d, 'runs'], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(`${join(d, RUN_FILES.run)}: schema: is "hetmem.run/0", this hetmem reads "hetmem.run/1"`);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.stdout).toBe('');
  }, 60_000);
});
