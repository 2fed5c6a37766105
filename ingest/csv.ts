/**
 * The canonical CSV form of a trace (DESIGN.md "Hand-written traces"): the format of every scenario
 * fixture and the one a user writes first.
 *
 * - Header row: column names of `hetmem.trace/1` (any order, any subset that contains `ts`, `op`,
 *   `agent`), plus `offset`. Unknown names are an error (they are usually typos).
 * - `#` at the start of a line makes it a comment; blank lines are skipped; fields are trimmed.
 * - `ts`, `dur`: integer nanoseconds, or a decimal with a unit `ns`, `us` (or `µs`), `ms`, `s` that
 *   comes to a whole number of ns (`1.5us` = 1500).
 * - `bytes`, `offset`: integers, `0x` hex, or with a unit `KiB`/`MiB`/`GiB` (units.ts `parseBytes`).
 * - `addr`, `corr`, `stream`: decimal or `0x` hex integers (exact up to 2^53-1; stream < 2^31).
 * - Addressing: a row gives `addr` (+ `bytes`), or names an object in `obj` with an optional `offset`
 *   (default 0) and optional `bytes` (default: the rest of the object). An `alloc` without `addr` is
 *   placed at the next 2 MiB boundary at or after the end of the previous placed object, starting at
 *   `PLACEMENT_BASE` (0x7f0000000000, trace/placement.ts), in file order.
 * - Objects are resolved in file order: an object must be allocated on an earlier line than any row
 *   naming it, and is gone for later lines once freed. Rows may be out of `ts` order (the sink sorts
 *   them stably), but a row naming an object must not be earlier in time than its alloc, its free not
 *   earlier than any use, and a re-alloc of a freed name not earlier than that free,
 *   so that the sorted trace still reads alloc → uses → free.
 *
 * Every bad row stops the ingest with `file:line: column: what is wrong` (physical line numbers).
 */
import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { Parser } from 'csv-parse';
import { maxRecordBytes, recordTooLong } from '../common/limits.ts';
import { BadInputError } from '../common/bad-input.ts';
import type { IngestContext, IngestFormat, RowSink } from './format.ts';
import { isGzipFile } from './io/gzip.ts';
import { AGENT_PATTERN, COLUMNS, MEM_KINDS, OPS, isMemKind, isOp, type Op } from './trace/schema.ts';
import { MAX_EXACT, parseBytes, parseInteger, parseNs, type Addr, type Bytes, type Ns } from './trace/units.ts';
import { clearRow, emptyRow, type TraceRow } from './trace/writer.ts';
import { ObjectPlacer } from './trace/placement.ts';


/** Header names the CSV form accepts: the trace columns plus `offset`. */
export const CSV_COLUMNS = [...COLUMNS, 'offset'] as const;
type CsvColumn = (typeof CSV_COLUMNS)[number];

/** How each op addresses memory. */
type Addressing = 'none' | 'range' | 'point' | 'object';
const ADDRESSING: Record<Op, Addressing> = {
  alloc: 'object', free: 'object', submit: 'object',
  read: 'range', write: 'range', atomic: 'range', copy: 'range', prefetch: 'range', advise: 'range',
  peer_map: 'range', peer_unmap: 'range', obs_migrate: 'range',
  obs_fault: 'point',
  kernel: 'none', sync: 'none',
  // A memset's address is often unknown (Kineto, nsys); a wait names a GPU op by corr only.
  memset: 'none', wait: 'none',
};
/** Ops that need a `peer` (copy target, prefetch destination, exporter). */
const NEEDS_PEER: ReadonlySet<Op> = new Set(['copy', 'prefetch', 'peer_map', 'peer_unmap']);
/** Ops that need a `name` (the advice). */
const NEEDS_NAME: ReadonlySet<Op> = new Set(['advise']);

/** One object of the file (few per trace, so plain objects are fine). */
interface CsvObject {
  addr: number;
  bytes: number;
  allocLine: number;
  allocTs: number;
  /** Latest ts of a row naming it, so a free cannot come before a use in time. */
  lastUseTs: number;
  freedLine: number;
  freedTs: number;
}

/**
 * csv-parse's stream parser, with each record handled synchronously as the parser pushes it, while
 * `info.lines` still is that record's (last) physical line. This replaces `on_record`, which builds a
 * fresh info object per record and cost a fifth of the ingest time. An error thrown by the handler
 * destroys the stream, so `pipeline` rejects with it.
 */
