/**
 * nvprof output, in both forms users have:
 * - the native `.nvprof` file (`nvprof -o x.nvprof`, SQLite; read here),
 * - `nvprof --print-gpu-trace` text (text/nvprof-gpu-trace.ts).
 *
 * Native file mapping (CUPTI activity records; agents `gpu<deviceId>`, host `cpu0`):
 * - CUPTI_ACTIVITY_KIND_KERNEL / _CONCURRENT_KERNEL → `kernel` (name via StringTable, stream, corr).
 * - CUPTI_ACTIVITY_KIND_MEMCPY / _MEMCPY2 (peer copies) → `copy`, as in nsys.ts; _MEMSET → `write` by
 *   the GPU of `bytes` without address (as nsys.ts and the Kineto reader).
 * - CUPTI_ACTIVITY_KIND_UNIFIED_MEMORY_COUNTER: counterKind 1/2/8 (bytes HtoD/DtoH/DtoD) →
 *   `obs_migrate` (value = bytes, cause from `flags`), 3 (CPU page fault) → `obs_fault` of cpu0,
 *   4 (GPU page fault group; `flags` = access type, `value` = fault count) → `obs_fault` of
 *   gpu<srcId>, each with the derived access (unified-memory-rows.ts); 5/6/7 (thrashing, throttling,
 *   remote map) → unmapped `um:<kind>`.
 * - CUPTI_ACTIVITY_KIND_DEVICE → META.devices; CUPTI_ACTIVITY_KIND_PCIE (GPUs and bridges: PCIe
 *   generation, link rate, width, upstream bus; bridge vendor/device ids) → META.sourceInfo.nvprof and
 *   the GPUs' `pcie` field in META.devices.
 * - Every other activity table with rows → unmapped `table:<NAME>` (API calls too: nvprof stores only
 *   CUPTI callback ids, no names).
 * nvprof records no allocations here: the accessed VA blocks get implied `managed` ones
 * (implied-allocations.ts) so replay sees the derived accesses.
 * Time: ns since the earliest mapped record (nvprof stores absolute ns beyond 2^53; subtracted in SQLite).
 * Enums: CUPTI numbering (the file has no enum tables), see sqlite/cuda-vocabulary.ts.
 */
import { statSync } from 'node:fs';
import { basename } from 'node:path';
import { BadInputError } from '../common/bad-input.ts';
import type { IngestContext, IngestFormat, RowSink } from './format.ts';
import { withImpliedAllocations } from './implied-allocations.ts';
import { nsysCopyName } from './nsys.ts';
import {
  ACCESS_TYPE_FALLBACK, COPY_KIND_FALLBACK, CUPTI_MEM_KIND, MIGRATION_CAUSE_FALLBACK,
  copyKindOf, faultAccessOf, memKindOf, migrationCauseOf,
} from './sqlite/cuda-vocabulary.ts';
import {
  RowCheck, countRows, isSqliteHeader, minOver, openReadOnly, quoteIdent, selectList, sqliteTablesOf, tableColumns, tableNames,
  type Db, type WantedColumn,
} from './sqlite/database.ts';
import { addDevices, addSourceInfo, type DeviceInfo } from './sqlite/source-metadata.ts';
import { UnifiedMemoryRows } from './sqlite/unified-memory-rows.ts';
import { readFileHead } from './io/file-head.ts';
import { headLines, readLineChunks } from './io/line-chunks.ts';
import { looksLikeNvprofText, parseNvprofGpuTrace } from './text/nvprof-gpu-trace.ts';
import { PAGE_SIZE, type Bytes, type Ns } from './trace/units.ts';
import { clearRow, emptyRow } from './trace/writer.ts';

const T = {
  kernel: 'CUPTI_ACTIVITY_KIND_KERNEL',
  concurrentKernel: 'CUPTI_ACTIVITY_KIND_CONCURRENT_KERNEL',
  memcpy: 'CUPTI_ACTIVITY_KIND_MEMCPY',
  memcpy2: 'CUPTI_ACTIVITY_KIND_MEMCPY2',
  memset: 'CUPTI_ACTIVITY_KIND_MEMSET',
  um: 'CUPTI_ACTIVITY_KIND_UNIFIED_MEMORY_COUNTER',
} as const;
const MAPPED: ReadonlySet<string> = new Set(Object.values(T));
const DESCRIPTIVE: ReadonlySet<string> = new Set(['StringTable', 'Version', 'sqlite_sequence', 'CUPTI_ACTIVITY_KIND_DEVICE',
  'CUPTI_ACTIVITY_KIND_PCIE', 'CUPTI_ACTIVITY_KIND_CONTEXT', 'CUPTI_ACTIVITY_KIND_NAME', 'CUPTI_ACTIVITY_KIND_DEVICE_ATTRIBUTE',
  'CUPTI_ACTIVITY_KIND_FUNCTION', 'CUPTI_ACTIVITY_KIND_MODULE']);

