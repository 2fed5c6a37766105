/**
 * `nvprof --print-gpu-trace` output (nvprof on stderr or --log-file), in both layouts:
 * - the default fixed-width table: every column but `Name` is right-aligned to the end of its header
 *   label, `Name` is last and left-aligned, so values are cut at the header's column ends (device
 *   names, `(1 1 1)` grid sizes and `PC 0x…` cells contain spaces); values carry their units
 *   (`278.96ms`, `4.0000KB`);
 * - `--csv`: a quoted header row, then a row of units per column (`ms,us,,…,KB,B,…`), then plain
 *   numbers; kernel names without the ` [corr]` suffix and a `Correlation_ID` column instead.
 * Times are s/ms/us/ns, sizes B/KB/MB/GB (binary, as nvprof prints them); the text keeps only a few
 * digits, so times are rounded to the nearest ns and sizes to the nearest byte.
 *
 * Rows (device `Tesla T4 (0)` → `gpu0`; a name without `(n)`, as nvprof truncates long names, gets
 * the next free index in order of appearance):
 * - `[CUDA memcpy HtoD|DtoH|DtoD|PtoP|HtoH]` → `copy` (host = cpu0; `mem` from SrcMemType/DstMemType,
 *   the host side's); `[CUDA memset]` → `write` by the GPU of Size bytes without address (as the
 *   Kineto and nsys readers).
 * - `[Unified Memory Memcpy HtoD|DtoH|DtoD]` → `obs_migrate` of the `Unified Memory` size at the
 *   `Virtual Address` (no cause: the text has none, so no access is derived).
 * - `[Unified Memory GPU page faults]` → `obs_fault` (4 KiB) of the device plus a `read` (the access
 *   type is not printed); the fault count goes to `name` (`coalesced:n`) when above 1.
 * - `[Unified Memory CPU page faults]` → `obs_fault` of cpu0 plus a `read`.
 * - other `[Unified Memory …]` rows (throttle, thrashing, remote map) → unmapped `nvprof:um:<what>`.
 * - anything else is a kernel: `name [corr]` → `kernel` with `corr`, stream and duration.
 * Tables without a Device column (the API trace) → unmapped `nvprof:api_call`; text outside the
 * tables (the program's own output, footnotes) → unmapped `nvprof:other_line`.
 */
import { BadInputError } from '../../common/bad-input.ts';
import type { RowSink } from '../format.ts';
import { copyKindOf, memKindOf } from '../sqlite/cuda-vocabulary.ts';
import { UnifiedMemoryRows } from '../sqlite/unified-memory-rows.ts';
import { PAGE_SIZE, parseInteger, type Bytes, type Ns } from '../trace/units.ts';
import { clearRow, emptyRow } from '../trace/writer.ts';
import { copyMemKind } from '../copy-memory-kind.ts';
import type { LineChunks } from '../io/line-chunks.ts';

const HEADER = /^\s*Start\s+Duration\s.*\sName\s*$/;
const CSV_HEADER = /^"Start","Duration",/;
const TIME_UNITS: Record<string, number> = { s: 1e9, ms: 1e6, us: 1e3, 'µs': 1e3, ns: 1 };
const SIZE_UNITS: Record<string, number> = { B: 1, KB: 1024, MB: 1024 ** 2, GB: 1024 ** 3, TB: 1024 ** 4 };

export function looksLikeNvprofText(lines: readonly string[]): boolean {
  return lines.some((l) => /^==\d+== (NVPROF is profiling|Profiling result:|Profiling application:)/.test(l) || HEADER.test(l) || CSV_HEADER.test(l));
}

interface Column { name: string; end: number }

/** The current table: its layout and columns (and, for CSV, the units row once read). */
interface Table {
  csv: boolean;
  columns: Column[];
  index: Map<string, number>;
  units: string[] | undefined;
}

