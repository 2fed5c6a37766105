/**
 * Runs `hetmem replay` as a separate process (the way a user or a sweep worker runs it) and measures it
 * whole: wall time from spawn to exit, its CPU time, and the child's peak RSS (`/usr/bin/time`, the
 * kernel's maxrss of the node process). A watchdog polls the child's resident set and kills it above `rssLimitMiB`,
 * so a replay that would grow without bound cannot take a shared machine down; the result then says so.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';

export interface ReplayProcessResult {
  /** `ok`, or `killed: RSS above N MiB after S s`, or `failed (exit N): <stderr tail>` */
  status: string;
  wallSeconds: number;
  peakRssMiB: number;
  /** user + system CPU seconds of the child (less sensitive than wall time to other load on the machine) */
  cpuSeconds: number;
  /** rows of events.parquet (0 when the replay did not finish) */
  events: number;
}

const root = new URL('..', import.meta.url).pathname;

/** The resident set (KiB) of `pid` and of its descendants, from /proc (0 when gone). */
function treeRssKiB(pid: number): number {
  let total = 0;
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    total += m ? Number(m[1]) : 0;
    const children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim();
    for (const c of children ? children.split(/\s+/) : []) total += treeRssKiB(Number(c));
  } catch { /* the process ended between two reads */ }
  return total;
}

/**
 * `hetmem replay <trace> --platform P [--set k=v]… -o out [extra…]` in a child `node`, with a V8 heap
 * cap of `heapMiB` (default 4096) and the RSS watchdog at `rssLimitMiB` (default 5632).
 */
export async function replayProcess(
  trace: string, platform: string, set: Record<string, string>, out: string,
  opts: { extra?: string[]; rssLimitMiB?: number; heapMiB?: number } = {},
): Promise<ReplayProcessResult> {
  const limit = opts.rssLimitMiB ?? 5632;
  const args = ['-f', '%M %U %S', process.execPath, `--max-old-space-size=${opts.heapMiB ?? 4096}`, join(root, 'bin/hetmem.mjs'), 'replay', trace,
    '--platform', platform, ...Object.entries(set).flatMap(([k, v]) => ['--set', `${k}=${v}`]), '-o', out, ...(opts.extra ?? [])];
  const t0 = process.hrtime.bigint();
  const child = spawn('/usr/bin/time', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); if (stderr.length > 65536) stderr = stderr.slice(-16384); });
  let killedAt = 0;
  let watchedPeakKiB = 0;
  const watch = setInterval(() => {
    const kib = treeRssKiB(child.pid!);
    watchedPeakKiB = Math.max(watchedPeakKiB, kib);
    if (kib > limit * 1024 && !killedAt) { killedAt = Number(process.hrtime.bigint() - t0) / 1e9; for (const k of [child.pid!]) killTree(k); }
  }, 100);
  const code = await new Promise<number>((resolve) => child.on('close', (c) => resolve(c ?? -1)));
  clearInterval(watch);
  const wallSeconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const lines = stderr.trim().split('\n');
  const [maxRssKiB, user, sys] = (lines.at(-1) ?? '').split(' ').map(Number) as [number, number, number];
  const peakRssMiB = Math.round((Number.isFinite(maxRssKiB) && maxRssKiB > 0 ? maxRssKiB : watchedPeakKiB) / 1024);
  let status = 'ok';
  if (killedAt) status = `killed: RSS above ${limit} MiB after ${killedAt.toFixed(1)} s`;
  else if (code !== 0) status = `failed (exit ${code}): ${lines.slice(-4, -1).join(' | ')}`;
  const eventsFile = join(out, 'events.parquet');
  const events = status === 'ok' && existsSync(eventsFile) ? await parquetRows(eventsFile) : 0;
  return { status, wallSeconds: Number(wallSeconds.toFixed(2)), peakRssMiB, cpuSeconds: Number(((user || 0) + (sys || 0)).toFixed(2)), events };
}

/** Kills `pid`'s descendants, then `pid` (the node child under /usr/bin/time first). */
function killTree(pid: number): void {
  let children: string[] = [];
  try { children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean); } catch { /* gone */ }
  for (const c of children) killTree(Number(c));
  try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
}

/** Row count from the Parquet footer. */
async function parquetRows(file: string): Promise<number> {
  const instance = await DuckDBInstance.create(':memory:', { threads: '1' });
  const conn = await instance.connect();
  try {
    const r = await conn.runAndReadAll(`SELECT count(*) FROM read_parquet('${file.replaceAll("'", "''")}')`);
    return Number(r.getRows()[0]![0]);
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}
