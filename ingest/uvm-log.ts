/**
 * The fault log of tallendev/uvm-eval's instrumented NVIDIA UVM driver (460.27.04 / 525.60.13), as
 * read from /dev/kmsg (`prio,seq,usec,flags;message`) or dmesg (`[secs.usec] message`). Formats:
 * uvm-eval fault-scripts/README.MD and bsize-scripts/README.MD (../shared/traces/uvm-eval/).
 *
 * Messages and what they become (one GPU per log, `gpu0`; the CPU side is `cpu0`):
 * - `s,` starts fault batch n (n = 1, 2, … in file order); `b,` (optionally `b,<id>,<status>`) ends it.
 * - `f,<addr hex>,<gpu ts>,<fault_type>,<access_type>,<mask>,<num_instances>,…` a replayable fault →
 *   `obs_fault` (4 KiB at addr) plus the faulting access (access_type 1 read, 2 write, 3/4 weak/strong
 *   atomic; 0 = prefetch fault, no access). **corr = the batch number**, so a batch is one group; the
 *   derived accesses of one batch all sit at the batch's `s,` line time, so that replay (which joins
 *   faults raised at the same modeled time into one batch, memory/fault-batcher.ts) forms the same
 *   batches as the driver did; the `obs_fault` rows keep their own line times.
 * - `p,…` (prefetch-generated entry) → `obs_migrate` cpu0 → gpu0, cause `prefetch`; `e,…` (eviction)
 *   → `obs_migrate` gpu0 → cpu0, cause `eviction`; same fields as `f`, 4 KiB at addr.
 * - `uvm range destroy …: 0x<start>, <size>` → `free` of that managed range by cpu0 (obj
 *   `mem@0x<start>#0`: allocated before the log, allocation-names.ts).
 * - `b,<start>,<time>,<30 statistics>` per-batch statistics (bsize-scripts) and the `BC:…` batch
 *   count lines of other runs (fields undocumented) → unmapped `uvm:batch_summary` (the canonical
 *   trace has no per-batch statistics), every other message → unmapped `kmsg:other`.
 * The log has no allocations: `managed` ones are implied (implied-allocations.ts) for the freed ranges
 * and the faulting VA blocks, so that replay sees the accesses.
 * Time: the kernel log clock (µs, the only clock every line has) since the first timestamped line, in
 * ns. The GPU's own fault timestamp (ns, a different clock, beyond 2^53) is not used.
 */
import { basename } from 'node:path';
import type { IngestContext, IngestFormat, RowSink } from './format.ts';
import { withImpliedAllocations } from './implied-allocations.ts';
import { withImpliedFirstTouch } from './derive/implied-first-touch.ts';
import { UnifiedMemoryRows } from './sqlite/unified-memory-rows.ts';
import { addSourceInfo } from './sqlite/source-metadata.ts';
import { headLines, lineFieldParsers, parseTextFiles, type LineChunks } from './io/line-chunks.ts';
import { PAGE_SIZE, type Addr, type Bytes, type Ns } from './trace/units.ts';
import { clearRow, emptyRow } from './trace/writer.ts';
import type { FaultAccess } from './sqlite/cuda-vocabulary.ts';
import { objectName } from './allocation-names.ts';

const KMSG = /^(\d+),(\d+),(\d+),[^;]*;(.*)$/;
const DMESG = /^(?:.*?kernel: )?\[\s*(\d+)\.(\d{1,9})\]\s?(.*)$/;
const OUR_MESSAGE = /^(s,|b,|f,|p,|e,|BC:|uvm range destroy)/;
const RANGE_DESTROY = /^uvm range destroy .*:\s*0x([0-9a-fA-F]+),\s*(\d+)\s*$/;
const GPU = 'gpu0';

/** access_type of the UVM driver: PREFETCH, READ, WRITE, ATOMIC_WEAK, ATOMIC_STRONG. */
const ACCESS_TYPES: readonly FaultAccess[] = ['prefetch', 'read', 'write', 'atomic', 'atomic'];

export const uvmLogFormat: IngestFormat = {
  name: 'uvm-log',
  description: 'instrumented NVIDIA UVM driver fault log (uvm-eval; /dev/kmsg or dmesg lines)',
  sniff(_path, head) {
    return headLines(head).some((line) => {
      const m = KMSG.exec(line) ?? DMESG.exec(line);
      return m !== null && OUR_MESSAGE.test(m[m.length - 1]!);
    });
  },
  async read(files: readonly string[], sink: RowSink, ctx: IngestContext): Promise<void> {
    await withImpliedFirstTouch(sink, (outer) => withImpliedAllocations(outer, 'managed', async (s) => {
      await parseTextFiles(files, (n) => ctx.progress(n), (file, lines) => parseUvmLog(file, lines, s));
    }));
  },
};

