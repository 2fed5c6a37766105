/**
 * Reads one PyTorch-profiler / Kineto trace file into canonical rows, with file-local agents (`cpu0`,
 * `gpu<device id>`) and file-local times (ns after the integer µs of the first event). The caller
 * (kineto.ts) renames agents and shifts times once every file is read, because the facts it needs —
 * `baseTimeNanoseconds`, `distributedInfo.rank`, the earliest event — may come after the events.
 *
 * Mapping (DESIGN.md canonical trace):
 * - `kernel` (legacy `Kernel`) → `kernel` by gpu<args.device>, dur, stream, corr, name;
 * - `gpu_memcpy` (`Memcpy`) → `copy` from the source side (agent) to the destination side (peer), bytes
 *   from args.bytes or, on ROCm, from the runtime call with the same correlation (args.size/bytes);
 *   `mem` = the host side's memory kind (pinned/pageable) or `device` for device-to-device copies;
 * - `gpu_memset` (`Memset`) → `memset` by the GPU with bytes, stream, corr and no address;
 * - runtime/driver (`cuda_runtime`, `cuda_driver`, legacy `Runtime`): launches (any name with
 *   "Launch") and memcpy/memset calls → `submit` by the CPU with corr and `stream` = the calling
 *   thread (`pid`/`tid` numbered in order of first appearance, derive/cpu-threads.ts); synchronising
 *   calls → `sync` and cudaStreamWaitEvent → `wait`, resolved once the file is read
 *   (derive/stream-dependencies.ts: what each waits for, recorded or inferred); `cuda_sync` events
 *   (PyTorch's `enable_cuda_sync_events`) record the stream / event a sync or wait concerns;
 * - `[memory]` allocator instants → `alloc` (Bytes > 0) / `free` (Bytes < 0) at Addr, objects named
 *   `mem@0x<addr>#<n>` (n-th allocation at that address in this file; #0 = allocated before the trace);
 * - everything else is counted in `sink.unmapped` by category (runtime calls by `category:name`).
 */
import { BadInputError } from '../../common/bad-input.ts';
import { AllocationNames } from '../allocation-names.ts';
import { copyMemKind } from '../copy-memory-kind.ts';
import type { IngestContext, RowSink } from '../format.ts';
import type { MemKind, Op } from '../trace/schema.ts';
import type { Addr, Bytes, Ns } from '../trace/units.ts';
import { parseInteger } from '../trace/units.ts';
import { clearRow, emptyRow, type TraceRow } from '../trace/writer.ts';
import { sourceChunks } from '../io/byte-stream.ts';
import { TraceJsonScanner } from '../io/json-scanner.ts';
import { parseMemcpyKind } from './memcpy-kind.ts';
import { CpuThreads } from '../derive/cpu-threads.ts';
import { MEMCPY_API, runtimeCallKind, submits } from '../derive/runtime-calls.ts';
import { StreamDependencies } from '../derive/stream-dependencies.ts';
import { durationNs, localNs } from './timestamp.ts';

/** What one file contributed, for the merge step. */
export interface KinetoFileResult {
  file: string;
  /** Integer µs of the first event: local times are ns after it. */
  anchorUs: number;
  /** `baseTimeNanoseconds` when present: then `ts` is relative to it. */
  baseTimeNs: bigint | null;
  /** Smallest local time of a staged row (Infinity when none). */
  minLocalNs: number;
  rank: number | null;
  /** Process ids of the file's runtime calls (one for a file of one process). */
  pids: number[];
  /** GPU device ids the rows use. */
  devicesUsed: Set<number>;
  deviceProperties: Record<string, unknown>[];
  /** Other top-level keys (distributedInfo, schemaVersion, …). */
  info: Record<string, unknown>;
  events: number;
  rows: number;
}

/** Local agent of the file's process (renamed per rank when several files merge). */
export const LOCAL_CPU = 'cpu0';
export const localGpu = (device: number): string => `gpu${device}`;

/** Legacy (PyTorch 1.8/1.9) categories → current ones. */
const CATEGORY: Record<string, string> = {
  kernel: 'kernel', Kernel: 'kernel',
  gpu_memcpy: 'gpu_memcpy', Memcpy: 'gpu_memcpy',
  gpu_memset: 'gpu_memset', Memset: 'gpu_memset',
  cuda_runtime: 'cuda_runtime', Runtime: 'cuda_runtime',
  cuda_driver: 'cuda_driver', Driver: 'cuda_driver',
};

