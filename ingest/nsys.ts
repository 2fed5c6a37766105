/**
 * Nsight Systems SQLite exports (`nsys export --type sqlite`), schema 2.9 to 3.20, read with
 * better-sqlite3 row iterators (memory bounded by the sink, not by the file).
 *
 * Mapping (DESIGN.md canonical trace; agents `gpu<deviceId>`, `cpu0`, `nic<nicId>`):
 * - CUPTI_ACTIVITY_KIND_MEMCPY, explicit copyKind → `copy` from the source side to `peer` (host =
 *   cpu0), `mem` = the host side's memory kind (pinned/pageable decides the cost) or else the
 *   source's, `name` = `Memcpy HtoD (Pageable -> Device)` as Kineto spells it.
 * - …MEMCPY with copyKind UVM_HTOD/UVM_DTOH/UVM_DTOD (11/12/13) → `obs_migrate` src → `peer` dst at
 *   `virtualAddress`, `cause` from `migrationCause` (see cuda-vocabulary.ts), plus the derived access
 *   of fault-caused ones (unified-memory-rows.ts).
 * - CUPTI_ACTIVITY_KIND_MEMSET → `memset` by the GPU of `bytes` on its stream, no address (as the Kineto reader).
 * - CUPTI_ACTIVITY_KIND_KERNEL → `kernel` (name: demangled, via StringIds).
 * - CUPTI_ACTIVITY_KIND_RUNTIME (CUDA runtime/driver API calls, names via StringIds without the
 *   `_v7000` suffix): launches and memcpy/memset calls → `submit` by cpu0 with corr and `stream` = the
 *   calling thread (`globalTid`, numbered in order of first appearance); synchronising calls → `sync`
 *   and cudaStreamWaitEvent → `wait`, resolved once the file is read (derive/stream-dependencies.ts;
 *   the Kineto reader's rules, derive/runtime-calls.ts), with the stream and device a call concerns
 *   taken from its CUPTI_ACTIVITY_KIND_SYNCHRONIZATION record (same correlationId) when there is one.
 *   The record's `syncType` is not trusted (the shared export labels its cudaStreamSynchronize calls
 *   "Stream wait sync"): the call's name says the kind, the record only its stream and device; allocation calls
 *   (`cudaMalloc*`, `cudaHostAlloc`, `cudaFree*`, `cuMemAlloc*` …) are the alloc/free rows of their
 *   memory usage event (same correlationId) — without one the call records no size or address and is
 *   counted as unmapped `cuda_runtime:<name> (<why>)`; others → unmapped `cuda_runtime:<name>`.
 * - CUDA_GPU_MEMORY_USAGE_EVENTS → `alloc`/`free` (device memory owned by its GPU, the rest by cpu0),
 *   `obj` = the event's name or `mem@0x<addr>#<n>` (allocation-names.ts: n-th allocation at that
 *   address; #0 = allocated before the capture).
 * - CUDA_UM_CPU_PAGE_FAULT_EVENTS / CUDA_UM_GPU_PAGE_FAULT_EVENTS → `obs_fault` (4 KiB at the
 *   faulting address) plus the derived access.
 * - TARGET_INFO_GPU (TARGET_INFO_CUDA_GPU in early-2021 exports) / TARGET_INFO_NIC_INFO → META.devices;
 *   export metadata → META.sourceInfo.nsys.
 * - Every other event table with rows is counted as unmapped `table:<NAME>`.
 * Without memory usage events, the VA blocks the derived accesses touch get implied `managed`
 * allocations (implied-allocations.ts) so that replay sees them.
 * Time: ns since the earliest of ANALYSIS_DETAILS.startTime and every mapped event (subtracted in
 * SQLite, so absolute clocks beyond 2^53 stay exact).
 * Enums come from the file's ENUM_* tables; schema 2.9 has none, and the fallbacks are the CUPTI /
 * nsys 3.x numbering (cuda-vocabulary.ts).
 */
