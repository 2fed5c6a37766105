/**
 * Reads one rocprofv3 JSON file (`--output-format json`: `{"rocprofiler-sdk-tool": [{metadata, agents,
 * strings, kernel_symbols, buffer_records: {kernel_dispatch: […], …}, …}]}`) into canonical rows with
 * times relative to the file's first timestamp (rocprof.ts shifts them so the earliest row is 0).
 *
 * Streaming: the record arrays (buffer_records.*, callback_records.*, kernel_symbols, code_objects …)
 * are cut out element by element by io/json-scanner.ts; only metadata, agents and strings are
 * parsed whole. rocprofv3 writes agents, strings and kernel_symbols before the records, and the
 * records are resolved against them as they stream by.
 *
 * Mapping (DESIGN.md canonical trace):
 * - kernel_dispatch → `kernel` by the dispatch's GPU (agents.ts naming), dur = end − start, stream =
 *   queue id, corr = internal correlation id, name = the kernel symbol's formatted name;
 * - memory_copy → `copy` from src_agent to dst_agent with bytes (`mem` = device for GPU-to-GPU);
 * - memory_allocation ALLOCATE/FREE → `alloc`/`free` at the address (objects `mem@0x<addr>#<n>` as in
 *   the Kineto reader; a free takes agent, size and object of its allocation);
 * - hip_api launches and memcpy/memset calls → `submit` by `cpu0` (the record does not say which socket
 *   the calling thread ran on), `stream` = its `thread_id` numbered in order of first appearance
 *   (derive/cpu-threads.ts); synchronising calls → `sync`, hipStreamWaitEvent → `wait`, resolved once
 *   the file is read (derive/stream-dependencies.ts, derive/runtime-calls.ts). rocprofv3 has no
 *   memset activity: a hipMemset's GPU work is a kernel dispatch;
 * - everything else is counted in `sink.unmapped` (per record array, per unmapped HIP call, …).
 */
import { BadInputError } from '../../common/bad-input.ts';
import { AllocationNames } from '../allocation-names.ts';
import type { IngestContext, RowSink } from '../format.ts';
import { sourceChunks } from '../io/byte-stream.ts';
import { JsonStreamScanner, type JsonPath, type PathPlan } from '../io/json-scanner.ts';
import { CpuThreads } from '../derive/cpu-threads.ts';
import { runtimeCallKind, submits } from '../derive/runtime-calls.ts';
import { StreamDependencies } from '../derive/stream-dependencies.ts';
import type { MemKind, Op } from '../trace/schema.ts';
import { parseInteger, type Addr, type Bytes, type Ns } from '../trace/units.ts';
import { clearRow, emptyRow, type TraceRow } from '../trace/writer.ts';
import { AgentProblem, AgentTable, handleOf, type AgentEntry, type DeviceEntry } from './agents.ts';
import { TimestampAnchor } from './timestamps.ts';

export const ROOT_KEY = 'rocprofiler-sdk-tool';

/** Record arrays under `buffer_records` that map to rows; every other one is counted as unmapped. */
const MAPPED_RECORDS = new Set(['kernel_dispatch', 'memory_copy', 'memory_allocation', 'hip_api']);
/** Sections of a tool entry that are arrays of records (streamed; the big ones). */
const RECORD_SECTIONS = new Set(['kernel_symbols', 'code_objects', 'host_functions', 'counters', 'summary']);
/** Sections holding arrays of records per kind (streamed per kind). */
const RECORD_GROUPS = new Set(['buffer_records', 'callback_records']);

/** rocprofiler memory-allocation operations, when `strings` does not name them. */
const ALLOCATION_OPS = ['MEMORY_ALLOCATION_NONE', 'MEMORY_ALLOCATION_ALLOCATE', 'MEMORY_ALLOCATION_VMEM_ALLOCATE', 'MEMORY_ALLOCATION_FREE', 'MEMORY_ALLOCATION_VMEM_FREE'];

const INT32_MAX = 2147483647;
/** The owner of every address in AllocationNames: one address space per tool entry (process). */
const PROCESS_WIDE = '';
/** The host process: API calls carry no CPU socket. */
const HOST_AGENT = 'cpu0';

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** What one file contributed, for rocprof.ts. */
export interface RocprofFileResult {
  /** Smallest local time of a row (Infinity when none). */
  minLocalNs: number;
  devices: DeviceEntry[];
  info: Record<string, unknown>;
  rows: number;
}

