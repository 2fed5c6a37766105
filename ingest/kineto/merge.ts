/**
 * Joins the files of one Kineto ingest into one trace: one common time origin and per-rank agents.
 *
 * Agent numbering (stable, independent of event order):
 * - one file: `cpu0` for its process, `gpu<d>` for CUDA/HIP device d (the device id of the trace);
 * - several files (one per rank): files are ordered by `distributedInfo.rank` (files without a rank
 *   after those with one, in the order given); the k-th file's process is `cpu<k>`; GPUs are numbered
 *   over the (k, device id) pairs the rows use, in that order. `hetmem.devices` lists the table (agent,
 *   rank, device, file, and the device properties of the trace), and allocator objects get a
 *   `cpu<k>:` prefix because two processes may reuse the same addresses.
 *
 * Time: ts 0 is the earliest row of all files. A file's absolute time is
 * `baseTimeNanoseconds (or 0) + ts µs × 1000`; only per-file offsets are computed in BigInt.
 */
import { basename } from 'node:path';
import { BadInputError } from '../../common/bad-input.ts';
import type { RowSink } from '../format.ts';
import { TraceReader } from '../trace/reader.ts';
import type { DictColumn, Op } from '../trace/schema.ts';
import type { Addr, Bytes, Ns } from '../trace/units.ts';
import { emptyRow } from '../trace/writer.ts';
import { LOCAL_CPU, localGpu, type KinetoFileResult } from './file-reader.ts';

export interface DeviceEntry {
  agent: string;
  [key: string]: unknown;
}

export interface MergePlan {
  /** Per file (input order): local agent → global agent. */
  agents: Map<string, string>[];
  /** Per file: prefix for allocator object names ('' for a single file). */
  objectPrefix: string[];
  /** Per file: ns to add to its local times (0 for files without rows). */
  shiftNs: number[];
  devices: DeviceEntry[];
}

const compareNumbers = (a: number, b: number): number => a - b;

/**
 * `renumber` (a `--rank`/`--pid` selection): name the kept process and its GPUs as several files are
 * named (cpu0; gpu0… over the devices used), even when one file is kept.
 */
export function planMerge(files: readonly KinetoFileResult[], renumber = false): MergePlan {
  const single = files.length === 1 && !renumber;
  // Process order: by rank, then input order.
  const order = files.map((_, i) => i).sort((a, b) => {
    const ra = files[a]!.rank ?? Infinity;
    const rb = files[b]!.rank ?? Infinity;
    return ra === rb ? a - b : ra - rb;
  });
  const agents = files.map(() => new Map<string, string>());
  const objectPrefix = files.map(() => '');
  const devices: DeviceEntry[] = [];
  let nextGpu = 0;
  order.forEach((f, k) => {
    const r = files[f]!;
    const cpu = single ? LOCAL_CPU : `cpu${k}`;
    agents[f]!.set(LOCAL_CPU, cpu);
    if (files.length > 1) objectPrefix[f] = `${cpu}:`;
    devices.push({ agent: cpu, kind: 'process', file: basename(r.file), ...(r.rank === null ? {} : { rank: r.rank }) });
    // One file: every device of deviceProperties keeps its id; several: only the devices used, renumbered.
    const ids = single
      ? [...new Set([...r.devicesUsed, ...r.deviceProperties.map((p) => p.id).filter((id): id is number => Number.isInteger(id))])]
      : [...r.devicesUsed];
    ids.sort(compareNumbers);
    for (const d of ids) {
      const gpu = single ? localGpu(d) : `gpu${nextGpu++}`;
      agents[f]!.set(localGpu(d), gpu);
      const props = r.deviceProperties.find((p) => p.id === d);
      const entry: DeviceEntry = { agent: gpu, kind: 'gpu', device: d };
      if (!single) { entry.file = basename(r.file); if (r.rank !== null) entry.rank = r.rank; }
      if (props) {
        if (typeof props.name === 'string') entry.name = props.name;
        if (typeof props.totalGlobalMem === 'number') entry.memory = props.totalGlobalMem;
        for (const [key, value] of Object.entries(props)) {
          if (key !== 'id' && key !== 'name' && key !== 'totalGlobalMem' && key !== '__proto__') entry[key] = value;
        }
      }
      devices.push(entry);
    }
  });
  return { agents, objectPrefix, shiftNs: timeShifts(files), devices };
}

/** Per-file shifts so that the earliest row of all files lands at 0. */
function timeShifts(files: readonly KinetoFileResult[]): number[] {
  const starts = files.map((r) => (r.baseTimeNs ?? 0n) + BigInt(r.anchorUs) * 1000n);
  let origin: bigint | null = null;
  files.forEach((r, i) => {
    if (r.rows === 0) return;
    const first = starts[i]! + BigInt(r.minLocalNs);
    if (origin === null || first < origin) origin = first;
  });
  return files.map((r, i) => {
    if (origin === null || r.rows === 0) return 0;
    const shift = starts[i]! - origin;
    const n = Number(shift);
    if (!Number.isSafeInteger(n)) {
      throw new BadInputError(r.file, undefined, 'ts', `is ${shift} ns away from the earliest event of the other files: too far apart to merge exactly`);
    }
    return n;
  });
}

/** Copies one file's staged rows into the sink with global agents, object names and times. */
export async function replayStaged(stagePath: string, fileIndex: number, plan: MergePlan, sink: RowSink): Promise<void> {
  const reader = await TraceReader.open(stagePath);
  const agents = plan.agents[fileIndex]!;
  const prefix = plan.objectPrefix[fileIndex]!;
  const shift = plan.shiftNs[fileIndex]!;
  const globalAgent = (a: string): string => agents.get(a) ?? a;
  const row = emptyRow();
  try {
    for await (const b of reader.batches()) {
      const ts = b.num('ts');
      const dur = b.num('dur');
      const addr = b.num('addr');
      const bytes = b.num('bytes');
      const stream = b.num('stream');
      const corr = b.num('corr');
      const strings = (c: DictColumn, map?: (s: string) => string): { codes: Int32Array; values: string[] } => {
        const values = b.dictionary(c) as string[];
        return { codes: b.codes(c), values: map ? values.map(map) : values };
      };
      const op = strings('op');
      const agent = strings('agent', globalAgent);
      const peer = strings('peer', globalAgent);
      const obj = strings('obj', prefix ? (s) => prefix + s : undefined);
      const mem = strings('mem');
      const cause = strings('cause');
      const name = strings('name');
      const str = (d: { codes: Int32Array; values: string[] }, i: number): string | null => {
        const k = d.codes[i]!;
        return k < 0 ? null : d.values[k]!;
      };
      const num = (a: Float64Array, i: number): number | null => (Number.isNaN(a[i]!) ? null : a[i]!);
      for (let i = 0; i < b.length; i++) {
        row.ts = (ts[i]! + shift) as Ns;
        row.dur = num(dur, i) as Ns | null;
        row.op = str(op, i) as Op;
        row.agent = str(agent, i)!;
        row.addr = num(addr, i) as Addr | null;
        row.bytes = num(bytes, i) as Bytes | null;
        row.obj = str(obj, i);
        row.peer = str(peer, i);
        row.mem = str(mem, i);
        row.cause = str(cause, i);
        row.stream = num(stream, i);
        row.corr = num(corr, i);
        row.name = str(name, i);
        sink.append(row);
      }
    }
  } finally {
    await reader.close();
  }
}