const STREAM_TID = /^stream (\d+)/;

/** c10::DeviceType values of `[memory]` events. */
const DEVICE_TYPE_CPU = 0;
const DEVICE_TYPE_CUDA = 1;
const DEVICE_TYPE_HIP = 6;

/** Device ids above this are surely garbage (and would make odd agent names). */
const MAX_DEVICE_ID = 65535;
const INT32_MAX = 2147483647;

/** Categories the canonical trace cannot say, counted without parsing (see peek). */
const SKIPPED_CATEGORIES = new Map(['cpu_op', 'python_function', 'user_annotation', 'gpu_user_annotation', 'ac2g', 'fwdbwd',
  'Operator', 'async', 'overhead', 'Trace', 'Python', 'python_function_call'].map((c) => [c, c]));
/** Position of `"cat"` in bytes[from, to), or -1 (a bounded search: Buffer.indexOf would run to the chunk's end). */
function findCatKey(bytes: Buffer, from: number, to: number): number {
  for (let i = from; i + 5 <= to; i++) {
    if (bytes[i] === QUOTE && bytes[i + 1] === 0x63 && bytes[i + 2] === 0x61 && bytes[i + 3] === 0x74 && bytes[i + 4] === QUOTE) return i;
  }
  return -1;
}
const PEEK_WINDOW = 256;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const isSpace = (c: number): boolean => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;

type Json = Record<string, unknown>;
const EMPTY: Json = Object.freeze({}) as Json;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

interface PendingCopy { row: TraceRow; corr: number }

export class KinetoFileReader {
  private readonly row = emptyRow();
  private anchorUs: number | null = null;
  private minLocal = Infinity;
  private baseTimeNs: bigint | null = null;
  private rank: number | null = null;
  private deviceProperties: Json[] = [];
  /** A Map, not an object: top-level keys are untrusted (`__proto__`). */
  private readonly info = new Map<string, unknown>();
  private readonly devicesUsed = new Set<number>();
  private rows = 0;
  /** CPU threads (pid/tid) → the `stream` of CPU rows */
  private readonly threads = new CpuThreads();
  /** runtime calls and GPU ops, for the sync and wait rows */
  private readonly deps = new StreamDependencies();
  private readonly pids = new Set<number>();

  // [memory] objects, per local agent (allocation-names.ts).
  private readonly objects = new AllocationNames();

  // ROCm: copies without bytes wait for the runtime call with the same correlation.
  private readonly copySizes = new Map<number, number>();
  private readonly pendingCopies = new Map<number, PendingCopy>();

  // Per-event context for error messages.
  private line = 0;
  private index = 0;
  private text = '';

  /** `stage` takes the rows; `sink` counts what does not map. */
  constructor(private readonly file: string, private readonly stage: RowSink, private readonly sink: Pick<RowSink, 'unmapped'>) {}

  /** Streams the file through the scanner into the staging sink. */
  async read(ctx: IngestContext, progressBase: number): Promise<KinetoFileResult> {
    const scanner = new TraceJsonScanner(this.file, {
      topLevel: (key, value, text, line) => this.topLevel(key, value, text, line),
      peek: (bytes, start, end) => this.peek(bytes, start, end),
      event: (value, text, line, index) => {
        this.line = line;
        this.index = index;
        this.text = text;
        this.event(value);
      },
    });
    for await (const chunk of sourceChunks(this.file, (n) => ctx.progress(progressBase + n))) scanner.push(chunk);
    scanner.end();
    if (!scanner.hadTraceEvents) throw new BadInputError(this.file, undefined, 'traceEvents', 'missing (not a Kineto/Chrome trace)');
    this.flushPendingCopies();
    // Sync and wait rows go to the staging run with the others (file-local agents and times).
    this.deps.emit({ append: (r) => this.append(r), unmapped: (kind, n) => this.sink.unmapped(kind, n) });
    if (this.threads.count > 0) this.info.set('cpuThreads', this.threads.count);
    if (scanner.repaired > 0) this.info.set('nonFiniteNumbersReadAsNull', scanner.repaired);
    return {
      file: this.file,
      anchorUs: this.anchorUs ?? 0,
      baseTimeNs: this.baseTimeNs,
      minLocalNs: this.minLocal,
      rank: this.rank,
      pids: [...this.pids].sort((a, b) => a - b),
      devicesUsed: this.devicesUsed,
      deviceProperties: this.deviceProperties,
      info: Object.fromEntries(this.info),
      events: scanner.events,
      rows: this.rows,
    };
  }

