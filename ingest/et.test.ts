/**
 * The Execution Trace reader on the shared real traces (../shared/traces/pytorch-et). Every expected
 * number is recomputed from the JSON itself (fixtures/ingest/et-json.ts: plain JSON.parse and
 * arithmetic) or written out by hand from the file, never taken from the reader.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BadInputError } from '../common/bad-input.ts';
import { realTraces } from '../common/testing/requirements.ts';
import { tempFileWriter } from '../fixtures/ingest/temp-files.ts';
import { CollectingSink, quietContext } from '../fixtures/ingest/collecting-sink.ts';
import { gpuBytes, loadEt, peakLiveGpuBytes, storageExtents, tensorsOf, type EtNodeJson } from '../fixtures/ingest/et-json.ts';
import { readEt, NOMINAL_KERNEL_NS } from './et.ts';
import { ingest } from './ingest.ts';
import { META } from './trace/schema.ts';
import { VA_BLOCK_SIZE } from './trace/units.ts';
import type { TraceRow } from './trace/writer.ts';

const ET = realTraces.file('pytorch-et') + '/';
const SIMPLE_ADD = [ET + 'hta/benchmark_simple_add_et.json.gz', ET + 'hta/benchmark_simple_add_trace.json.gz'] as const;
const LINEAR = [ET + 'param/linear_et.json.gz', ET + 'param/linear_kineto.json.gz'] as const;
const tmp = mkdtempSync(join(tmpdir(), 'hetmem-et-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function read(files: readonly string[]): Promise<CollectingSink> {
  const sink = new CollectingSink();
  await readEt(files, sink, quietContext);
  return sink;
}

/** Read and write bytes per op label (`name#id`) from the access rows. */
function perOp(rows: readonly TraceRow[]): Map<string, [number, number]> {
  const m = new Map<string, [number, number]>();
  for (const r of rows) {
    if (r.op !== 'read' && r.op !== 'write') continue;
    const e = m.get(r.name!) ?? [0, 0];
    e[r.op === 'read' ? 0 : 1] += r.bytes!;
    m.set(r.name!, e);
  }
  return m;
}

/** The same table recomputed from the JSON for the ops that have access rows. */
function expectedPerOp(nodes: readonly EtNodeJson[], labels: Iterable<string>): Map<string, [number, number]> {
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const m = new Map<string, [number, number]>();
  for (const label of labels) {
    const n = byId.get(Number(label.slice(label.lastIndexOf('#') + 1)))!;
    expect(label).toBe(`${n.name}#${n.id}`);
    m.set(label, [gpuBytes(n, 'inputs'), gpuBytes(n, 'outputs')]);
  }
  return m;
}

/** Allocation size per object, and the same from the JSON (agent names: cuda:N → gpuN, cpu → cpu0). */
function expectAllocationsMatchJson(sink: CollectingSink, nodes: readonly EtNodeJson[]): void {
  const got = new Map(sink.op('alloc').map((r) => [r.obj!, r.bytes!]));
  const want = new Map([...storageExtents(nodes)].map(([k, v]) => {
    const [id, dev] = k.split('@');
    return [`storage${id}@${dev === 'cpu' ? 'cpu0' : `gpu${dev!.slice(5) || '0'}`}`, v];
  }));
  expect(got).toEqual(want);
  // 2 MiB-aligned, no two objects overlap
  const allocs = sink.op('alloc').sort((a, b) => a.addr! - b.addr!);
  for (const [i, a] of allocs.entries()) {
    expect(a.addr! % (2 * 1024 * 1024)).toBe(0);
    if (i > 0) expect(a.addr!).toBeGreaterThanOrEqual(allocs[i - 1]!.addr! + allocs[i - 1]!.bytes!);
  }
  // In the trace's order (rows stably sorted by ts, as the sorting sink writes them): every object is
  // allocated once, freed once after that, and every access lies inside it, between the two.
  const rows = [...sink.rows].sort((a, b) => a.ts - b.ts);
  const allocAt = new Map<string, number>();
  const freeAt = new Map<string, number>();
  rows.forEach((r, i) => {
    if (r.op === 'alloc') { expect(allocAt.has(r.obj!)).toBe(false); allocAt.set(r.obj!, i); }
    if (r.op === 'free') { expect(allocAt.has(r.obj!) && !freeAt.has(r.obj!)).toBe(true); freeAt.set(r.obj!, i); }
  });
  expect(freeAt.size).toBe(allocAt.size);
  rows.forEach((r, i) => {
    if (r.op !== 'read' && r.op !== 'write') return;
    const a = rows[allocAt.get(r.obj!)!]!;
    expect(r.addr!).toBeGreaterThanOrEqual(a.addr!);
    expect(r.addr! + r.bytes!).toBeLessThanOrEqual(a.addr! + a.bytes!);
    expect(i).toBeGreaterThan(allocAt.get(r.obj!)!);
    expect(i).toBeLessThan(freeAt.get(r.obj!)!);
  });
}