import { statSync } from 'node:fs';
import { basename } from 'node:path';
import type { IngestContext, IngestFormat, RowSink } from './format.ts';
import { AllocationNames } from './allocation-names.ts';
import { withImpliedAllocations } from './implied-allocations.ts';
import { withImpliedFirstTouch } from './derive/implied-first-touch.ts';
import {
  ACCESS_TYPE_FALLBACK, COPY_KIND_FALLBACK, MIGRATION_CAUSE_FALLBACK, NSYS_MEM_KIND_FALLBACK,
  apiAllocationCall, apiName, faultAccessOf, memKindOf, migrationCauseOf, type CopySide,
} from './sqlite/cuda-vocabulary.ts';
import { CuptiSqliteFile, withCuptiFile } from './sqlite/cupti-file.ts';
import {
  RowCheck, countRows, isSqliteHeader, loadEnum, minOver, openReadOnly, quoteIdent, sqliteTablesOf, tableColumns, tableNames, type Db,
} from './sqlite/database.ts';
import { addDevices, addSourceInfo, type DeviceInfo } from './sqlite/source-metadata.ts';
import { UnifiedMemoryRows } from './sqlite/unified-memory-rows.ts';
import { PAGE_SIZE, type Addr, type Bytes, type Ns } from './trace/units.ts';
import { clearRow } from './trace/writer.ts';
import { CpuThreads } from './derive/cpu-threads.ts';
import { runtimeCallKind, submits } from './derive/runtime-calls.ts';

const T = {
  memcpy: 'CUPTI_ACTIVITY_KIND_MEMCPY',
  memset: 'CUPTI_ACTIVITY_KIND_MEMSET',
  kernel: 'CUPTI_ACTIVITY_KIND_KERNEL',
  runtime: 'CUPTI_ACTIVITY_KIND_RUNTIME',
  synchronization: 'CUPTI_ACTIVITY_KIND_SYNCHRONIZATION',
  memUsage: 'CUDA_GPU_MEMORY_USAGE_EVENTS',
  cpuFaults: 'CUDA_UM_CPU_PAGE_FAULT_EVENTS',
  gpuFaults: 'CUDA_UM_GPU_PAGE_FAULT_EVENTS',
} as const;
const MAPPED_TABLES: ReadonlySet<string> = new Set(Object.values(T).filter((t) => t !== T.synchronization));

/** Tables that describe the capture rather than events: never "unmapped". */
const DESCRIPTIVE = /^(ENUM_|TARGET_INFO_|META_DATA_|sqlite_|ANALYSIS_)|^(StringIds|ThreadNames|PROCESSES|ProcessStreams|EXPORT_META_DATA|CUDA_CALLCHAINS|UnwindMethodType|ThreadNames|OSRT_CALLCHAINS|SAMPLING_CALLCHAINS)$/;

/** An nsys export has StringIds plus CUDA/target tables, and no nvprof StringTable. */
export function looksLikeNsys(tables: Set<string> | undefined): boolean {
  if (!tables || !tables.has('StringIds') || tables.has('StringTable')) return false;
  return [T.memcpy, T.kernel, 'TARGET_INFO_GPU', 'TARGET_INFO_CUDA_GPU', 'META_DATA_EXPORT', 'ANALYSIS_DETAILS', 'CUPTI_ACTIVITY_KIND_RUNTIME'].some((t) => tables.has(t));
}

export const nsysFormat: IngestFormat = {
  name: 'nsys',
  description: 'Nsight Systems SQLite export (nsys export --type sqlite), schema 2.9-3.20',
  sniff: (path, head) => isSqliteHeader(head) && looksLikeNsys(sqliteTablesOf(path)),
  async read(files: readonly string[], sink: RowSink, ctx: IngestContext): Promise<void> {
    const pass = (s: RowSink) => {
      let done = 0;
      for (const file of files) {
        readNsysFile(file, s);
        done += statSync(file).size;
        ctx.progress(done);
      }
    };
    // With memory usage events the export has its own allocations: one pass, nothing implied.
    // An HtoD arrival proves a CPU first touch (derive/implied-first-touch.ts), after the allocations.
    await withImpliedFirstTouch(sink, async (s) => {
      if (files.some(hasAllocationEvents)) pass(s);
      else await withImpliedAllocations(s, 'managed', pass);
    });
  },
};

