/**
 * The variants of a sweep: the cartesian product of `--vary key=v1,v2` axes, each named by a
 * hive-style folder path (`platform=a100-pcie4/gpu0.bar=256MiB`) so the whole sweep reads as one
 * partitioned dataset. The key `platform` picks the preset; every other key is a replay `--set`
 * override. Order: the first axis varies slowest, values in the order given — the same order on
 * every machine, which is what `--shard i/N` relies on.
 */
import { UsageError } from '../../common/bad-input.ts';

export interface VaryAxis {
  key: string;
  values: string[];
}

export interface Variant {
  /** index in the full product (0-based) */
  index: number;
  /** relative folder path, `/`-separated */
  id: string;
  keys: Record<string, string>;
  platform: string;
  /** overrides for replay (every key but `platform`) */
  set: Record<string, string>;
}

export interface Shard {
  /** 0-based, like a Kubernetes Indexed Job's JOB_COMPLETION_INDEX */
  index: number;
  count: number;
}

export const PLATFORM_KEY = 'platform';
/** Keys and values become folder names and SQL columns: keep them to a safe alphabet. */
const KEY_RE = /^[A-Za-z_][A-Za-z0-9_.-]*$/;
const VALUE_RE = /^[A-Za-z0-9_.+:-]+$/;
const RESERVED_KEYS = new Set(['run']);

/** Parses one `--vary key=v1,v2,...` flag. */
export function parseVary(flag: string): VaryAxis {
  const eq = flag.indexOf('=');
  if (eq <= 0) throw new UsageError(`--vary ${flag}: expected key=value1,value2,...`);
  const key = flag.slice(0, eq).trim();
  const values = flag.slice(eq + 1).split(',').map((v) => v.trim());
  return checkAxis({ key, values }, `--vary ${flag}`);
}

function checkAxis(axis: VaryAxis, shown: string): VaryAxis {
  if (!KEY_RE.test(axis.key) || RESERVED_KEYS.has(axis.key)) {
    throw new UsageError(`${shown}: key "${axis.key}" must be letters, digits, '_', '.', '-' (and not "run")`);
  }
  if (axis.values.length === 0) throw new UsageError(`${shown}: no values`);
  for (const v of axis.values) {
    if (!VALUE_RE.test(v)) throw new UsageError(`${shown}: value "${v}" must be non-empty letters, digits, '_', '.', '+', ':', '-'`);
  }
  if (new Set(axis.values).size !== axis.values.length) throw new UsageError(`${shown}: a value is repeated`);
  return axis;
}

/** Accepts axes as a list or as a `{ key: values }` object (insertion order). */
export function normaliseAxes(vary: VaryAxis[] | Record<string, string[]>): VaryAxis[] {
  const axes = Array.isArray(vary) ? vary : Object.entries(vary).map(([key, values]) => ({ key, values }));
  const seen = new Set<string>();
  for (const a of axes) {
    checkAxis(a, `vary ${a.key}`);
    if (seen.has(a.key)) throw new UsageError(`vary: key "${a.key}" is given twice`);
    seen.add(a.key);
  }
  if (axes.length === 0) throw new UsageError('sweep: give at least one --vary key=v1,v2');
  return axes;
}

/** The cartesian product; `basePlatform` is used when `platform` is not an axis. */
export function expandVariants(axes: VaryAxis[], basePlatform: string | undefined): Variant[] {
  if (basePlatform === undefined && !axes.some((a) => a.key === PLATFORM_KEY)) {
    throw new UsageError('sweep: give --platform or --vary platform=p1,p2');
  }
  let combos: [string, string][][] = [[]];
  for (const a of axes) combos = combos.flatMap((c) => a.values.map((v) => [...c, [a.key, v] as [string, string]]));
  return combos.map((pairs, index) => {
    const keys = Object.fromEntries(pairs);
    const set = Object.fromEntries(pairs.filter(([k]) => k !== PLATFORM_KEY));
    return {
      index,
      id: pairs.map(([k, v]) => `${k}=${v}`).join('/'),
      keys,
      platform: keys[PLATFORM_KEY] ?? basePlatform!,
      set,
    };
  });
}

/** Parses `--shard i/N` (0 <= i < N). */
export function parseShard(text: string): Shard {
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  if (!m) throw new UsageError(`--shard ${text}: expected i/N with 0 <= i < N (e.g. 0/4)`);
  const index = Number(m[1]);
  const count = Number(m[2]);
  if (count < 1 || index >= count) throw new UsageError(`--shard ${text}: expected i/N with 0 <= i < N (e.g. 0/4)`);
  return { index, count };
}

/** The variants a shard runs: every N-th one, starting at i (round robin spreads slow axes evenly). */
export function inShard(v: Variant, shard: Shard | undefined): boolean {
  return shard === undefined || v.index % shard.count === shard.index;
}
