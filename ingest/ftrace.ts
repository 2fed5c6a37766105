/**
 * Kernel tracepoints as text: ftrace (`/sys/kernel/tracing/trace`, `trace_pipe`, `trace-cmd report`:
 * `comm-pid [cpu] flags secs.frac: event: fields`) and `perf script` (`comm pid [cpu] secs.frac:
 * system:event: fields`). Events and their rows (the CPU side is one agent, `cpu0`):
 * - `migrate:mm_migrate_pages` → `obs_migrate` by cpu0 of nr_succeeded × 4 KiB (the kernel counts base
 *   pages, THP subpages included) with no address and no `peer` (the tracepoint names neither); `cause` = `fault` for
 *   numa_misplaced (a NUMA hinting fault), `eviction` for demotion, else the kernel's reason verbatim
 *   (compaction, syscall_or_cpuset, mempolicy_mbind, …); `name` = `<reason> <mode>`; `dur` from the
 *   matching `mm_migrate_pages_start` of the same task. nr_failed pages → unmapped `migrate:failed_pages`.
 * - `exceptions:page_fault_user` → `obs_fault` of the 4 KiB page plus the access (x86 error_code bit 1
 *   = write, otherwise read).
 * - `damon:damon_aggregated` → DAMON region reads (damo.ts DamonRegionRows), spread over the interval
 *   since the target's previous aggregation (the first aggregation: all at its own time).
 * - any other event → unmapped `event:<name>`; unparsable non-comment lines → unmapped `ftrace:other_line`.
 * Process memory the accesses touch gets implied `anon` allocations (implied-allocations.ts).
 * Time: ns since the first event.
 */
import { basename } from 'node:path';
import { DamonRegionRows } from './damo.ts';
import type { IngestContext, IngestFormat, RowSink } from './format.ts';
import { withImpliedAllocations } from './implied-allocations.ts';
import { addSourceInfo } from './sqlite/source-metadata.ts';
import { UnifiedMemoryRows } from './sqlite/unified-memory-rows.ts';
import { headLines, lineFieldParsers, parseTextFiles, type LineChunks } from './io/line-chunks.ts';
import { PAGE_SIZE } from './trace/units.ts';

/** `… [cpu] (flags) secs.frac: (system:)event: fields`; the task part before `[cpu]` is free text. */
const EVENT_LINE = /^(.*?)\s*\[(\d{1,5})\]\s+(?:\S+\s+)?(\d+)\.(\d{1,9}):\s+(?:(\w+):)?(\w+):(?:\s+(.*))?$/;
const KNOWN_EVENTS = new Set(['mm_migrate_pages', 'mm_migrate_pages_start', 'page_fault_user', 'damon_aggregated']);
const DAMON_REGION = /^target_id=(\d+)\s+nr_regions=(\d+)\s+(\d+)-(\d+):\s+(\d+)(?:\s+(\d+))?\s*$/;
const CAUSES: Record<string, string> = { numa_misplaced: 'fault', demotion: 'eviction' };
const X86_PF_WRITE = 2;

export const ftraceFormat: IngestFormat = {
  name: 'ftrace',
  description: 'ftrace / perf script text: migrate:mm_migrate_pages(_start), exceptions:page_fault_user, damon:damon_aggregated',
  sniff(_path, head) {
    return headLines(head).some((l) => l.startsWith('# tracer:') || KNOWN_EVENTS.has(EVENT_LINE.exec(l)?.[6] ?? ''));
  },
  async read(files: readonly string[], sink: RowSink, ctx: IngestContext): Promise<void> {
    await withImpliedAllocations(sink, 'anon', async (s) => {
      await parseTextFiles(files, (n) => ctx.progress(n), (file, lines) => parseFtrace(file, lines, s));
    });
  },
};