export async function parseNvprofGpuTrace(file: string, lines: LineChunks, sink: RowSink): Promise<{ devices: Map<string, number> }> {
  const um = new UnifiedMemoryRows(sink, ['cpu', 'gpu']);
  const row = emptyRow();
  const devices = new Map<string, number>();
  let table: Table | undefined;
  let cells: string[] = [];
  let fixedLine = '';
  let lineNo = 0;
  const fail: (field: string, problem: string) => never = (field, problem) => { throw new BadInputError(file, lineNo, field, problem); };

  /** The cell under column `name` of the current row (undefined: no such column or row too short). */
  const cell = (name: string): string | undefined => {
    const i = table!.index.get(name);
    if (i === undefined) return undefined;
    if (table!.csv) return cells[i];
    const from = i === 0 ? 0 : table!.columns[i - 1]!.end;
    const to = i === table!.columns.length - 1 ? fixedLine.length : table!.columns[i]!.end;
    return from >= fixedLine.length ? undefined : fixedLine.slice(from, to).trim();
  };
  /** A number with its unit inline (fixed width) or in the CSV units row. */
  const measure = (field: string, text: string, units: Record<string, number>, example: string): number => {
    const m = /^(\d+(?:\.\d+)?)([a-zµA-Z]*)$/.exec(text);
    const unitName = m?.[2] || (table!.csv ? table!.units?.[table!.index.get(field) ?? -1] : undefined) || '';
    const unit = units[unitName];
    if (!m || unit === undefined) fail(field, `is not a number with a unit like "${example}" (got "${text}"${table!.csv ? `, unit "${unitName}"` : ''})`);
    const v = Math.round(Number(m[1]) * unit);
    if (!Number.isSafeInteger(v)) fail(field, 'is out of range');
    return v;
  };
  const time = (field: string, text: string): number => measure(field, text, TIME_UNITS, '1.2160us');
  const size = (field: string, text: string): number => measure(field, text, SIZE_UNITS, '4.0000KB');
  const int = (field: string, text: string): number => {
    const v = parseInteger(text);
    return typeof v === 'string' ? fail(field, v) : v;
  };
  const gpu = (field: string, text: string): string => {
    if (text === '' || text === '-') fail(field, 'is missing');
    const m = /\((\d+)\)$/.exec(text);
    if (m) return `gpu${m[1]}`;
    let i = devices.get(text);
    if (i === undefined) {
      const used = new Set(devices.values());
      for (i = 0; used.has(i); i++);
      devices.set(text, i);
    }
    return `gpu${i}`;
  };

  for await (const chunk of lines) {
    for (const line of chunk) {
      lineNo++;
      if (HEADER.test(line)) { table = tableOf(headerColumns(line), false); continue; }
      if (CSV_HEADER.test(line)) { table = tableOf(splitCsv(line).map((name) => ({ name, end: 0 })), true); continue; }
      if (line.trim() === '') { if (!table?.csv) table = undefined; continue; }
      if (/^(==\d+==|========)/.test(line)) { if (table?.csv) table = undefined; continue; }
      if (!table) { sink.unmapped('nvprof:other_line'); continue; }
      if (table.csv) {
        cells = splitCsv(line);
        if (table.units === undefined) { table.units = cells; continue; }
      } else fixedLine = line;
      if (!table.index.has('Device')) { sink.unmapped('nvprof:api_call'); continue; }
      const name = cell('Name');
      const startText = cell('Start');
      if (startText === undefined || name === undefined || name === '') fail('Start', 'is missing (the row is shorter than the header)');
      const ts = time('Start', startText);
      const durText = cell('Duration') ?? '-';
      const dur = durText === '-' || durText === '' ? null : time('Duration', durText);
      const addrText = cell('Virtual Address');
      const umText = cell('Unified Memory') ?? '';

      if (name.startsWith('[Unified Memory ')) {
        const what = name.slice('[Unified Memory '.length, -1);
        const span = { ts, dur, stream: null, corr: null };
        const memcpy = /^Memcpy (\w+)$/.exec(what);
        if (memcpy || what === 'GPU page faults' || what === 'CPU page faults') {
          if (addrText === undefined || addrText === '-' || addrText === '') fail('Virtual Address', 'is missing');
          const addr = int('Virtual Address', addrText);
          if (memcpy) {
            const kind = copyKindOf(memcpy[1]!.toUpperCase());
            if (!kind) fail('Name', `has an unknown copy direction "${memcpy[1]}"`);
            const device = gpu('Device', cell('Device') ?? '');
            const inUm = umText !== '' && umText !== '-';
            const bytes = inUm ? size('Unified Memory', umText) : size('Size', cell('Size') ?? '');
            um.migration(span, kind.src === 'host' ? 'cpu0' : device, kind.dst === 'host' ? 'cpu0' : device, addr, bytes, null);
          } else if (what === 'GPU page faults') {
            const n = /^\d+$/.test(umText) ? Number(umText) : 1;
            um.fault(span, gpu('Device', cell('Device') ?? ''), addr, PAGE_SIZE, 'read', n > 1 ? `coalesced:${n}` : null);
          } else {
            um.fault(span, 'cpu0', addr, PAGE_SIZE, 'read');
          }
        } else {
          sink.unmapped(`nvprof:um:${what.toLowerCase().replaceAll(' ', '_')}`);
        }
        continue;
      }
      const copy = /^\[CUDA memcpy (\w+)\]$/.exec(name);
      if (copy) {
        const kind = copyKindOf(copy[1]!.toUpperCase());
        if (!kind) fail('Name', `has an unknown copy direction "${copy[1]}"`);
        const device = gpu('Device', cell('Device') ?? '');
        const srcDev = cell('Src Dev');
        const dstDev = cell('Dst Dev');
        clearRow(row);
        row.ts = ts as Ns; row.dur = dur as Ns | null; row.op = 'copy';
        row.agent = kind.src === 'host' ? 'cpu0' : srcDev && srcDev !== '-' ? gpu('Src Dev', srcDev) : device;
        row.peer = kind.dst === 'host' ? 'cpu0' : dstDev && dstDev !== '-' ? gpu('Dst Dev', dstDev) : device;
        row.bytes = size('Size', cell('Size') ?? '') as Bytes;
        const src = memKindOf((cell('SrcMemType') ?? '').toUpperCase());
        const dst = memKindOf((cell('DstMemType') ?? '').toUpperCase());
        row.mem = copyMemKind(kind.src, kind.dst, src, dst);
        row.stream = optInt('Stream', cell('Stream'));
        row.corr = corrOf();
        row.name = `Memcpy ${kind.label}`;
        sink.append(row);
        continue;
      }
      if (name === '[CUDA memset]') {
        clearRow(row);
        row.ts = ts as Ns; row.dur = dur as Ns | null; row.op = 'write';
        row.agent = gpu('Device', cell('Device') ?? '');
        row.bytes = size('Size', cell('Size') ?? '') as Bytes;
        row.stream = optInt('Stream', cell('Stream'));
        row.corr = corrOf();
        row.name = 'Memset';
        sink.append(row);
        continue;
      }
      if (name.startsWith('[')) { sink.unmapped(`nvprof:${name.slice(1, -1).replace(/^CUDA /, '').toLowerCase().replaceAll(' ', '_')}`); continue; }
      const k = /^(.*) \[(\d+)\]$/.exec(name);
      clearRow(row);
      row.ts = ts as Ns; row.dur = dur as Ns | null; row.op = 'kernel';
      row.agent = gpu('Device', cell('Device') ?? '');
      row.stream = optInt('Stream', cell('Stream'));
      row.name = k ? k[1]! : name;
      row.corr = k ? int('Name', k[2]!) : corrOf();
      sink.append(row);
    }
  }
  return { devices };

  /** The `Correlation_ID` column of the CSV layout (the fixed-width one has none). */
  function corrOf(): number | null {
    const c = cell('Correlation_ID');
    return c === undefined || c === '' ? null : int('Correlation_ID', c);
  }

  function optInt(field: string, text: string | undefined): number | null {
    if (text === undefined || text === '' || text === '-') return null;
    const v = int(field, text);
    return v > 0x7fffffff ? fail(field, `is out of range for a stream id (got ${v})`) : v;
  }
}

