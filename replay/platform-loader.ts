/**
 * Loads and validates a platform YAML (a preset name or a path), applying `--set key=value` overrides.
 * Every problem is a BadInputError naming the file, the line and the key path (`links.gpu0-pcie.b`):
 * unknown keys, missing keys, wrong units, dangling references. Sections and fields are zod schemas
 * (unknown keys, missing keys, units); the rules that relate sections to each other (names, links,
 * reachability, ranges) follow in code. Of several problems the one reported is an unknown key first
 * (most likely a typo that also explains a missing key), then a missing key, then a bad value.
 *
 * Override keys are dotted paths into the document; a first segment that names an agent, memory or
 * link is looked up in that section (`gpu0.memory` = `agents.gpu0.memory`).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { LineCounter, parseDocument, type Document } from 'yaml';
import { z } from 'zod';
import { BadInputError } from '../common/bad-input.ts';
import { parseBytes, type Bytes } from '../ingest/trace/units.ts';
import { parseBandwidth, parseDuration } from './platform-units.ts';
import { checkPlatformLimits, documentToJs } from './platform-checks.ts';
import type {
  Agent, CostParams, LinkSpec, LinkType, P2pRule, Platform, Policy, SystemMemory,
} from './platform.ts';

export const PRESET_DIR = new URL('./platforms/', import.meta.url).pathname;

type Kind = 'bytes' | 'ns' | 'bandwidth' | 'int' | 'onoff' | 'string' | 'p2p' | readonly string[];

const COST_FIELDS: Record<keyof CostParams, Kind> = {
  gpu_fault_batch: 'ns', gpu_fault_per_page: 'ns', cpu_fault: 'ns', transfer_fixed: 'ns',
  bar_cpu_read: 'bandwidth', bar_cpu_write: 'bandwidth', rnr_backoff: 'ns', invalidation: 'ns', pte_zap: 'ns', peer_map: 'ns',
};
const POLICY_FIELDS: Record<keyof Policy, Kind> = {
  fault_batch: 'int', prefetch: 'onoff', prefetch_threshold: 'int', hmm_cpu_fault: ['page', 'bigpage', 'block', 'prefetch'],
  eviction: ['lru_alloc'], thrashing: 'onoff', thrashing_threshold: 'int', thrashing_lapse: 'ns', thrashing_nap: 'ns',
  thrashing_pin_threshold: 'int', thrashing_pin: 'ns', access_counters: 'onoff', access_counter_threshold: 'int',
  gpu_peer_fault: ['migrate', 'remote'], p2p_fallback: ['sysmem', 'revoke_lru', 'fail'], rdma_registration: ['pinned', 'odp'],
  timeline_interval: 'ns', device_alloc: ['device', 'managed'],
};
/** Policy defaults (REFERENCE.md §2.2 batch 256, §2.4 prefetch on / 51 %, §2.6, §2.7). */
export const DEFAULT_POLICY: Record<keyof Policy, string | number | boolean> = {
  fault_batch: 256, prefetch: 'on', prefetch_threshold: 51, hmm_cpu_fault: 'page', eviction: 'lru_alloc',
  thrashing: 'on', thrashing_threshold: 3, thrashing_lapse: '500us', thrashing_nap: '500us', thrashing_pin_threshold: 10,
  thrashing_pin: '150ms', access_counters: 'off', access_counter_threshold: 256, gpu_peer_fault: 'migrate',
  p2p_fallback: 'sysmem', rdma_registration: 'pinned', timeline_interval: 0, device_alloc: 'device',
};
const AGENT_FIELDS: Record<string, Record<string, Kind>> = {
  cpu: { kind: 'string', socket: 'int', memory: 'string' },
  gpu: { kind: 'string', memory: 'bytes', bar: 'bytes', bandwidth: 'bandwidth', coherence: ['private', 'coherent'] },
  nic: { kind: 'string', bandwidth: 'bandwidth' },
  nvme: { kind: 'string', bandwidth: 'bandwidth' },
};
const MEMORY_FIELDS: Record<string, Kind> = { size: 'bytes', bandwidth: 'bandwidth', socket: 'int' };
const LINK_FIELDS: Record<string, Kind> = {
  a: 'string', b: 'string', type: ['pcie', 'nvlink', 'c2c', 'upi', 'dram'], gen: 'int', lanes: 'int', bandwidth: 'bandwidth', bandwidth_up: 'bandwidth', latency: 'ns',
};
const LINK_OPTIONAL = new Set(['gen', 'lanes', 'bandwidth_up']);
const TOP_KEYS = ['name', 'description', 'agents', 'memories', 'switches', 'links', 'p2p', 'cost', 'policy'];

