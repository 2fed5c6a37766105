import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { writeTrace } from '../replay/testing/trace-builder.ts';

const BIN = fileURLToPath(new URL('../bin/hetmem.mjs', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'hetmem-cli-replay-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const hetmem = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8' });

describe('hetmem platforms', () => {
  it('lists the six presets one line each, and as JSON', () => {
    const r = hetmem('platforms');
    expect(r.status).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines.map((l) => l.split(/\s+/)[0])).toEqual(['a100-pcie4', 'consumer-pcie4-256m', 'gh200-c2c', 'gtx1080ti-pcie3', 'h100-pcie5', 'two-gpu-nvlink']);
    expect(lines[1]).toMatch(/gpu0 24 GiB bar 256 MiB/);
    const j = JSON.parse(hetmem('platforms', '--json').stdout) as { name: string; p2p: { host_bridge: string } }[];
    expect(j.find((p) => p.name === 'consumer-pcie4-256m')!.p2p.host_bridge).toBe('reads_blocked');
  });
});

describe('hetmem replay', () => {
  const trace = join(dir, 't.arrow');
  writeTrace(trace, [
    { ts: 0, op: 'alloc', agent: 'cpu0', addr: 0x7f0000000000, bytes: 2 * 1024 * 1024, obj: 'buf', mem: 'managed' },
    { ts: 1, op: 'write', agent: 'cpu0', addr: 0x7f0000000000, bytes: 2 * 1024 * 1024, obj: 'buf' },
    { ts: 2, op: 'read', agent: 'gpu0', addr: 0x7f0000000000, bytes: 4096, obj: 'buf' },
  ]);

  it('writes the run directory and a short summary on stderr; repeated --set flags apply', () => {
    const out = join(dir, 'run');
    const r = hetmem('replay', trace, '--platform', 'a100-pcie4', '--set', 'policy.prefetch=off', '--set', 'gpu0.memory=8GiB', '-o', out);
    expect(r.status).toBe(0);
    // prefetch off: the one faulted page moves alone (4 KiB, no big-page growth)
    expect(r.stderr).toMatch(/migrations 1 \(4 KiB\): sys0->gpu0 1× 4 KiB/);
    // the trace maps no peer: the summary says the P2P model had nothing to do; the UVM model did work
    expect(r.stderr).toContain('  No peer mappings: the BAR/P2P model had nothing to map, so the BAR size does not matter here.\n');
    expect(r.stderr).not.toContain('No managed or HMM memory');
    const run = JSON.parse(readFileSync(join(out, 'run.json'), 'utf8')) as { overrides: Record<string, string> };
    expect(run.overrides).toEqual({ 'gpu0.memory': '8GiB', 'policy.prefetch': 'off' });
  });

  it('a bad --set exits 2 with the key path and writes nothing', () => {
    const out = join(dir, 'bad');
    const r = hetmem('replay', trace, '--platform', 'a100-pcie4', '--set', 'gpu0.bar=lots', '-o', out);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^hetmem: --set: agents\.gpu0\.bar: is not a size/m);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(existsSync(out)).toBe(false);
  });
});
