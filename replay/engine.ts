/**
 * The batched replay engine: streams a canonical trace's Arrow record batches through the memory
 * model. Per batch it maps the dictionary columns (op, agent, obj, mem, name) to small integer tables
 * once; the row loop then reads typed-array columns only and allocates nothing per row.
 *
 * A row runs at modeled time `ts + delay[agent]` (memory-model.ts). An open GPU fault batch is serviced
 * before any row that does not join it (same GPU, same modeled time: §2.2), so the model stays in time
 * order. `sync` waits for the agent's asynchronous work and, for a CPU, for every GPU's work.
 *
 * A trace with a `stream` column replays stream-ordered from its first such row: the stream scheduler
 * (streams/scheduler.ts) times GPU ops, `wait` and `sync` rows and keeps one clock per CPU thread; the
 * rest of the row loop is unchanged, and a trace without streams never enters the scheduler.
 */
import { BadInputError } from '../common/bad-input.ts';
import { startProgress, type Progress } from '../common/progress.ts';
import { MEM_KINDS, OPS, type Op } from '../ingest/trace/schema.ts';
import { TraceReader, type TraceBatch } from '../ingest/trace/reader.ts';
import { Topology } from './interconnect/topology.ts';
import type { EventLogOptions } from './events.ts';
import { replayedMemKind } from './device-alloc.ts';
import { cpuAtomic } from './memory/hazards.ts';
import { AGENT_CPU } from './memory/kinds.ts';
import { MemoryModel } from './memory/memory-model.ts';
import type { Platform } from './platform.ts';
import { StreamScheduler, type StreamObserver, type StreamRowAccess } from './streams/scheduler.ts';

const op = (o: Op) => OPS.indexOf(o);
const OP_ALLOC = op('alloc'), OP_FREE = op('free'), OP_READ = op('read'), OP_WRITE = op('write'), OP_ATOMIC = op('atomic');
const OP_KERNEL = op('kernel'), OP_COPY = op('copy'), OP_PREFETCH = op('prefetch'), OP_ADVISE = op('advise');
const OP_SUBMIT = op('submit'), OP_PEER_MAP = op('peer_map'), OP_PEER_UNMAP = op('peer_unmap'), OP_SYNC = op('sync');

/** Hooks for command submission and peer mappings; `MODEL_HOOKS` (the default) hands them to the
 * model's driver objects and exporter; a caller may replace them (e.g. no-ops) */
export interface OpHooks {
  submit?(model: MemoryModel, agent: number, t: number, objId: number): void;
  peerMap?(model: MemoryModel, agent: number, peer: number, t: number, allocId: number, addr: number, bytes: number): void;
  peerUnmap?(model: MemoryModel, agent: number, peer: number, t: number, allocId: number, addr: number, bytes: number): void;
  /** Sees each stream-ordered GPU op's modeled span (kernel, copy, memset); none by default. */
  gpuOp?: StreamObserver;
}

/** The exporter decides on peer mappings (p2p/exporter.ts); a submit zaps CPU PTEs (memory/driver-objects.ts). */
export const MODEL_HOOKS: OpHooks = {
  submit: (model, agent, t, objId) => model.driverObjects.submit(agent, t, objId),
  peerMap: (model, agent, _peer, t, id, addr, bytes) => model.exporter.peerMap(agent, t, id, addr, bytes),
  peerUnmap: (model, agent, _peer, t, id, addr) => model.exporter.peerUnmap(agent, t, id, addr),
};

/** `sha256`: of the trace file, hashed from the bytes the replay read (the file is read once). */
export interface EngineResult { model: MemoryModel; rows: number; sha256: string }

interface BatchTables {
  ops: Int8Array; agents: Int32Array; objs: Int32Array; mems: Int8Array; names: readonly string[]; objNames: readonly string[];
}

/**
 * `agentMap` renames trace agents onto platform agents (`gpu3` → `gpu0`), so a rank's trace from an
 * 8-GPU machine replays on a one-GPU platform; unmapped names must exist on the platform as they are.
 */