/** CUpti_ActivityUnifiedMemoryCounterKind. */
const UM_COUNTER = ['unknown', 'bytes_htod', 'bytes_dtoh', 'cpu_page_fault', 'gpu_page_fault', 'thrashing', 'throttling', 'remote_map', 'bytes_dtod'] as const;

export function looksLikeNvprofDb(tables: Set<string> | undefined): boolean {
  return !!tables && tables.has('StringTable') && tables.has('Version') && [...tables].some((t) => t.startsWith('CUPTI_ACTIVITY_KIND_'));
}

export const nvprofFormat: IngestFormat = {
  name: 'nvprof',
  description: 'nvprof: native .nvprof file (SQLite) or --print-gpu-trace text',
  sniff(path, head) {
    if (isSqliteHeader(head)) return looksLikeNvprofDb(sqliteTablesOf(path));
    return looksLikeNvprofText(headLines(head, 40));
  },
  async read(files: readonly string[], sink: RowSink, ctx: IngestContext): Promise<void> {
    await withImpliedAllocations(sink, 'managed', async (s) => {
      let done = 0;
      const progress = (n: number) => ctx.progress(n);
      for (const file of files) {
        if (isSqliteHeader(readFileHead(file, 16))) readNvprofFile(file, s);
        else {
          const { devices } = await parseNvprofGpuTrace(file, readLineChunks(file, (n) => progress(done + n)), s);
          addDevices(s, [...devices].map(([name, i]) => ({ agent: `gpu${i}`, name })));
          addSourceInfo(s, 'nvprof', { file: basename(file), kind: 'print-gpu-trace' });
        }
        done += statSync(file).size;
        progress(done);
      }
    });
  },
};

/** Reads one native .nvprof file into `sink`. */
export function readNvprofFile(file: string, sink: RowSink): void {
  const db = openReadOnly(file);
  try {
    const tables = tableNames(db);
    if (!looksLikeNvprofDb(tables)) throw new BadInputError(file, undefined, undefined, 'is not an nvprof file (no StringTable/Version/CUPTI_ACTIVITY_KIND_* tables)');
    new NvprofFile(file, db, tables, sink).read();
  } finally {
    db.close();
  }
}

class NvprofFile {
  private readonly row = emptyRow();
  private readonly strings = new Map<number, string>();
  private readonly stringStmt;
  private readonly base: bigint;

  constructor(private readonly file: string, private readonly db: Db, private readonly tables: Set<string>, private readonly sink: RowSink) {
    this.stringStmt = db.prepare('SELECT value FROM StringTable WHERE _id_ = ?').pluck();
    this.base = minOver(db, [...MAPPED].filter((t) => tables.has(t)).map((table) => ({ table, column: 'start' }))) ?? 0n;
  }

  read(): void {
    const has = (t: string) => this.tables.has(t);
    const faultKinds = new Set<'cpu' | 'gpu'>();
    if (has(T.um)) {
      const kinds = this.db.prepare(`SELECT DISTINCT counterKind FROM ${T.um}`).pluck().all() as number[];
      if (kinds.includes(3)) faultKinds.add('cpu');
      if (kinds.includes(4)) faultKinds.add('gpu');
    }
    const um = new UnifiedMemoryRows(this.sink, faultKinds);
    for (const t of [T.kernel, T.concurrentKernel]) if (has(t)) this.kernels(t);
    if (has(T.memcpy)) this.memcpy(T.memcpy);
    if (has(T.memcpy2)) this.memcpy(T.memcpy2);
    if (has(T.memset)) this.memsets();
    if (has(T.um)) this.unifiedMemory(um);
    this.metadata();
    for (const t of [...this.tables].sort()) {
      if (MAPPED.has(t) || DESCRIPTIVE.has(t)) continue;
      const n = countRows(this.db, t);
      if (n > 0) this.sink.unmapped(`table:${t}`, n);
    }
  }

  private rows(table: string, wanted: readonly WantedColumn[]): IterableIterator<unknown[]> {
    const sql = `SELECT ${selectList(this.file, table, tableColumns(this.db, table), wanted)} FROM ${quoteIdent(table)} ORDER BY rowid`;
    return this.db.prepare(sql).raw(true).iterate({ base: this.base }) as IterableIterator<unknown[]>;
  }