/** Parses one log given as line chunks (`file` names it in errors). */
export async function parseUvmLog(file: string, lines: LineChunks, sink: RowSink): Promise<void> {
  const um = new UnifiedMemoryRows(sink, ['gpu']);
  const row = emptyRow();
  let lineNo = 0;
  let firstUsec: number | undefined;
  let batch = 0;
  let inBatch = false;
  let batchTs = 0;
  let faults = 0;
  const parsers = lineFieldParsers(file, () => lineNo);
  // An explicit `never` type keeps TypeScript's narrowing after `fail(...)` calls.
  const fail: (field: string, problem: string) => never = parsers.fail;
  const int = parsers.int;

  for await (const chunk of lines) {
    for (const line of chunk) {
      lineNo++;
      if (line.trim() === '') continue;
      let usec: number;
      let msg: string;
      const k = KMSG.exec(line);
      if (k) {
        usec = int('usec', k[3]);
        msg = k[4]!;
      } else {
        const d = DMESG.exec(line);
        if (!d) { sink.unmapped('kmsg:line_without_timestamp'); continue; }
        usec = int('seconds', d[1]) * 1e6 + Math.round(Number(`0.${d[2]}`) * 1e6);
        msg = d[3]!;
      }
      firstUsec ??= usec;
      const ts = (usec - firstUsec) * 1000;
      if (ts < 0) fail('timestamp', `is earlier than the first line's (${usec} µs < ${firstUsec} µs)`);
      if (!Number.isSafeInteger(ts)) fail('timestamp', 'is out of range');
      const span = { ts, dur: null, stream: null, corr: inBatch ? batch : null };

      const kind = msg.charAt(0);
      if (msg.charAt(1) === ',' && (kind === 'f' || kind === 'p' || kind === 'e')) {
        const f = msg.split(',');
        if (!/^[0-9a-fA-F]{1,16}$/.test(f[1] ?? '')) fail('fault_address', `is not a hex address (got "${f[1] ?? ''}")`);
        const addr = int('fault_address', `0x${f[1]}`);
        if (f[2] === undefined || !/^\d+$/.test(f[2])) fail('timestamp', `is not an integer (got "${f[2] ?? ''}")`);
        int('fault_type', f[3]);
        const accessType = int('access_type', f[4]);
        if (kind === 'f') {
          const access = ACCESS_TYPES[accessType];
          if (access === undefined) fail('access_type', `must be 0-4 (prefetch, read, write, atomic weak, atomic strong), got ${accessType}`);
          um.fault(span, GPU, addr, PAGE_SIZE, access, null, inBatch ? batchTs : ts);
          faults++;
        } else if (kind === 'p') {
          um.migration(span, 'cpu0', GPU, addr, PAGE_SIZE, 'prefetch');
        } else {
          um.migration(span, GPU, 'cpu0', addr, PAGE_SIZE, 'eviction');
        }
      } else if (msg === 's' || msg.startsWith('s,')) {
        batch++;
        inBatch = true;
        batchTs = ts;
      } else if (msg === 'b' || msg.startsWith('b,')) {
        const fields = msg.split(',');
        if (fields.length > 4) sink.unmapped('uvm:batch_summary');
        else inBatch = false;
      } else if (msg.startsWith('BC:')) {
        sink.unmapped('uvm:batch_summary');
      } else if (msg.startsWith('uvm range destroy')) {
        const m = RANGE_DESTROY.exec(msg);
        if (!m) fail('message', `is not "uvm range destroy …: 0x<start>, <size>" (got "${msg.slice(0, 80)}")`);
        clearRow(row);
        row.ts = ts as Ns; row.op = 'free'; row.agent = 'cpu0'; row.mem = 'managed';
        row.addr = int('start', `0x${m[1]}`) as Addr;
        row.bytes = int('size', m[2]) as Bytes;
        row.obj = objectName(row.addr, 0); // allocated before the log: #0 (allocation-names.ts)
        sink.append(row);
      } else {
        sink.unmapped('kmsg:other');
      }
    }
  }
  addSourceInfo(sink, 'uvm-log', { file: basename(file), batches: batch, faults, clock: 'kernel log µs since the first line' });
}