function hasAllocationEvents(file: string): boolean {
  const db = openReadOnly(file);
  try {
    return tableNames(db).has(T.memUsage) && countRows(db, T.memUsage) > 0;
  } finally {
    db.close();
  }
}

/** Reads one export into `sink` (synchronous: better-sqlite3 is). */
export function readNsysFile(file: string, sink: RowSink): void {
  withCuptiFile(file, looksLikeNsys, 'is not an Nsight Systems SQLite export (no StringIds and CUDA/target tables)',
    (db, tables) => new NsysFile(file, db, tables, sink).read());
}

/** The trace base: the earliest of ANALYSIS_DETAILS.startTime and every mapped event's start. */
function nsysBase(db: Db, tables: Set<string>): bigint {
  const timed = [...MAPPED_TABLES].filter((t) => tables.has(t) && tableColumns(db, t).has('start')).map((table) => ({ table, column: 'start' }));
  if (tables.has('ANALYSIS_DETAILS') && tableColumns(db, 'ANALYSIS_DETAILS').has('startTime')) timed.push({ table: 'ANALYSIS_DETAILS', column: 'startTime' });
  return minOver(db, timed) ?? 0n;
}

class NsysFile extends CuptiSqliteFile {
  private memUsageCorrs: Set<number> | undefined;
  /** CPU threads that made runtime calls (META.sourceInfo) */
  private cpuThreads = 0;

  constructor(file: string, db: Db, tables: Set<string>, sink: RowSink) {
    super(file, db, tables, sink, { strings: { table: 'StringIds', id: 'id' }, deviceRequired: false, base: nsysBase(db, tables) });
  }

  read(): void {
    const has = (t: string) => this.tables.has(t) && countRows(this.db, t) > 0;
    const faultKinds: ('cpu' | 'gpu')[] = [];
    if (has(T.cpuFaults)) faultKinds.push('cpu');
    if (has(T.gpuFaults)) faultKinds.push('gpu');
    const um = new UnifiedMemoryRows(this.sink, faultKinds);
    if (this.tables.has(T.memcpy)) this.memcpy(um);
    if (this.tables.has(T.memset)) this.memsetRows(T.memset, this.enumOf('ENUM_CUDA_MEM_KIND', NSYS_MEM_KIND_FALLBACK));
    if (this.tables.has(T.kernel)) this.kernels();
    if (this.tables.has(T.runtime)) this.apiCalls();
    if (this.tables.has(T.memUsage)) this.memoryUsage();
    if (this.tables.has(T.cpuFaults)) this.cpuFaults(um);
    if (this.tables.has(T.gpuFaults)) this.gpuFaults(um);
    if (this.tables.has(T.synchronization)) this.synchronizations();
    this.streamDeps.emit(this.sink);
    this.devices();
    this.countUnmappedTables((t) => MAPPED_TABLES.has(t) || t === T.synchronization || DESCRIPTIVE.test(t));
  }

  private enumOf(table: string, fallback: ReadonlyMap<number, string>): Map<number, string> {
    return loadEnum(this.db, this.tables, table, fallback);
  }

  /** A string column that may hold the text itself, a StringIds id, or NULL. */
  private optString(check: RowCheck, field: string, v: unknown): string | null {
    if (v === null || v === undefined) return null;
    if (typeof v === 'string') return v;
    return this.stringOf(check, field, v);
  }

  /** Explicit copies by the CUPTI base; unified-memory kinds (11-13) → `obs_migrate` at `virtualAddress`. */
  private memcpy(um: UnifiedMemoryRows): void {
    const enums = {
      copyKinds: this.enumOf('ENUM_CUDA_MEMCPY_OPER', COPY_KIND_FALLBACK),
      memKinds: this.enumOf('ENUM_CUDA_MEM_KIND', NSYS_MEM_KIND_FALLBACK),
    };
    const causes = this.enumOf('ENUM_CUDA_UNIF_MEM_MIGRATION', MIGRATION_CAUSE_FALLBACK);
    this.memcpyRows(T.memcpy, enums, [{ names: ['migrationCause'] }, { names: ['virtualAddress'] }], ({ check, span, kind, srcDevice, dstDevice, bytes, values: v }) => {
      if (!kind.unified) return false;
      const causeId = check.optInt('migrationCause', v[12]);
      const cause = causeId === null ? null : migrationCauseOf(causes.get(causeId));
      um.migration(span, agentOf(kind.src, srcDevice), agentOf(kind.dst, dstDevice), check.optInt('virtualAddress', v[13]), bytes, cause);
      return true;
    });
  }