  // ---- top level ----

  private topLevel(key: string, value: unknown, text: string, line: number): void {
    switch (key) {
      case 'deviceProperties':
        if (!Array.isArray(value) || !value.every(isObject)) throw new BadInputError(this.file, line, key, 'is not an array of objects');
        this.deviceProperties = value as Json[];
        return;
      case 'baseTimeNanoseconds': {
        const t = text.trim();
        if (!/^\d+$/.test(t)) throw new BadInputError(this.file, line, key, `is not a non-negative integer (got ${t.slice(0, 40)})`);
        this.baseTimeNs = BigInt(t);
        this.info.set(key, t);
        return;
      }
      case 'distributedInfo':
        if (!isObject(value)) throw new BadInputError(this.file, line, key, 'is not an object');
        if (value.rank !== undefined) {
          if (!Number.isSafeInteger(value.rank) || (value.rank as number) < 0) throw new BadInputError(this.file, line, `${key}.rank`, `is not a non-negative integer (got ${JSON.stringify(value.rank)})`);
          this.rank = value.rank as number;
        }
        this.info.set(key, value);
        return;
      default:
        this.info.set(key, value);
    }
  }

  // ---- events ----

  /**
   * Counts events of categories that never map (CPU ops, Python frames, annotations, flows) from
   * their bytes, without parsing them: they are most of a trace's bytes. Only a `"cat": "<name>"` that
   * is a key of the event object itself (no bracket or escape before it) qualifies.
   */
  private peek(bytes: Buffer, start: number, end: number): boolean {
    if (bytes[start] !== 0x7b) return false;
    const limit = Math.min(end, start + PEEK_WINDOW);
    const at = findCatKey(bytes, start, limit);
    if (at < 0 || bytes[at - 1] === BACKSLASH) return false;
    for (let i = start + 1; i < at; i++) { const c = bytes[i]!; if (c === 0x7b || c === 0x5b) return false; }
    let i = at + 5;
    while (i < limit && isSpace(bytes[i]!)) i++;
    if (i >= limit || bytes[i] !== 0x3a) return false;
    i++;
    while (i < limit && isSpace(bytes[i]!)) i++;
    if (i >= limit || bytes[i] !== QUOTE) return false;
    const close = bytes.indexOf(QUOTE, i + 1);
    if (close < 0 || close >= limit) return false;
    const cat = SKIPPED_CATEGORIES.get(bytes.toString('latin1', i + 1, close));
    if (cat === undefined) return false;
    this.sink.unmapped(cat);
    return true;
  }

  private event(value: unknown): void {
    if (!isObject(value)) this.bad('', 'is not an object');
    const e = value;
    const cat = e.cat;
    if (cat !== undefined && typeof cat !== 'string') this.bad('cat', `is not a string (got ${JSON.stringify(cat)})`);
    const category = cat === undefined ? undefined : CATEGORY[cat];
    if (cat === 'cuda_sync' && e.ph === 'X') return this.cudaSync(e);
    if (category !== undefined && e.ph === 'X') {
      switch (category) {
        case 'kernel': return this.kernel(e);
        case 'gpu_memcpy': return this.memcpy(e);
        case 'gpu_memset': return this.memset(e);
        default: return this.runtime(e, category);
      }
    }
    if (e.name === '[memory]') return this.memory(e);
    this.sink.unmapped(unmappedKind(cat, category, e.ph));
  }

