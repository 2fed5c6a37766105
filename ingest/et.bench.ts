/**
 * Execution Trace ingest: nodes per second and peak RSS (child process, so the RSS is the ingest's
 * own) on the shared real ETs — hf_GPT2 alone (27k nodes, nominal kernels) and param's linear step
 * with its Kineto trace (931 nodes + 1.2 MiB gz of Kineto) — and on hf_GPT2's nodes repeated ten
 * times (generated, not committed) to show that memory follows the node count, not the document.
 * Whole-process figures: each includes the child's start-up (~0.3 s with tsx).
 */
import { createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createGzip } from 'node:zlib';
import { ingestInChild } from './profiler-formats.bench.ts';
import { loadEt, type EtNodeJson } from '../fixtures/ingest/et-json.ts';

const ET = new URL('../../shared/traces/pytorch-et/', import.meta.url).pathname;
const REPEAT = 10;

/** hf_GPT2's nodes `times` times over, ids (and parents) shifted per copy; returns the node count. */
async function repeated(file: string, times: number): Promise<number> {
  const { schema, nodes } = loadEt(ET + 'param/hf_GPT2_et.json.gz');
  const span = Math.max(...nodes.map((n) => n.id)) + 1;
  const gz = createGzip({ level: 1 });
  const done = new Promise<void>((resolve, reject) => { gz.pipe(createWriteStream(file)).on('finish', resolve).on('error', reject); });
  const write = (s: string): Promise<void> => new Promise((resolve) => { if (gz.write(s)) resolve(); else gz.once('drain', resolve); });
  await write(`{"schema": ${JSON.stringify(schema)}, "pid": 1, "nodes": [\n`);
  let count = 0;
  for (let k = 0; k < times; k++) {
    const parts: string[] = [];
    for (const n of nodes) {
      const shifted: EtNodeJson = { ...n, id: n.id + k * span, ...(typeof n.ctrl_deps === 'number' ? { ctrl_deps: (n.ctrl_deps as number) + k * span } : {}) };
      parts.push((count++ === 0 ? '' : ',\n') + JSON.stringify(shifted));
    }
    await write(parts.join(''));
  }
  await write('\n]}\n');
  gz.end();
  await done;
  return count;
}

export default async function bench(): Promise<Record<string, unknown>> {
  const dir = mkdtempSync(join(tmpdir(), 'hetmem-etbench-'));
  try {
    const big = join(dir, 'hf_GPT2_x10_et.json.gz');
    const bigNodes = await repeated(big, REPEAT);
    const cases: [string, string[], number][] = [
      ['hf_GPT2_et', [ET + 'param/hf_GPT2_et.json.gz'], 27156],
      ['linear_et_with_kineto', [ET + 'param/linear_et.json.gz', ET + 'param/linear_kineto.json.gz'], 931],
      [`hf_GPT2_x${REPEAT}_et`, [big], bigNodes],
    ];
    const results: Record<string, unknown> = {};
    for (const [label, files, nodes] of cases) {
      const r = ingestInChild(files, 'et', join(dir, `${label}.arrow`));
      results[label] = {
        nodes,
        gz_mib: +(files.reduce((s, f) => s + statSync(f).size, 0) / 2 ** 20).toFixed(2),
        rows: r.rows,
        seconds: +r.seconds.toFixed(2),
        cpu_seconds: +r.cpuSeconds.toFixed(2),
        nodes_per_s: Math.round(nodes / r.seconds),
        nodes_per_cpu_s: Math.round(nodes / r.cpuSeconds),
        peak_rss_mib: +(r.maxRssBytes / 2 ** 20).toFixed(1),
      };
    }
    return results;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
