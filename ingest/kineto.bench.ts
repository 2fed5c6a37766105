/**
 * Kineto ingest throughput and memory (real traces reach GiBs, so memory must not grow with the file): a generated PyTorch-profiler trace of 560 MiB,
 * too big for one JSON.parse (Python frames, CPU ops, launches, flows, kernels, copies, memsets,
 * allocator events; decimal `ts` relative to `baseTimeNanoseconds`, as recent PyTorch writes), is ingested end to end
 * through `ingest()` in a child process, so that the child's peak RSS is the ingest's own.
 * Goal: ≥ 50 MB/s and peak RSS below the file size. Plain JSON and the same file gzipped (MB/s counts
 * the JSON bytes in both cases; the RSS goal is against the plain JSON, since the whole point is that
 * memory does not grow with the document).
 */
import { constants } from 'node:buffer';
import { createReadStream, createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { ingestInChild } from './profiler-formats.bench.ts';

/** Past V8's longest string (2^29 − 24 chars): a document this big cannot be JSON.parsed whole at all. */
const TARGET_BYTES = 560 * 2 ** 20;

/** Writes a Kineto-like trace of about TARGET_BYTES; returns the number of events (exported for profiling). */
export async function generate(file: string): Promise<number> {
  const out = createWriteStream(file);
  const write = (s: string): Promise<void> => new Promise((resolve) => { if (out.write(s)) resolve(); else out.once('drain', resolve); });
  await write('{\n  "schemaVersion": 1,\n  "deviceProperties": [{"id": 0, "name": "NVIDIA B200", "totalGlobalMem": 191503138816}],\n' +
    '  "distributedInfo": {"backend": "nccl", "rank": 0, "world_size": 1},\n  "baseTimeNanoseconds": 1767189312000000000,\n  "traceEvents": [\n');
  let bytes = 0;
  let events = 0;
  let t = 1365627862757.064;
  let first = true;
  const parts: string[] = [];
  const ev = (s: string) => { parts.push(first ? s : `,\n${s}`); first = false; events++; };
  for (let step = 0; bytes < TARGET_BYTES; step++) {
    const ts = (d: number) => (t + d).toFixed(3);
    const corr = 1000 + step;
    ev(`  {"ph": "X", "cat": "python_function", "name": "torch/nn/modules/module.py(1751): _call_impl", "pid": 6583, "tid": 6583, "ts": ${ts(0)}, "dur": 40.5, "args": {"Python parent id": ${step}, "Python id": ${step + 1}, "Ev Idx": ${events}}}`);
    ev(`  {"ph": "X", "cat": "python_function", "name": "torch/nn/functional.py(2380): layer_norm", "pid": 6583, "tid": 6583, "ts": ${ts(1)}, "dur": 30.25, "args": {"Python parent id": ${step + 1}, "Python id": ${step + 2}, "Ev Idx": ${events}}}`);
    ev(`  {"ph": "X", "cat": "cpu_op", "name": "aten::layer_norm", "pid": 6583, "tid": 6583, "ts": ${ts(2)}, "dur": 20.125, "args": {"External id": ${corr}, "Record function id": 0, "Concrete Inputs": ["", "[4096]", "", "", "1e-05", "True"], "Input type": ["c10::BFloat16", "ScalarList", "c10::BFloat16", "c10::BFloat16", "Scalar", "Scalar"], "Input Strides": [[4096, 1], [], [1], [1], [], []], "Input Dims": [[512, 4096], [], [4096], [4096], [], []], "Ev Idx": ${events}}}`);
    ev(`  {"ph": "X", "cat": "cuda_runtime", "name": "cudaLaunchKernel", "pid": 6583, "tid": 6583, "ts": ${ts(3)}, "dur": 5.5, "args": {"External id": ${corr}, "cbid": 211, "correlation": ${corr}}}`);
    ev(`  {"ph": "s", "id": ${corr}, "pid": 6583, "tid": 6583, "ts": ${ts(3)}, "cat": "ac2g", "name": "ac2g"}`);
    ev(`  {"ph": "X", "cat": "kernel", "name": "void at::native::(anonymous namespace)::vectorized_layer_norm_kernel<c10::BFloat16, float>(int, float, c10::BFloat16 const*, c10::BFloat16 const*, c10::BFloat16 const*, float*, float*, c10::BFloat16*)", "pid": 0, "tid": 7, "ts": ${ts(10)}, "dur": 4.128, "args": {"External id": ${corr}, "queued": 0, "device": 0, "context": 1, "stream": 7, "correlation": ${corr}, "registers per thread": 40, "shared memory": 0, "blocks per SM": 3.459459, "warps per SM": 27.675676, "grid": [512, 1, 1], "block": [256, 1, 1], "est. achieved occupancy %": 43}}`);
    ev(`  {"ph": "f", "id": ${corr}, "pid": 0, "tid": 7, "ts": ${ts(10)}, "cat": "ac2g", "name": "ac2g", "bp": "e"}`);
    if (step % 20 === 0) ev(`  {"ph": "X", "cat": "gpu_memcpy", "name": "Memcpy HtoD (Pinned -> Device)", "pid": 0, "tid": 7, "ts": ${ts(12)}, "dur": 1.6, "args": {"External id": ${corr}, "device": 0, "context": 1, "stream": 7, "correlation": ${corr}, "bytes": ${4096 * (1 + (step % 64))}, "memory bandwidth (GB/s)": 1.28}}`);
    if (step % 25 === 0) ev(`  {"ph": "X", "cat": "gpu_memset", "name": "Memset (Device)", "pid": 0, "tid": 7, "ts": ${ts(13)}, "dur": 1, "args": {"External id": ${corr}, "device": 0, "context": 1, "stream": 7, "correlation": ${corr}, "bytes": 1408, "memory bandwidth (GB/s)": 0.73}}`);
    if (step % 5 === 0) {
      const addr = 139926520725504 + (step % 4096) * 2097152;
      ev(`  {"ph": "i", "cat": "cpu_instant_event", "s": "t", "name": "[memory]", "pid": 6583, "tid": 6583, "ts": ${ts(4)}, "args": {"Ev Idx": ${events}, "Device Type": 1, "Device Id": 0, "Addr": ${addr}, "Bytes": 2097152, "Total Allocated": 5435638784, "Total Reserved": 12782141440}}`);
      ev(`  {"ph": "i", "cat": "cpu_instant_event", "s": "t", "name": "[memory]", "pid": 6583, "tid": 6583, "ts": ${ts(15)}, "args": {"Ev Idx": ${events}, "Device Type": 1, "Device Id": 0, "Addr": ${addr}, "Bytes": -2097152, "Total Allocated": 5433541632, "Total Reserved": 12782141440}}`);
    }
    t += 16.384;
    if (parts.length >= 4096) {
      const s = parts.join('');
      parts.length = 0;
      bytes += s.length;
      await write(s);
    }
  }
  await write(parts.join('') + '\n  ],\n  "traceName": "bench.json"\n}\n');
  await new Promise<void>((resolve, reject) => out.end((e?: Error | null) => (e ? reject(e) : resolve())));
  return events;
}

export default async function bench(): Promise<Record<string, unknown>> {
  const dir = mkdtempSync(join(tmpdir(), 'hetmem-kinetobench-'));
  try {
    const json = join(dir, 'trace.json');
    const events = await generate(json);
    const gz = `${json}.gz`;
    await pipeline(createReadStream(json), createGzip({ level: 1 }), createWriteStream(gz));
    const results: Record<string, unknown> = {
      events,
      too_big_for_one_json_parse: statSync(json).size > constants.MAX_STRING_LENGTH,
    };
    for (const [label, file] of [['json', json], ['json_gz', gz]] as const) {
      const size = statSync(file).size;
      const jsonBytes = statSync(json).size;
      const r = ingestInChild([file], 'kineto', join(dir, `${label}.arrow`));
      results[label] = {
        file_mib: +(size / 2 ** 20).toFixed(1),
        json_mib: +(jsonBytes / 2 ** 20).toFixed(1),
        rows: r.rows,
        seconds: +r.seconds.toFixed(2),
        cpu_seconds: +r.cpuSeconds.toFixed(2),
        json_mb_per_s: +(jsonBytes / 1e6 / r.seconds).toFixed(1),
        // Per CPU second (user + system, all threads): steadier than wall time on a shared machine.
        json_mb_per_cpu_s: +(jsonBytes / 1e6 / r.cpuSeconds).toFixed(1),
        peak_rss_mib: +(r.maxRssBytes / 2 ** 20).toFixed(1),
        peak_rss_over_file: +(r.maxRssBytes / size).toFixed(2),
        peak_rss_over_json: +(r.maxRssBytes / jsonBytes).toFixed(2),
      };
    }
    return results;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