/** Column names and the end offset of each label (values are right-aligned to it). */
function headerColumns(header: string): Column[] {
  const cols: Column[] = [];
  const re = /\S+(?: \S+)*/g;
  for (let m = re.exec(header); m; m = re.exec(header)) cols.push({ name: m[0], end: m.index + m[0].length });
  return cols;
}

function tableOf(columns: Column[], csv: boolean): Table {
  return { csv, columns, index: new Map(columns.map((c, i) => [c.name, i])), units: undefined };
}

/** One CSV line as nvprof writes it: fields optionally double-quoted, `""` inside quotes. */
export function splitCsv(line: string): string[] {
  const out: string[] = [];
  let i = 0;
  for (;;) {
    let field = '';
    if (line[i] === '"') {
      i++;
      for (;;) {
        const q = line.indexOf('"', i);
        if (q < 0) { field += line.slice(i); i = line.length; break; }
        field += line.slice(i, q);
        i = q + 1;
        if (line[i] === '"') { field += '"'; i++; continue; }
        break;
      }
      const comma = line.indexOf(',', i);
      i = comma < 0 ? line.length : comma;
    } else {
      const comma = line.indexOf(',', i);
      const end = comma < 0 ? line.length : comma;
      field = line.slice(i, end);
      i = end;
    }
    out.push(field);
    if (i >= line.length) return out;
    i++; // the comma
  }
}
