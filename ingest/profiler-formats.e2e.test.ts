/**
 * End to end through `ingest([file], { format: 'auto' })` for every real trace of the nsys, nvprof,
 * uvm-log, ftrace and damo formats: sniffing must pick the right format, and the written trace must
 * hold exactly the rows the reader produces (counted with a collecting sink), sorted by ts.
 */
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CollectingSink, quietContext } from '../fixtures/ingest/collecting-sink.ts';
import type { FormatName } from './format.ts';
import { formatByName } from './formats.ts';
import { ingest } from './ingest.ts';
import { TraceReader, readAllRows } from './trace/reader.ts';
import { META } from './trace/schema.ts';

const traces = new URL('../../shared/traces/', import.meta.url).pathname;
const tmp = mkdtempSync(join(tmpdir(), 'hetmem-e2e-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const CASES: [string, FormatName][] = [
  ['nsys-fuser/report1.sqlite', 'nsys'],
  ['uvm-eval/copy.nvprof', 'nvprof'],
  ['uvm-eval/abc/short_log_32_ts/abc_1', 'uvm-log'],
  ['uvm-eval/wq256-3', 'uvm-log'],
  ['damo/perf.data.script', 'ftrace'],
  ['damo/damon.data', 'damo'],
  ['damo/damon.data.snapshot.active', 'damo'],
  ['damo/report-raw', 'damo'],
];

describe('ingest --format auto on the real traces of the profiler formats', () => {
  for (const [rel, format] of CASES) {
    it(`${rel} → ${format}`, async () => {
      const file = traces + rel;
      const output = join(tmp, `${rel.replaceAll('/', '_')}.arrow`);
      const result = await ingest([file], { format: 'auto', output });
      expect(result.format).toBe(format);
      const sink = new CollectingSink();
      await formatByName(format).read([file], sink, quietContext);
      expect(result.rows).toBe(sink.rows.length);
      expect(existsSync(output)).toBe(true);
      const reader = await TraceReader.open(output);
      try {
        expect(reader.metadata.get(META.sourceFormat)).toBe(format);
        expect(JSON.parse(reader.metadata.get(META.unmapped) ?? '{}')).toEqual(Object.fromEntries(sink.unmappedCounts));
      } finally {
        await reader.close();
      }
      // the file holds the reader's rows, stably sorted by ts (Array.prototype.sort is stable)
      const expected = [...sink.rows].sort((a, b) => a.ts - b.ts);
      expect(await readAllRows(output)).toEqual(expected);
    });
  }
});