interface LiveObject { name: string; agent: string; bytes: number; mem: MemKind }

/** The per-process tables of one tool entry (rocprofiler-sdk-tool[i]). */
class ToolEntry {
  agents: AgentTable | null = null;
  /** strings.buffer_records: operation names per record kind. */
  operations: string[][] = [];
  readonly kernelNames = new Map<number, string>();
  /** Live allocations by address (addresses are process-wide: a free's agent may be unknown). */
  readonly live = new Map<number, LiveObject>();
  readonly names = new AllocationNames();
  constructor(readonly index: number) {}
}

export class RocprofFileReader {
  private readonly row = emptyRow();
  private readonly time = new TimestampAnchor();
  private minLocal = Infinity;
  private rows = 0;
  private entry: ToolEntry | null = null;
  private devices: DeviceEntry[] = [];
  private readonly processes: Json[] = [];
  /** Elements per streamed array, by path below the tool entry (`buffer_records.kernel_dispatch`). */
  private readonly records = new Map<string, number>();
  private sawRoot = false;
  private readonly threads = new CpuThreads();
  private readonly deps = new StreamDependencies();

  // Per-record context for error messages.
  private line = 0;
  private where = '';
  private text = '';

  // peek: the unmapped kind of the last streamed path (paths are one object per array).
  private peekPath: JsonPath | null = null;
  private peekKind: string | null = null;

  constructor(private readonly file: string, private readonly stage: RowSink, private readonly sink: RowSink) {}

  async read(ctx: IngestContext): Promise<RocprofFileResult> {
    const scanner = new JsonStreamScanner(this.file, {
      plan: (path) => this.plan(path),
      open: (path, object, line) => this.open(path, object, line),
      value: (path, value, _text, line) => this.value(path, value, line),
      peek: (path, bytes, start, end) => this.peek(path, bytes, start, end),
      element: (path, value, text, line, index) => {
        this.line = line;
        this.text = text;
        this.where = `${pathName(path)}[${index}]`;
        this.element(path, value);
      },
    });
    for await (const chunk of sourceChunks(this.file, (n) => ctx.progress(n))) scanner.push(chunk);
    scanner.end();
    if (!this.sawRoot) throw new BadInputError(this.file, undefined, ROOT_KEY, 'missing (not a rocprofv3 JSON file)');
    this.deps.emit({ append: (r) => this.emitRow(r), unmapped: (kind, n) => this.sink.unmapped(kind, n) });
    if (scanner.repaired > 0) this.sink.unmapped('json:non-finite numbers read as null', scanner.repaired);
    return {
      minLocalNs: this.minLocal,
      devices: this.devices,
      info: { processes: this.processes, records: Object.fromEntries([...this.records].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) },
      rows: this.rows,
    };
  }

  // ---- document structure ----

  private plan(path: JsonPath): PathPlan {
    const n = path.length;
    if (n === 0) return 'descend';
    if (path[0] !== ROOT_KEY) return 'value';
    if (n <= 2) return 'descend';
    const section = path[2] as string;
    if (n === 3) return RECORD_GROUPS.has(section) ? 'descend' : RECORD_SECTIONS.has(section) ? 'stream' : 'value';
    return n === 4 && RECORD_GROUPS.has(section) ? 'stream' : 'value';
  }

  /** The containers walked through must have the kind rocprofv3 writes. */
  private open(path: JsonPath, object: boolean, line: number): void {
    const wantObject = path.length !== 1;
    if (object !== wantObject) throw new BadInputError(this.file, line, pathName(path), `is not an ${wantObject ? 'object' : 'array'}`);
    this.sawRoot = true;
  }

  private toolEntry(path: JsonPath): ToolEntry {
    const i = path[1] as number;
    if (this.entry?.index !== i) this.entry = new ToolEntry(i);
    return this.entry;
  }