  private kernel(e: Json): void {
    const args = this.args(e);
    const r = this.begin(e, 'kernel', true);
    r.agent = this.gpu(this.device(e, args));
    r.stream = this.stream(e, args);
    r.corr = this.optionalId(args, 'correlation');
    r.name = this.name(e);
    this.deps.gpuOp(r.agent, r.stream, r.ts, r.dur, r.corr);
    // NCCL kernels carry their collective (name, sizes, group) — the canonical row cannot say it.
    if (args['Collective name'] !== undefined) this.sink.unmapped('kernel:collective info');
    this.emit();
  }

  private memcpy(e: Json): void {
    const args = this.args(e);
    const label = this.name(e);
    const kind = parseMemcpyKind(label, args.kind);
    if (!kind) { this.sink.unmapped('gpu_memcpy:unknown direction'); return; }
    const r = this.begin(e, 'copy', true);
    const device = this.device(e, args);
    const side = (s: 'host' | 'device' | 'peer', from: boolean): string => {
      if (s === 'host') return LOCAL_CPU;
      if (kind.direction === 'PtoP') {
        const k = from ? 'fromDevice' : 'toDevice';
        return this.gpu(args[k] === undefined ? device : this.deviceValue(args[k], `args.${k}`));
      }
      return this.gpu(device);
    };
    r.agent = side(kind.src, true);
    r.peer = side(kind.dst, false);
    r.mem = copyMemKind(kind.src, kind.dst, kind.srcMem, kind.dstMem, kind.srcMem ?? kind.dstMem);
    r.stream = this.stream(e, args);
    r.corr = this.optionalId(args, 'correlation');
    r.name = label;
    this.deps.gpuOp(this.gpu(device), r.stream, r.ts, r.dur, r.corr);
    const bytes = this.optionalBytes(args, 'bytes');
    if (bytes !== null) { r.bytes = bytes as Bytes; this.emit(); return; }
    // ROCm: no bytes on the GPU side; the runtime call (hipMemcpy*, args.size) has them.
    const corr = r.corr;
    if (corr !== null) {
      const size = this.copySizes.get(corr);
      if (size !== undefined) { this.copySizes.delete(corr); r.bytes = size as Bytes; this.emit(); return; }
      if (!this.pendingCopies.has(corr)) { this.pendingCopies.set(corr, { row: { ...r }, corr }); return; }
    }
    this.sink.unmapped('gpu_memcpy:bytes unknown');
    this.emit();
  }

  private memset(e: Json): void {
    const args = this.args(e);
    const r = this.begin(e, 'memset', true);
    r.agent = this.gpu(this.device(e, args));
    r.bytes = this.optionalBytes(args, 'bytes') as Bytes | null;
    if (r.bytes === null) this.sink.unmapped('gpu_memset:bytes unknown');
    r.stream = this.stream(e, args);
    r.corr = this.optionalId(args, 'correlation');
    r.name = this.name(e);
    this.deps.gpuOp(r.agent, r.stream, r.ts, r.dur, r.corr);
    this.emit();
  }

  private runtime(e: Json, category: string): void {
    const args = this.args(e);
    const name = this.name(e);
    if (typeof e.pid === 'number') this.pids.add(e.pid);
    const corr = this.optionalId(args, 'correlation');
    if (corr !== null && MEMCPY_API.test(name)) this.noteCopySize(args, corr);
    const kind = runtimeCallKind(name);
    if (kind === null) { this.sink.unmapped(`${category}:${name}`); return; }
    const r = this.begin(e, 'submit', true);
    r.agent = LOCAL_CPU;
    r.stream = this.threads.of(`${String(e.pid)}/${String(e.tid)}`);
    r.corr = corr;
    r.name = name;
    this.deps.call(LOCAL_CPU, r.stream, r.ts, r.dur, corr, kind, name);
    // Syncs and waits become rows once every GPU op is known; an event record only helps resolve them.
    if (submits(kind)) this.emit();
    else if (kind === 'event-record') this.sink.unmapped(`${category}:${name}`);
  }

