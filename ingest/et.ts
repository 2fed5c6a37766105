/**
 * PyTorch Execution Trace (ET, ExecutionTraceObserver JSON) → canonical trace: a training step as
 * memory accesses. Give the ET alone, or the ET and the Kineto trace of the same run together
 * (`hetmem ingest step_et.json.gz step_kineto.json.gz`); the reader tells them apart by their content.
 *
 * Rules (each a simplification of what the step did, stated):
 * - Every storage becomes one allocation (`obj` = `storage<id>@<agent>`), as large as the largest
 *   extent any tensor argument gives it ((offset + numel) × itemsize); GPU storages are `device`
 *   memory of `gpuN` (`cuda:N`; bare `cuda` = gpu0), CPU ones `pageable` memory of cpu0. Storages are
 *   placed 2 MiB-aligned in allocation order by the canonical placement rule (trace/placement.ts), in
 *   one address space for every device (CUDA's unified virtual addressing), so storages of different
 *   GPUs never overlap — the caching allocator's real addresses are not in the ET. An ET records no frees: a storage is
 *   allocated when the first op using it starts and freed when the last one ends.
 * - An op's GPU work reads the op's input tensor ranges and writes its output tensor ranges: the reads
 *   at its first GPU activity, the writes at its last (several kernels of one op are not split by
 *   argument — the ET does not say which kernel touches what). A tensor range is the contiguous
 *   [offset, offset + numel) × itemsize of its storage (strides are not modelled). CPU tensors in a GPU
 *   op are 0-dim scalars PyTorch passes by value to the kernel (TensorIterator's CPU-scalar rule), so
 *   they are not GPU memory accesses. Ops without GPU work (CPU ops) emit no accesses.
 * - With Kineto: an op's GPU activities are the kernels, memsets and memcpys its launches started
 *   (et/kineto-links.ts), at their observed times, all as `kernel` rows (a memcpy's bytes are the op's
 *   tensor accesses; it is not a modeled `copy`). Kineto GPU work of ops outside the ET is counted
 *   (`kineto:gpu_activity_without_et_op`), not replayed. Without: each innermost op doing GPU work (a
 *   GPU tensor; not a view, metadata query or bare allocation: et/et-graph.ts `nominalWork`) gets one
 *   kernel of `NOMINAL_KERNEL_NS`, back to back in op order on its GPU.
 */
import { basename } from 'node:path';
import { BadInputError, UsageError } from '../common/bad-input.ts';
import type { IngestContext, IngestFormat, RowSink } from './format.ts';
import { readSniffHead as readHead } from './io/file-head.ts';
import { kinetoFormat } from './kineto.ts';
import { EtGraph } from './et/et-graph.ts';
import { gpuFootprint } from './et/footprint.ts';
import { KinetoLinks } from './et/kineto-links.ts';
import { matchOps } from './et/op-matching.ts';
import { ObjectPlacer } from './trace/placement.ts';
import { META } from './trace/schema.ts';
import type { Addr, Bytes, Ns } from './trace/units.ts';
import { clearRow, emptyRow } from './trace/writer.ts';

/**
 * Duration of each op's kernel when there is no Kineto trace (ET-only): 10 µs. An assumption, not a
 * measurement — the order of a small ATen kernel plus its launch; the ET records no times. What
 * migrates and what evicts depends on the op order and the tensors, not on this; the step time does.
 */
export const NOMINAL_KERNEL_NS = 10_000 as Ns;