  private value(path: JsonPath, value: unknown, line: number): void {
    if (path[0] !== ROOT_KEY) { this.sink.unmapped(`top-level:${String(path[0])}`); return; }
    // Scalars where containers belong (open() checks the containers).
    if (path.length === 1) throw new BadInputError(this.file, line, ROOT_KEY, 'is not an array');
    if (path.length === 2) throw new BadInputError(this.file, line, pathName(path), 'is not an object');
    const entry = this.toolEntry(path);
    const field = pathName(path);
    switch (path.length === 3 ? path[2] : undefined) {
      case 'metadata':
        if (!isObject(value)) throw new BadInputError(this.file, line, field, 'is not an object');
        this.processes.push(value);
        return;
      case 'agents':
        try {
          entry.agents = new AgentTable(value);
        } catch (e) {
          if (e instanceof AgentProblem) throw new BadInputError(this.file, line, field + e.field, e.problem);
          throw e;
        }
        if (this.devices.length === 0) this.devices = entry.agents.devices;
        return;
      case 'strings':
        entry.operations = operationNames(value);
        return;
      default:
        // Tool configuration echoes, counter definitions …: nothing a canonical row can say.
        this.sink.unmapped(path.slice(2).join('.'));
    }
  }

  /** Counts elements of arrays that never map without parsing them. */
  private peek(path: JsonPath, _bytes: Buffer, _start: number, _end: number): boolean {
    if (path !== this.peekPath) {
      this.peekPath = path;
      const key = path.slice(2).join('.');
      const mapped = key === 'kernel_symbols' || (path[2] === 'buffer_records' && MAPPED_RECORDS.has(path[3] as string));
      this.peekKind = mapped ? null : key;
      if (path[0] === ROOT_KEY) this.toolEntry(path);
    }
    const kind = this.peekKind;
    if (kind === null) return false;
    this.countRecord(kind);
    this.sink.unmapped(kind);
    return true;
  }

  private countRecord(key: string): void {
    this.records.set(key, (this.records.get(key) ?? 0) + 1);
  }

  private element(path: JsonPath, value: unknown): void {
    const entry = this.toolEntry(path);
    const section = path[2] as string;
    if (!isObject(value)) this.bad('', 'is not an object');
    if (section === 'kernel_symbols') { this.countRecord(section); this.kernelSymbol(entry, value); return; }
    const kind = path[3] as string;
    this.countRecord(`buffer_records.${kind}`);
    switch (kind) {
      case 'kernel_dispatch': return this.kernelDispatch(entry, value);
      case 'memory_copy': return this.memoryCopy(entry, value);
      case 'memory_allocation': return this.memoryAllocation(entry, value);
      case 'hip_api': return this.hipApi(entry, value);
      default: throw new Error(`RocprofFileReader: unexpected record array ${kind}`);
    }
  }

  // ---- records ----

  private kernelSymbol(entry: ToolEntry, s: Json): void {
    const id = this.integer(s, 'kernel_id');
    const name = [s.formatted_kernel_name, s.demangled_kernel_name, s.kernel_name].find((n) => typeof n === 'string' && n !== '');
    if (name !== undefined) entry.kernelNames.set(id, name as string);
  }

  private kernelDispatch(entry: ToolEntry, e: Json): void {
    const info = e.dispatch_info;
    if (!isObject(info)) this.bad('dispatch_info', info === undefined ? 'missing' : 'is not an object');
    const agent = this.agent(entry, info.agent_id, 'dispatch_info.agent_id');
    if (!agent.gpu) this.bad('dispatch_info.agent_id', `is ${agent.agent}, not a GPU agent`);
    const r = this.begin(e, 'kernel');
    r.agent = agent.agent;
    r.corr = this.correlation(e);
    if (info.queue_id !== undefined) {
      const q = handleOf(info.queue_id);
      if (q === null) this.bad('dispatch_info.queue_id.handle', `is not a non-negative integer (got ${JSON.stringify(info.queue_id)})`);
      if (q <= INT32_MAX) r.stream = q;
      else this.sink.unmapped('kernel_dispatch:queue id beyond int32');
    }
    const id = this.integer(info, 'kernel_id', 'dispatch_info.kernel_id');
    r.name = entry.kernelNames.get(id) ?? null;
    if (r.name === null) this.sink.unmapped('kernel_dispatch:kernel name unknown');
    this.deps.gpuOp(r.agent, r.stream, r.ts, r.dur, r.corr);
    this.emit();
  }

