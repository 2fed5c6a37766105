/**
 * What the two CUPTI-based SQLite readers (Nsight Systems exports, native nvprof files) share: both
 * store CUPTI activity records — kernels, memcpys, memsets — one table per activity kind, with names
 * in a string table and absolute ns timestamps. This base reads them the same way for both: the
 * string cache, the row iterator with times relative to the trace base, the GPU-activity row start,
 * the copy rule (agents, peer, memory kind, Kineto-style name), memsets, and the count of tables a
 * reader does not map. Each reader says what differs (which enum tables, which columns it requires).
 */
import { BadInputError } from '../../common/bad-input.ts';
import { copyMemKind } from '../copy-memory-kind.ts';
import type { RowSink } from '../format.ts';
import type { Bytes, Ns } from '../trace/units.ts';
import { clearRow, emptyRow } from '../trace/writer.ts';
import { copyKindOf, copyName, memKindLabel, memKindOf, type CopyKind } from './cuda-vocabulary.ts';
import {
  RowCheck, countRows, openReadOnly, quoteIdent, selectList, tableColumns, tableNames, type Db, type WantedColumn,
} from './database.ts';
import type { Span } from './unified-memory-rows.ts';
import { StreamDependencies } from '../derive/stream-dependencies.ts';

/** How a reader's file differs from the other CUPTI reader's. */
export interface CuptiFileLayout {
  /** The string table and its id column: nsys `StringIds(id)`, nvprof `StringTable(_id_)`. */
  strings: { table: string; id: string };
  /** Whether activity rows must name their device (nvprof always does; nsys may leave it NULL = device 0). */
  deviceRequired: boolean;
  /** ns subtracted from every time column (the earliest timestamp the reader cares about). */
  base: bigint;
}

/** Copy-kind and memory-kind enums of a file: id → CUDA/CUPTI symbol name. */
export interface CopyEnums {
  copyKinds: ReadonlyMap<number, string>;
  memKinds: ReadonlyMap<number, string>;
}

/** Columns of a CUPTI memcpy table, in the order `memcpyRows` selects them (after rowid). */
const MEMCPY_COLUMNS = (deviceRequired: boolean): WantedColumn[] => [
  { names: ['start'], required: true, time: true }, { names: ['end'], required: true, time: true },
  { names: ['deviceId'], required: deviceRequired }, { names: ['streamId'] }, { names: ['correlationId'] },
  { names: ['bytes'], required: true }, { names: ['copyKind'], required: true }, { names: ['srcKind'] }, { names: ['dstKind'] },
  { names: ['srcDeviceId'] }, { names: ['dstDeviceId'] },
];

/** One memcpy record with its kind resolved, for a reader that handles some kinds itself. */
export interface MemcpyRecord {
  check: RowCheck;
  span: Span;
  kind: CopyKind;
  /** GPU id of the source and destination sides (the record's device unless a device-to-device copy says). */
  srcDevice: number;
  dstDevice: number;
  bytes: number;
  /** The raw row; columns after `MEMCPY_COLUMNS` are the reader's `extra` ones (index 12 on). */
  values: readonly unknown[];
}

/** Opens a CUPTI SQLite file, checks it is the reader's kind, runs `read`, and closes it. */
export function withCuptiFile(file: string, looksRight: (tables: Set<string>) => boolean, notIt: string, read: (db: Db, tables: Set<string>) => void): void {
  const db = openReadOnly(file);
  try {
    const tables = tableNames(db);
    if (!looksRight(tables)) throw new BadInputError(file, undefined, undefined, notIt);
    read(db, tables);
  } finally {
    db.close();
  }
}

export abstract class CuptiSqliteFile {
  /** The row every emitter fills and appends (the sink copies it). */
  protected readonly row = emptyRow();
  /** GPU ops (and, for readers with runtime calls, the calls) for the sync and wait rows. */
  protected readonly streamDeps = new StreamDependencies();
  private readonly strings = new Map<number, string>();
  private readonly stringStmt;

  constructor(
    protected readonly file: string,
    protected readonly db: Db,
    protected readonly tables: Set<string>,
    protected readonly sink: RowSink,
    protected readonly layout: CuptiFileLayout,
  ) {
    const { table, id } = layout.strings;
    this.stringStmt = db.prepare(`SELECT value FROM ${quoteIdent(table)} WHERE ${quoteIdent(id)} = ?`).pluck();
  }

  protected get base(): bigint {
    return this.layout.base;
  }

  /** Rows of `table` as arrays: rowid, then `wanted` in order; time columns relative to the base. */
  protected rows(table: string, wanted: readonly WantedColumn[], order = 'rowid'): IterableIterator<unknown[]> {
    const sql = `SELECT ${selectList(this.file, table, tableColumns(this.db, table), wanted)} FROM ${quoteIdent(table)} ORDER BY ${order}`;
    const stmt = this.db.prepare(sql).raw(true);
    const usesBase = wanted.some((w) => w.time);
    return (usesBase ? stmt.iterate({ base: this.base }) : stmt.iterate()) as IterableIterator<unknown[]>;
  }

  /** The string of string-table id `v` (cached: the same kernel names recur millions of times). */
  protected stringOf(check: RowCheck, field: string, v: unknown): string {
    const id = check.signedInt(field, v);
    let s = this.strings.get(id);
    if (s === undefined) {
      const got = this.stringStmt.get(id) as string | undefined;
      if (got === undefined) check.fail(field, `refers to ${this.layout.strings.table} id ${id}, which does not exist`);
      s = got;
      this.strings.set(id, s);
    }
    return s;
  }

