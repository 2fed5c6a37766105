/**
 * The sweep with the real replay engine, end to end: one synthetic trace, 4 variants,
 * byte-identical run outputs with 1 and 2 worker threads.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { synth } from '../../ingest/synth/index.ts';
import { query } from '../../analysis/query.ts';
import { sweep } from './sweep.ts';

const tmp = mkdtempSync(join(tmpdir(), 'hetmem-sweep-real-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function files(dir: string): string[] {
  return (readdirSync(dir, { recursive: true }) as string[]).filter((f) => statSync(join(dir, f)).isFile()).sort();
}

describe('sweep with the replay engine', () => {
  it('gives byte-identical runs with 1 and 2 workers', async () => {
    const trace = join(tmp, 'k.arrow');
    // 1.5× oversubscribed on 64 MiB: 96 MiB of managed buffers, small enough to replay in well under a second
    synth('gpu-kernel', { oversubscription: 1.5, 'device-memory': '64MiB' }, trace);
    const vary = { platform: ['a100-pcie4', 'h100-pcie5'], 'gpu0.memory': ['64MiB', '128MiB'] };
    await sweep({ trace, vary, out: join(tmp, 'w1'), workers: 1 });
    await sweep({ trace, vary, out: join(tmp, 'w2'), workers: 2 });
    const names = files(join(tmp, 'w1'));
    expect(names.filter((f) => f.endsWith('summary.json'))).toHaveLength(4);
    expect(files(join(tmp, 'w2'))).toEqual(names);
    for (const f of names) expect(readFileSync(join(tmp, 'w2', f)).equals(readFileSync(join(tmp, 'w1', f))), f).toBe(true);

    // the overrides reached the engine: with 64 MiB the 96 MiB footprint must evict, with 128 MiB it fits
    const r = await query(join(tmp, 'w1'), `SELECT platform, "gpu0.memory", evictions > 0 AS evicted FROM runs ORDER BY ALL`);
    expect(r.rows).toEqual([
      ['a100-pcie4', '128MiB', false], ['a100-pcie4', '64MiB', true], ['h100-pcie5', '128MiB', false], ['h100-pcie5', '64MiB', true],
    ]);
  });
});