  private kernels(): void {
    const check = new RowCheck(this.file, T.kernel);
    const r = this.row;
    for (const v of this.rows(T.kernel, [
      { names: ['start'], required: true, time: true }, { names: ['end'], required: true, time: true },
      { names: ['deviceId'] }, { names: ['streamId'] }, { names: ['correlationId'] },
      { names: ['demangledName', 'shortName', 'name'] },
    ])) {
      this.gpuActivity(check, v, 'kernel');
      r.name = this.optString(check, 'demangledName', v[6]);
      this.appendGpuOp(r.agent);
    }
  }

  private apiCalls(): void {
    const check = new RowCheck(this.file, T.runtime);
    const r = this.row;
    const threads = new CpuThreads();
    for (const v of this.rows(T.runtime, [
      { names: ['start'], required: true, time: true }, { names: ['end'], required: true, time: true },
      { names: ['correlationId'] }, { names: ['nameId'], required: true }, { names: ['globalTid'] },
    ])) {
      check.rowid = v[0] as number;
      const name = apiName(this.optString(check, 'nameId', v[4]) ?? '');
      const kind = runtimeCallKind(name);
      if (!kind) {
        if (apiAllocationCall(name)) this.allocationCall(check, name, v[3]);
        else this.sink.unmapped(`cuda_runtime:${name}`);
        continue;
      }
      clearRow(r);
      const ts = check.int('start', v[1]);
      r.ts = ts as Ns; r.dur = check.duration(ts, v[2]) as Ns; r.op = 'submit'; r.agent = 'cpu0';
      r.corr = check.optInt('correlationId', v[3]);
      r.stream = threads.of(v[5] === null || v[5] === undefined ? 0 : String(v[5]));
      r.name = name;
      this.streamDeps.call('cpu0', r.stream, r.ts, r.dur, r.corr, kind, name);
      if (submits(kind)) this.sink.append(r);
      else if (kind === 'event-record') this.sink.unmapped(`cuda_runtime:${name}`);
    }
    if (threads.count > 0) this.cpuThreads = threads.count;
  }

  /**
   * An allocation or free API call: its memory usage event (same correlation id) is the alloc/free
   * row, carrying that id. Without one the call says no size and no address, so it cannot become an
   * object; it is counted with the reason, which `hetmem inspect` shows.
   */
  private allocationCall(check: RowCheck, name: string, corrValue: unknown): void {
    const corr = check.optInt('correlationId', corrValue);
    if (corr !== null && this.allocationEventCorrs().has(corr)) return;
    this.sink.unmapped(this.allocationEventCorrs().size === 0
      ? `cuda_runtime:${name} (size and address not recorded: capture with nsys --cuda-memory-usage=true)`
      : `cuda_runtime:${name} (no memory usage event with its correlation id)`);
  }

  /** Correlation ids of the memory usage events (empty when the export has none). */
  private allocationEventCorrs(): ReadonlySet<number> {
    if (this.memUsageCorrs) return this.memUsageCorrs;
    this.memUsageCorrs = new Set();
    if (this.tables.has(T.memUsage) && tableColumns(this.db, T.memUsage).has('correlationId')) {
      const ids = this.db.prepare(`SELECT DISTINCT correlationId FROM ${T.memUsage} WHERE correlationId IS NOT NULL`).pluck().all();
      for (const id of ids) if (typeof id === 'number') this.memUsageCorrs.add(id);
    }
    return this.memUsageCorrs;
  }