/** Parses one ftrace / perf script text given as line chunks. */
export async function parseFtrace(file: string, lines: LineChunks, sink: RowSink): Promise<void> {
  const um = new UnifiedMemoryRows(sink, ['cpu']);
  const damon = new DamonRegionRows(sink);
  let lineNo = 0;
  let firstSecs: number | undefined;
  let firstFracNs = 0;
  const migrateStart = new Map<string, number>();
  /** per DAMON target: ts of the current aggregation, of the previous one, regions left, ordinal */
  const targets = new Map<string, { ts: number; prevTs: number; left: number }>();
  let snapshot = 0;
  const counts = { migrations: 0, faults: 0, damonRegions: 0 };
  const parsers = lineFieldParsers(file, () => lineNo);
  // An explicit `never` type keeps TypeScript's narrowing after `fail(...)` calls.
  const fail: (field: string, problem: string) => never = parsers.fail;
  const int = parsers.int;

  for await (const chunk of lines) {
    for (const line of chunk) {
      lineNo++;
      if (line.trim() === '' || line.trimStart().startsWith('#')) continue;
      const m = EVENT_LINE.exec(line);
      if (!m) { sink.unmapped('ftrace:other_line'); continue; }
      const [, task, cpu, secsText, fracText, , event, fieldsText = ''] = m;
      const secs = int('timestamp', secsText);
      const fracNs = Number(fracText!.padEnd(9, '0'));
      if (firstSecs === undefined) { firstSecs = secs; firstFracNs = fracNs; }
      const ts = (secs - firstSecs) * 1e9 + (fracNs - firstFracNs);
      if (ts < 0) fail('timestamp', `is earlier than the first event (${secsText}.${fracText})`);
      if (!Number.isSafeInteger(ts)) fail('timestamp', 'is out of range');

      switch (event) {
        case 'mm_migrate_pages_start': {
          migrateStart.set(taskKey(task!, cpu!), ts);
          break;
        }
        case 'mm_migrate_pages': {
          const f = fields(fieldsText);
          const ok = int('nr_succeeded', f.get('nr_succeeded'));
          const failed = f.has('nr_failed') ? int('nr_failed', f.get('nr_failed')) : 0;
          if (failed > 0) sink.unmapped('migrate:failed_pages', failed);
          const key = taskKey(task!, cpu!);
          const start = migrateStart.get(key);
          migrateStart.delete(key);
          const reason = f.get('reason') ?? null;
          const t0 = start ?? ts;
          if (ok > 0) {
            um.migration({ ts: t0, dur: ts - t0, stream: null, corr: null }, 'cpu0', null, null, ok * PAGE_SIZE,
              reason === null ? null : CAUSES[reason] ?? reason);
            counts.migrations++;
          } else sink.unmapped('migrate:empty_call');
          break;
        }
        case 'page_fault_user': {
          const f = fields(fieldsText);
          const address = int('address', hexText(f.get('address')));
          const code = int('error_code', hexText(f.get('error_code')));
          um.fault({ ts, dur: null, stream: null, corr: null }, 'cpu0', address - (address % PAGE_SIZE), PAGE_SIZE,
            (code & X86_PF_WRITE) !== 0 ? 'write' : 'read');
          counts.faults++;
          break;
        }
        case 'damon_aggregated': {
          const d = DAMON_REGION.exec(fieldsText.trim());
          if (!d) fail('damon_aggregated', `is not "target_id=N nr_regions=N start-end: nr_accesses [age]" (got "${fieldsText.slice(0, 80)}")`);
          const [, target, nrRegions, startText, endText, accesses, age] = d;
          let t = targets.get(target!);
          if (!t || t.left === 0) {
            t = { ts, prevTs: t ? t.ts : ts, left: int('nr_regions', nrRegions) };
            targets.set(target!, t);
            snapshot++;
          }
          t.left = Math.max(0, t.left - 1);
          const start = int('start', startText);
          const end = int('end', endText);
          if (end < start) fail('end', `is below start (${end} < ${start})`);
          if (age !== undefined && age !== '0') sink.unmapped('damon:age');
          damon.region(t.prevTs, t.ts, start, end - start, int('nr_accesses', accesses), snapshot);
          counts.damonRegions++;
          break;
        }
        default:
          sink.unmapped(`event:${event}`);
      }
    }
  }
  if (migrateStart.size > 0) sink.unmapped('migrate:start_without_end', migrateStart.size);
  addSourceInfo(sink, 'ftrace', { file: basename(file), ...counts, damonAggregations: snapshot });
}

/** `key=value key=value` → map (values end at whitespace). */
function fields(text: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const part of text.trim().split(/\s+/)) {
    const eq = part.indexOf('=');
    if (eq > 0) m.set(part.slice(0, eq), part.slice(eq + 1));
  }
  return m;
}

/** Tracepoints print addresses as `0x…` (or bare hex); parseInteger wants the 0x. */
function hexText(v: string | undefined): string | undefined {
  if (v === undefined) return undefined;
  return /^0x/i.test(v) ? v : `0x${v}`;
}

/** The task (pid) of a line: `comm-1234` (ftrace) or `comm 1234` (perf); the CPU when neither. */
function taskKey(task: string, cpu: string): string {
  const m = /(?:-|\s)(\d+)$/.exec(task.trim()) ?? /^(\d+)$/.exec(task.trim());
  return m ? `pid:${m[1]}` : `cpu:${cpu}`;
}