  private memoryCopy(entry: ToolEntry, e: Json): void {
    const src = this.agent(entry, e.src_agent_id, 'src_agent_id');
    const dst = this.agent(entry, e.dst_agent_id, 'dst_agent_id');
    const bytes = this.integer(e, 'bytes');
    const r = this.begin(e, 'copy');
    r.agent = src.agent;
    r.peer = dst.agent;
    r.bytes = bytes as Bytes;
    if (src.gpu && dst.gpu) r.mem = 'device';
    r.corr = this.correlation(e);
    r.name = this.operationName(entry, e);
    // The copy engine of the GPU side does the work (the destination's when both are GPUs).
    this.deps.gpuOp(dst.gpu ? dst.agent : src.agent, null, r.ts, r.dur, r.corr);
    this.emit();
  }

  private memoryAllocation(entry: ToolEntry, e: Json): void {
    const opName = this.operationName(entry, e) ?? ALLOCATION_OPS[e.operation as number] ?? null;
    const op: Op | null = opName === 'MEMORY_ALLOCATION_ALLOCATE' ? 'alloc' : opName === 'MEMORY_ALLOCATION_FREE' ? 'free' : null;
    if (op === null) { this.sink.unmapped(`memory_allocation:${opName ?? `operation ${JSON.stringify(e.operation)}`}`); return; }
    const address = this.address(e);
    if (address === 0) { this.sink.unmapped('memory_allocation:null address'); return; }
    const size = this.integer(e, 'allocation_size');
    // A free's agent handle may be 0 (unknown): its allocation says.
    const handle = handleOf(e.agent_id);
    if (handle === null) this.bad('agent_id.handle', `is not a non-negative integer (got ${JSON.stringify(e.agent_id)})`);
    const known = this.agentTable(entry).get(handle);
    if (op === 'alloc') {
      if (!known) this.bad('agent_id.handle', `is not an agent of the agents list (got ${handle})`);
      if (size === 0) { this.sink.unmapped('memory_allocation:zero size'); return; }
      // HSA pools of a CPU agent are page-locked system memory; a GPU's are its VRAM.
      const obj: LiveObject = { name: entry.names.alloc(PROCESS_WIDE, address), agent: known.agent, bytes: size, mem: known.gpu ? 'device' : 'pinned' };
      entry.live.set(address, obj);
      this.allocRow(e, 'alloc', obj, address);
      return;
    }
    const live = entry.live.get(address);
    if (live) {
      entry.live.delete(address);
      entry.names.free(PROCESS_WIDE, address);
      this.allocRow(e, 'free', live, address);
      return;
    }
    // Allocated before the trace started (#0, as in the Kineto reader).
    if (!known) { this.sink.unmapped('memory_allocation:free of an unknown allocation'); return; }
    const r = this.begin(e, 'free');
    r.agent = known.agent;
    r.addr = address as Addr;
    r.bytes = size > 0 ? size as Bytes : null;
    r.mem = known.gpu ? 'device' : 'pinned';
    r.obj = entry.names.free(PROCESS_WIDE, address);
    r.corr = this.correlation(e);
    this.emit();
  }

  private allocRow(e: Json, op: Op, obj: LiveObject, address: number): void {
    const r = this.begin(e, op);
    r.agent = obj.agent;
    r.addr = address as Addr;
    r.bytes = obj.bytes as Bytes;
    r.mem = obj.mem;
    r.obj = obj.name;
    r.corr = this.correlation(e);
    this.emit();
  }

  private hipApi(entry: ToolEntry, e: Json): void {
    const name = this.operationName(entry, e);
    if (name === null) { this.sink.unmapped('hip_api:operation unknown'); return; }
    const kind = runtimeCallKind(name);
    if (kind === null) { this.sink.unmapped(`hip_api:${name}`); return; }
    const r = this.begin(e, 'submit');
    r.agent = HOST_AGENT;
    r.stream = this.threads.of(e.thread_id === undefined ? 0 : String(e.thread_id));
    r.corr = this.correlation(e);
    r.name = name;
    this.deps.call(HOST_AGENT, r.stream, r.ts, r.dur, r.corr, kind, name);
    if (submits(kind)) this.emit();
    else if (kind === 'event-record') this.sink.unmapped(`hip_api:${name}`);
  }