export async function runEngine(
  tracePath: string, platform: Platform, hooks: OpHooks = MODEL_HOOKS, agentMap: ReadonlyMap<string, string> = new Map(), events: EventLogOptions = {},
): Promise<EngineResult> {
  const topology = new Topology(platform);
  const model = new MemoryModel(platform, topology);
  model.events.configure(events);
  const reader = await TraceReader.open(tracePath, { reuseBuffers: true, hash: true }); // batches are consumed one at a time
  // Progress in trace rows. Batches are written full but the last, so batch 0's length × batches is
  // the total until the last batch makes it exact.
  let progress: Progress | null = null;
  let rowBase = 0;
  const advice = new Map<string, { advice: string; target: number }>();
  const streams = new StreamScheduler(model, hooks.gpuOp);
  let next: Promise<TraceBatch> | null = null;
  let sha256 = '';
  try {
    // Batch i+1 is requested before batch i is replayed, so the file read overlaps the replay.
    const N = reader.numBatches;
    next = N > 0 ? reader.batch(0) : null;
    for (let k = 0; k < N; k++) {
      const b = await next!;
      next = k + 1 < N ? reader.batch(k + 1) : null;
      progress ??= startProgress('replay', b.length * N, 'rows');
      replayBatch(model, b, tables(model, b, agentMap), rowBase, tracePath, advice, hooks, agentMap, streams);
      rowBase += b.length;
      if (k === N - 1) progress.setTotal(rowBase);
      progress.update(rowBase);
    }
    sha256 = reader.sha256();
  } catch (e) {
    model.events.close();
    throw e;
  } finally {
    progress?.stop();
    // If replaying a batch failed, the read-ahead of the next one is abandoned: it must not surface as
    // an unhandled rejection (which would hide the real error) when the reader closes under it.
    next?.catch(() => {});
    await reader.close();
  }
  streams.finish();
  model.finish();
  return { model, rows: rowBase, sha256 };
}

function notOnPlatform(model: MemoryModel, agent: string): string {
  return `agent "${agent}" is not on platform ${model.platform.name} (agents: ${model.agentNames.join(', ')}); ` +
    `map it onto one with --map ${agent}=<agent>`;
}

function tables(model: MemoryModel, b: TraceBatch, agentMap: ReadonlyMap<string, string>): BatchTables {
  const opNames = b.dictionary('op');
  const ops = Int8Array.from(opNames, (s) => OPS.indexOf(s as Op));
  const agents = Int32Array.from(b.dictionary('agent'), (s) => model.agentNames.indexOf(agentMap.get(s) ?? s));
  const objNames = b.dictionary('obj');
  const objs = Int32Array.from(objNames, (s) => model.events.id(s));
  const mems = Int8Array.from(b.dictionary('mem'), (s) => MEM_KINDS.indexOf(replayedMemKind(s, model.platform.policy.device_alloc) as (typeof MEM_KINDS)[number]));
  return { ops, agents, objs, mems, names: b.dictionary('name'), objNames };
}