class RecordParser extends Parser {
  private failed = false;
  constructor(private readonly onRecord: (rec: string[], line: number) => void) {
    super({ bom: true, comment: '#', comment_no_infix: true, skip_empty_lines: true, trim: true, relax_column_count: true, max_record_size: maxRecordBytes() });
  }
  override push(record: unknown): boolean {
    if (record === null) return super.push(null);
    if (this.failed) return false;
    try {
      this.onRecord(record as string[], this.info.lines);
    } catch (e) {
      this.failed = true;
      this.destroy(e as Error);
      return false;
    }
    return true;
  }
}

/** Reads canonical CSV files into a sink; state spans the files (objects, placement cursor). */
class CsvReader {
  private readonly objects = new Map<string, CsvObject>();
  private readonly placer = new ObjectPlacer();
  private readonly row: TraceRow = emptyRow();
  private file = '';
  private line = 0;
  private haveHeader = false;
  private width = 0;
  private idx = {} as Record<CsvColumn, number>;
  private lastText: (string | undefined)[] = [];
  private lastValue: number[] = [];

  constructor(private readonly sink: RowSink) {}

  async readFile(file: string, ctx: IngestContext, bytesBefore: number): Promise<number> {
    this.file = file;
    this.haveHeader = false;
    let bytesRead = 0;
    const gz = await isGzipFile(file);
    const source = createReadStream(file);
    source.on('data', (chunk) => {
      bytesRead += chunk.length;
      ctx.progress(bytesBefore + bytesRead);
    });
    const parser = new RecordParser((rec, line) => {
      this.line = line;
      if (!this.haveHeader) this.readHeader(rec);
      else this.readRow(rec);
    });
    const drain = async (records: AsyncIterable<unknown>) => { for await (const _ of records) { /* RecordParser.push consumed them */ } };
    try {
      if (gz) await pipeline(source, createGunzip(), parser, drain);
      else await pipeline(source, parser, drain);
    } catch (e) {
      if (e instanceof BadInputError) throw e;
      const err = e as NodeJS.ErrnoException & { lines?: number };
      if (err.code === 'CSV_MAX_RECORD_SIZE') throw new BadInputError(file, err.lines, undefined, recordTooLong('a field or line', maxRecordBytes()));
      if (err.code?.startsWith('CSV_')) throw new BadInputError(file, err.lines, undefined, err.message.replace(/ at line \d+$/, ''));
      if (err.code === 'Z_DATA_ERROR' || err.code === 'Z_BUF_ERROR') throw new BadInputError(file, undefined, undefined, `is not valid gzip (${err.message})`);
      if (err.code === 'ENOENT' || err.code === 'EACCES' || err.code === 'EISDIR') throw new BadInputError(file, undefined, undefined, `cannot read (${err.code})`);
      throw e;
    }
    if (!this.haveHeader) throw new BadInputError(file, undefined, undefined, 'has no header row (expected e.g. "ts,op,agent,obj,bytes,mem")');
    return bytesRead;
  }

  private fail(column: string | undefined, problem: string): never {
    throw new BadInputError(this.file, this.line, column, problem);
  }

  private readHeader(rec: string[]): void {
    const idx = Object.fromEntries(CSV_COLUMNS.map((c) => [c, -1])) as Record<CsvColumn, number>;
    rec.forEach((raw, k) => {
      const name = raw.toLowerCase();
      if (!(CSV_COLUMNS as readonly string[]).includes(name)) this.fail(raw, `unknown column in the header (expected: ${CSV_COLUMNS.join(', ')})`);
      if (idx[name as CsvColumn] >= 0) this.fail(raw, 'column appears twice in the header');
      idx[name as CsvColumn] = k;
    });
    for (const c of ['ts', 'op', 'agent'] as const) if (idx[c] < 0) this.fail(c, 'required column missing from the header');
    this.idx = idx;
    this.width = rec.length;
    this.lastText = new Array<string | undefined>(rec.length).fill(undefined);
    this.lastValue = new Array<number>(rec.length).fill(0);
    this.haveHeader = true;
  }

  /** The field of `c`, or null when the column is absent or the field empty. */
  private field(rec: string[], c: CsvColumn): string | null {
    const k = this.idx[c];
    if (k < 0) return null;
    const v = rec[k]!;
    return v === '' ? null : v;
  }

  private num(rec: string[], c: CsvColumn, parse: (t: string) => number | string): number | null {
    const k = this.idx[c];
    if (k < 0) return null;
    const t = rec[k]!;
    if (t === '') return null;
    // Sizes, strides and agents repeat row after row: remember the last text of each column.
    if (t === this.lastText[k]) return this.lastValue[k]!;
    const v = parse(t);
    if (typeof v === 'string') this.fail(c, v);
    this.lastText[k] = t;
    this.lastValue[k] = v;
    return v;
  }

