import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { realTraces } from '../common/testing/requirements.ts';
import { BadInputError } from '../common/bad-input.ts';
import { CollectingSink, quietContext } from '../fixtures/ingest/collecting-sink.ts';
import { nsysFormat, readNsysFile } from './nsys.ts';
import { nvprofFormat } from './nvprof.ts';
import { META } from './trace/schema.ts';

const REPORT1 = realTraces.file('nsys-fuser/report1.sqlite');
const NVPROF_FILE = realTraces.file('uvm-eval/copy.nvprof');
const FIXTURE_SQL = readFileSync(new URL('../fixtures/ingest/nsys-unified-memory.sql', import.meta.url), 'utf8');
const tmp = mkdtempSync(join(tmpdir(), 'hetmem-nsys-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Builds the fixture export (plus optional extra SQL) as a SQLite file in the temp dir. */
function buildFixture(name: string, extraSql = ''): string {
  const path = join(tmp, name);
  const db = new Database(path);
  db.exec(FIXTURE_SQL);
  if (extraSql) db.exec(extraSql);
  db.close();
  return path;
}

function head(path: string): Uint8Array {
  return readFileSync(path).subarray(0, 4096);
}

function read(path: string): CollectingSink {
  const sink = new CollectingSink();
  readNsysFile(path, sink);
  return sink;
}

realTraces.describe('nsys: the real export nsys-fuser/report1.sqlite', () => {
  const sink = new CollectingSink();
  const db = new Database(REPORT1, { readonly: true });
  const q = (sql: string) => db.prepare(sql).pluck().get() as number;

  it('sniffs as nsys and not as nvprof', () => {
    expect(nsysFormat.sniff(REPORT1, head(REPORT1))).toBe(true);
    expect(nvprofFormat.sniff(REPORT1, head(REPORT1))).toBe(false);
    expect(nsysFormat.sniff(NVPROF_FILE, head(NVPROF_FILE))).toBe(false);
  });

  it('maps kernels, copies and syncs with counts, bytes and durations from plain SQL', async () => {
    await nsysFormat.read([REPORT1], sink, quietContext);
    expect(sink.op('kernel').length).toBe(q('SELECT count(*) FROM CUPTI_ACTIVITY_KIND_KERNEL'));
    expect(sink.op('kernel').reduce((s, r) => s + (r.dur ?? 0), 0)).toBe(q('SELECT sum("end" - start) FROM CUPTI_ACTIVITY_KIND_KERNEL'));
    const copies = sink.op('copy');
    expect(copies.length).toBe(q('SELECT count(*) FROM CUPTI_ACTIVITY_KIND_MEMCPY WHERE copyKind < 11'));
    expect(CollectingSink.bytes(copies)).toBe(q('SELECT sum(bytes) FROM CUPTI_ACTIVITY_KIND_MEMCPY WHERE copyKind < 11'));
    // copyKind 1 is HtoD in ENUM_CUDA_MEMCPY_OPER: host (cpu0) to the GPU.
    expect(copies.filter((r) => r.agent === 'cpu0' && r.peer === 'gpu0').length).toBe(q('SELECT count(*) FROM CUPTI_ACTIVITY_KIND_MEMCPY WHERE copyKind = 1'));
    expect(sink.op('memset').length).toBe(q('SELECT count(*) FROM CUPTI_ACTIVITY_KIND_MEMSET'));
    expect(CollectingSink.bytes(sink.op('memset'))).toBe(q('SELECT sum(bytes) FROM CUPTI_ACTIVITY_KIND_MEMSET'));
    expect(sink.op('memset').map((r) => [r.agent, r.stream, r.corr])).toEqual(
      db.prepare('SELECT deviceId, streamId, correlationId FROM CUPTI_ACTIVITY_KIND_MEMSET ORDER BY rowid').raw().all().map((v) => { const [d, s, c] = v as number[]; return [`gpu${d}`, s, c]; }));
    expect(sink.op('obs_migrate').length).toBe(0); // the README: no unified-memory rows
  });

  it('maps runtime API calls as the Kineto reader does: launches and copies submit, Synchronize syncs', () => {
    const api = `FROM CUPTI_ACTIVITY_KIND_RUNTIME r JOIN StringIds s ON s.id = r.nameId`;
    const submit = `(s.value GLOB '*Launch*' OR lower(s.value) GLOB 'cudamemcpy*' OR lower(s.value) GLOB 'cudamemset*' OR lower(s.value) GLOB 'cumemcpy*' OR lower(s.value) GLOB 'cumemset*')`;
    expect(sink.op('submit').length).toBe(q(`SELECT count(*) ${api} WHERE ${submit}`));
    expect(sink.op('sync').length).toBe(q(`SELECT count(*) ${api} WHERE s.value GLOB '*Synchronize*' AND NOT ${submit}`));
    expect(sink.op('sync').length).toBe(3); // cudaStreamSynchronize ×2, cudaDeviceSynchronize ×1
    expect(sink.op('submit').map((r) => r.name)).toContain('cudaLaunchKernel');
    // One thread (globalTid) made every mapped call: thread 0.
    expect(new Set([...sink.op('submit'), ...sink.op('sync')].map((r) => r.stream))).toEqual(new Set([0]));
  });

  it('resolves each sync from its SYNCHRONIZATION record: the stream\'s last op launched before it, or the device', () => {
    // Independently in SQL: the GPU ops with the start of their launching call, and for each
    // cudaStreamSynchronize the last op on the recorded stream launched before the call.
    const ops = `(SELECT streamId, correlationId FROM CUPTI_ACTIVITY_KIND_KERNEL UNION ALL SELECT streamId, correlationId FROM CUPTI_ACTIVITY_KIND_MEMCPY
      UNION ALL SELECT streamId, correlationId FROM CUPTI_ACTIVITY_KIND_MEMSET)`;
    const expected = db.prepare(`SELECT r.correlationId AS syncCorr, (SELECT o.correlationId FROM ${ops} o JOIN CUPTI_ACTIVITY_KIND_RUNTIME l ON l.correlationId = o.correlationId
        WHERE o.streamId = y.streamId AND l.start < r.start ORDER BY l.start DESC LIMIT 1) AS waited
      FROM CUPTI_ACTIVITY_KIND_RUNTIME r JOIN StringIds s ON s.id = r.nameId JOIN CUPTI_ACTIVITY_KIND_SYNCHRONIZATION y ON y.correlationId = r.correlationId
      WHERE s.value GLOB 'cudaStreamSynchronize*' ORDER BY r.start`).all() as { waited: number }[];
    expect(expected.map((e) => e.waited)).toEqual([213, 1885]); // each waits for the cudaMemcpyAsync just before it
    const syncs = sink.op('sync');
    expect(syncs.filter((r) => r.name === 'cudaStreamSynchronize').map((r) => r.corr)).toEqual(expected.map((e) => e.waited));
    // cudaDeviceSynchronize: its record has stream 0xffffffff (none) on device 0.
    expect(syncs.filter((r) => r.name === 'cudaDeviceSynchronize').map((r) => [r.corr, r.peer])).toEqual([[null, 'gpu0']]);
    const api = `FROM CUPTI_ACTIVITY_KIND_RUNTIME r JOIN StringIds s ON s.id = r.nameId`;
    expect(sink.unmappedCounts.get('cuda_runtime:cuGetProcAddress_v2')).toBe(q(`SELECT count(*) ${api} WHERE s.value = 'cuGetProcAddress_v2'`));
  });

  it('uses the earliest of the session start and the events as time zero', () => {
    const base = q(`SELECT min(m) FROM (SELECT min(start) m FROM CUPTI_ACTIVITY_KIND_KERNEL UNION ALL SELECT min(start) FROM CUPTI_ACTIVITY_KIND_MEMCPY
      UNION ALL SELECT min(start) FROM CUPTI_ACTIVITY_KIND_MEMSET UNION ALL SELECT min(start) FROM CUPTI_ACTIVITY_KIND_RUNTIME
      UNION ALL SELECT startTime FROM ANALYSIS_DETAILS)`);
    const firstKernel = q('SELECT min(start) FROM CUPTI_ACTIVITY_KIND_KERNEL');
    expect(Math.min(...sink.op('kernel').map((r) => r.ts))).toBe(firstKernel - base);
    expect(sink.rows.every((r) => r.ts >= 0)).toBe(true);
  });

  it('names kernels through StringIds', () => {
    const names = db.prepare('SELECT s.value FROM CUPTI_ACTIVITY_KIND_KERNEL k JOIN StringIds s ON s.id = k.demangledName ORDER BY k.rowid').pluck().all();
    expect(sink.op('kernel').map((r) => r.name)).toEqual(names);
  });

  it('puts the H200 and both NICs into the devices metadata', () => {
    const devices = JSON.parse(sink.metadata.get(META.devices)!) as { agent: string; name: string; memory?: number }[];
    expect(devices.find((d) => d.agent === 'gpu0')).toMatchObject({ name: 'NVIDIA H200', memory: q('SELECT totalMemory FROM TARGET_INFO_GPU') });
    expect(devices.filter((d) => d.agent.startsWith('nic')).map((d) => d.name)).toEqual(['mlx5_0', 'mlx5_1']);
    expect(JSON.parse(sink.metadata.get(META.sourceInfo)!).nsys[0].schemaVersion).toBe('3.17.1');
  });

  it('counts every unmapped event table with its row count', () => {
    for (const t of ['NVTX_EVENTS', 'SCHED_EVENTS']) {
      expect(sink.unmappedCounts.get(`table:${t}`)).toBe(q(`SELECT count(*) FROM ${t}`));
    }
    // The synchronization records resolve the syncs: not unmapped.
    expect(sink.unmappedCounts.has('table:CUPTI_ACTIVITY_KIND_SYNCHRONIZATION')).toBe(false);
    expect(sink.unmappedCounts.has('table:StringIds')).toBe(false);
  });
});

describe('nsys: own fixture with unified-memory rows (fixtures/ingest/nsys-unified-memory.sql)', () => {
  // Expected values below are worked out by hand from the INSERT statements; time zero is
  // ANALYSIS_DETAILS.startTime = 1,000,000,000 ns (earlier than every event).
  const sink = read(buildFixture('um.sqlite'));

  it('maps the kernel with its StringIds name', () => {
    expect(sink.op('kernel')).toEqual([expect.objectContaining({ ts: 100000, dur: 800000, agent: 'gpu0', stream: 7, corr: 21, name: 'void touch<float>(float*, unsigned long)' })]);
  });

  it('maps copyKind 11/12 to obs_migrate with causes from ENUM_CUDA_UNIF_MEM_MIGRATION', () => {
    const m = sink.op('obs_migrate');
    expect(m.map((r) => [r.agent, r.peer, r.bytes, r.cause])).toEqual([
      ['cpu0', 'gpu0', 65536, 'fault'], ['cpu0', 'gpu0', 65536, 'fault'], ['cpu0', 'gpu0', 1966080, 'prefetch'],
      ['gpu0', 'cpu0', 4096, 'fault'], ['cpu0', 'gpu0', 2097152, 'user_prefetch'], ['gpu0', 'cpu0', 2097152, 'eviction'],
    ]);
    expect(m[2]!.addr).toBe(140000000131072);
    expect(m[0]).toMatchObject({ ts: 200000, dur: 10000 });
  });

  it('maps the explicit pinned copy', () => {
    expect(sink.op('copy')).toEqual([expect.objectContaining({
      ts: 4000000, dur: 50000, agent: 'cpu0', peer: 'gpu0', bytes: 1048576, mem: 'pinned', stream: 7, corr: 33, name: 'Memcpy HtoD (Pinned -> Device)',
    })]);
  });

  it('maps memory usage events to alloc/free with owner and kind', () => {
    // 140000000000000 = 0x7f544a44c000, 139000000000000 = 0x7e6b759fb000 (Python hex())
    expect(sink.op('alloc').map((r) => [r.agent, r.mem, r.addr, r.bytes, r.obj])).toEqual([
      ['cpu0', 'managed', 140000000000000, 8388608, 'mem@0x7f544a44c000#1'], ['gpu0', 'device', 139000000000000, 1048576, 'mem@0x7e6b759fb000#1'],
    ]);
    expect(sink.op('free').map((r) => [r.ts, r.addr, r.obj])).toEqual([[5000000, 140000000000000, 'mem@0x7f544a44c000#1'], [5100000, 139000000000000, 'mem@0x7e6b759fb000#1']]);
  });

  it('maps faults to obs_fault plus the faulting access, and derives nothing more from fault-caused migrations', () => {
    expect(sink.op('obs_fault').map((r) => [r.agent, r.addr, r.bytes, r.name])).toEqual([
      ['cpu0', 140000000000000, 4096, null], ['gpu0', 140000000000000, 4096, 'coalesced:12'], ['gpu0', 140000000065536, 4096, 'coalesced:3'],
    ].sort((a, b) => (a[0] === b[0] ? 0 : a[0] === 'cpu0' ? -1 : 1)));
    const accesses = sink.rows.filter((r) => r.op === 'read' || r.op === 'write' || r.op === 'atomic');
    // faultAccessType 2 = WRITE, 1 = READ; the CPU fault has no type → read.
    expect(accesses.map((r) => [r.op, r.agent, r.addr, r.name]).sort()).toEqual([
      ['read', 'cpu0', 140000000000000, 'derived:fault'], ['read', 'gpu0', 140000000065536, 'derived:fault'], ['write', 'gpu0', 140000000000000, 'derived:fault'],
    ]);
    // 1 kernel + 6 migrations + 1 copy + 4 alloc/free + 3 faults + 3 accesses + 1 submit + the user
    // prefetch request checked below (the implied first touch is added by the format's read(), below)
    expect(sink.rows.length).toBe(20);
    expect(sink.op('submit')).toEqual([expect.objectContaining({ ts: 3990000, dur: 11000, agent: 'cpu0', corr: 33, name: 'cudaMemcpyAsync' })]);
  });

  it('turns the user-caused migration into a prefetch request, never an access', () => {
    // migrationCause 1 (USER, cudaMemPrefetchAsync): 2 MiB HtoD at 140000002097152, start 1002000000
    // - session start 1000000000 = 2000000 ns.
    expect(sink.op('prefetch').map((r) => [r.ts, r.agent, r.peer, r.addr, r.bytes, r.name])).toEqual([
      [2000000, 'cpu0', 'gpu0', 140000002097152, 2097152, 'derived:user_prefetch']]);
    expect(sink.rows.filter((r) => r.name === 'derived:migration')).toEqual([]);
  });

  it('implies one CPU first touch for the pages that arrive on the GPU before any CPU access', async () => {
    const full = new CollectingSink();
    await nsysFormat.read([buildFixture('um-full.sqlite')], full, quietContext);
    // HtoD arrivals (time order): [A, A+64K) fault, [A+64K, A+128K) fault, [A+128K, A+2M) prefetch,
    // [A+2M, A+4M) user prefetch, A = 140000000000000. The CPU's only access (its fault at A, ts 990000)
    // comes after the first three, so no byte of them was touched before: the implied ranges are
    // [A, A+2M) and [A+2M, A+4M), adjacent in the same 8 MiB allocation → one 4 MiB write at the
    // allocation's ts (1000050000 - 1000000000 = 50000).
    expect(full.rows.length).toBe(sink.rows.length + 1);
    expect(full.rows.filter((r) => r.name === 'derived:first_touch').map((r) => [r.ts, r.op, r.agent, r.addr, r.bytes])).toEqual([
      [50000, 'write', 'cpu0', 140000000000000, 4 * 1048576]]);
  });

  it('derives the faulting side access from fault-caused migrations when there are no fault events', () => {
    const s = read(buildFixture('no-faults.sqlite', 'DELETE FROM CUDA_UM_GPU_PAGE_FAULT_EVENTS; DELETE FROM CUDA_UM_CPU_PAGE_FAULT_EVENTS;'));
    const derived = s.rows.filter((r) => r.name === 'derived:migration');
    // three fault-caused migrations: two HtoD (the GPU faulted) and one DtoH (the CPU faulted)
    expect(derived.map((r) => [r.op, r.agent, r.addr, r.bytes])).toEqual([
      ['read', 'gpu0', 140000000000000, 65536], ['read', 'gpu0', 140000000065536, 65536], ['read', 'cpu0', 140000000000000, 4096],
    ]);
    // each derived access comes before its migration (same ts; the sink sorts stably)
    const i = s.rows.indexOf(derived[0]!);
    expect(s.rows[i + 1]).toMatchObject({ op: 'obs_migrate', ts: derived[0]!.ts });
  });

  it('reads the GPU of an early-2021 export from TARGET_INFO_CUDA_GPU', () => {
    const s = read(buildFixture('old-gpu.sqlite', `DROP TABLE TARGET_INFO_GPU;
      CREATE TABLE TARGET_INFO_CUDA_GPU (deviceId INTEGER, name TEXT, totalGlobalMem INTEGER, numMultiprocessors INTEGER, computeCapabilityMajor INTEGER, computeCapabilityMinor INTEGER);
      INSERT INTO TARGET_INFO_CUDA_GPU VALUES (1, 'Tesla V100-SXM2-16GB', 16945512448, 80, 7, 0);`));
    expect(JSON.parse(s.metadata.get(META.devices)!)).toEqual([{ agent: 'gpu1', name: 'Tesla V100-SXM2-16GB', memory: 16945512448, sms: 80, compute: '7.0' }]);
  });

  it('falls back to the CUPTI numbering when the ENUM tables are missing (schema 2.9)', () => {
    const drop = ['ENUM_CUDA_MEMCPY_OPER', 'ENUM_CUDA_MEM_KIND', 'ENUM_CUDA_UNIF_MEM_MIGRATION', 'ENUM_CUDA_UNIF_MEM_ACCESS_TYPE', 'ENUM_CUDA_DEV_MEM_EVENT_OPER']
      .map((t) => `DROP TABLE ${t};`).join('');
    const s = read(buildFixture('no-enums.sqlite', drop));
    const strip = (c: CollectingSink) => c.rows.map((r) => ({ ...r }));
    expect(strip(s)).toEqual(strip(sink));
  });
});

describe('nsys: allocation API calls (cudaMalloc, cudaMallocManaged, cudaFree …)', () => {
  /** Allocation calls of an export, by name without the `_v…` suffix, counted with plain SQL. */
  function allocationCalls(db: Database.Database, where = ''): Map<string, number> {
    const rows = db.prepare(`SELECT s.value AS name, count(*) AS n FROM CUPTI_ACTIVITY_KIND_RUNTIME r JOIN StringIds s ON s.id = r.nameId
      WHERE (s.value LIKE 'cudaMalloc%' OR s.value LIKE 'cudaHostAlloc%' OR s.value LIKE 'cudaFree%') ${where} GROUP BY s.value`).all() as { name: string; n: number }[];
    return new Map(rows.map((r) => [r.name.replace(/_v\d+$/, ''), r.n]));
  }

  realTraces.it('report1.sqlite: eleven cudaMalloc and seven cudaFree calls, no size or address recorded, counted with that reason', () => {
    const db = new Database(REPORT1, { readonly: true });
    const calls = allocationCalls(db);
    // the export was captured without --cuda-memory-usage: no memory usage table to take sizes from
    const hasUsage = db.prepare("SELECT count(*) FROM sqlite_master WHERE name = 'CUDA_GPU_MEMORY_USAGE_EVENTS'").pluck().get();
    db.close();
    expect(Object.fromEntries(calls)).toEqual({ cudaMalloc: 11, cudaFree: 7 });
    expect(hasUsage).toBe(0);
    const s = read(REPORT1);
    expect(s.op('alloc').length + s.op('free').length).toBe(0);
    for (const [name, n] of calls) {
      expect(s.unmappedCounts.get(`cuda_runtime:${name} (size and address not recorded: capture with nsys --cuda-memory-usage=true)`)).toBe(n);
      expect(s.unmappedCounts.has(`cuda_runtime:${name}`)).toBe(false);
    }
  });

  it('with memory usage events, each call is the alloc/free row of its correlation id; a call without one is counted', () => {
    // The fixture's memory usage events have correlation ids 11, 12 (allocations) and 41, 42 (frees).
    const path = buildFixture('alloc-calls.sqlite', `
      INSERT INTO StringIds VALUES (20, 'cudaMallocManaged_v6000'), (21, 'cudaMallocHost_v3020'), (22, 'cudaFree_v3020'), (23, 'cudaFreeHost_v3020'), (24, 'cudaMalloc_v3020');
      INSERT INTO CUPTI_ACTIVITY_KIND_RUNTIME VALUES (1000040000, 1000050500, 1, 1, 11, 20, 0, NULL), (1000055000, 1000060500, 1, 1, 12, 21, 0, NULL),
        (1004990000, 1005000500, 1, 1, 41, 22, 0, NULL), (1005090000, 1005100500, 1, 1, 42, 23, 0, NULL), (1005200000, 1005300000, 1, 1, 99, 24, 2, NULL);`);
    const db = new Database(path, { readonly: true });
    // calls whose correlation id has a memory usage event, and their events, by plain SQL
    const matched = db.prepare(`SELECT count(*) FROM CUDA_GPU_MEMORY_USAGE_EVENTS m JOIN CUPTI_ACTIVITY_KIND_RUNTIME r ON r.correlationId = m.correlationId`).pluck().get() as number;
    const unmatched = allocationCalls(db, 'AND r.correlationId NOT IN (SELECT correlationId FROM CUDA_GPU_MEMORY_USAGE_EVENTS)');
    const events = db.prepare('SELECT memoryOperationType AS op, address, bytes, correlationId AS corr FROM CUDA_GPU_MEMORY_USAGE_EVENTS ORDER BY start').all() as { op: number; address: number; bytes: number; corr: number }[];
    db.close();
    expect(matched).toBe(4);
    expect(Object.fromEntries(unmatched)).toEqual({ cudaMalloc: 1 });
    const s = read(path);
    // ENUM_CUDA_DEV_MEM_EVENT_OPER: 0 = allocation, 1 = deallocation
    expect([...s.op('alloc'), ...s.op('free')].map((r) => [r.op, r.addr, r.bytes, r.corr])).toEqual(
      events.map((e) => [e.op === 0 ? 'alloc' : 'free', e.address, e.bytes, e.corr]));
    expect(s.unmappedCounts.get('cuda_runtime:cudaMalloc (no memory usage event with its correlation id)')).toBe(1);
    expect([...s.unmappedCounts.keys()].filter((k) => k.startsWith('cuda_runtime:'))).toEqual(['cuda_runtime:cudaMalloc (no memory usage event with its correlation id)']);
  });
});

describe('nsys: bad input', () => {
  it("reads CUPTI's no-stream id 0xFFFFFFFF as null and rejects other ids beyond Int32", () => {
    const none = read(buildFixture('no-stream.sqlite', 'UPDATE CUPTI_ACTIVITY_KIND_KERNEL SET streamId = 4294967295;'));
    expect(none.op('kernel')[0]!.stream).toBeNull();
    const bad = buildFixture('big-stream.sqlite', 'UPDATE CUPTI_ACTIVITY_KIND_KERNEL SET streamId = 4294967296;');
    expect(() => read(bad)).toThrow(`${bad}:CUPTI_ACTIVITY_KIND_KERNEL:1: streamId: is out of range for a stream id`);
  });

  it('names file, table, rowid and field for an interval that ends before it starts', () => {
    const path = buildFixture('bad-end.sqlite', 'UPDATE CUPTI_ACTIVITY_KIND_KERNEL SET "end" = 1000000000;');
    expect(() => read(path)).toThrow(BadInputError);
    expect(() => read(path)).toThrow(`${path}:CUPTI_ACTIVITY_KIND_KERNEL:1: end: is before start`);
  });

  it('rejects negative byte counts and missing required columns', () => {
    const neg = buildFixture('bad-bytes.sqlite', 'UPDATE CUPTI_ACTIVITY_KIND_MEMCPY SET bytes = -1 WHERE rowid = 7;');
    expect(() => read(neg)).toThrow(`${neg}:CUPTI_ACTIVITY_KIND_MEMCPY:7: bytes: must not be negative (got -1)`);
    const missing = buildFixture('bad-cols.sqlite', 'ALTER TABLE CUDA_UM_CPU_PAGE_FAULT_EVENTS DROP COLUMN address;');
    expect(() => read(missing)).toThrow(`${missing}:CUDA_UM_CPU_PAGE_FAULT_EVENTS: address: column is missing`);
  });

  realTraces.it('refuses a SQLite file that is not an nsys export', () => {
    expect(() => read(NVPROF_FILE)).toThrow(/is not an Nsight Systems SQLite export/);
  });
});