function replayBatch(
  model: MemoryModel, b: TraceBatch, tb: BatchTables, rowBase: number, file: string,
  advice: Map<string, { advice: string; target: number }>, hooks: OpHooks, agentMap: ReadonlyMap<string, string>, streams: StreamScheduler,
): void {
  const n = b.length;
  // Columns every row needs are read up front; the rest only when a row needs them (each costs a pass
  // over the batch, and most rows are accesses).
  const ts = b.num('ts');
  const addr = b.num('addr');
  const bytes = b.num('bytes');
  const opc = b.codes('op');
  const agc = b.codes('agent');
  const objc = b.codes('obj');
  let durCol: Float64Array | null = null;
  let peerCol: Int32Array | null = null;
  let memCol: Int32Array | null = null;
  let nameCol: Int32Array | null = null;
  const durOf = (i: number) => (durCol ??= b.num('dur'))[i]!;
  const memOf = (i: number) => (memCol ??= b.codes('mem'))[i]!;
  const nameOf = (i: number) => (nameCol ??= b.codes('name'))[i]!;
  const peerNames = b.dictionary('peer');
  const { ops, agents, objs, mems } = tb;
  const delay = model.clocks.delay;
  const frontier = model.clocks.traceFrontier;
  const batch = model.batch;
  const map = model.map;
  const bad = (i: number, field: string, problem: string): never => { throw new BadInputError(file, `row ${rowBase + i + 1}`, field, problem); };
  const peerAgent = (i: number): number => {
    const c = (peerCol ??= b.codes('peer'))[i]!;
    if (c < 0) return -1;
    const p = model.agentNames.indexOf(agentMap.get(peerNames[c]!) ?? peerNames[c]!);
    if (p < 0) bad(i, 'peer', notOnPlatform(model, peerNames[c]!));
    return p;
  };
  const rowAccess: StreamRowAccess = { peerOf: peerAgent, objOf: (i) => (objc[i]! < 0 ? -1 : objs[objc[i]!]!) };
  const sc = streams.batch(b, rowAccess) ? streams : null; // null: this trace has no streams (yet)
  /** The allocation a row addresses (by addr, else by obj); -1 when none. */
  const allocOf = (i: number): number => {
    const a = addr[i]!;
    if (a === a) return map.find(a);
    const o = objc[i]!;
    return o >= 0 ? map.findObj(objs[o]!) : -1;
  };
  /** Every op other than an access (rare): allocation, advice, prefetch, copy, sync, submit / peer-mapping hooks. */
  const rare = (i: number, o: number, a: number, tsi: number, t: number): void => {
      const d = durOf(i);
      if (d === d && tsi + d > frontier[a]!) frontier[a] = tsi + d;
      switch (o) {
        case OP_ALLOC: {
          const ad = addr[i]!;
          const by = bytes[i]!;
          if (ad !== ad) bad(i, 'addr', 'an alloc needs an address');
          if (!(by > 0)) bad(i, 'bytes', 'an alloc needs a positive size');
          const mk = memOf(i) < 0 ? MEM_KINDS.indexOf('managed') : mems[memOf(i)]!;
          if (mk < 0) bad(i, 'mem', `unknown memory kind (known: ${MEM_KINDS.join(', ')})`);
          const r = model.alloc(t, a, peerAgent(i), ad, by, mk, objc[i]! < 0 ? -1 : objs[objc[i]!]!);
          if (typeof r === 'string') bad(i, 'addr', r);
          break;
        }
        case OP_FREE: {
          const id = allocOf(i);
          if (id >= 0) model.free(t, id); else model.stats.unmappedRows++;
          break;
        }
        case OP_PREFETCH: {
          const id = allocOf(i);
          const p = peerAgent(i);
          if (p < 0 || model.index.agentMem[p]! < 0) bad(i, 'peer', 'a prefetch names its destination processor (cpu<N> or gpu<N>) in peer');
          if (id < 0) { model.stats.unmappedRows++; break; }
          const start = addr[i]! === addr[i]! ? addr[i]! : map.start[id]!;
          const len = bytes[i]! === bytes[i]! ? bytes[i]! : map.end[id]! - start;
          const end = model.userPrefetch(a, t, id, start, len, model.index.agentMem[p]!);
          if (end > model.clocks.pendingUntil[a]!) model.clocks.pendingUntil[a] = end;
          break;
        }
        case OP_ADVISE: {
          const id = allocOf(i);
          if (id < 0) { model.stats.unmappedRows++; break; }
          const nm = nameOf(i) < 0 ? '' : tb.names[nameOf(i)]!;
          let adv = advice.get(nm);
          if (!adv) { adv = parseAdvice(model, nm) ?? bad(i, 'name', `unknown advice "${nm}" (preferred:<agent>, accessed_by:<agent>, read_mostly, unset_…)`); advice.set(nm, adv); }
          const start = addr[i]! === addr[i]! ? addr[i]! : map.start[id]!;
          const len = bytes[i]! === bytes[i]! ? bytes[i]! : map.end[id]! - start;
          model.advise(id, start, len, adv.advice, adv.target);
          break;
        }
        case OP_COPY: {
          const p = peerAgent(i);
          const by = bytes[i]! === bytes[i]! ? bytes[i]! : 0;
          const src = model.index.agentMem[a]!;
          if (src < 0 || p < 0 || model.index.agentMem[p]! < 0) {
            // A NIC/NVMe DMA into memory: it goes wherever the pages are.
            const id = allocOf(i);
            if (id < 0) { model.stats.unmappedRows++; break; }
            model.access(a, tsi, id, addr[i]! === addr[i]! ? addr[i]! : map.start[id]!, by, true);
          } else {
            model.copy(a, t, src, model.index.agentMem[p]!, by, objc[i]! < 0 ? -1 : objs[objc[i]!]!);
          }
          break;
        }
        case OP_SYNC: {
          const p = peerAgent(i);
          let until = model.clocks.pendingUntil[a]!;
          const wait = (x: number) => { const e = Math.max(frontier[x]! + delay[x]!, model.clocks.pendingUntil[x]!); if (e > until) until = e; };
          if (p >= 0) wait(p);
          else if (model.index.agentKind[a] === AGENT_CPU) for (const g of model.gpuAgents) wait(g);
          if (until > t) delay[a]! += until - t;
          break;
        }
        case OP_SUBMIT: hooks.submit?.(model, a, t, objc[i]! < 0 ? -1 : objs[objc[i]!]!); break;
        case OP_PEER_MAP:
        case OP_PEER_UNMAP: {
          const id = allocOf(i);
          const h = o === OP_PEER_MAP ? hooks.peerMap : hooks.peerUnmap;
          h?.(model, a, peerAgent(i), t, id, addr[i]!, bytes[i]!);
          break;
        }
        case OP_KERNEL: break; // its span is in the frontier; its accesses are separate rows
        default: break;        // obs_* rows are observations, not inputs (DESIGN.md)
      }
  };
  const opRows = model.opRows;
  for (let i = 0; i < n; i++) {
    const o = ops[opc[i]!]!;
    if (o >= 0) opRows[o]!++;
    const a = agents[agc[i]!]!;
    if (a < 0) bad(i, 'agent', notOnPlatform(model, b.dictionary('agent')[agc[i]!]!));
    const tsi = ts[i]!;
    const access = o >= OP_READ && o <= OP_ATOMIC;
    if (sc !== null) sc.before(i, o, a);
    if (batch.count > 0 && !(access && batch.joins(a, tsi + delay[a]!, model.faultEngineFree[model.index.memGpu[model.index.agentMem[a]!]!]!))) model.serviceBatch();
    if (sc !== null && sc.schedule(i, o, a, tsi)) continue;
    if (tsi > frontier[a]!) frontier[a] = tsi;
    if (!access) { rare(i, o, a, tsi, tsi + delay[a]!); continue; }
    let ad = addr[i]!;
    let id: number;
    if (ad === ad) id = map.find(ad);
    else { const oc = objc[i]!; id = oc >= 0 ? map.findObj(objs[oc]!) : -1; ad = id >= 0 ? map.start[id]! : ad; }
    if (id < 0) { model.stats.unmappedRows++; continue; }
    const by = bytes[i]!;
    const len = by === by ? by : addr[i]! === addr[i]! ? 1 : map.end[id]! - map.start[id]!;
    if (o === OP_ATOMIC && model.index.agentKind[a] === AGENT_CPU) cpuAtomic(model, a, tsi, id, ad, len); // hazard rules (memory/hazards.ts)
    else model.access(a, tsi, id, ad, len, o !== OP_READ);
  }
}

function parseAdvice(model: MemoryModel, name: string): { advice: string; target: number } | undefined {
  const m = /^(preferred|accessed_by|unset_preferred|unset_accessed_by|read_mostly|unset_read_mostly)(?::(\w+))?$/.exec(name);
  if (!m) return undefined;
  const needsTarget = m[1] === 'preferred' || m[1] === 'accessed_by' || m[1] === 'unset_accessed_by';
  if (!needsTarget) return { advice: m[1]!, target: -1 };
  const agent = model.agentNames.indexOf(m[2] ?? '');
  if (agent < 0 || model.index.agentMem[agent]! < 0) return undefined;
  return { advice: m[1]!, target: model.index.agentMem[agent]! };
}