  /**
   * A `cuda_sync` event (Kineto's CUPTI synchronization activity, `pid` = device, `tid` = stream):
   * records, for the runtime call with its `correlation`, the stream synchronised or waiting
   * (`stream`, −1 for context syncs) and, for event syncs and stream waits, `wait_on_stream` and
   * `wait_on_cuda_event_record_corr_id` (−1 when unknown).
   */
  private cudaSync(e: Json): void {
    const args = this.args(e);
    const corr = this.optionalId(args, 'correlation');
    if (corr === null) { this.sink.unmapped('cuda_sync:no correlation'); return; }
    const signed = (key: string): number | null => {
      const v = args[key];
      if (v === undefined) return null;
      if (typeof v !== 'number' || !Number.isSafeInteger(v)) this.bad(`args.${key}`, `is not an integer (got ${JSON.stringify(v)})`);
      return v < 0 || v > INT32_MAX ? null : v;
    };
    this.deps.recorded(LOCAL_CPU, corr, {
      gpu: this.gpu(this.device(e, args)),
      stream: signed('stream'),
      waitOnStream: signed('wait_on_stream'),
      recordCorr: signed('wait_on_cuda_event_record_corr_id'),
    });
  }

  /** ROCm runtime memcpy calls carry the size (`size` or `bytes`, numbers or strings). */
  private noteCopySize(args: Json, corr: number): void {
    const size = this.optionalBytes(args, 'size') ?? this.optionalBytes(args, 'bytes');
    if (size === null) return;
    const pending = this.pendingCopies.get(corr);
    if (pending) {
      this.pendingCopies.delete(corr);
      pending.row.bytes = size as Bytes;
      this.append(pending.row);
    } else {
      this.copySizes.set(corr, size);
    }
  }

  private flushPendingCopies(): void {
    for (const p of this.pendingCopies.values()) {
      this.sink.unmapped('gpu_memcpy:bytes unknown');
      this.append(p.row);
    }
    this.pendingCopies.clear();
    this.copySizes.clear();
  }

  private memory(e: Json): void {
    const args = this.args(e);
    if (args.Addr === undefined) { this.sink.unmapped('[memory]:no Addr'); return; }
    const type = this.integer(args, 'Device Type', true)!;
    const b = args.Bytes;
    if (typeof b !== 'number' || !Number.isSafeInteger(b)) this.bad('args.Bytes', `is not an integer (got ${JSON.stringify(b)})`);
    if (b === 0) { this.sink.unmapped('[memory]:zero Bytes'); return; }
    let agent: string;
    let mem: MemKind;
    if (type === DEVICE_TYPE_CPU) { agent = LOCAL_CPU; mem = 'pageable'; } else if (type === DEVICE_TYPE_CUDA || type === DEVICE_TYPE_HIP) {
      agent = this.gpu(this.deviceValue(args['Device Id'], 'args.Device Id'));
      mem = 'device';
    } else { this.sink.unmapped(`[memory]:device type ${type}`); return; }
    const address = args.Addr;
    if (typeof address !== 'number' || !Number.isSafeInteger(address) || address < 0) this.bad('args.Addr', `is not an address (got ${JSON.stringify(address)})`);
    const r = this.begin(e, b > 0 ? 'alloc' : 'free', false);
    r.agent = agent;
    r.addr = address as Addr;
    r.bytes = Math.abs(b) as Bytes;
    r.mem = mem;
    r.obj = b > 0 ? this.objects.alloc(agent, address) : this.objects.free(agent, address);
    this.emit();
  }

  // ---- row building ----

  /** Starts the reused row with ts (and dur for complete events). */
  private begin(e: Json, op: Op, complete: boolean): TraceRow {
    const r = this.row;
    clearRow(r);
    r.op = op;
    const ts = e.ts;
    if (typeof ts !== 'number' || !Number.isFinite(ts)) this.bad('ts', ts === undefined ? 'missing' : `is not a finite number (got ${this.asWritten('ts', ts)})`);
    if (this.anchorUs === null) this.anchorUs = Math.trunc(ts);
    const t = localNs(ts, this.anchorUs, this.text);
    if (t === null) this.bad('ts', `is out of range (got ${ts}; times must stay within 104 days of each other)`);
    r.ts = t as Ns;
    if (complete) {
      const d = e.dur;
      if (d === undefined) this.bad('dur', 'missing');
      if (typeof d !== 'number' || !Number.isFinite(d) || d < 0) this.bad('dur', `is not a finite non-negative number (got ${this.asWritten('dur', d)})`);
      const dur = durationNs(d);
      if (!Number.isSafeInteger(dur)) this.bad('dur', `is out of range (got ${d})`);
      r.dur = dur as Ns;
    }
    return r;
  }

