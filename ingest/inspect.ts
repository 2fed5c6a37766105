/**
 * `inspect()`: what is in a canonical trace, computed columnar over its record batches (one pass,
 * per-(agent, op) accumulators; only alloc/free rows become objects).
 */
import { META, type DictColumn } from './trace/schema.ts';
import { TraceReader, type TraceBatch } from './trace/reader.ts';

export interface CountBytes { count: number; bytes: number }

export interface AgentStats extends CountBytes {
  /** Rows and bytes of this agent per op (keys sorted). */
  ops: Record<string, CountBytes>;
}

export interface InspectedObject {
  name: string;
  addr: number | null;
  bytes: number | null;
  mem: string | null;
  /** The agent of the alloc row (owner). */
  agent: string;
  allocTs: number;
  freed: boolean;
  freeTs: number | null;
}

export interface TraceInspection {
  path: string;
  rows: number;
  batches: number;
  /** First and last `ts`, and the span to the last end (`ts + dur`), all ns; null when empty. */
  time: { first: number | null; last: number | null; end: number | null; span: number };
  /** Rows and bytes (sum of non-null `bytes`) per op, keys sorted. */
  ops: Record<string, CountBytes>;
  /** Per agent (keys sorted). */
  agents: Record<string, AgentStats>;
  /** Alloc rows in trace order. */
  objects: InspectedObject[];
  /** Metadata, JSON-decoded where the value is JSON (keys sorted). */
  metadata: Record<string, unknown>;
  /** Source records the canonical trace could not say ({} when none). */
  unmapped: Record<string, number>;
}

/** Accumulates counts per (agent, op) string pair across batches. */
class PairStats {
  readonly count = new Map<string, Map<string, number>>();
  readonly bytes = new Map<string, Map<string, number>>();
  add(agent: string, op: string, count: number, bytes: number): void {
    for (const [m, v] of [[this.count, count], [this.bytes, bytes]] as const) {
      let inner = m.get(agent);
      if (!inner) m.set(agent, (inner = new Map()));
      inner.set(op, (inner.get(op) ?? 0) + v);
    }
  }
}

export async function inspect(path: string): Promise<TraceInspection> {
  const reader = await TraceReader.open(path);
  const pairs = new PairStats();
  const objects: InspectedObject[] = [];
  const liveByName = new Map<string, InspectedObject>();
  let rows = 0;
  let first: number | null = null;
  let last: number | null = null;
  let end: number | null = null;
  const metadata = new Map(reader.metadata);
  const batches = reader.numBatches;
  try {
    for await (const b of reader.batches()) {
      const n = b.length;
      if (n === 0) continue;
      rows += n;
      const ts = b.num('ts');
      const dur = b.num('dur');
      const bytes = b.num('bytes');
      if (first === null) first = ts[0]!;
      last = ts[n - 1]!;
      for (let i = 0; i < n; i++) {
        const e = ts[i]! + (dur[i]! > 0 ? dur[i]! : 0);
        if (end === null || e > end) end = e;
      }
      accumulatePairs(b, bytes, pairs);
      collectObjects(b, objects, liveByName);
    }
  } finally {
    await reader.close();
  }
  const meta = sortedRecord([...metadata.entries()].map(([k, v]) => [k, decodeMeta(v)]));
  const unmappedRaw = meta[META.unmapped];
  const unmapped = unmappedRaw && typeof unmappedRaw === 'object' ? (unmappedRaw as Record<string, number>) : {};
  return {
    path,
    rows,
    batches,
    time: { first, last, end, span: first === null || end === null ? 0 : end - first },
    ...opAndAgentStats(pairs),
    objects,
    metadata: meta,
    unmapped,
  };
}

/** Per batch: a dense (agent code × op code) matrix, then folded into the string-keyed totals. */
function accumulatePairs(b: TraceBatch, bytes: Float64Array, pairs: PairStats): void {
  const ops = b.codes('op');
  const agents = b.codes('agent');
  const opNames = b.dictionary('op');
  const agentNames = b.dictionary('agent');
  const width = opNames.length;
  const count = new Float64Array(agentNames.length * width);
  const sum = new Float64Array(agentNames.length * width);
  for (let i = 0; i < b.length; i++) {
    const k = agents[i]! * width + ops[i]!;
    count[k]!++;
    const v = bytes[i]!;
    if (v === v) sum[k]! += v; // NaN (null) bytes do not count
  }
  for (let a = 0; a < agentNames.length; a++) {
    for (let o = 0; o < width; o++) {
      const k = a * width + o;
      if (count[k]! > 0) pairs.add(agentNames[a]!, opNames[o]!, count[k]!, sum[k]!);
    }
  }
}

function collectObjects(b: TraceBatch, objects: InspectedObject[], live: Map<string, InspectedObject>): void {
  const allocCode = b.codeOf('op', 'alloc');
  const freeCode = b.codeOf('op', 'free');
  if (allocCode < 0 && freeCode < 0) return;
  const ops = b.codes('op');
  const ts = b.num('ts');
  const addr = b.num('addr');
  const bytes = b.num('bytes');
  const str = (c: DictColumn, i: number): string | null => {
    const k = b.codes(c)[i]!;
    return k < 0 ? null : b.dictionary(c)[k]!;
  };
  const num = (a: Float64Array, i: number) => (Number.isNaN(a[i]!) ? null : a[i]!);
  for (let i = 0; i < b.length; i++) {
    const op = ops[i]!;
    if (op !== allocCode && op !== freeCode) continue;
    const name = str('obj', i);
    if (name === null) continue;
    if (op === allocCode) {
      const o: InspectedObject = { name, addr: num(addr, i), bytes: num(bytes, i), mem: str('mem', i), agent: str('agent', i)!, allocTs: ts[i]!, freed: false, freeTs: null };
      objects.push(o);
      live.set(name, o);
    } else {
      const o = live.get(name);
      if (o) { o.freed = true; o.freeTs = ts[i]!; live.delete(name); }
    }
  }
}

function opAndAgentStats(pairs: PairStats): Pick<TraceInspection, 'ops' | 'agents'> {
  const ops = new Map<string, CountBytes>();
  const agents: [string, AgentStats][] = [];
  for (const [agent, inner] of pairs.count) {
    const sums = pairs.bytes.get(agent)!;
    const perOp: [string, CountBytes][] = [];
    let count = 0;
    let bytes = 0;
    for (const [op, c] of inner) {
      const s = sums.get(op)!;
      perOp.push([op, { count: c, bytes: s }]);
      count += c;
      bytes += s;
      const t = ops.get(op) ?? { count: 0, bytes: 0 };
      ops.set(op, { count: t.count + c, bytes: t.bytes + s });
    }
    agents.push([agent, { count, bytes, ops: sortedRecord(perOp) }]);
  }
  return { ops: sortedRecord([...ops.entries()]), agents: sortedRecord(agents) };
}

function decodeMeta(v: string): unknown {
  const t = v.trimStart();
  if (t.startsWith('{') || t.startsWith('[')) {
    try { return JSON.parse(v); } catch { return v; }
  }
  return v;
}

function sortedRecord<T>(entries: [string, T][]): Record<string, T> {
  return Object.fromEntries(entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
