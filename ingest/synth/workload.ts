/**
 * The contract of a synthetic workload and the parsing of its parameters.
 *
 * A workload declares its parameters (`ParamSpec`: kebab-case name = CLI flag, type, default, help)
 * and writes rows through a `TraceWriter` in `ts` order. Parameter values arrive as strings from the
 * command line or as strings/numbers/booleans from library callers; `resolveParams` turns them into
 * typed `Params` (sizes in bytes, durations in ns, rates in bytes/s) or throws a `UsageError` naming
 * the flag. Every workload also takes `--seed` (an integer, default 1), recorded with the others.
 */
import { UsageError } from '../../common/bad-input.ts';
import { parseNs } from '../trace/units.ts';
import { parseBytes, parseInteger, GiB, KiB, MiB, TiB } from '../trace/units.ts';
import type { TraceWriter } from '../trace/writer.ts';
import type { Rng } from './random.ts';

/**
 * - `int`: a non-negative integer (decimal or 0x-hex);
 * - `size`: bytes, with optional KiB/MiB/GiB/TiB (binary) or KB/MB/GB (decimal) suffix;
 * - `duration`: ns, with optional ns/us/µs/ms/s suffix (a whole number of ns);
 * - `rate`: bytes per second: `12.5GB/s`, `1GiB/s`, or bits: `100Gbit/s`;
 * - `float`: a decimal number; `enum`: one of `allowed`; `bool`: true/false (yes/no, on/off, 1/0).
 */
export type ParamType = 'int' | 'size' | 'duration' | 'rate' | 'float' | 'enum' | 'bool';
export type ParamValue = number | string | boolean;

export interface ParamSpec {
  /** kebab-case; the CLI flag is `--<name>`, the key in `hetmem.synth.params` too. */
  readonly name: string;
  readonly type: ParamType;
  /** In the resolved unit: bytes, ns, bytes/s. */
  readonly default: ParamValue;
  readonly help: string;
  /** Allowed values of an `enum`. */
  readonly allowed?: readonly string[];
  /** Inclusive bounds of a numeric parameter. */
  readonly min?: number;
  readonly max?: number;
}

/** Resolved parameter values, read through typed getters. */
export class Params {
  constructor(private readonly values: ReadonlyMap<string, ParamValue>) {}

  num(name: string): number {
    const v = this.values.get(name);
    if (typeof v !== 'number') throw new Error(`synth: parameter ${name} is not numeric (${String(v)})`);
    return v;
  }

  str(name: string): string {
    const v = this.values.get(name);
    if (typeof v !== 'string') throw new Error(`synth: parameter ${name} is not an enum (${String(v)})`);
    return v;
  }

  bool(name: string): boolean {
    const v = this.values.get(name);
    if (typeof v !== 'boolean') throw new Error(`synth: parameter ${name} is not a boolean (${String(v)})`);
    return v;
  }

