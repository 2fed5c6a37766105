/**
 * The plan of a sweep, `sweep.json` in the sweep folder: the trace, the base platform, the axes and
 * every variant id in sweep order. It is written before any variant runs, so every shard, every
 * scheduler task and `hetmem sweep status` know the whole sweep while it is still running; what is
 * done is read from the run folders themselves (a variant folder appears only when complete).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { BadInputError, UsageError } from '../../common/bad-input.ts';
import { writeFileAtomic } from '../../common/atomic-output.ts';
import { expandVariants, normaliseAxes, type Variant, type VaryAxis } from './variants.ts';

export interface SweepManifest {
  schema: 'hetmem.sweep/1';
  trace: string;
  platform: string | null;
  vary: VaryAxis[];
  variants: string[];
}

export const SWEEP_MANIFEST = 'sweep.json';

export interface SweepPlan {
  /** absolute sweep folder */
  out: string;
  axes: VaryAxis[];
  variants: Variant[];
  manifest: SweepManifest;
}

/** Expands the axes and checks that `out` holds no other sweep; writes nothing. */
export function planSweep(options: { trace: string; platform?: string; vary: VaryAxis[] | Record<string, string[]>; out: string }): SweepPlan {
  const axes = normaliseAxes(options.vary);
  const variants = expandVariants(axes, options.platform);
  const out = resolve(options.out);
  const manifest: SweepManifest = {
    schema: 'hetmem.sweep/1',
    trace: options.trace,
    platform: options.platform ?? null,
    vary: axes,
    variants: variants.map((v) => v.id),
  };
  checkManifest(out, manifest);
  return { out, axes, variants, manifest };
}

/** Writes (or rewrites, identically) `sweep.json`; many shards may do so at once: each write is a rename. */
export function writePlan(plan: SweepPlan): void {
  writeFileAtomic(join(plan.out, SWEEP_MANIFEST), JSON.stringify(plan.manifest, null, 2) + '\n');
}

/** The folder of a variant below the sweep folder. */
export function variantDir(out: string, id: string): string {
  return join(out, ...id.split('/'));
}

/** Reads `<dir>/sweep.json`, or undefined when there is none (a sweep from before plans, or no sweep). */
export function readPlan(dir: string): SweepManifest | undefined {
  const file = join(dir, SWEEP_MANIFEST);
  if (!existsSync(file)) return undefined;
  let m: Partial<SweepManifest>;
  try {
    m = JSON.parse(readFileSync(file, 'utf8')) as Partial<SweepManifest>;
  } catch {
    throw new BadInputError(file, undefined, undefined, 'is not valid JSON; remove it or choose another -o');
  }
  if (m.schema !== 'hetmem.sweep/1' || !Array.isArray(m.variants) || !m.variants.every((v) => typeof v === 'string')) {
    throw new BadInputError(file, undefined, 'schema', 'is not a hetmem sweep plan (expected schema hetmem.sweep/1 with a variants list)');
  }
  return m as SweepManifest;
}

/**
 * An existing sweep.json must describe the same trace (compared as resolved paths, so a relative and
 * an absolute spelling of one file agree) and the same base platform. Other axes may be given: that
 * extends the sweep (the new plan replaces the old one; complete variants are kept).
 */
function checkManifest(out: string, manifest: SweepManifest): void {
  const file = join(out, SWEEP_MANIFEST);
  const old = readPlan(out);
  if (!old) return;
  if (resolve(old.trace) !== resolve(manifest.trace) || (old.platform ?? null) !== manifest.platform) {
    throw new UsageError(`${file}: this directory holds a sweep of ${old.trace} on ${old.platform ?? '(varied platforms)'}; choose another -o`);
  }
}
