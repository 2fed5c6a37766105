/**
 * nvprof output, in both forms users have:
 * - the native `.nvprof` file (`nvprof -o x.nvprof`, SQLite; read here),
 * - `nvprof --print-gpu-trace` text (text/nvprof-gpu-trace.ts).
 *
 * Native file mapping (CUPTI activity records; agents `gpu<deviceId>`, host `cpu0`):
 * - CUPTI_ACTIVITY_KIND_KERNEL / _CONCURRENT_KERNEL → `kernel` (name via StringTable, stream, corr).
 * - CUPTI_ACTIVITY_KIND_MEMCPY / _MEMCPY2 (peer copies) → `copy`, as in nsys.ts; _MEMSET → `memset` by
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
import type { IngestContext, IngestFormat, RowSink } from './format.ts';
import { withImpliedAllocations } from './implied-allocations.ts';
import { withImpliedFirstTouch } from './derive/implied-first-touch.ts';
import {
  ACCESS_TYPE_FALLBACK, COPY_KIND_FALLBACK, CUPTI_MEM_KIND, MIGRATION_CAUSE_FALLBACK, faultAccessOf, migrationCauseOf,
} from './sqlite/cuda-vocabulary.ts';
import { CuptiSqliteFile, withCuptiFile } from './sqlite/cupti-file.ts';
import { RowCheck, isSqliteHeader, minOver, sqliteTablesOf, type Db } from './sqlite/database.ts';
import { addDevices, addSourceInfo, type DeviceInfo } from './sqlite/source-metadata.ts';
import { UnifiedMemoryRows } from './sqlite/unified-memory-rows.ts';
import { readFileHead } from './io/file-head.ts';
import { headLines, readLineChunks } from './io/line-chunks.ts';
import { looksLikeNvprofText, parseNvprofGpuTrace } from './text/nvprof-gpu-trace.ts';
import { PAGE_SIZE } from './trace/units.ts';

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
    await withImpliedFirstTouch(sink, (outer) => withImpliedAllocations(outer, 'managed', async (s) => {
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
    }));
  },
};

/** Reads one native .nvprof file into `sink`. */
export function readNvprofFile(file: string, sink: RowSink): void {
  withCuptiFile(file, looksLikeNvprofDb, 'is not an nvprof file (no StringTable/Version/CUPTI_ACTIVITY_KIND_* tables)',
    (db, tables) => new NvprofFile(file, db, tables, sink).read());
}

class NvprofFile extends CuptiSqliteFile {
  constructor(file: string, db: Db, tables: Set<string>, sink: RowSink) {
    // The trace base: the earliest start of a mapped record.
    const base = minOver(db, [...MAPPED].filter((t) => tables.has(t)).map((table) => ({ table, column: 'start' }))) ?? 0n;
    super(file, db, tables, sink, { strings: { table: 'StringTable', id: '_id_' }, deviceRequired: true, base });
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
    // nvprof files have no enum tables: CUPTI's numbering.
    const enums = { copyKinds: COPY_KIND_FALLBACK, memKinds: CUPTI_MEM_KIND };
    if (has(T.memcpy)) this.memcpyRows(T.memcpy, enums);
    if (has(T.memcpy2)) this.memcpyRows(T.memcpy2, enums);
    if (has(T.memset)) this.memsetRows(T.memset);
    if (has(T.um)) this.unifiedMemory(um);
    this.metadata();
    this.countUnmappedTables((t) => MAPPED.has(t) || DESCRIPTIVE.has(t));
  }

  private kernels(table: string): void {
    const check = new RowCheck(this.file, table);
    const r = this.row;
    for (const v of this.rows(table, [
      { names: ['start'], required: true, time: true }, { names: ['end'], required: true, time: true }, { names: ['deviceId'], required: true },
      { names: ['streamId'] }, { names: ['correlationId'] }, { names: ['name'], required: true },
    ])) {
      this.gpuActivity(check, v, 'kernel');
      r.name = this.stringOf(check, 'name', v[6]);
      this.appendGpuOp(r.agent);
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
          agent: `gpu${check.int('id', d.id)}`, name: this.stringOf(check, 'name', d.name), memory: d.globalMemorySize,
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
