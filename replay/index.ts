/**
 * `replay()`: one trace, one platform (preset name or YAML path, with `--set` overrides) → a run
 * directory (run-output.ts), written atomically. The library face of `hetmem replay`.
 */
import { UsageError } from '../common/bad-input.ts';
import { claimOutput } from '../common/output-guard.ts';
import { runEngine } from './engine.ts';
import type { EventSelection } from './events.ts';
import { writeRun } from './output/write-run.ts';
import { loadPlatform } from './platform-loader.ts';
import type { RunSummary } from './run-output.ts';

export interface ReplayOptions {
  /** canonical trace (Arrow IPC file) */
  trace: string;
  /** a preset name (`hetmem platforms`) or a platform YAML file */
  platform: string;
  /** overrides of platform fields with units (`gpu0.bar` → `256MiB`) */
  set?: Record<string, string>;
  /** trace agent → platform agent (`gpu3` → `gpu0`), for traces recorded on other machines */
  agents?: Record<string, string>;
  /** run directory to write (replaced atomically) */
  out: string;
  /**
   * What events.parquet keeps: `all` (default), `none` (an empty events.parquet with the same columns:
   * for users who want only the timeline and summary), or a list of kinds, e.g. `['migrate', 'evict']`.
   * summary.json counts every event either way; run.json records a selection other than `all`.
   */
  events?: EventSelection;
  /** Internal: events held in memory before a sorted run is spilled (tests force small chunks). */
  eventChunkRows?: number;
  /** replace a hetmem output of another kind at `out` (never foreign data). Default false. */
  force?: boolean;
}

export async function replay(options: ReplayOptions): Promise<RunSummary> {
  const overrides = options.set ?? {};
  const { platform, source } = loadPlatform(options.platform, overrides);
  const agentMap = new Map(Object.entries(options.agents ?? {}));
  for (const [from, to] of agentMap) {
    if (!platform.agents.some((a) => a.name === to)) {
      throw new UsageError(`--map ${from}=${to}: platform ${platform.name} has no agent "${to}" (agents: ${platform.agents.map((a) => a.name).join(', ')})`);
    }
  }
  const events = options.events ?? 'all';
  const claim = claimOutput(options.out, 'run', { force: options.force });
  try {
    const { model, rows, sha256 } = await runEngine(options.trace, platform, undefined, agentMap, {
      keep: events, ...(options.eventChunkRows !== undefined ? { chunkRows: options.eventChunkRows } : {}),
    });
    return await writeRun(options.out, model, {
      platform: { name: platform.name, source, resolved: { units: { time: 'ns', size: 'bytes', bandwidth: 'bytes/ns (= GB/s)' }, ...platform } },
      overrides: Object.fromEntries(Object.keys(overrides).sort().map((k) => [k, overrides[k]!])),
      ...(agentMap.size > 0 ? { agents: Object.fromEntries([...agentMap].sort(([a], [b]) => (a < b ? -1 : 1))) } : {}),
      trace: { path: options.trace, sha256, rows },
      ...(events !== 'all' ? { events } : {}),
    });
  } finally {
    claim.release();
  }
}

export { loadPlatform, presetNames } from './platform-loader.ts';
export type { RunSummary } from './run-output.ts';
