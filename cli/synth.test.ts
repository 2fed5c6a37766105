import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { afterAll, describe, expect, it } from 'vitest';
import { fileBytes, scratchDir, tallyTrace } from '../ingest/synth/testing.ts';
import { synth } from '../ingest/synth/index.ts';
import { registerSynth } from './synth.ts';

const BIN = fileURLToPath(new URL('../bin/hetmem.mjs', import.meta.url));
const tmp = scratchDir();
afterAll(() => tmp.cleanup());

function hetmem(...args: string[]) {
  return spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8' });
}

describe('hetmem synth', () => {
  it('Done-when: synth vecadd --n 67108864 writes 2 allocs of 256 MiB, 196608 reads and 196608 writes', async () => {
    const out = tmp.path('v.arrow');
    const r = hetmem('synth', 'vecadd', '--n', '67108864', '-o', out);
    expect(r.stderr).toMatch(/393222 rows/);
    expect(r.status).toBe(0);
    const t = await tallyTrace(out);
    // 2^26 floats × 4 B = 256 MiB = 65536 pages per array: reads 2P (GPU) + P (CPU), writes 2P (CPU) + P (GPU).
    expect(t.ops.alloc).toEqual({ count: 2, bytes: 2 * 268435456 });
    expect(t.ops.read!.count).toBe(3 * 65536);
    expect(t.ops.write!.count).toBe(3 * 65536);
    // The CLI and the library give the same bytes.
    synth('vecadd', { n: 67108864 }, tmp.path('lib.arrow'));
    expect(fileBytes(out).equals(fileBytes(tmp.path('lib.arrow')))).toBe(true);
  });

  it('kebab-case flags with units, and a bad value exits 2 naming the flag, leaving no file', () => {
    const out = tmp.path('r.arrow');
    const bad = hetmem('synth', 'rdma-stream', '--chunk-size', '1 parsec', '-o', out);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/^hetmem: synth rdma-stream: --chunk-size: /m);
    expect(bad.stderr).not.toMatch(/\n\s+at /); // no stack trace
    expect(existsSync(out)).toBe(false);
    expect(tmp.files().filter((f) => f.includes('r.arrow'))).toEqual([]);
  });

  it('--help lists the workloads; <workload> --help documents each parameter with its default and unit', () => {
    // In-process (commander renders the same text the CLI prints), on a program holding only this verb.
    const program = new Command('hetmem');
    registerSynth(program);
    const cmd = program.commands.find((c) => c.name() === 'synth')!;
    const top = cmd.helpInformation();
    for (const w of ['gpu-kernel', 'rdma-stream', 'progress-monitor', 'vecadd', 'random-access']) expect(top).toContain(w);
    const sub = cmd.commands.find((c) => c.name() === 'rdma-stream')!;
    const help = sub.helpInformation().replace(/\s+/g, ' '); // commander wraps long lines
    expect(help).toMatch(/--chunk-size <size> [^[]*\[default: 1MiB; bytes; suffixes KiB, MiB, GiB\]/);
    expect(help).toMatch(/--rate <rate> [^[]*\[default: 100Gbit\/s;/);
    expect(help).toMatch(/--duration <duration> [^[]*\[default: 1ms; ns; suffixes ns, us, ms, s\]/);
    expect(help).toMatch(/--stream-out \[bool\] [^[]*\[default: false;/);
    expect(help).toMatch(/--seed <int>/);
    expect(help).toMatch(/-o, --out <trace.arrow>/);
  });
});