  private emit(): void { this.append(this.row); }

  private append(r: TraceRow): void {
    if (r.ts < this.minLocal) this.minLocal = r.ts;
    this.rows++;
    this.stage.append(r);
  }

  private args(e: Json): Json {
    const a = e.args;
    if (a === undefined) return EMPTY;
    if (!isObject(a)) this.bad('args', 'is not an object');
    return a;
  }

  private name(e: Json): string {
    const n = e.name;
    if (typeof n !== 'string') this.bad('name', n === undefined ? 'missing' : 'is not a string');
    return n;
  }

  private gpu(device: number): string {
    this.devicesUsed.add(device);
    return localGpu(device);
  }

  /** The GPU of a device-side event: args.device, else the pid (Kineto puts device events under pid = device). */
  private device(e: Json, args: Json): number {
    if (args.device !== undefined) return this.deviceValue(args.device, 'args.device');
    if (typeof e.pid === 'number') return this.deviceValue(e.pid, 'pid');
    return this.bad('args.device', 'missing');
  }

  private deviceValue(v: unknown, field: string): number {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > MAX_DEVICE_ID) this.bad(field, `is not a device id (got ${JSON.stringify(v)})`);
    return v;
  }

  /** args.stream, else a legacy `tid` "stream 7". */
  private stream(e: Json, args: Json): number | null {
    const s = args.stream;
    if (s === undefined) {
      const m = typeof e.tid === 'string' ? STREAM_TID.exec(e.tid) : null;
      return m ? Number(m[1]) : null;
    }
    // ROCm kernels print the stream as a hex pointer string ("0x0").
    if (typeof s === 'string') {
      const v = parseInteger(s);
      return typeof v === 'number' && v <= INT32_MAX ? v : null;
    }
    if (typeof s !== 'number' || !Number.isInteger(s) || s < 0 || s > INT32_MAX) this.bad('args.stream', `is not a stream id (got ${JSON.stringify(s)})`);
    return s;
  }

  private optionalId(args: Json, key: string): number | null {
    return this.integer(args, key, false);
  }

  private integer(args: Json, key: string, required: boolean): number | null {
    const v = args[key];
    if (v === undefined) {
      if (required) this.bad(`args.${key}`, 'missing');
      return null;
    }
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || (v < 0 && key !== 'Device Id')) this.bad(`args.${key}`, `is not a non-negative integer (got ${JSON.stringify(v)})`);
    return v;
  }

  /** A byte count that may be a number or a numeric string (ROCm). */
  private optionalBytes(args: Json, key: string): number | null {
    const v = args[key];
    if (v === undefined) return null;
    if (typeof v === 'number') {
      if (!Number.isSafeInteger(v) || v < 0) this.bad(`args.${key}`, `is not a byte count (got ${v})`);
      return v;
    }
    if (typeof v === 'string') {
      const n = parseInteger(v);
      if (typeof n === 'string') this.bad(`args.${key}`, n);
      return n;
    }
    return this.bad(`args.${key}`, `is not a byte count (got ${JSON.stringify(v)})`);
  }

  /**
   * A top-level field of the current event as written in the source: JSON.parse turns `1e400` into
   * Infinity and non-finite.ts turns bare `NaN`/`Infinity` into null, and either prints as `null`.
   */
  private asWritten(key: string, parsed: unknown): string {
    const m = new RegExp(`"${key}"\\s*:\\s*([^,}\\]\\s]+)`).exec(this.text);
    return m?.[1] ?? JSON.stringify(parsed);
  }

  private bad(field: string, problem: string): never {
    throw new BadInputError(this.file, this.line, `traceEvents[${this.index}]${field ? `.${field}` : ''}`, problem);
  }
}

/** The `unmapped` kind of an event: its category; `metadata` for process/thread names; else its phase. */
function unmappedKind(cat: string | undefined, category: string | undefined, ph: unknown): string {
  const phase = typeof ph === 'string' ? ph : '?';
  if (cat === undefined) return phase === 'M' ? 'metadata' : `ph:${phase}`;
  return category === undefined ? cat : `${cat}:ph ${phase}`;
}