realTraces.describe('ET with its Kineto trace', () => {
  it('benchmark_simple_add: the four GPU ops read and write what their tensors say (by hand)', async () => {
    const sink = await read(SIMPLE_ADD);
    // From the JSON by hand: aten::uniform_ (nodes 8, 13) fill one 256×256 float tensor each (65536 × 4
    // = 262144 B, read and written: in-place); aten::add (nodes 36, 58) read two such tensors, write one.
    expect(Object.fromEntries(perOp(sink.rows))).toEqual({
      'aten::uniform_#8': [262144, 262144], 'aten::uniform_#13': [262144, 262144],
      'aten::add#36': [524288, 262144], 'aten::add#58': [524288, 262144],
    });
    expect(Object.fromEntries(perOp(sink.rows))).toEqual(Object.fromEntries(expectedPerOp(loadEt(SIMPLE_ADD[0]).nodes, perOp(sink.rows).keys())));
    // the trace's four kernels (2 distribution kernels, 2 vectorized_elementwise), at their observed
    // durations: 5, 5, 3, 3 µs
    const kernels = sink.op('kernel');
    expect(kernels.map((k) => [k.corr, k.dur])).toEqual([[22, 5000], [39, 5000], [53, 3000], [72, 3000]]);
    // the first kernel launched at 1689360808083239 µs; the earliest op using a storage (aten::rand,
    // node 4 ↔ External id 2) started at 1689360788495703 µs: 19587536 µs before
    expect(kernels[0]!.ts).toBe(19_587_536_000);
    expect(sink.unmappedObject).toEqual({});
    expectAllocationsMatchJson(sink, loadEt(SIMPLE_ADD[0]).nodes);
    // CPU tensors (the 40 MiB cache-clearing buffers) are pageable memory of cpu0
    expect(sink.op('alloc', (r) => r.agent === 'cpu0').every((r) => r.mem === 'pageable')).toBe(true);
    expect(sink.op('alloc', (r) => r.agent === 'gpu0').every((r) => r.mem === 'device')).toBe(true);
  });

  it('param linear: per-op read and write bytes of every linked op equal the JSON\'s tensor sizes', async () => {
    const sink = await read(LINEAR);
    const { nodes } = loadEt(LINEAR[0]);
    const got = perOp(sink.rows);
    // The ET is one training step of a 4-layer MLP; its forward addmm ops are the big readers: at
    // least 20 of the ops with GPU tensors must be linked to kernels.
    expect(got.size).toBeGreaterThan(20);
    expect(got).toEqual(expectedPerOp(nodes, got.keys()));
    // every kernel row is a Kineto GPU activity of an op whose accesses carry its correlation
    const corrs = new Set(sink.rows.filter((r) => r.op === 'read' || r.op === 'write').map((r) => r.corr));
    for (const r of sink.rows.filter((x) => x.op === 'read' || x.op === 'write')) expect(sink.op('kernel', (k) => k.corr === r.corr)).toHaveLength(1);
    expect(corrs.size).toBeGreaterThan(0);
    expectAllocationsMatchJson(sink, nodes);
    // the 2 undefined tensors (device '') of the JSON are counted, not dropped silently
    const undefinedTensors = nodes.flatMap((n) => [...tensorsOf(n, 'inputs'), ...tensorsOf(n, 'outputs')]).filter((t) => t[5] === '').length;
    expect(sink.unmappedObject['et:undefined_tensor']).toBe(undefinedTensors);
  });

  it('--format auto takes the ET and its Kineto trace together, in either order', async () => {
    const out = join(tmp, 'sa.arrow');
    const r = await ingest([SIMPLE_ADD[1], SIMPLE_ADD[0]], { format: 'auto', output: out });
    expect(r.format).toBe('et');
    expect(r.rows).toBe((await read(SIMPLE_ADD)).rows.length);
  });
});