  private agentField(rec: string[], c: 'agent' | 'peer'): string | null {
    const a = this.field(rec, c);
    if (a !== null && !AGENT_PATTERN.test(a)) this.fail(c, `"${a}" is not an agent (expected cpuN, gpuN, nicN or nvmeN)`);
    return a;
  }

  private readRow(rec: string[]): void {
    if (rec.length !== this.width) this.fail(undefined, `has ${rec.length} fields, the header has ${this.width}`);
    const r = this.row;
    clearRow(r);
    const opText = this.field(rec, 'op');
    if (opText === null) this.fail('op', 'missing (required)');
    if (!isOp(opText)) this.fail('op', `unknown op "${opText}" (expected one of ${OPS.join(', ')})`);
    const op: Op = opText;
    r.op = op;
    const ts = this.num(rec, 'ts', parseNs);
    if (ts === null) this.fail('ts', 'missing (required)');
    r.ts = ts as Ns;
    const agent = this.agentField(rec, 'agent');
    if (agent === null) this.fail('agent', 'missing (required)');
    r.agent = agent;
    r.peer = this.agentField(rec, 'peer');
    r.dur = this.num(rec, 'dur', parseNs) as Ns | null;
    r.stream = this.num(rec, 'stream', parseInteger);
    if (r.stream !== null && r.stream > 0x7fffffff) this.fail('stream', `is out of range (got ${r.stream}; streams are 32-bit)`);
    r.corr = this.num(rec, 'corr', parseInteger);
    r.cause = this.field(rec, 'cause');
    r.name = this.field(rec, 'name');
    r.obj = this.field(rec, 'obj');
    r.mem = this.field(rec, 'mem');
    if (r.mem !== null && !isMemKind(r.mem)) this.fail('mem', `unknown memory kind "${r.mem}" (expected one of ${MEM_KINDS.join(', ')})`);
    if (NEEDS_PEER.has(op) && r.peer === null) this.fail('peer', `missing (required for ${op})`);
    if (NEEDS_NAME.has(op) && r.name === null) this.fail('name', `missing (required for ${op}: e.g. preferred:gpu0, accessed_by:gpu0, read_mostly)`);
    const addrField = this.num(rec, 'addr', parseInteger);
    const bytesField = this.num(rec, 'bytes', parseBytes);
    const offset = this.num(rec, 'offset', parseBytes);
    if (op === 'alloc') this.alloc(r, addrField, bytesField, offset);
    else if (op === 'free') this.free(r, addrField, bytesField, offset);
    else this.access(r, ADDRESSING[op], addrField, bytesField, offset);
    this.sink.append(r);
  }

  private alloc(r: TraceRow, addrField: number | null, bytesField: number | null, offset: number | null): void {
    if (r.obj === null) this.fail('obj', 'missing (an alloc names its object)');
    if (bytesField === null) this.fail('bytes', 'missing (required for alloc)');
    if (bytesField === 0) this.fail('bytes', 'must be positive for an alloc');
    if (r.mem === null) this.fail('mem', `missing (required for alloc: ${MEM_KINDS.join(', ')})`);
    if (offset !== null) this.fail('offset', 'not allowed on an alloc');
    const live = this.objects.get(r.obj);
    if (live && live.freedLine === 0) this.fail('obj', `object "${r.obj}" is already allocated (line ${live.allocLine}) and not freed`);
    if (live && r.ts < live.freedTs) this.fail('ts', `${r.ts} ns is earlier than the free of the previous "${r.obj}" at ${live.freedTs} ns (line ${live.freedLine})`);
    let addr = addrField;
    if (addr === null) {
      addr = this.placer.place(bytesField);
    }
    this.checkEnd('bytes', addr, bytesField);
    this.objects.set(r.obj, { addr, bytes: bytesField, allocLine: this.line, allocTs: r.ts, lastUseTs: r.ts, freedLine: 0, freedTs: 0 });
    r.addr = addr as Addr;
    r.bytes = bytesField as Bytes;
  }