  private memoryUsage(): void {
    const memKinds = this.enumOf('ENUM_CUDA_MEM_KIND', NSYS_MEM_KIND_FALLBACK);
    const opers = this.enumOf('ENUM_CUDA_DEV_MEM_EVENT_OPER', new Map([[0, 'CUDA_DEV_MEM_EVENT_OPR_ALLOCATION'], [1, 'CUDA_DEV_MEM_EVENT_OPR_DEALLOCATION']]));
    const check = new RowCheck(this.file, T.memUsage);
    const objects = new AllocationNames();
    const r = this.row;
    for (const v of this.rows(T.memUsage, [
      { names: ['start'], required: true, time: true }, { names: ['deviceId'] }, { names: ['address'], required: true },
      { names: ['bytes'], required: true }, { names: ['memKind'] }, { names: ['memoryOperationType'], required: true },
      { names: ['name'] }, { names: ['correlationId'] },
    ], 'start, rowid')) {
      check.rowid = v[0] as number;
      const oper = opers.get(check.signedInt('memoryOperationType', v[6]));
      const op = oper?.endsWith('DEALLOCATION') ? 'free' : oper?.endsWith('ALLOCATION') ? 'alloc' : undefined;
      if (!op) { this.sink.unmapped('memory_usage:unknown_operation'); continue; }
      clearRow(r);
      r.ts = check.int('start', v[1]) as Ns; r.op = op;
      const mem = v[5] === null ? null : memKindOf(memKinds.get(check.signedInt('memKind', v[5])));
      r.mem = mem;
      r.agent = mem === 'device' ? `gpu${check.optInt('deviceId', v[2]) ?? 0}` : 'cpu0';
      r.addr = check.int('address', v[3]) as Addr; r.bytes = check.int('bytes', v[4]) as Bytes;
      const name = this.optString(check, 'name', v[7]);
      r.obj = name !== null && name !== '' ? name : op === 'alloc' ? objects.alloc(r.agent, r.addr) : objects.free(r.agent, r.addr);
      r.corr = check.optInt('correlationId', v[8]);
      this.sink.append(r);
    }
  }

  /**
   * CUPTI synchronization records: the device and stream each synchronising call concerns (a stream id
   * of 0xffffffff / −1 = none: a context sync). Only the first record of a correlation id counts.
   */
  private synchronizations(): void {
    const check = new RowCheck(this.file, T.synchronization);
    const seen = new Set<number>();
    for (const v of this.rows(T.synchronization, [{ names: ['correlationId'] }, { names: ['deviceId'] }, { names: ['streamId'] }])) {
      check.rowid = v[0] as number;
      const corr = check.optInt('correlationId', v[1]);
      if (corr === null || seen.has(corr)) continue;
      seen.add(corr);
      const stream = v[3] === null ? null : check.signedInt('streamId', v[3]);
      this.streamDeps.recorded('cpu0', corr, {
        gpu: `gpu${check.optInt('deviceId', v[2]) ?? 0}`,
        stream: stream === null || stream < 0 || stream >= 0xffffffff ? null : stream,
      });
    }
  }

  private cpuFaults(um: UnifiedMemoryRows): void {
    const check = new RowCheck(this.file, T.cpuFaults);
    for (const v of this.rows(T.cpuFaults, [{ names: ['start'], required: true, time: true }, { names: ['address'], required: true }])) {
      check.rowid = v[0] as number;
      const ts = check.int('start', v[1]);
      um.fault({ ts, dur: null, stream: null, corr: null }, 'cpu0', check.int('address', v[2]), PAGE_SIZE, 'read');
    }
  }