const UNKNOWN_KEY = 'unknown key';
const MISSING = 'is missing';

/** A key that must be present (any value). */
const present = z.any().superRefine((x, ctx) => { if (x === undefined) ctx.addIssue({ code: 'custom', message: MISSING }); });

/** A YAML mapping (any keys). */
const mapping = z.record(z.string(), z.unknown(), { error: (i) => (i.input === undefined ? MISSING : 'must be a mapping') });

/** One field of kind `kind`: converted to its unit (bytes, ns, bytes/ns, …); YAML null stays null. */
function field(kind: Kind, optional: boolean): z.ZodType<unknown> {
  return z.any().transform((x, ctx) => {
    if (x === undefined) {
      if (optional) return null;
      ctx.addIssue({ code: 'custom', message: MISSING });
      return z.NEVER;
    }
    if (x === null) return null;
    const r = convert(x, kind);
    if (isProblem(r)) { ctx.addIssue({ code: 'custom', message: r.problem }); return z.NEVER; }
    return r;
  });
}

/** A mapping with exactly the keys of `spec` (those in `optional` may be absent). */
function section(spec: Record<string, Kind | 'present'>, optional: ReadonlySet<string> = new Set()): z.ZodType<Record<string, unknown>> {
  const known = Object.keys(spec);
  const shape = Object.fromEntries(known.map((k) => {
    const kind = spec[k]!;
    return [k, kind === 'present' ? (optional.has(k) ? z.unknown() : present) : field(kind, optional.has(k))];
  }));
  const object = z.object(shape, { error: (i) => (i.input === undefined ? MISSING : 'must be a mapping') })
    .catchall(z.any().superRefine((_x, ctx) => ctx.addIssue({ code: 'custom', message: `${UNKNOWN_KEY} (known: ${known.join(', ')})` })));
  // Absent keys are given as undefined, so that every field's own rule decides (optional → null).
  return z.preprocess((x) => (isMap(x) ? { ...Object.fromEntries(known.map((k) => [k, undefined])), ...x } : x), object);
}

type Problem = { problem: string };
const isProblem = (r: unknown): r is Problem => typeof r === 'object' && r !== null && typeof (r as { problem?: unknown }).problem === 'string';

/** A scalar converted to `kind`, or the problem with it. */
function convert(x: unknown, kind: Kind): unknown {
  const text = typeof x === 'number' || typeof x === 'string' || typeof x === 'boolean' ? x : undefined;
  if (text === undefined) return { problem: 'must be a scalar' } satisfies Problem;
  const check = <T>(r: T | string): T | Problem => (typeof r === 'string' ? { problem: r } : r);
  if (Array.isArray(kind)) {
    if (!kind.includes(String(text))) return { problem: `must be one of ${kind.join(' | ')} (got "${text}")` };
    return String(text);
  }
  switch (kind) {
    case 'bytes': return check(typeof text === 'number' ? (Number.isSafeInteger(text) && text >= 0 ? (text as Bytes) : `is not a size (got ${text})`) : parseBytes(String(text)));
    case 'ns': return check(parseDuration(typeof text === 'boolean' ? String(text) : text));
    case 'bandwidth': return check(parseBandwidth(typeof text === 'boolean' ? String(text) : text));
    case 'int': {
      const n = typeof text === 'number' ? text : /^\d+$/.test(String(text).trim()) ? Number(text) : Number.NaN;
      if (!Number.isSafeInteger(n) || n < 0) return { problem: `must be a non-negative integer (got "${text}")` };
      return n;
    }
    case 'onoff': {
      const s = String(text).toLowerCase();
      if (['on', 'true', 'yes', '1'].includes(s)) return true;
      if (['off', 'false', 'no', '0'].includes(s)) return false;
      return { problem: `must be on or off (got "${text}")` };
    }
    case 'p2p': return p2pRule(String(text));
    default: return String(text);
  }
}