/** An ET's first bytes: a `"schema"` string and a `"nodes"` array (Kineto has neither). */
const ET_HEAD = /"schema"\s*:\s*"[0-9]/;
const ET_NODES = /"nodes"\s*:\s*\[/;

export const etFormat: IngestFormat = {
  name: 'et',
  description: 'PyTorch Execution Trace JSON (.json/.json.gz), alone or with the same run\'s Kineto trace as a second file',
  companions: ['kineto'],

  sniff(_path: string, head: Uint8Array): boolean {
    const text = Buffer.from(head.buffer, head.byteOffset, Math.min(head.byteLength, 65536)).toString('latin1');
    return /^(?:\xef\xbb\xbf)?\s*\{/.test(text) && ET_HEAD.test(text) && ET_NODES.test(text);
  },

  async read(files: readonly string[], sink: RowSink, ctx: IngestContext): Promise<void> {
    await readEt(files, sink, ctx);
  },
};

/** Splits the inputs into the ET and the optional Kineto trace (by content, in any order). */
function classify(files: readonly string[]): { et: string; kineto: string | null } {
  let et: string | null = null;
  let kineto: string | null = null;
  for (const f of files) {
    const head = readHead(f);
    if (etFormat.sniff(f, head)) {
      if (et) throw new UsageError(`two Execution Traces given (${et}, ${f}); ingest one ET (with its Kineto trace) at a time`);
      et = f;
    } else if (kinetoFormat.sniff(f, head)) {
      if (kineto) throw new UsageError(`two Kineto traces given (${kineto}, ${f}); an ET pairs with the one Kineto trace of the same run`);
      kineto = f;
    } else {
      throw new BadInputError(f, undefined, undefined, 'neither a PyTorch Execution Trace nor a Kineto trace');
    }
  }
  if (!et) throw new UsageError(`no Execution Trace among ${files.join(', ')} (format et needs the ET JSON; the Kineto trace alone is format kineto)`);
  return { et, kineto };
}

/** Reads an ET (and its Kineto trace) into `sink`; see the module comment for the rules. */
export async function readEt(files: readonly string[], sink: RowSink, ctx: IngestContext = { progress: () => {} }): Promise<void> {
  const { et, kineto } = classify(files);
  const g = await EtGraph.read(et, sink, (n) => ctx.progress(n));
  const links = kineto ? await KinetoLinks.read(kineto) : null;
  const owned = links?.byOwner() ?? new Map<number, number[]>();
  const match = links ? matchOps(g.rfId, g.name, links) : null;

  const n = g.nodes;
  const S = g.storageKey.length;
  // Per op: its window [start, end] (NaN: untimed) and its GPU work (first/last activity, or nominal)
  const start = new Float64Array(n).fill(Number.NaN);
  const end = new Float64Array(n).fill(Number.NaN);
  const opGpu: (string | null)[] = new Array<string | null>(n).fill(null);
  let cursor = 0;
  let linkedActivities = 0;
  const gpuOf = (i: number): string | null => {
    const [a, b] = g.tensors(i);
    for (let k = a; k < b; k++) { const ag = g.storageAgent[g.tStorage[k]!]!; if (ag.startsWith('gpu')) return ag; }
    return null;
  };
  for (let i = 0; i < n; i++) {
    if (links) {
      const m = match![i]!;
      const acts = m >= 0 ? owned.get(m) : undefined;
      if (acts && acts.length > 0) {
        linkedActivities += acts.length;
        start[i] = links.gTs[acts[0]!]!;
        let e = 0;
        for (const x of acts) e = Math.max(e, links.gTs[x]! + links.gDur[x]!);
        end[i] = e;
        const d = links.gDevice[acts[0]!]!;
        opGpu[i] = `gpu${d === d ? d : 0}`;
      } else if (m >= 0) {
        start[i] = links.opStart[m]!; end[i] = links.opEnd[m]!;
      } else if (g.tensorStart[i + 1]! > g.tensorStart[i]!) {
        sink.unmapped('et:op_not_in_kineto');
      }
    } else {
      const gpu = g.nominalWork[i] ? gpuOf(i) : null;
      start[i] = cursor;
      if (gpu) { opGpu[i] = gpu; cursor += NOMINAL_KERNEL_NS; }
      end[i] = cursor;
    }
  }
  if (links) {
    const unlinked = links.gTs.length - linkedActivities;
    if (unlinked > 0) sink.unmapped('kineto:gpu_activity_without_et_op', unlinked);
  }

  // Storage extents and lifetimes
  const size = g.extents();
  const first = new Float64Array(S).fill(Infinity);
  const last = new Float64Array(S).fill(-Infinity);
  for (let i = 0; i < n; i++) {
    const [a, b] = g.tensors(i);
    for (let k = a; k < b; k++) {
      const s = g.tStorage[k]!;
      if (start[i] === start[i]) { first[s] = Math.min(first[s]!, start[i]!); last[s] = Math.max(last[s]!, end[i]!); }
    }
  }
  let origin = Infinity;
  for (let s = 0; s < S; s++) origin = Math.min(origin, first[s]!);
  for (let i = 0; i < n; i++) if (opGpu[i]) origin = Math.min(origin, start[i]!);
  if (origin === Infinity) origin = 0;

  // Allocations in allocation order (first use, then first appearance), placed 2 MiB-aligned, as
  // leading rows: at one ts, allocations come first, then frees (leading too), then accesses
  const order = Array.from({ length: S }, (_, s) => s).filter((s) => {
    if (first[s]! !== Infinity) return true;
    sink.unmapped('et:storage_never_timed');
    return false;
  }).sort((x, y) => first[x]! - first[y]! || x - y);
  const placer = new ObjectPlacer();
  const addr = new Float64Array(S).fill(Number.NaN);
  const obj = g.storageKey.map((k) => `storage${k}`);
  const row = emptyRow();
  for (const s of order) {
    addr[s] = placer.place(size[s]!);
    const agent = g.storageAgent[s]!;
    clearRow(row);
    row.ts = (first[s]! - origin) as Ns; row.op = 'alloc'; row.agent = agent;
    row.addr = addr[s]! as Addr; row.bytes = size[s]! as Bytes; row.obj = obj[s]!;
    row.mem = agent.startsWith('gpu') ? 'device' : 'pageable';
    sink.appendLeading(row); // before the accesses and frees of its ts
  }

  // Kernels and their accesses, op by op
  const lastAccess = new Float64Array(S).fill(-Infinity);
  let kernels = 0;
  const access = (i: number, output: number, ts: number, agent: string, corr: number): void => {
    const [a, b] = g.tensors(i);
    for (let k = a; k < b; k++) {
      if (g.tOutput[k] !== output) continue;
      const s = g.tStorage[k]!;
      if (!g.storageAgent[s]!.startsWith('gpu')) continue; // a CPU scalar argument (module comment)
      clearRow(row);
      row.ts = (ts - origin) as Ns; row.op = output ? 'write' : 'read'; row.agent = agent;
      row.addr = (addr[s]! + g.tOffset[k]! * g.tItemsize[k]!) as Addr; row.bytes = (g.tNumel[k]! * g.tItemsize[k]!) as Bytes;
      row.obj = obj[s]!; row.corr = corr; row.name = `${g.name[i]}#${g.id[i]}`;
      sink.append(row);
      lastAccess[s] = Math.max(lastAccess[s]!, ts);
    }
  };
  const kernel = (ts: number, dur: number, agent: string, stream: number | null, corr: number, name: string): void => {
    clearRow(row);
    row.ts = (ts - origin) as Ns; row.dur = dur as Ns; row.op = 'kernel'; row.agent = agent;
    row.stream = stream; row.corr = corr; row.name = name;
    sink.append(row);
    kernels++;
  };
  for (let i = 0; i < n; i++) {
    const gpu = opGpu[i];
    if (!gpu) continue;
    if (links) {
      const acts = owned.get(match![i]!)!;
      for (const x of acts) {
        const d = links.gDevice[x]!;
        const st = links.gStream[x]!;
        kernel(links.gTs[x]!, links.gDur[x]!, `gpu${d === d ? d : 0}`, st === st ? st : null, links.gCorr[x]!, links.gName[x]!);
      }
      const f = acts[0]!, l = acts[acts.length - 1]!;
      access(i, 0, links.gTs[f]!, gpu, links.gCorr[f]!);
      access(i, 1, links.gTs[l]!, `gpu${links.gDevice[l]! === links.gDevice[l]! ? links.gDevice[l]! : 0}`, links.gCorr[l]!);
    } else {
      kernel(start[i]!, NOMINAL_KERNEL_NS, gpu, null, g.id[i]!, g.name[i]!);
      access(i, 0, start[i]!, gpu, g.id[i]!);
      access(i, 1, start[i]!, gpu, g.id[i]!);
    }
  }

  // Frees when the last op using the storage ends — before the next op's accesses at that same ts
  // (leading rows), so back-to-back ops do not hold both working sets at once; appended (after the
  // accesses of its ts) only when the last access itself is at that ts (a zero-length kernel).
  for (const s of order) {
    clearRow(row);
    row.ts = (last[s]! - origin) as Ns; row.op = 'free'; row.agent = g.storageAgent[s]!;
    row.addr = addr[s]! as Addr; row.bytes = size[s]! as Bytes; row.obj = obj[s]!;
    if (last[s]! > lastAccess[s]!) sink.appendLeading(row); else sink.append(row);
  }

  const agents = [...new Set(order.map((s) => g.storageAgent[s]!))].sort();
  sink.metadata.set(META.devices, JSON.stringify(agents.map((agent) => {
    const dev = agent.startsWith('gpu') ? links?.devices.find((d) => `gpu${d.id}` === agent) : undefined;
    return { agent, kind: agent.startsWith('gpu') ? 'gpu' : 'process', ...(dev?.name ? { name: dev.name } : {}), ...(dev?.memory ? { memory: dev.memory } : {}) };
  })));
  sink.metadata.set(META.sourceInfo, JSON.stringify({
    format: 'et', schema: g.schema, file: basename(et), nodes: n, storages: order.length, kernels,
    gpu_footprint_bytes: gpuFootprint(g),
    timing: links ? `kineto:${basename(kineto!)}` : `nominal:${NOMINAL_KERNEL_NS}ns`,
  }));
}
