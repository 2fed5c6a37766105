/**
 * `replay()`: one trace, one platform (preset name or YAML path, with `--set` overrides) → a run
 * directory (run-output.ts), written atomically. The library face of `hetmem replay`.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { runEngine } from './engine.ts';
import { writeRun } from './output/write-run.ts';
import { loadPlatform } from './platform-loader.ts';
import type { RunSummary } from './run-output.ts';

export async function sha256File(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return h.digest('hex');
}

export async function replay(options: { trace: string; platform: string; set?: Record<string, string>; out: string }): Promise<RunSummary> {
  const overrides = options.set ?? {};
  const { platform, source } = loadPlatform(options.platform, overrides);
  const { model, rows } = await runEngine(options.trace, platform);
  const sha256 = await sha256File(options.trace);
  return writeRun(options.out, model, {
    platform: { name: platform.name, source, resolved: { units: { time: 'ns', size: 'bytes', bandwidth: 'bytes/ns (= GB/s)' }, ...platform } },
    overrides: Object.fromEntries(Object.keys(overrides).sort().map((k) => [k, overrides[k]!])),
    trace: { path: options.trace, sha256, rows },
  });
}

export { loadPlatform, presetNames } from './platform-loader.ts';
export type { RunSummary } from './run-output.ts';