  private string(check: RowCheck, field: string, v: unknown): string {
    const id = check.signedInt(field, v);
    let s = this.strings.get(id);
    if (s === undefined) {
      const got = this.stringStmt.get(id) as string | undefined;
      if (got === undefined) check.fail(field, `refers to StringTable id ${id}, which does not exist`);
      s = got;
      this.strings.set(id, s);
    }
    return s;
  }

  private kernels(table: string): void {
    const check = new RowCheck(this.file, table);
    const r = this.row;
    for (const v of this.rows(table, [
      { names: ['start'], required: true, time: true }, { names: ['end'], required: true, time: true }, { names: ['deviceId'], required: true },
      { names: ['streamId'] }, { names: ['correlationId'] }, { names: ['name'], required: true },
    ])) {
      check.rowid = v[0] as number;
      clearRow(r);
      const ts = check.int('start', v[1]);
      r.ts = ts as Ns; r.dur = check.duration(ts, v[2]) as Ns; r.op = 'kernel';
      r.agent = `gpu${check.int('deviceId', v[3])}`;
      r.stream = check.stream('streamId', v[4]); r.corr = check.optInt('correlationId', v[5]);
      r.name = this.string(check, 'name', v[6]);
      this.sink.append(r);
    }
  }

  private memcpy(table: string): void {
    const check = new RowCheck(this.file, table);
    const r = this.row;
    for (const v of this.rows(table, [
      { names: ['start'], required: true, time: true }, { names: ['end'], required: true, time: true }, { names: ['deviceId'], required: true },
      { names: ['streamId'] }, { names: ['correlationId'] }, { names: ['bytes'], required: true }, { names: ['copyKind'], required: true },
      { names: ['srcKind'] }, { names: ['dstKind'] }, { names: ['srcDeviceId'] }, { names: ['dstDeviceId'] },
    ])) {
      check.rowid = v[0] as number;
      const ts = check.int('start', v[1]);
      const device = check.int('deviceId', v[3]);
      const kind = copyKindOf(COPY_KIND_FALLBACK.get(check.signedInt('copyKind', v[7])));
      if (!kind) { this.sink.unmapped('memcpy:unknown_kind'); continue; }
      const both = kind.src === 'device' && kind.dst === 'device';
      const srcSym = v[8] === null ? undefined : CUPTI_MEM_KIND.get(check.signedInt('srcKind', v[8]));
      const dstSym = v[9] === null ? undefined : CUPTI_MEM_KIND.get(check.signedInt('dstKind', v[9]));
      clearRow(r);
      r.ts = ts as Ns; r.dur = check.duration(ts, v[2]) as Ns; r.op = 'copy';
      r.agent = kind.src === 'host' ? 'cpu0' : `gpu${both ? check.optInt('srcDeviceId', v[10]) ?? device : device}`;
      r.peer = kind.dst === 'host' ? 'cpu0' : `gpu${both ? check.optInt('dstDeviceId', v[11]) ?? device : device}`;
      r.stream = check.stream('streamId', v[4]); r.corr = check.optInt('correlationId', v[5]);
      r.bytes = check.int('bytes', v[6]) as Bytes;
      const src = memKindOf(srcSym);
      const dst = memKindOf(dstSym);
      r.mem = kind.src === 'host' ? src : kind.dst === 'host' ? dst : src;
      r.name = nsysCopyName(kind, srcSym, dstSym);
      this.sink.append(r);
    }
  }

  private memsets(): void {
    const check = new RowCheck(this.file, T.memset);
    const r = this.row;
    for (const v of this.rows(T.memset, [
      { names: ['start'], required: true, time: true }, { names: ['end'], required: true, time: true }, { names: ['deviceId'], required: true },
      { names: ['streamId'] }, { names: ['correlationId'] }, { names: ['bytes'], required: true },
    ])) {
      check.rowid = v[0] as number;
      clearRow(r);
      const ts = check.int('start', v[1]);
      r.ts = ts as Ns; r.dur = check.duration(ts, v[2]) as Ns; r.op = 'write';
      r.agent = `gpu${check.int('deviceId', v[3])}`;
      r.stream = check.stream('streamId', v[4]); r.corr = check.optInt('correlationId', v[5]);
      r.bytes = check.int('bytes', v[6]) as Bytes;
      r.name = 'Memset';
      this.sink.append(r);
    }
  }