function p2pRule(s: string): P2pRule | Problem {
  if (s === 'allowed' || s === 'reads_blocked' || s === 'blocked') return { kind: s };
  const m = /^degraded:(\d+(?:\.\d+)?)$/.exec(s);
  if (m && Number(m[1]) > 0 && Number(m[1]) <= 1) return { kind: 'degraded', factor: Number(m[1]) };
  return { problem: `must be allowed | degraded:<factor in (0,1]> | reads_blocked | blocked (got "${s}")` };
}

const P2P_FIELDS: Record<string, Kind> = { host_bridge: 'p2p', cross_socket: 'p2p' };
const SCHEMAS = {
  top: section(Object.fromEntries(TOP_KEYS.map((k) => [k, 'present' as const])), new Set(['description', 'switches', 'policy', 'p2p'])),
  memory: section(MEMORY_FIELDS),
  agent: Object.fromEntries(Object.entries(AGENT_FIELDS).map(([k, spec]) => [k, section(spec)])),
  link: section(LINK_FIELDS, LINK_OPTIONAL),
  p2p: section(P2P_FIELDS),
  cost: section(COST_FIELDS),
  policy: section(POLICY_FIELDS),
  name: field('string', false),
  description: field('string', true),
};

export interface LoadedPlatform {
  platform: Platform;
  /** where it came from: the file path */
  source: string;
}

/** The preset names, sorted. */
export function presetNames(): string[] {
  return readdirSync(PRESET_DIR).filter((f) => f.endsWith('.yaml')).map((f) => f.slice(0, -5)).sort();
}

/** Resolves a preset name or a path to a YAML file. */
export function platformPath(nameOrPath: string): string {
  if (/^[a-z0-9][a-z0-9-]*$/.test(nameOrPath) && existsSync(`${PRESET_DIR}${nameOrPath}.yaml`)) return `${PRESET_DIR}${nameOrPath}.yaml`;
  if (existsSync(nameOrPath)) return nameOrPath;
  throw new BadInputError(nameOrPath, undefined, 'platform', `no such preset or file (presets: ${presetNames().join(', ')})`);
}

export function loadPlatform(nameOrPath: string, overrides: Record<string, string> = {}): LoadedPlatform {
  const file = platformPath(nameOrPath);
  const text = readFileSync(file, 'utf8');
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, uniqueKeys: true, prettyErrors: false });
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    throw new BadInputError(file, lc.linePos(e.pos[0]).line, undefined, `YAML: ${e.message.split('\n')[0]}`);
  }
  const raw = documentToJs(doc, file);
  const v = new Validator(file, doc, lc, new Set());
  if (!isMap(raw)) throw new BadInputError(file, 1, undefined, 'a platform file is a YAML mapping');
  for (const [key, value] of Object.entries(overrides)) applyOverride(raw, key, value, v.overridden);
  const platform = v.platform(raw);
  checkPlatformLimits(platform, (path, problem) => v.fail(path, problem));
  return { platform, source: file };
}

