import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BadInputError } from '../common/bad-input.ts';
import { GiB, MiB } from '../ingest/trace/units.ts';
import { PRESET_DIR, loadPlatform, presetNames } from './platform-loader.ts';

const dir = mkdtempSync(join(tmpdir(), 'hetmem-platform-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The a100 preset with one textual edit, written to a temp file. */
function edited(from: string, to: string): string {
  const text = readFileSync(join(PRESET_DIR, 'a100-pcie4.yaml'), 'utf8');
  expect(text.includes(from)).toBe(true);
  const file = join(dir, `p${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(file, text.replace(from, to));
  return file;
}
function message(f: () => unknown): string {
  try { f(); } catch (e) { expect(e).toBeInstanceOf(BadInputError); return (e as Error).message; }
  throw new Error('expected a BadInputError');
}

describe('platform presets', () => {
  it('has the six presets of issue 3 and each loads', () => {
    expect(presetNames()).toEqual(['a100-pcie4', 'consumer-pcie4-256m', 'gh200-c2c', 'gtx1080ti-pcie3', 'h100-pcie5', 'two-gpu-nvlink']);
    for (const n of presetNames()) expect(loadPlatform(n).platform.name).toBe(n);
  });

  it('carries the brief\'s numbers (a100: 26.5 GB/s per direction, 64 GiB BAR; consumer: 256 MiB BAR)', () => {
    const a = loadPlatform('a100-pcie4').platform;
    const gpu = a.agents.find((x) => x.name === 'gpu0')!;
    expect(gpu.kind === 'gpu' && gpu.bar).toBe(64 * GiB);
    expect(a.links.find((l) => l.name === 'sw0-gpu0')!.bandwidth).toBe(26.5);
    expect(a.policy.fault_batch).toBe(256);
    expect(a.policy.prefetch_threshold).toBe(51);
    const c = loadPlatform('consumer-pcie4-256m').platform.agents.find((x) => x.name === 'gpu0')!;
    expect(c.kind === 'gpu' && c.bar).toBe(256 * MiB);
    expect(loadPlatform('gh200-c2c').platform.policy.access_counters).toBe(true);
  });

  it('applies the override keys the sweep relies on, with units', () => {
    const p = loadPlatform('a100-pcie4', {
      'gpu0.memory': '8GiB', 'gpu0.bar': '256MiB', 'policy.prefetch': 'off', 'policy.prefetch_threshold': '75',
      'policy.fault_batch': '32', 'policy.p2p_fallback': 'revoke_lru', 'policy.rdma_registration': 'odp', 'policy.hmm_cpu_fault': 'block',
    }).platform;
    const g = p.agents.find((x) => x.name === 'gpu0')!;
    expect(g.kind === 'gpu' && [g.memory, g.bar]).toEqual([8 * GiB, 256 * MiB]);
    expect(p.policy).toMatchObject({ prefetch: false, prefetch_threshold: 75, fault_batch: 32, p2p_fallback: 'revoke_lru', rdma_registration: 'odp', hmm_cpu_fault: 'block' });
    expect(loadPlatform('a100-pcie4', { 'links.sw0-gpu0.bandwidth': '12GB/s' }).platform.links.find((l) => l.name === 'sw0-gpu0')!.bandwidth).toBe(12);
  });
});

describe('platform validation errors name the file, line and key path', () => {
  it('unknown key', () => {
    const f = edited('    coherence: private', '    coherence: private\n    colour: green');
    expect(message(() => loadPlatform(f))).toMatch(new RegExp(`^${f}:1[0-9]: agents\\.gpu0\\.colour: unknown key`));
  });
  it('wrong unit', () => {
    const f = edited('bandwidth: 1555GB/s', 'bandwidth: 1555GiB');
    expect(message(() => loadPlatform(f))).toMatch(/:\d+: agents\.gpu0\.bandwidth: is not a bandwidth \(got "1555GiB"/);
    const g = edited('gpu_fault_batch: 45us', 'gpu_fault_batch: 45');
    expect(message(() => loadPlatform(g))).toMatch(/: cost\.gpu_fault_batch: needs a unit/);
  });
  it('dangling link', () => {
    const f = edited('sw0-gpu0: { a: sw0, b: gpu0,', 'sw0-gpu0: { a: sw9, b: gpu0,');
    expect(message(() => loadPlatform(f))).toMatch(/:\d+: links\.sw0-gpu0\.a: "sw9" names no agent, memory or switch \(dangling link\)/);
  });
  it('bad overrides', () => {
    expect(message(() => loadPlatform('a100-pcie4', { 'gpu0.memry': '8GiB' }))).toMatch(/^--set: gpu0\.memry: unknown key/);
    expect(message(() => loadPlatform('a100-pcie4', { 'gpu0.memory': '8 parsecs' }))).toMatch(/^--set: agents\.gpu0\.memory: /);
    expect(message(() => loadPlatform('a100-pcie4', { 'policy.prefetch_threshold': '0' }))).toMatch(/policy\.prefetch_threshold: must be 1\.\.100/);
    expect(message(() => loadPlatform('no-such-preset'))).toMatch(/no such preset or file/);
  });
});