  private unifiedMemory(um: UnifiedMemoryRows): void {
    const check: RowCheck = new RowCheck(this.file, T.um);
    for (const v of this.rows(T.um, [
      { names: ['counterKind'], required: true }, { names: ['value'], required: true }, { names: ['start'], required: true, time: true },
      { names: ['end'], time: true }, { names: ['address'] }, { names: ['srcId'] }, { names: ['dstId'] }, { names: ['streamId'] }, { names: ['flags'] },
    ])) {
      check.rowid = v[0] as number;
      const kind = UM_COUNTER[check.signedInt('counterKind', v[1])] ?? 'unknown';
      const value = check.int('value', v[2]);
      const ts = check.int('start', v[3]);
      const dur = v[4] === null ? null : check.duration(ts, v[4]);
      const addr = check.optInt('address', v[5]);
      const src = check.optInt('srcId', v[6]) ?? 0;
      const dst = check.optInt('dstId', v[7]) ?? 0;
      const flags = check.optInt('flags', v[9]) ?? 0;
      const span = { ts, dur, stream: null, corr: null };
      switch (kind) {
        case 'bytes_htod': case 'bytes_dtoh': case 'bytes_dtod': {
          const cause = migrationCauseOf(MIGRATION_CAUSE_FALLBACK.get(flags));
          const from = kind === 'bytes_htod' ? 'cpu0' : `gpu${src}`;
          const to = kind === 'bytes_dtoh' ? 'cpu0' : `gpu${dst}`;
          um.migration(span, from, to, addr, value, cause);
          break;
        }
        case 'cpu_page_fault':
        case 'gpu_page_fault': {
          if (addr === null) check.fail('address', 'is missing for a page fault');
          const agent = kind === 'cpu_page_fault' ? 'cpu0' : `gpu${src}`;
          const access = kind === 'cpu_page_fault' ? 'read' : faultAccessOf(ACCESS_TYPE_FALLBACK.get(flags));
          um.fault(span, agent, addr, PAGE_SIZE, access, value > 1 ? `coalesced:${value}` : null);
          break;
        }
        default:
          this.sink.unmapped(`um:${kind}`);
      }
    }
  }

  private metadata(): void {
    const devices: DeviceInfo[] = [];
    const check = new RowCheck(this.file, 'CUPTI_ACTIVITY_KIND_DEVICE');
    if (this.tables.has('CUPTI_ACTIVITY_KIND_DEVICE')) {
      for (const d of this.db.prepare('SELECT rowid, * FROM CUPTI_ACTIVITY_KIND_DEVICE ORDER BY rowid').all() as Record<string, unknown>[]) {
        check.rowid = d.rowid as number;
        devices.push({
          agent: `gpu${check.int('id', d.id)}`, name: this.string(check, 'name', d.name), memory: d.globalMemorySize,
          sms: d.numMultiprocessors, compute: `${d.computeCapabilityMajor}.${d.computeCapabilityMinor}`,
        });
      }
    }
    const pcie: Record<string, unknown>[] = [];
    if (this.tables.has('CUPTI_ACTIVITY_KIND_PCIE')) {
      for (const p of this.db.prepare('SELECT * FROM CUPTI_ACTIVITY_KIND_PCIE ORDER BY rowid').all() as Record<string, unknown>[]) {
        const id = blobUint(p.id, 0, 4);
        const entry: Record<string, unknown> = {
          type: p.type === 0 ? 'gpu' : p.type === 1 ? 'bridge' : p.type, id, domain: p.domain, upstreamBus: p.upstreamBus,
        };
        if (p.type === 0) {
          Object.assign(entry, { generation: p.pcieGeneration, linkRateMTs: p.linkRate, linkWidth: p.linkWidth });
          const dev = devices.find((d) => d.agent === `gpu${id}`);
          if (dev) dev.pcie = { generation: p.pcieGeneration, linkRateMTs: p.linkRate, linkWidth: p.linkWidth, upstreamBus: p.upstreamBus };
        } else if (p.type === 1) {
          // CUpti_ActivityPcie bridge attributes: secondaryBus, deviceId, vendorId (uint16 LE each)
          Object.assign(entry, { secondaryBus: blobUint(p.attr, 0, 2), deviceId: hex16(blobUint(p.attr, 2, 2)), vendorId: hex16(blobUint(p.attr, 4, 2)) });
        }
        pcie.push(entry);
      }
    }
    addDevices(this.sink, devices);
    const version = this.tables.has('Version') ? this.db.prepare('SELECT version FROM Version').pluck().get() : undefined;
    addSourceInfo(this.sink, 'nvprof', { file: basename(this.file), kind: 'nvprof', version, baseNs: this.base.toString(), pcie });
  }
}

function blobUint(v: unknown, offset: number, size: 2 | 4): number | null {
  if (!(v instanceof Uint8Array) || v.length < offset + size) return null;
  const b = Buffer.from(v.buffer, v.byteOffset, v.byteLength);
  return size === 2 ? b.readUInt16LE(offset) : b.readUInt32LE(offset);
}

function hex16(v: number | null): string | null {
  return v === null ? null : `0x${v.toString(16).padStart(4, '0')}`;
}
