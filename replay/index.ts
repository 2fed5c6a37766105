/**
 * `replay()`: one trace, one platform (preset name or YAML path, with `--set` overrides) → a run
 * directory (run-output.ts), written atomically. The library face of `hetmem replay`.
 */
import { Worker } from 'node:worker_threads';
import { UsageError } from '../common/bad-input.ts';
import { claimOutput } from '../common/output-guard.ts';
import { runEngine } from './engine.ts';
import { writeRun } from './output/write-run.ts';
import { loadPlatform } from './platform-loader.ts';
import type { RunSummary } from './run-output.ts';

/**
 * sha256 of a file, computed on a worker thread so that hashing a multi-GiB trace overlaps the replay
 * (the engine keeps the main thread busy).
 */
export function sha256File(path: string): Promise<string> {
  const code = `
    const { createHash } = require('node:crypto');
    const { createReadStream } = require('node:fs');
    const { parentPort, workerData } = require('node:worker_threads');
    const h = createHash('sha256');
    createReadStream(workerData).on('data', (c) => h.update(c)).on('error', (e) => { throw e; })
      .on('end', () => parentPort.postMessage(h.digest('hex')));`;
  return new Promise((resolve, reject) => {
    const w = new Worker(code, { eval: true, workerData: path });
    w.once('message', (m: string) => { resolve(m); void w.terminate(); });
    w.once('error', reject);
  });
}

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
  const claim = claimOutput(options.out, 'run', { force: options.force });
  try {
    const hash = sha256File(options.trace);
    hash.catch(() => {}); // awaited below; a failed engine must not leave an unhandled rejection
    const { model, rows } = await runEngine(options.trace, platform, undefined, agentMap);
    const sha256 = await hash;
    return await writeRun(options.out, model, {
      platform: { name: platform.name, source, resolved: { units: { time: 'ns', size: 'bytes', bandwidth: 'bytes/ns (= GB/s)' }, ...platform } },
      overrides: Object.fromEntries(Object.keys(overrides).sort().map((k) => [k, overrides[k]!])),
      ...(agentMap.size > 0 ? { agents: Object.fromEntries([...agentMap].sort(([a], [b]) => (a < b ? -1 : 1))) } : {}),
      trace: { path: options.trace, sha256, rows },
    });
  } finally {
    claim.release();
  }
}

export { loadPlatform, presetNames } from './platform-loader.ts';
export type { RunSummary } from './run-output.ts';