  /** `{name: value}` with sorted keys (the `hetmem.synth.params` metadata). */
  toJSON(): Record<string, ParamValue> {
    return Object.fromEntries([...this.values.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  }
}

/** One device the workload uses, for the `hetmem.devices` metadata. */
export interface DeviceInfo {
  agent: string;
  /** Device memory in bytes, where the workload is defined relative to it. */
  memory?: number;
}

export interface Workload {
  readonly name: string;
  /** One line for `hetmem synth --help`. */
  readonly summary: string;
  /** What the trace contains, row by row (shown by `hetmem synth <workload> --help`). */
  readonly description: string;
  /** Without `seed`, which every workload gets (SEED_PARAM). */
  readonly params: readonly ParamSpec[];
  /** Checks between parameters; throws a `UsageError` naming the flags. */
  validate?(p: Params): void;
  /** The agents of the trace. */
  devices(p: Params): DeviceInfo[];
  /** How many rows `generate` will write (for the progress bar). */
  expectedRows(p: Params): number;
  /** Writes the rows, in `ts` order, reusing one row object. */
  generate(p: Params, writer: TraceWriter, rng: Rng): void;
}

export const SEED_PARAM: ParamSpec = {
  name: 'seed', type: 'int', default: 1, min: 0, max: Number.MAX_SAFE_INTEGER,
  help: 'seed of the PRNG (xoshiro128**); same parameters and seed give a byte-identical trace',
};

/** The parameters of `w` including `seed`. */
export function allParams(w: Workload): readonly ParamSpec[] {
  return [...w.params, SEED_PARAM];
}

/** `chunkSize` → `chunk-size` (library callers may use either spelling). */
export function kebabCase(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

/** Resolves raw values (strings from flags, or typed values) against the workload's specs. */
export function resolveParams(w: Workload, raw: Readonly<Record<string, ParamValue | undefined>>): Params {
  const specs = allParams(w);
  const values = new Map<string, ParamValue>();
  for (const s of specs) values.set(s.name, s.default);
  for (const [key, value] of Object.entries(raw)) {
    if (value === undefined) continue;
    const name = kebabCase(key);
    const spec = specs.find((s) => s.name === name);
    if (!spec) {
      throw new UsageError(`synth ${w.name}: unknown parameter --${name} (known: ${specs.map((s) => `--${s.name}`).join(', ')})`);
    }
    const v = parseParam(spec, value);
    if (typeof v === 'string' && spec.type !== 'enum') throw new UsageError(`synth ${w.name}: --${name}: ${v}`);
    if (spec.type === 'enum' && !spec.allowed!.includes(v as string)) {
      throw new UsageError(`synth ${w.name}: --${name}: must be one of ${spec.allowed!.join(', ')} (got "${String(value)}")`);
    }
    values.set(name, v);
  }
  const p = new Params(values);
  w.validate?.(p);
  return p;
}

/** The typed value, or (for non-enum types) a string describing the problem. */
export function parseParam(spec: ParamSpec, value: ParamValue): ParamValue {
  if (spec.type === 'enum') return String(value);
  if (spec.type === 'bool') {
    if (typeof value === 'boolean') return value;
    const t = String(value).trim().toLowerCase();
    if (['true', 'yes', 'on', '1'].includes(t)) return true;
    if (['false', 'no', 'off', '0'].includes(t)) return false;
    return `is not a boolean (got "${String(value)}"; use true or false)`;
  }
  if (typeof value === 'boolean') return `must be a ${spec.type}, not a boolean`;
  const n = typeof value === 'number' ? checkNumber(spec, value) : parseNumber(spec, value);
  if (typeof n === 'string') return n;
  if (spec.min !== undefined && n < spec.min) return `must be at least ${formatParamValue(spec, spec.min)} (got ${formatParamValue(spec, n)})`;
  if (spec.max !== undefined && n > spec.max) return `must be at most ${formatParamValue(spec, spec.max)} (got ${formatParamValue(spec, n)})`;
  return n;
}

function checkNumber(spec: ParamSpec, v: number): number | string {
  if (!Number.isFinite(v)) return `must be a finite number (got ${v})`;
  if (v < 0) return `must not be negative (got ${v})`;
  if (spec.type !== 'float' && spec.type !== 'rate' && !Number.isSafeInteger(v)) return `must be a whole number below 2^53 (got ${v})`;
  return v;
}

function parseNumber(spec: ParamSpec, text: string): number | string {
  switch (spec.type) {
    case 'int': return parseInteger(text);
    case 'size': return parseBytes(text);
    case 'duration': return parseNs(text);
    case 'rate': return parseRate(text);
    default: {
      const t = text.trim();
      if (!/^\d+(\.\d+)?([eE][+-]?\d+)?$/.test(t)) return `is not a non-negative number (got "${text}")`;
      return checkNumber(spec, Number(t));
    }
  }
}

const DECIMAL_PREFIX: Record<string, number> = { '': 1, k: 1e3, m: 1e6, g: 1e9, t: 1e12 };

/** Bytes per second from `12.5GB/s`, `1GiB/s`, `4096` (bytes/s) or `100Gbit/s` / `100Gbps` (bits). */
export function parseRate(text: string): number | string {
  const t = text.trim();
  const bits = /^(\d+(?:\.\d+)?)\s*([kmgt]?)(?:bit\/s|bps)$/i.exec(t);
  let v: number | string;
  if (bits) v = (Number(bits[1]) * DECIMAL_PREFIX[bits[2]!.toLowerCase()]!) / 8;
  else v = parseBytes(t.replace(/\/s$/i, ''));
  if (typeof v === 'string') return `is not a rate (got "${text}"; use bytes/s like 12.5GB/s or 1GiB/s, or bits like 100Gbit/s)`;
  if (!(v > 0)) return `must be positive (got "${text}")`;
  return v;
}

/** A value as a user would type it (exact): `64KiB`, `100us`, `100Gbit/s`. */
export function formatParamValue(spec: ParamSpec, v: ParamValue): string {
  if (typeof v !== 'number') return String(v);
  switch (spec.type) {
    case 'size': return exactUnit(v, [[TiB, 'TiB'], [GiB, 'GiB'], [MiB, 'MiB'], [KiB, 'KiB']], 'B');
    case 'duration': return exactUnit(v, [[1e9, 's'], [1e6, 'ms'], [1e3, 'us']], 'ns');
    case 'rate': {
      // The largest unit that gives a whole number: 12.5e9 → 100Gbit/s rather than 12500MB/s.
      const units = [[1e9, 'GB/s', 1], [1e9, 'Gbit/s', 8], [1e6, 'MB/s', 1], [1e6, 'Mbit/s', 8]] as const;
      for (const [u, s, bits] of units) if ((v * bits) % u === 0) return `${(v * bits) / u}${s}`;
      return `${v}B/s`;
    }
    default: return String(v);
  }
}

function exactUnit(v: number, units: readonly (readonly [number, string])[], base: string): string {
  for (const [u, s] of units) if (v !== 0 && v % u === 0) return `${v / u}${s}`;
  return `${v}${base}`;
}

/** What a value of this type means on the command line (for `--help`). */
export function unitHelp(spec: ParamSpec): string {
  switch (spec.type) {
    case 'int': return 'integer';
    case 'size': return 'bytes; suffixes KiB, MiB, GiB';
    case 'duration': return 'ns; suffixes ns, us, ms, s';
    case 'rate': return 'bytes/s; e.g. 12.5GB/s, 1GiB/s, 100Gbit/s';
    case 'float': return 'number';
    case 'enum': return `one of ${spec.allowed!.join(', ')}`;
    case 'bool': return 'true or false';
  }
}

/** A UsageError for a cross-parameter problem. */
export function paramError(w: string, flags: string, problem: string): UsageError {
  return new UsageError(`synth ${w}: ${flags}: ${problem}`);
}
