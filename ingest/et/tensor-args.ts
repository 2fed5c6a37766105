/**
 * Tensor arguments of one PyTorch Execution Trace node. ExecutionTraceObserver writes each tensor as
 * `[tensor_id, storage_id, offset, numel, itemsize, device]` (offset and numel in elements), inside the
 * node's `inputs`/`outputs` — flat lists beside `input_types`/`output_types` in schema 1.0.1, objects
 * `{values, shapes, types}` from 1.0.2 on (PyTorch torch/csrc/profiler/standalone/execution_trace_observer.cpp).
 * Tensor lists (`GenericList[Tensor(float),…]`) nest the same tuples one level down. Other arguments
 * (ints, shapes, strings, `<None>`) are not memory and are skipped here.
 */

/** One tensor argument (numbers as the trace gives them). */
export interface EtTensor {
  storage: number;
  /** storage offset in elements */
  offset: number;
  numel: number;
  itemsize: number;
  /** `cuda:0`, `cuda`, `cpu`, or '' (an undefined tensor: `Tensor(nullptr (uninitialized))`) */
  device: string;
}

const isTensorTuple = (v: unknown): v is [number, number, number, number, number, string] =>
  Array.isArray(v) && v.length === 6 && typeof v[5] === 'string' &&
  typeof v[0] === 'number' && typeof v[1] === 'number' && typeof v[2] === 'number' && typeof v[3] === 'number' && typeof v[4] === 'number';

/** The values and types of one side (`inputs` or `outputs`) of a node, in either schema shape. */
export function argSide(node: Record<string, unknown>, side: 'inputs' | 'outputs'): { values: unknown[]; types: unknown[] } {
  const v = node[side];
  if (Array.isArray(v)) {
    const t = node[side === 'inputs' ? 'input_types' : 'output_types'];
    return { values: v, types: Array.isArray(t) ? t : [] };
  }
  if (v && typeof v === 'object') {
    const o = v as { values?: unknown; types?: unknown };
    return { values: Array.isArray(o.values) ? o.values : [], types: Array.isArray(o.types) ? o.types : [] };
  }
  return { values: [], types: [] };
}

/**
 * Calls `each` for every tensor argument of one side, in argument order (tensor lists element by
 * element). A value counts as a tensor when its type says `Tensor` (or `GenericList[Tensor…]`) and it
 * has the six-field tuple shape; a type-less value (some writers omit types) only by its shape.
 */
export function forEachTensor(values: readonly unknown[], types: readonly unknown[], each: (t: EtTensor) => void): void {
  for (let i = 0; i < values.length; i++) {
    const type = typeof types[i] === 'string' ? (types[i] as string) : '';
    if (type !== '' && !type.includes('Tensor')) continue;
    visit(values[i], each, 0);
  }
}

function visit(v: unknown, each: (t: EtTensor) => void, depth: number): void {
  if (isTensorTuple(v)) {
    each({ storage: v[1], offset: v[2], numel: v[3], itemsize: v[4], device: v[5] });
    return;
  }
  if (Array.isArray(v) && depth < 2) for (const x of v) visit(x, each, depth + 1);
}

/**
 * The agent a tensor's device string names: `cuda:N` → `gpuN`, `cuda` (the current device, which the
 * trace does not record) → `gpu0`, `cpu` → `cpu0`; null for '' (undefined tensors) and devices the
 * canonical trace has no agent kind for.
 */
export function deviceAgent(device: string): string | null {
  if (device === 'cpu') return 'cpu0';
  if (device === 'cuda') return 'gpu0';
  const m = /^cuda:(\d+)$/.exec(device);
  return m ? `gpu${m[1]}` : null;
}