  // ---- fields ----

  private agentTable(entry: ToolEntry): AgentTable {
    if (entry.agents === null) this.bad('', '"agents" must come before the records that name agents (rocprofv3 writes it first)');
    return entry.agents;
  }

  private agent(entry: ToolEntry, v: unknown, field: string): AgentEntry {
    const handle = handleOf(v);
    if (handle === null) this.bad(`${field}.handle`, v === undefined ? 'missing' : `is not a non-negative integer (got ${JSON.stringify(v)})`);
    const a = this.agentTable(entry).get(handle);
    if (!a) this.bad(`${field}.handle`, `is not an agent of the agents list (got ${handle})`);
    return a;
  }

  /** The name of a record's (kind, operation) from `strings.buffer_records`, or null. */
  private operationName(entry: ToolEntry, e: Json): string | null {
    const kind = e.kind;
    const op = e.operation;
    if (!Number.isSafeInteger(kind) || !Number.isSafeInteger(op)) return null;
    return entry.operations[kind as number]?.[op as number] || null;
  }

  private correlation(e: Json): number | null {
    const c = e.correlation_id;
    if (c === undefined) return null;
    if (!isObject(c)) this.bad('correlation_id', 'is not an object');
    const internal = c.internal;
    if (typeof internal !== 'number' || !Number.isSafeInteger(internal) || internal < 0) this.bad('correlation_id.internal', `is not a non-negative integer (got ${JSON.stringify(internal)})`);
    if (c.external !== undefined && c.external !== 0) this.sink.unmapped('correlation_id.external');
    return internal;
  }

  private address(e: Json): number {
    const a = e.address;
    if (typeof a === 'string') {
      const v = parseInteger(a);
      if (typeof v === 'string') this.bad('address', v);
      return v;
    }
    if (typeof a === 'number' && Number.isSafeInteger(a) && a >= 0) return a;
    return this.bad('address', a === undefined ? 'missing' : `is not an address (got ${JSON.stringify(a)})`);
  }

  private integer(o: Json, key: string, field = key): number {
    const v = o[key];
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) this.bad(field, v === undefined ? 'missing' : `is not a non-negative integer (got ${JSON.stringify(v)})`);
    return v;
  }

  // ---- row building ----

  /** Starts the reused row with ts and dur from start_timestamp / end_timestamp. */
  private begin(e: Json, op: Op): TraceRow {
    const r = this.row;
    clearRow(r);
    r.op = op;
    const start = this.time.local(e.start_timestamp, 'start_timestamp', this.text);
    if (typeof start !== 'number') this.bad('start_timestamp', start.problem);
    const end = this.time.local(e.end_timestamp, 'end_timestamp', this.text);
    if (typeof end !== 'number') this.bad('end_timestamp', end.problem);
    if (end < start) this.bad('end_timestamp', `is before start_timestamp (${end - start} ns)`);
    r.ts = start as Ns;
    r.dur = (end - start) as Ns;
    return r;
  }

  private emit(): void { this.emitRow(this.row); }

  private emitRow(r: TraceRow): void {
    if (r.ts < this.minLocal) this.minLocal = r.ts;
    this.rows++;
    this.stage.append(r);
  }

  private bad(field: string, problem: string): never {
    throw new BadInputError(this.file, this.line, `${this.where}${field ? `.${field}` : ''}`, problem);
  }
}

/** `rocprofiler-sdk-tool[0].buffer_records.kernel_dispatch` */
function pathName(path: JsonPath): string {
  let s = '';
  for (const seg of path) s += typeof seg === 'number' ? `[${seg}]` : s ? `.${seg}` : seg;
  return s;
}

/** strings.buffer_records: `[{kind, operations: [names]}]`, indexed by the record kind number. */
function operationNames(strings: unknown): string[][] {
  if (!isObject(strings) || !Array.isArray(strings.buffer_records)) return [];
  return strings.buffer_records.map((k: unknown) =>
    isObject(k) && Array.isArray(k.operations) ? k.operations.map((o: unknown) => (typeof o === 'string' ? o : '')) : []);
}