  private free(r: TraceRow, addrField: number | null, bytesField: number | null, offset: number | null): void {
    if (r.obj === null) this.fail('obj', 'missing (a free names its object)');
    if (offset !== null) this.fail('offset', 'not allowed on a free');
    const o = this.liveObject(r.obj, 'free of');
    if (addrField !== null && addrField !== o.addr) this.fail('addr', `${hex(addrField)} is not the start of object "${r.obj}" (${hex(o.addr)})`);
    if (bytesField !== null && bytesField !== o.bytes) this.fail('bytes', `${bytesField} is not the size of object "${r.obj}" (${o.bytes})`);
    if (r.ts < o.lastUseTs) this.fail('ts', `free at ${r.ts} ns is earlier than a use of "${r.obj}" at ${o.lastUseTs} ns`);
    o.freedLine = this.line;
    o.freedTs = r.ts;
    r.addr = o.addr as Addr;
    r.bytes = o.bytes as Bytes;
  }

  private access(r: TraceRow, addressing: Addressing, addrField: number | null, bytesField: number | null, offset: number | null): void {
    if (r.obj === null) {
      if (offset !== null) this.fail('offset', 'given without obj (an offset is relative to an object)');
      // A submit that launches GPU work (a runtime call with a corr) needs no object.
      if (addressing === 'object' && !(r.op === 'submit' && r.corr !== null)) this.fail('obj', `missing (required for ${r.op})`);
      if (addressing === 'range' || addressing === 'point') {
        if (addrField === null) this.fail('addr', `missing (${r.op} needs addr, or obj with an optional offset)`);
        if (addressing === 'range' && bytesField === null) this.fail('bytes', `missing (${r.op} with addr needs bytes)`);
      }
      if (addrField !== null) this.checkEnd(bytesField === null ? 'addr' : 'bytes', addrField, bytesField ?? 0);
      r.addr = addrField as Addr | null;
      r.bytes = bytesField as Bytes | null;
      return;
    }
    const o = this.liveObject(r.obj, 'access to');
    if (r.ts < o.allocTs) this.fail('ts', `${r.ts} ns is earlier than the alloc of "${r.obj}" at ${o.allocTs} ns (line ${o.allocLine})`);
    if (addrField !== null && offset !== null) this.fail('offset', 'give either addr or offset, not both');
    const off = addrField !== null ? addrField - o.addr : (offset ?? 0);
    if (off < 0 || off >= o.bytes) {
      if (addrField !== null) this.fail('addr', `${hex(addrField)} is outside object "${r.obj}" [${hex(o.addr)}, ${hex(o.addr + o.bytes)})`);
      this.fail('offset', `${off} is outside object "${r.obj}" of ${o.bytes} bytes`);
    }
    const len = bytesField ?? o.bytes - off;
    if (off + len > o.bytes) this.fail('bytes', `range [${off}, ${off + len}) runs past the end of object "${r.obj}" (${o.bytes} bytes)`);
    if (r.ts > o.lastUseTs) o.lastUseTs = r.ts;
    // A kernel or sync may name an object for reference without addressing it.
    if (addressing === 'none' && addrField === null && bytesField === null && offset === null) return;
    r.addr = (o.addr + off) as Addr;
    r.bytes = len as Bytes;
  }

  private liveObject(name: string, what: string): CsvObject {
    const o = this.objects.get(name);
    if (!o) this.fail('obj', `${what} unknown object "${name}" (no alloc on an earlier line)`);
    if (o.freedLine !== 0) this.fail('obj', `${what} object "${name}" freed on line ${o.freedLine}`);
    return o;
  }

  private checkEnd(column: CsvColumn, addr: number, len: number): void {
    if (addr + len > MAX_EXACT) this.fail(column, `range end ${addr} + ${len} is out of range (the largest exact value is 2^53-1)`);
  }
}

const hex = (v: number) => `0x${v.toString(16)}`;

/** Whether the first non-comment line looks like a canonical CSV header (has `ts` and `op`). */
export function sniffCsvHeader(head: Uint8Array): boolean {
  const text = new TextDecoder('utf-8', { fatal: false, ignoreBOM: false }).decode(head);
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const names = line.split(',').map((s) => s.trim().replace(/^"|"$/g, '').toLowerCase());
    return names.includes('ts') && names.includes('op');
  }
  return false;
}

export const csvFormat: IngestFormat = {
  name: 'csv',
  description: 'canonical CSV (header of trace columns, obj+offset addressing, # comments; the fixtures\' format)',
  sniff: (_path, head) => sniffCsvHeader(head),
  read: async (files: readonly string[], sink: RowSink, ctx: IngestContext) => {
    const reader = new CsvReader(sink);
    let bytesBefore = 0;
    for (const f of files) bytesBefore += await reader.readFile(f, ctx, bytesBefore);
  },
};
