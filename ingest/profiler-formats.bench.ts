/**
 * Ingest throughput and peak memory of the profiler-format readers on generated inputs (not
 * committed): a UVM fault log (/dev/kmsg lines, 32-fault batches), ftrace text (page faults and
 * migrations) and an nsys export with kernels plus unified-memory migrations and GPU faults. Each is
 * ingested end to end through `ingest()` in a child process so that its peak RSS is the ingest's own.
 */
import { execFileSync } from 'node:child_process';
import { createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';

const ROOT = new URL('..', import.meta.url).pathname;
const TEXT_BYTES = 96 * 2 ** 20;
const NSYS_ROWS = 400_000;

export async function writeLines(file: string, target: number, line: (i: number) => string): Promise<number> {
  const out = createWriteStream(file);
  let bytes = 0;
  let i = 0;
  while (bytes < target) {
    const parts: string[] = [];
    for (let k = 0; k < 4096; k++, i++) parts.push(line(i));
    const s = parts.join('');
    bytes += s.length;
    if (!out.write(s)) await new Promise<void>((r) => out.once('drain', () => r()));
  }
  await new Promise<void>((resolve, reject) => out.end((e?: Error | null) => (e ? reject(e) : resolve())));
  return i;
}

export function uvmLine(i: number): string {
  const usec = 2567418458447 + i * 5;
  const seq = 34763351536 + i;
  if (i % 34 === 0) return `4,${seq},${usec},-;s,\n`;
  if (i % 34 === 33) return `4,${seq},${usec},-;b,\n`;
  const addr = (0x7fb144000000 + (i % 100000) * 4096).toString(16);
  return `4,${seq},${usec},-;f,${addr},1606348764141810176,0,${1 + (i % 2)},2,1,0,0,0,127,1,0,1,63\n`;
}

export function ftraceLine(i: number): string {
  const t = (1000 + i * 1e-5).toFixed(6);
  if (i % 50 === 0) return `          stream-2231    [005] .....  ${t}: mm_migrate_pages: nr_succeeded=512 nr_failed=0 nr_thp_succeeded=1 nr_thp_failed=0 nr_thp_split=0 nr_split=0 mode=MIGRATE_ASYNC reason=numa_misplaced\n`;
  const addr = (0x7f5a2c000000 + (i % 100000) * 4096 + 16).toString(16);
  return `          stream-2231    [003] .....  ${t}: page_fault_user: address=0x${addr} ip=0x55d0f0a1c2b0 error_code=0x${i % 3 === 0 ? 6 : 4}\n`;
}

function buildNsys(file: string): void {
  const db = new Database(file);
  db.exec(`CREATE TABLE StringIds (id INTEGER PRIMARY KEY, value TEXT NOT NULL);
    INSERT INTO StringIds VALUES (1, 'void touch<float>(float*, unsigned long)');
    CREATE TABLE CUPTI_ACTIVITY_KIND_KERNEL (start INTEGER NOT NULL, end INTEGER NOT NULL, deviceId INTEGER NOT NULL, streamId INTEGER NOT NULL, correlationId INTEGER, demangledName INTEGER NOT NULL);
    CREATE TABLE CUPTI_ACTIVITY_KIND_MEMCPY (start INTEGER NOT NULL, end INTEGER NOT NULL, deviceId INTEGER NOT NULL, streamId INTEGER NOT NULL, correlationId INTEGER, bytes INTEGER NOT NULL, copyKind INTEGER NOT NULL, srcKind INTEGER, dstKind INTEGER, migrationCause INTEGER, virtualAddress INTEGER);
    CREATE TABLE CUDA_UM_GPU_PAGE_FAULT_EVENTS (start INTEGER NOT NULL, end INTEGER NOT NULL, globalPid INTEGER NOT NULL, deviceId INTEGER NOT NULL, address INTEGER NOT NULL, numberOfPageFaults INTEGER NOT NULL, faultAccessType INTEGER NOT NULL);`);
  const k = db.prepare('INSERT INTO CUPTI_ACTIVITY_KIND_KERNEL VALUES (?, ?, 0, 7, ?, 1)');
  const m = db.prepare('INSERT INTO CUPTI_ACTIVITY_KIND_MEMCPY VALUES (?, ?, 0, 0, NULL, 65536, 11, NULL, NULL, ?, ?)');
  const f = db.prepare('INSERT INTO CUDA_UM_GPU_PAGE_FAULT_EVENTS VALUES (?, ?, 1, 0, ?, 4, 1)');
  db.transaction(() => {
    for (let i = 0; i < NSYS_ROWS; i++) {
      const t = 1_000_000_000 + i * 1000;
      const a = 140000000000000 + (i % 4096) * 65536;
      k.run(t, t + 500, i);
      m.run(t + 100, t + 200, 2 + (i % 2), a);
      f.run(t + 50, t + 90, a);
    }
  })();
  db.close();
}

const CHILD = `
import { ingest } from ${JSON.stringify(join(ROOT, 'ingest/ingest.ts'))};
const [format, output, ...files] = process.argv.slice(1); // after '-e': argv is [node, ...args]
const t0 = performance.now();
const c0 = process.cpuUsage();
const r = await ingest(files, { format, output });
const seconds = (performance.now() - t0) / 1000;
const cpu = process.cpuUsage(c0);
process.stdout.write(JSON.stringify({ seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6, rows: r.rows, maxRssBytes: process.resourceUsage().maxRSS * 1024 }));
`;

export interface ChildIngest { seconds: number; cpuSeconds: number; rows: number; maxRssBytes: number }

/** Ingests `files` as `format` in a child process, so that its peak RSS is the ingest's own. */
export function ingestInChild(files: readonly string[], format: string, output: string): ChildIngest {
  const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', CHILD, '--', format, output, ...files], { cwd: ROOT, encoding: 'utf8', maxBuffer: 1 << 20 });
  return JSON.parse(out) as ChildIngest;
}

export default async function bench(): Promise<Record<string, unknown>> {
  const dir = mkdtempSync(join(tmpdir(), 'hetmem-profbench-'));
  try {
    const uvm = join(dir, 'uvm.log');
    const ftrace = join(dir, 'trace.txt');
    const nsys = join(dir, 'report.sqlite');
    await writeLines(uvm, TEXT_BYTES, uvmLine);
    await writeLines(ftrace, TEXT_BYTES, ftraceLine);
    buildNsys(nsys);
    const results: Record<string, unknown> = {};
    for (const [label, file, format] of [['uvm_log', uvm, 'uvm-log'], ['ftrace', ftrace, 'ftrace'], ['nsys', nsys, 'nsys']] as const) {
      const size = statSync(file).size;
      const r = ingestInChild([file], format, join(dir, `${label}.arrow`));
      results[label] = {
        file_mib: +(size / 2 ** 20).toFixed(1),
        rows: r.rows,
        seconds: +r.seconds.toFixed(2),
        mb_per_s: +(size / 1e6 / r.seconds).toFixed(1),
        rows_per_s: Math.round(r.rows / r.seconds),
        peak_rss_mib: +(r.maxRssBytes / 2 ** 20).toFixed(1),
      };
    }
    return results;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