  /** `gpu<deviceId>`; NULL is device 0 where the layout allows it. */
  protected gpuOf(check: RowCheck, v: unknown): string {
    return `gpu${this.layout.deviceRequired ? check.int('deviceId', v) : check.optInt('deviceId', v) ?? 0}`;
  }

  /**
   * Starts `this.row` from a CUPTI GPU activity row whose first columns are
   * rowid, start, end, deviceId, streamId, correlationId (kernels, memsets).
   */
  protected gpuActivity(check: RowCheck, v: readonly unknown[], op: 'kernel' | 'memset'): void {
    const r = this.row;
    check.rowid = v[0] as number;
    clearRow(r);
    const ts = check.int('start', v[1]);
    r.ts = ts as Ns; r.dur = check.duration(ts, v[2]) as Ns; r.op = op;
    r.agent = this.gpuOf(check, v[3]);
    r.stream = check.stream('streamId', v[4]); r.corr = check.optInt('correlationId', v[5]);
  }

  /** Appends `this.row`, a GPU op run by `gpu` (kernel, copy, memset), and notes it for stream order. */
  protected appendGpuOp(gpu: string): void {
    const r = this.row;
    this.streamDeps.gpuOp(gpu, r.stream, r.ts, r.dur, r.corr);
    this.sink.append(r);
  }

  /**
   * Every record of a memcpy table. Explicit copies become `copy` rows from the source side (host =
   * cpu0) to `peer`, `mem` by copy-memory-kind.ts, `name` = `Memcpy HtoD (Pageable -> Device)` as
   * Kineto spells it. A record of an unknown kind is counted as `memcpy:unknown_kind`. `other` gets
   * the records it claims (returns true), such as nsys's unified-memory migrations; `extra` columns
   * follow the standard ones in `values`.
   */
  protected memcpyRows(table: string, enums: CopyEnums, extra: readonly WantedColumn[] = [], other?: (rec: MemcpyRecord) => boolean): void {
    const check = new RowCheck(this.file, table);
    const r = this.row;
    for (const v of this.rows(table, [...MEMCPY_COLUMNS(this.layout.deviceRequired), ...extra])) {
      check.rowid = v[0] as number;
      const ts = check.int('start', v[1]);
      const dur = check.duration(ts, v[2]);
      const device = this.layout.deviceRequired ? check.int('deviceId', v[3]) : check.optInt('deviceId', v[3]) ?? 0;
      const kind = copyKindOf(enums.copyKinds.get(check.signedInt('copyKind', v[7])));
      if (!kind) { this.sink.unmapped('memcpy:unknown_kind'); continue; }
      const stream = check.stream('streamId', v[4]);
      const corr = check.optInt('correlationId', v[5]);
      const bytes = check.int('bytes', v[6]);
      // A device-to-device copy may name both GPUs (peer copies); otherwise the device side is the record's device.
      const both = kind.src === 'device' && kind.dst === 'device';
      const srcDevice = both ? check.optInt('srcDeviceId', v[10]) ?? device : device;
      const dstDevice = both ? check.optInt('dstDeviceId', v[11]) ?? device : device;
      if (other?.({ check, span: { ts, dur, stream, corr }, kind, srcDevice, dstDevice, bytes, values: v })) continue;
      const srcSym = v[8] === null ? undefined : enums.memKinds.get(check.signedInt('srcKind', v[8]));
      const dstSym = v[9] === null ? undefined : enums.memKinds.get(check.signedInt('dstKind', v[9]));
      clearRow(r);
      r.ts = ts as Ns; r.dur = dur as Ns; r.op = 'copy';
      r.agent = kind.src === 'host' ? 'cpu0' : `gpu${srcDevice}`;
      r.peer = kind.dst === 'host' ? 'cpu0' : `gpu${dstDevice}`;
      r.bytes = bytes as Bytes; r.stream = stream; r.corr = corr;
      r.mem = copyMemKind(kind.src, kind.dst, memKindOf(srcSym), memKindOf(dstSym));
      r.name = copyName(kind, srcSym, dstSym);
      this.appendGpuOp(`gpu${device}`);
    }
  }

  /**
   * Every record of a memset table → `memset` by the GPU of `bytes` on its stream, with no address
   * (as the Kineto reader). With `memKinds` the name says the memory (`Memset (Device)`), without it is `Memset`.
   */
  protected memsetRows(table: string, memKinds?: ReadonlyMap<number, string>): void {
    const check = new RowCheck(this.file, table);
    const r = this.row;
    const wanted: WantedColumn[] = [
      { names: ['start'], required: true, time: true }, { names: ['end'], required: true, time: true },
      { names: ['deviceId'], required: this.layout.deviceRequired }, { names: ['streamId'] }, { names: ['correlationId'] },
      { names: ['bytes'], required: true },
    ];
    if (memKinds) wanted.push({ names: ['memKind'] });
    for (const v of this.rows(table, wanted)) {
      this.gpuActivity(check, v, 'memset');
      r.bytes = check.int('bytes', v[6]) as Bytes;
      if (memKinds) {
        const kind = v[7] === null ? undefined : memKinds.get(check.signedInt('memKind', v[7]));
        r.name = `Memset (${memKindLabel(kind) ?? 'Device'})`;
      } else {
        r.name = 'Memset';
      }
      this.appendGpuOp(r.agent);
    }
  }

  /** Counts the rows of every table with rows that `known` does not claim, as `table:<NAME>` (sorted by name). */
  protected countUnmappedTables(known: (table: string) => boolean): void {
    for (const t of [...this.tables].sort()) {
      if (known(t)) continue;
      const n = countRows(this.db, t);
      if (n > 0) this.sink.unmapped(`table:${t}`, n);
    }
  }
}