realTraces.describe('ET alone (nominal kernels in op order)', () => {
  /**
   * Ops that get a nominal kernel, recomputed top-down by recursion over the children: an op "does
   * work" when it has a CUDA tensor and a schema, is not a view (returns `Tensor(a)` without `!`), a metadata query
   * (returns neither a tensor nor `()`) or an allocation (aten::empty*, aten::resize_), and no op
   * below it does work.
   */
  function nominalOps(nodes: readonly EtNodeJson[]): EtNodeJson[] {
    const parentOf = (n: EtNodeJson) => (n.parent ?? n.ctrl_deps) as number;
    const children = new Map<number, EtNodeJson[]>();
    for (const n of nodes) if (parentOf(n) !== n.id) children.set(parentOf(n), [...(children.get(parentOf(n)) ?? []), n]);
    const schemaOf = (n: EtNodeJson) => (n.op_schema as string | undefined) ??
      ((n.attrs as { name: string; value: unknown }[] | undefined)?.find((a) => a.name === 'op_schema')?.value as string | undefined) ?? '';
    const eligible = (n: EtNodeJson): boolean => {
      const schema = schemaOf(n);
      if (!schema.includes('->')) return false; // autograd nodes and annotations wrap the ATen ops
      const ret = schema.split('->').pop()!.trim();
      if (/Tensor\([a-z]+\)/.test(ret) && !ret.includes('!')) return false;
      if (ret !== '()' && !ret.includes('Tensor')) return false;
      if (/^aten::(empty|empty_strided|empty_like|new_empty|new_empty_strided|resize_)$/.test(n.name)) return false;
      return [...tensorsOf(n, 'inputs'), ...tensorsOf(n, 'outputs')].some((t) => t[5].startsWith('cuda') && t[3] > 0);
    };
    const workBelow = (n: EtNodeJson): boolean => (children.get(n.id) ?? []).some((c) => doesWork(c) || workBelow(c));
    const doesWork = (n: EtNodeJson): boolean => eligible(n) && !workBelow(n);
    return nodes.filter(doesWork).sort((a, b) => a.id - b.id);
  }

  for (const [file, gpu] of [['param/resnet_1gpu_et.json.gz', 'gpu0'], ['param/resnet_2gpu_et.json.gz', 'gpu1'], ['param/hf_GPT2_et.json.gz', 'gpu0'], ['param/linear_et.json.gz', 'gpu0']] as const) {
    it(`${file}: one ${NOMINAL_KERNEL_NS / 1000} µs kernel per compute op on ${gpu}, accesses and allocations from the JSON`, async () => {
      const sink = await read([ET + file]);
      const { nodes } = loadEt(ET + file);
      const ops = nominalOps(nodes);
      const kernels = sink.op('kernel');
      expect(kernels.map((k) => k.corr)).toEqual(ops.map((n) => n.id));
      expect(kernels.map((k) => k.ts)).toEqual(ops.map((_, i) => i * NOMINAL_KERNEL_NS));
      expect(new Set(kernels.map((k) => k.agent))).toEqual(new Set([gpu]));
      const got = perOp(sink.rows);
      expect(got).toEqual(expectedPerOp(nodes, got.keys()));
      expectAllocationsMatchJson(sink, nodes);
      // the footprint the trace states (peak of live storages in 2 MiB chunks), recomputed by brute force
      const info = JSON.parse(sink.metadata.get(META.sourceInfo)!) as { gpu_footprint_bytes: Record<string, number> };
      expect(info.gpu_footprint_bytes).toEqual({ [gpu]: peakLiveGpuBytes(nodes, VA_BLOCK_SIZE) });
    });
  }
});

describe('bad input', () => {
  const write = tempFileWriter(tmp);
  const node = (extra: string) => `{"name": "aten::add", "id": 5, "rf_id": 1, "parent": 1, ${extra}"inputs": [[1,2,0,4,4,"cuda:0"]], "input_types": ["Tensor(float)"], "outputs": [], "output_types": []}`;

  realTraces.it('a Kineto trace alone is not an ET', async () => {
    await expect(read([SIMPLE_ADD[1]])).rejects.toThrow(/no Execution Trace/);
  });

  it('a node without an id names file, line and field', async () => {
    const f = write(`{"schema": "1.0.1",\n "nodes": [\n${node('').replace('"id": 5, ', '')}\n]}`, 'x_et.json');
    const e = await read([f]).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(BadInputError);
    expect((e as Error).message).toBe(`${f}:3: nodes[0].id: expected a number`);
  });

  it('a tensor with a negative numel is refused, naming the node and side', async () => {
    const f = write(`{"schema": "1.0.1", "nodes": [\n${node('').replace('[1,2,0,4,4', '[1,2,0,-4,4')}]}`, 'x_et.json');
    await expect(read([f])).rejects.toThrow(/:2: nodes\[0\]\.inputs: tensor of storage 2: offset 0, numel -4/);
  });

  it('truncated JSON is bad input, not a crash', async () => {
    const f = write(`{"schema": "1.0.1", "nodes": [\n${node('').slice(0, 40)}`, 'x_et.json');
    await expect(read([f])).rejects.toBeInstanceOf(BadInputError);
  });
});
