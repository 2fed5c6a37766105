/**
 * One variant's replay, as a worker runs it. The replay module is loaded by URL so tests can stand
 * in a fake engine; by default it is replay/index.ts.
 */
export interface ReplayCall {
  trace: string;
  platform: string;
  set?: Record<string, string>;
  /** trace agent → platform agent (`--map`) */
  agents?: Record<string, string>;
  out: string;
}
import { forwardProgress } from '../../common/progress.ts';

export type ReplayFn = (call: ReplayCall) => Promise<unknown>;

export interface VariantTask extends ReplayCall {
  /** URL of a module exporting `replay` */
  replayModule: string;
  /** forward the replay's progress to the parent (the sweep draws a bar). Default false. */
  progress?: boolean;
}

/** replay/index beside this module: `.ts` in the source tree, `.js` in the compiled build (dist/). */
export const DEFAULT_REPLAY_MODULE: string = new URL(`../index${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url).href;

const loaded = new Map<string, ReplayFn>();

/**
 * Runs one variant. `onProgress(fraction)`, when given, receives the replay's progress (0..1, from
 * its rows) as it runs, so the sweep's bar moves within runs, not only between them.
 */
export async function runVariant(task: VariantTask, onProgress?: (fraction: number) => void): Promise<void> {
  let replay = loaded.get(task.replayModule);
  if (!replay) {
    const mod = (await import(task.replayModule)) as { replay?: ReplayFn };
    if (typeof mod.replay !== 'function') throw new Error(`${task.replayModule} does not export replay()`);
    replay = mod.replay;
    loaded.set(task.replayModule, replay);
  }
  if (onProgress) forwardProgress((done, total) => onProgress(total > 0 ? Math.min(1, done / total) : 0));
  try {
    await replay({ trace: task.trace, platform: task.platform, set: task.set, agents: task.agents, out: task.out });
  } finally {
    if (onProgress) forwardProgress(null);
  }
}