  private gpuFaults(um: UnifiedMemoryRows): void {
    const access = this.enumOf('ENUM_CUDA_UNIF_MEM_ACCESS_TYPE', ACCESS_TYPE_FALLBACK);
    const check = new RowCheck(this.file, T.gpuFaults);
    for (const v of this.rows(T.gpuFaults, [
      { names: ['start'], required: true, time: true }, { names: ['end'], time: true }, { names: ['deviceId'] },
      { names: ['address'], required: true }, { names: ['numberOfPageFaults'] }, { names: ['faultAccessType'] },
    ])) {
      check.rowid = v[0] as number;
      const ts = check.int('start', v[1]);
      const dur = v[2] === null ? null : check.duration(ts, v[2]);
      const n = check.optInt('numberOfPageFaults', v[5]);
      const type = v[6] === null ? undefined : access.get(check.signedInt('faultAccessType', v[6]));
      um.fault({ ts, dur, stream: null, corr: null }, `gpu${check.optInt('deviceId', v[3]) ?? 0}`, check.int('address', v[4]), PAGE_SIZE,
        faultAccessOf(type), n !== null && n > 1 ? `coalesced:${n}` : null);
    }
  }

  private devices(): void {
    const devices: DeviceInfo[] = [];
    // TARGET_INFO_GPU since 2021; earlier exports had TARGET_INFO_CUDA_GPU with CUPTI's device names.
    for (const g of [...this.allRows('TARGET_INFO_GPU'), ...this.allRows('TARGET_INFO_CUDA_GPU')]) {
      const major = g.computeMajor ?? g.computeCapabilityMajor;
      const minor = g.computeMinor ?? g.computeCapabilityMinor;
      devices.push(compact({
        agent: `gpu${g.id ?? g.deviceId ?? g.cuDevice ?? 0}`, name: g.name, memory: g.totalMemory ?? g.totalGlobalMem ?? g.globalMemorySize,
        bus: g.busLocation ?? g.pciBusId, uuid: g.uuid, chip: g.chipName, sms: g.smCount ?? g.numMultiprocessors,
        memoryBandwidth: g.memoryBandwidth ?? g.globalMemoryBandwidth,
        compute: major !== undefined && major !== null ? `${major}.${minor}` : undefined,
      }));
    }
    const linkLayers = this.enumOf('ENUM_NET_LINK_TYPE', new Map());
    const nicDevices = this.enumOf('ENUM_NET_DEVICE_ID', new Map());
    for (const n of this.allRows('TARGET_INFO_NIC_INFO')) {
      devices.push(compact({
        agent: `nic${n.nicId ?? 0}`, name: n.name, guid: typeof n.GUID === 'string' ? n.GUID : n.GUID === undefined ? undefined : `0x${BigInt(n.GUID as number).toString(16)}`,
        linkLayer: typeof n.linkLayer === 'number' ? linkLayers.get(n.linkLayer) ?? n.linkLayer : undefined,
        model: typeof n.deviceId === 'number' ? nicDevices.get(n.deviceId) ?? n.deviceId : undefined,
      }));
    }
    addDevices(this.sink, devices);
    const meta: Record<string, unknown> = { file: basename(this.file), baseNs: this.base.toString() };
    if (this.cpuThreads > 0) meta.cpuThreads = this.cpuThreads;
    for (const m of this.allRows('META_DATA_EXPORT')) {
      if (m.name === 'EXPORT_SCHEMA_VERSION') meta.schemaVersion = m.value;
      if (m.name === 'EXPORT_PRODUCT_VERSION') meta.productVersion = m.value;
    }
    addSourceInfo(this.sink, 'nsys', meta);
  }

  /** All rows of a small descriptive table as objects; exact integers, larger ones as decimal strings. */
  private allRows(table: string): Record<string, unknown>[] {
    if (!this.tables.has(table)) return [];
    const rows = this.db.prepare(`SELECT * FROM ${quoteIdent(table)} ORDER BY rowid`).safeIntegers(true).all() as Record<string, unknown>[];
    for (const r of rows) {
      for (const [k, v] of Object.entries(r)) {
        if (typeof v === 'bigint') r[k] = v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : `0x${v.toString(16)}`;
      }
    }
    return rows;
  }
}

function agentOf(side: CopySide, device: number): string {
  return side === 'host' ? 'cpu0' : `gpu${device}`;
}

function compact(d: Record<string, unknown> & { agent: string }): DeviceInfo {
  const out: DeviceInfo = { agent: d.agent };
  for (const [k, v] of Object.entries(d)) if (v !== undefined && v !== null && v !== '' && k !== 'agent') out[k] = v;
  return out;
}
