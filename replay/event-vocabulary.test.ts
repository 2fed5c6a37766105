/**
 * One event vocabulary: every kind and cause the model emits is in the run contract's table
 * (run-output.ts), checked two ways — by replaying workloads that reach the model's paths and reading
 * the distinct values back from events.parquet, and statically over the source (every id the code
 * emits goes through the typed table; nothing interns a kind or cause by a string of its own). The
 * README section is generated from the table.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingest } from '../ingest/ingest.ts';
import { synth } from '../ingest/synth/index.ts';
import { README, vocabularyMarkdown } from './event-vocabulary-doc.ts';
import { replay } from './index.ts';
import { EVENT_CAUSES, EVENT_KINDS } from './run-output.ts';
import { query } from './testing/events-query.ts';

const dir = mkdtempSync(join(tmpdir(), 'hetmem-vocabulary-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const here = new URL('.', import.meta.url).pathname;
const fixture = (name: string) => new URL(`../fixtures/${name}`, import.meta.url).pathname;

describe('emitted kinds and causes (replayed workloads)', () => {
  const kinds = new Set<string>();
  const causes = new Set<string>();
  beforeAll(async () => {
    const runs: { trace: string; platform: string; set?: Record<string, string> }[] = [];
    for (const f of readdirSync(new URL('../fixtures', import.meta.url).pathname).filter((n) => n.endsWith('.csv'))) {
      const trace = join(dir, `${f}.arrow`);
      await ingest([fixture(f)], { output: trace });
      runs.push({ trace, platform: 'consumer-pcie4-256m' }, { trace, platform: 'gh200-c2c' });
    }
    const synthRun = (name: string, params: Record<string, string | number | boolean>) => {
      const trace = join(dir, `${name}-${runs.length}.arrow`);
      synth(name, params, trace);
      return trace;
    };
    // oversubscribed managed memory (faults, prefetch, eviction), device memory with copies, HMM on a
    // coherent platform with access counters, P2P streaming under each fallback policy and ODP, a peeked counter
    runs.push({ trace: synthRun('gpu-kernel', { oversubscription: 1.5, 'device-memory': '64MiB', pattern: 'random', 'access-size': '256KiB' }), platform: 'consumer-pcie4-256m', set: { 'gpu0.memory': '64MiB' } });
    runs.push({ trace: synthRun('gpu-kernel', { 'buffer-size': '4MiB', mem: 'device' }), platform: 'a100-pcie4' });
    const anon = synthRun('gpu-kernel', { 'buffer-size': '4MiB', mem: 'anon', kernels: 2 });
    runs.push({ trace: anon, platform: 'gh200-c2c', set: { 'policy.access_counter_threshold': '1' } }, { trace: anon, platform: 'a100-pcie4' });
    const rdma = synthRun('rdma-stream', { 'stream-out': true, 'chunk-size': '64MiB', 'ring-depth': 8, duration: '10ms' });
    for (const f of ['sysmem', 'revoke_lru', 'fail']) runs.push({ trace: rdma, platform: 'consumer-pcie4-256m', set: { 'policy.p2p_fallback': f } });
    runs.push({ trace: synthRun('rdma-stream', { 'ring-mem': 'anon' }), platform: 'a100-pcie4', set: { 'policy.rdma_registration': 'odp' } });
    runs.push({ trace: synthRun('progress-monitor', {}), platform: 'a100-pcie4' });
    for (const [i, r] of runs.entries()) {
      const out = join(dir, `run${i}`);
      await replay({ ...r, out });
      for (const row of await query(`SELECT DISTINCT kind, cause FROM '${out}/events.parquet'`)) {
        kinds.add(row.kind as string);
        if (row.cause !== null) causes.add(row.cause as string);
      }
    }
  }, 120_000);

  it('lists every kind the model emitted', () => {
    expect([...kinds].filter((k) => !(k in EVENT_KINDS))).toEqual([]);
  });

  it('lists every cause the model emitted', () => {
    expect([...causes].filter((c) => !(c in EVENT_CAUSES))).toEqual([]);
  });

  it('reaches the values the hand-kept list had lost (so the check above has teeth)', () => {
    // copy: the device-memory gpu-kernel's cudaMemcpy rows; bar: the CPU reading device memory of the
    // progress counter / device buffers; zero_copy: GPU reaching pinned host memory or ATS; peer: the
    // NIC's DMA without a BAR mapping (ODP ring in process memory); bounce: sysmem fallback on the 256 MiB BAR.
    for (const k of ['copy', 'bounce', 'fallback', 'evict']) expect(kinds).toContain(k);
    for (const c of ['bar', 'peer', 'coherent', 'access_counter', 'eviction']) expect(causes).toContain(c);
  });
});

describe('emitted ids resolve through the table (static)', () => {
  const sources = (readdirSync(here, { recursive: true }) as string[])
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts') && !f.endsWith('.bench.ts') && !f.startsWith('testing/'))
    .map((f) => ({ file: relative(here, join(here, f)), text: readFileSync(join(here, f), 'utf8') }));

  it('every ids.kind.X / ids.cause.X in replay/ names an entry of the table', () => {
    const unknown: string[] = [];
    for (const { file, text } of sources) {
      for (const m of text.matchAll(/ids\.kind\.(\w+)/g)) if (!(m[1]! in EVENT_KINDS)) unknown.push(`${file}: kind ${m[1]}`);
      for (const m of text.matchAll(/ids\.cause\.(\w+)/g)) if (!(m[1]! in EVENT_CAUSES)) unknown.push(`${file}: cause ${m[1]}`);
      // destructured: `const { migrate: kMigrate } = model.ids.kind`
      for (const m of text.matchAll(/\{([\w\s:,]*)\}\s*=\s*[\w.]*ids\.(kind|cause)\b/g)) {
        for (const part of m[1]!.split(',')) {
          const name = part.split(':')[0]!.trim();
          if (name && !(name in (m[2] === 'kind' ? EVENT_KINDS : EVENT_CAUSES))) unknown.push(`${file}: ${m[2]} ${name}`);
        }
      }
    }
    expect(unknown).toEqual([]);
    // the scan sees the emitters (a regex that matched nothing would pass vacuously)
    expect(sources.filter((s) => /ids\.(kind|cause)\./.test(s.text)).map((s) => s.file).sort()).toEqual(expect.arrayContaining([
      'memory/fault-service.ts', 'memory/migrator.ts', 'memory/transfers.ts', 'p2p/exporter.ts', 'p2p/rdma-registration.ts', 'memory/driver-objects.ts',
    ]));
  });

  it('every string literal interned into an event log in replay/ is a kind or cause of the table', () => {
    // Agent, memory and object names are interned from variables (platform, trace); a literal is a kind
    // or cause (events.ts keys its merge of contiguous remote accesses on 'remote', and its summary
    // totals on 'migrate', 'evict' and 'remote').
    const literal = sources.flatMap(({ file, text }) => [...text.matchAll(/\.id\(\s*['"`]([^'"`]*)['"`]\s*\)/g)].map((m) => ({ file, s: m[1]! })));
    expect(literal.filter(({ s }) => !(s in EVENT_KINDS) && !(s in EVENT_CAUSES))).toEqual([]);
    expect(literal.map(({ file, s }) => `${file}: ${s}`).sort()).toEqual(['events.ts: evict', 'events.ts: migrate', 'events.ts: remote']); // the scan sees them
  });
});

describe('docs', () => {
  it('replay/README.md holds the vocabulary section generated from the table', () => {
    expect(readFileSync(README, 'utf8')).toContain(vocabularyMarkdown());
  });
});
