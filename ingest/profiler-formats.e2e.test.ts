/**
 * End to end through `ingest([file], { format: 'auto' })` for EVERY real trace in ../shared/traces
 * (every format on real data, not only on fixtures): sniffing must pick the right format, and the written trace must hold exactly
 * the rows the reader produces (counted with a collecting sink), sorted by ts. A trace file added to
 * ../shared/traces without a case here fails the coverage test.
 */
import { readdirSync } from 'node:fs';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { realTraces } from '../common/testing/requirements.ts';
import { CollectingSink, quietContext } from '../fixtures/ingest/collecting-sink.ts';
import type { FormatName } from './format.ts';
import { formatByName } from './formats.ts';
import { ingest } from './ingest.ts';
import { TraceReader, readAllRows } from './trace/reader.ts';
import { META } from './trace/schema.ts';

const traces = `${realTraces.file('')}/`;
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
  ['tracelens/rocprof/908_results.json.gz', 'rocprof'],
  ['tracelens/b200/eager_trace.json.gz', 'kineto'],
  ['kineto-legacy/worker0.1623143089861.pt.trace.json.gz', 'kineto'],
  ['kineto-hta/amd_trace/mi250_minitoy_train_ROCm6_2_kineto.json.gz', 'kineto'],
  ['kineto-hta/triton_example/triton_example.json.gz', 'kineto'],
  ['kineto-hta/trace_filter/sampled_rank-0.json.gz', 'kineto'],
  ['kineto-hta/trace_filter/sampled_rank-1.json.gz', 'kineto'],
  ['kineto-hta/negative_queue_length_values_check/rank0.json.gz', 'kineto'],
  ['kineto-hta/df_index_resolver/df_index_resolver.json.gz', 'kineto'],
  // Execution Traces alone (et.test.ts checks them with their Kineto traces, byte by byte per op)
  ['pytorch-et/param/linear_et.json.gz', 'et'],
  ['pytorch-et/param/hf_GPT2_et.json.gz', 'et'],
  ['pytorch-et/param/resnet_1gpu_et.json.gz', 'et'],
  ['pytorch-et/param/resnet_2gpu_et.json.gz', 'et'],
  ['pytorch-et/hta/benchmark_simple_add_et.json.gz', 'et'],
  // their Kineto traces, given alone, are Kineto traces
  ['pytorch-et/param/linear_kineto.json.gz', 'kineto'],
  ['pytorch-et/hta/benchmark_simple_add_trace.json.gz', 'kineto'],
];

/** Documentation and licence files that travel with the traces; everything else is a trace. */
const NOT_TRACES = /(^|\/)(README(\.md|\.MD)?|LICENSE|license)$/;

realTraces.it('covers every trace file in the shared traces folder', () => {
  const files = (readdirSync(traces, { recursive: true, withFileTypes: true }) as import('node:fs').Dirent[])
    .filter((d) => d.isFile())
    .map((d) => join(d.parentPath ?? (d as unknown as { path: string }).path, d.name).slice(traces.length))
    .filter((f) => !NOT_TRACES.test(f))
    .sort();
  expect(files).toEqual(CASES.map(([rel]) => rel).sort());
});

realTraces.describe('ingest --format auto on the real traces of the profiler formats', () => {
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
