/**
 * `replay()`: one trace, one platform (preset name or YAML path, with `--set` overrides) → a run
 * directory (run-output.ts), written atomically. The library face of `hetmem replay`.
 */
import { Worker } from 'node:worker_threads';
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

export async function replay(options: { trace: string; platform: string; set?: Record<string, string>; out: string }): Promise<RunSummary> {
  const overrides = options.set ?? {};
  const { platform, source } = loadPlatform(options.platform, overrides);
  const hash = sha256File(options.trace);
  hash.catch(() => {}); // awaited below; a failed engine must not leave an unhandled rejection
  const { model, rows } = await runEngine(options.trace, platform);
  const sha256 = await hash;
  return writeRun(options.out, model, {
    platform: { name: platform.name, source, resolved: { units: { time: 'ns', size: 'bytes', bandwidth: 'bytes/ns (= GB/s)' }, ...platform } },
    overrides: Object.fromEntries(Object.keys(overrides).sort().map((k) => [k, overrides[k]!])),
    trace: { path: options.trace, sha256, rows },
  });
}

export { loadPlatform, presetNames } from './platform-loader.ts';
export type { RunSummary } from './run-output.ts';