function isMap(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** Puts `value` at the dotted `key` of the raw document, refusing paths the schema does not have. */
function applyOverride(raw: Record<string, unknown>, key: string, value: string, overridden: Set<string>): void {
  const parts = key.split('.');
  const bad = (problem: string) => new BadInputError('--set', undefined, key, problem);
  if (parts.length < 2 || parts.some((p) => p === '')) throw bad('expected section.key (e.g. policy.prefetch, gpu0.memory)');
  let path: string[];
  const first = parts[0]!;
  if (['policy', 'cost', 'p2p', 'agents', 'memories', 'links'].includes(first)) path = parts;
  else if (isMap(raw.agents) && first in raw.agents) path = ['agents', ...parts];
  else if (isMap(raw.memories) && first in raw.memories) path = ['memories', ...parts];
  else if (isMap(raw.links) && first in raw.links) path = ['links', ...parts];
  else throw bad(`unknown section or name "${first}"`);
  const fields = fieldsFor(raw, path);
  if (!fields || !(path[path.length - 1]! in fields)) {
    throw bad(`unknown key${fields ? ` (known: ${Object.keys(fields).join(', ')})` : ''}`);
  }
  let node: Record<string, unknown> = raw;
  for (const p of path.slice(0, -1)) {
    if (!isMap(node[p])) node[p] = {};
    node = node[p] as Record<string, unknown>;
  }
  node[path[path.length - 1]!] = value;
  overridden.add(path.join('.'));
}

function fieldsFor(raw: Record<string, unknown>, path: string[]): Record<string, Kind> | undefined {
  if (path.length === 2 && path[0] === 'policy') return POLICY_FIELDS;
  if (path.length === 2 && path[0] === 'cost') return COST_FIELDS;
  if (path.length === 2 && path[0] === 'p2p') return P2P_FIELDS;
  if (path.length === 3 && path[0] === 'memories') return MEMORY_FIELDS;
  if (path.length === 3 && path[0] === 'links') return LINK_FIELDS;
  if (path.length === 3 && path[0] === 'agents' && isMap(raw.agents)) {
    const a = raw.agents[path[1]!];
    return isMap(a) && typeof a.kind === 'string' ? AGENT_FIELDS[a.kind] : undefined;
  }
  return undefined;
}

class Validator {
  constructor(readonly file: string, readonly doc: Document, readonly lc: LineCounter, readonly overridden: Set<string>) {}

  fail(path: readonly string[], problem: string): never {
    const key = path.join('.');
    if (this.overridden.has(key)) throw new BadInputError('--set', undefined, key, problem);
    let line: number | undefined;
    for (let n = path.length; n > 0 && line === undefined; n--) {
      const node = this.doc.getIn(path.slice(0, n), true) as { range?: [number, number, number] } | undefined;
      if (node?.range) line = this.lc.linePos(node.range[0]).line;
    }
    throw new BadInputError(this.file, line, key, problem);
  }

  /** `x` parsed by `schema`; a problem fails at `path` + the issue's key path (unknown keys first, then missing keys). */
  check<T>(schema: z.ZodType<T>, x: unknown, path: readonly string[]): T {
    const r = schema.safeParse(x);
    if (r.success) return r.data;
    const rank = (m: string) => (m.startsWith(UNKNOWN_KEY) ? 0 : m === MISSING ? 1 : 2);
    const issue = [...r.error.issues].sort((a, b) => rank(a.message) - rank(b.message))[0]!;
    return this.fail([...path, ...issue.path.map(String)], issue.message);
  }

  map(x: unknown, path: string[]): Record<string, unknown> { return this.check(mapping, x, path); }

  platform(raw: Record<string, unknown>): Platform {
    this.check(SCHEMAS.top, raw, []);
    const name = this.check(SCHEMAS.name, raw.name, ['name']) as string;
    const names = new Map<string, string>();
    const claim = (n: string, what: string, path: string[]) => {
      if (!/^[A-Za-z0-9_-]+$/.test(n)) this.fail(path, 'names use letters, digits, - and _ only');
      if (names.has(n)) this.fail(path, `name "${n}" is already a ${names.get(n)}`);
      names.set(n, what);
    };
    const memories: SystemMemory[] = [];
    for (const [n, m] of Object.entries(this.map(raw.memories, ['memories']))) {
      claim(n, 'memory', ['memories', n]);
      memories.push({ ...(this.check(SCHEMAS.memory, m, ['memories', n]) as Omit<SystemMemory, 'name'>), name: n });
    }
    if (memories.length === 0) this.fail(['memories'], 'needs at least one system memory');
    const agents: Agent[] = [];
    for (const [n, a] of Object.entries(this.map(raw.agents, ['agents']))) {
      const am = this.map(a, ['agents', n]);
      const kind = String(am.kind);
      const spec = SCHEMAS.agent[kind];
      if (!spec || !Object.hasOwn(SCHEMAS.agent, kind)) this.fail(['agents', n, 'kind'], `must be one of ${Object.keys(AGENT_FIELDS).join(' | ')} (got "${am.kind}")`);
      if (!new RegExp(`^${kind}\\d+$`).test(n)) this.fail(['agents', n], `a ${kind} agent is named ${kind}<index> (as in traces)`);
      claim(n, 'agent', ['agents', n]);
      const agent = { name: n, ...this.check(spec, am, ['agents', n]) } as unknown as Agent;
      if (agent.kind === 'cpu' && !memories.some((m) => m.name === agent.memory)) this.fail(['agents', n, 'memory'], `names no memory (memories: ${memories.map((m) => m.name).join(', ')})`);
      agents.push(agent);
    }
    if (!agents.some((a) => a.kind === 'cpu')) this.fail(['agents'], 'needs at least one cpu agent');
    const switches: string[] = [];
    if (raw.switches !== undefined) {
      if (!Array.isArray(raw.switches)) this.fail(['switches'], 'must be a list of names');
      raw.switches.forEach((s, i) => { claim(String(s), 'switch', ['switches', String(i)]); switches.push(String(s)); });
    }
    const links: LinkSpec[] = [];
    for (const [n, l] of Object.entries(this.map(raw.links, ['links']))) {
      claim(n, 'link', ['links', n]);
      const f = this.check(SCHEMAS.link, l, ['links', n]) as Omit<LinkSpec, 'name' | 'bandwidthUp'> & { bandwidth_up: LinkSpec['bandwidth'] | null };
      for (const end of ['a', 'b'] as const) {
        const what = names.get(f[end]);
        if (what === undefined || what === 'link') this.fail(['links', n, end], `"${f[end]}" names no agent, memory or switch (dangling link)`);
      }
      if (f.a === f.b) this.fail(['links', n, 'b'], 'a link joins two different nodes');
      links.push({ name: n, a: f.a, b: f.b, type: f.type as LinkType, gen: f.gen, lanes: f.lanes, bandwidth: f.bandwidth, bandwidthUp: f.bandwidth_up ?? f.bandwidth, latency: f.latency });
    }
    // Every agent and memory must be reachable from the first CPU (no island).
    const linked = new Set(links.flatMap((l) => [l.a, l.b]));
    for (const x of [...agents.map((a) => a.name), ...memories.map((m) => m.name)]) {
      if (!linked.has(x)) this.fail([agents.some((a) => a.name === x) ? 'agents' : 'memories', x], 'is not attached to any link');
    }
    const p2pRaw = raw.p2p === undefined ? { host_bridge: 'blocked', cross_socket: 'blocked' } : this.map(raw.p2p, ['p2p']);
    const p2p = this.check(SCHEMAS.p2p, p2pRaw, ['p2p']) as Platform['p2p'];
    const cost = this.check(SCHEMAS.cost, raw.cost, ['cost']) as unknown as CostParams;
    const policyRaw = { ...DEFAULT_POLICY, ...(raw.policy === undefined ? {} : this.map(raw.policy, ['policy'])) };
    const policy = this.check(SCHEMAS.policy, policyRaw, ['policy']) as unknown as Policy;
    if (policy.fault_batch < 1) this.fail(['policy', 'fault_batch'], 'must be at least 1');
    if (policy.prefetch_threshold < 1 || policy.prefetch_threshold > 100) this.fail(['policy', 'prefetch_threshold'], 'must be 1..100 (§2.4)');
    if (policy.access_counter_threshold < 1) this.fail(['policy', 'access_counter_threshold'], 'must be at least 1');
    const description = raw.description === undefined ? '' : (this.check(SCHEMAS.description, raw.description, ['description']) as string);
    return { name, description, agents, memories, switches, links, p2p, cost, policy };
  }
}
