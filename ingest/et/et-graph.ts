/**
 * Reads a PyTorch Execution Trace (ExecutionTraceObserver JSON, `.json` or `.json.gz`) into compact
 * columns: one entry per node (id, parent, name, rf_id, whether it can launch GPU work) and one per
 * tensor argument (storage, offset, numel, itemsize, agent, input/output). The `nodes` array is
 * streamed through the project's JSON scanner, one node parsed at a time, so memory is bounded by
 * these columns (a few numbers per node and per tensor argument: ~6 MiB for hf_GPT2's 27k nodes and
 * 49k tensor arguments), not by the document.
 *
 * Both schema shapes: 1.0.1 keeps `rf_id`, `parent` and `op_schema` on the node and argument lists
 * flat; 1.0.2 and later move them into `attrs` (`[{name, type, value}]`), parent into `ctrl_deps`, and
 * arguments into `{values, shapes, types}` (PyTorch execution_trace_observer.cpp; Chakra's
 * et_converter reads the same fields).
 */
import { BadInputError } from '../../common/bad-input.ts';
import type { RowSink } from '../format.ts';
import { sourceChunks } from '../io/byte-stream.ts';
import { JsonStreamScanner } from '../io/json-scanner.ts';
import { argSide, deviceAgent, forEachTensor, type EtTensor } from './tensor-args.ts';

/** ET nodes and their tensor arguments, columnar; ops in execution (id) order after `read`. */
export class EtGraph {
  schema = '';
  /** node ids (ascending once read) */
  readonly id: number[] = [];
  readonly parent: number[] = [];
  readonly name: string[] = [];
  /** rf_id (NaN when absent): the key Kineto's cpu_op carries as `Record function id` / `External id` */
  readonly rfId: number[] = [];
  /**
   * 1 for the ops that get a nominal kernel when there is no Kineto trace: an op with a GPU tensor
   * that is not a no-work op (`launchesNothing`) and has no descendant that is one itself — the
   * innermost op doing the work launches it (aten::addmm, whose only child is an aten::empty for its
   * output, does; aten::linear, whose child aten::addmm does, does not).
   */
  readonly nominalWork: number[] = [];
  /** 1 for ops that launch no GPU work by their schema: views and bare allocations (see `launchesNothing`) */
  readonly noWork: number[] = [];
  /** node i's tensor arguments are [tensorStart[i], tensorStart[i+1]) */
  readonly tensorStart: number[] = [];
  /** per tensor argument: index into `storages` */
  readonly tStorage: number[] = [];
  readonly tOffset: number[] = [];
  readonly tNumel: number[] = [];
  readonly tItemsize: number[] = [];
  /** 1 = output, 0 = input */
  readonly tOutput: number[] = [];
  /** storages, keyed `storage_id@agent`; index = storage index */
  readonly storageKey: string[] = [];
  readonly storageAgent: string[] = [];
  private readonly storageIndex = new Map<string, number>();

  get nodes(): number { return this.id.length; }

  /** Each storage's size: the largest extent any tensor argument gives it, (offset + numel) × itemsize. */
  extents(): Float64Array {
    const size = new Float64Array(this.storageKey.length);
    for (let k = 0; k < this.tStorage.length; k++) {
      const s = this.tStorage[k]!;
      size[s] = Math.max(size[s]!, (this.tOffset[k]! + this.tNumel[k]!) * this.tItemsize[k]!);
    }
    return size;
  }

  /** Tensor arguments of node `i`: [start, end) into the t* columns. */
  tensors(i: number): [number, number] { return [this.tensorStart[i]!, this.tensorStart[i + 1]!]; }

  /** Streams `file` into a new graph; undefined tensors and unknown devices are counted on `sink`. */
  static async read(file: string, sink: RowSink, progress: (bytes: number) => void = () => {}): Promise<EtGraph> {
    const g = new EtGraph();
    let sawNodes = false;
    const scanner = new JsonStreamScanner(file, {
      plan: (path) => (path.length === 0 ? 'descend' : path.length === 1 && path[0] === 'nodes' ? 'stream' : 'value'),
      value: (path, value) => { if (path[0] === 'schema' && typeof value === 'string') g.schema = value; },
      element: (_path, value, _text, line, index) => {
        sawNodes = true;
        if (!value || typeof value !== 'object' || Array.isArray(value)) throw new BadInputError(file, line, `nodes[${index}]`, 'expected an object');
        g.addNode(file, value as Record<string, unknown>, line, index, sink);
      },
    });
    for await (const chunk of sourceChunks(file, progress)) scanner.push(chunk);
    scanner.end();
    if (!sawNodes && !scanner.hadStream) throw new BadInputError(file, undefined, 'nodes', 'missing (not a PyTorch Execution Trace)');
    g.finish();
    return g;
  }

  private addNode(file: string, n: Record<string, unknown>, line: number, index: number, sink: RowSink): void {
    const attrs = attrMap(n.attrs);
    const id = n.id;
    if (typeof id !== 'number' || !Number.isFinite(id)) throw new BadInputError(file, line, `nodes[${index}].id`, 'expected a number');
    const name = typeof n.name === 'string' ? n.name : '';
    const parent = typeof n.parent === 'number' ? n.parent : typeof n.ctrl_deps === 'number' ? n.ctrl_deps : -1;
    const rf = typeof n.rf_id === 'number' ? n.rf_id : typeof attrs.get('rf_id') === 'number' ? (attrs.get('rf_id') as number) : Number.NaN;
    const schema = typeof n.op_schema === 'string' ? n.op_schema : typeof attrs.get('op_schema') === 'string' ? (attrs.get('op_schema') as string) : '';
    this.id.push(id);
    this.parent.push(parent);
    this.name.push(name);
    this.rfId.push(rf);
    this.noWork.push(launchesNothing(name, schema) ? 1 : 0);
    this.tensorStart.push(this.tStorage.length);
    const add = (output: number) => (t: EtTensor) => {
      const where = `nodes[${index}].${output ? 'outputs' : 'inputs'}`;
      if (t.device === '') { sink.unmapped('et:undefined_tensor'); return; }
      if (!(t.numel >= 0 && t.offset >= 0 && t.itemsize > 0) || !Number.isSafeInteger((t.offset + t.numel) * t.itemsize)) {
        throw new BadInputError(file, line, where, `tensor of storage ${t.storage}: offset ${t.offset}, numel ${t.numel}, itemsize ${t.itemsize} is not a valid extent`);
      }
      const agent = deviceAgent(t.device);
      if (agent === null) { sink.unmapped(`et:device:${t.device}`); return; }
      if (t.numel === 0) return; // an empty tensor touches no memory
      const key = `${t.storage}@${agent}`;
      let s = this.storageIndex.get(key);
      if (s === undefined) {
        s = this.storageKey.length;
        this.storageIndex.set(key, s);
        this.storageKey.push(key);
        this.storageAgent.push(agent);
      }
      this.tStorage.push(s);
      this.tOffset.push(t.offset);
      this.tNumel.push(t.numel);
      this.tItemsize.push(t.itemsize);
      this.tOutput.push(output);
    };
    const ins = argSide(n, 'inputs');
    forEachTensor(ins.values, ins.types, add(0));
    const outs = argSide(n, 'outputs');
    forEachTensor(outs.values, outs.types, add(1));
  }

  /** Sorts nodes by id (the observer numbers ops as they start) and marks the nominal-work ops. */
  private finish(): void {
    this.tensorStart.push(this.tStorage.length);
    const n = this.id.length;
    const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => this.id[a]! - this.id[b]!);
    const pick = <T>(col: T[]): T[] => order.map((i) => col[i]!);
    const ts: number[][] = [[], [], [], [], []];
    const starts: number[] = [];
    for (const i of order) {
      starts.push(ts[0]!.length);
      for (let k = this.tensorStart[i]!; k < this.tensorStart[i + 1]!; k++) {
        ts[0]!.push(this.tStorage[k]!); ts[1]!.push(this.tOffset[k]!); ts[2]!.push(this.tNumel[k]!);
        ts[3]!.push(this.tItemsize[k]!); ts[4]!.push(this.tOutput[k]!);
      }
    }
    starts.push(ts[0]!.length);
    replace(this.parent, pick(this.parent)); replace(this.name, pick(this.name)); replace(this.rfId, pick(this.rfId));
    replace(this.noWork, pick(this.noWork)); replace(this.id, pick(this.id));
    replace(this.tStorage, ts[0]!); replace(this.tOffset, ts[1]!); replace(this.tNumel, ts[2]!);
    replace(this.tItemsize, ts[3]!); replace(this.tOutput, ts[4]!); replace(this.tensorStart, starts);
    // Children start after their parent, so in decreasing id order every child is decided first.
    const index = new Map(this.id.map((id, i) => [id, i]));
    const below = new Uint8Array(n); // some descendant does work
    const work = new Array<number>(n).fill(0);
    for (let i = n - 1; i >= 0; i--) {
      let gpu = false;
      for (let k = this.tensorStart[i]!; k < this.tensorStart[i + 1]! && !gpu; k++) gpu = this.storageAgent[this.tStorage[k]!]!.startsWith('gpu');
      work[i] = gpu && !this.noWork[i] && !below[i] ? 1 : 0;
      const p = this.parent[i] !== this.id[i] ? index.get(this.parent[i]!) : undefined;
      if (p !== undefined && (work[i] || below[i])) below[p] = 1;
    }
    replace(this.nominalWork, work);
  }
}

function replace<T>(a: T[], b: readonly T[]): void { a.length = 0; for (const x of b) a.push(x); }

/** `attrs: [{name, value}]` (schema ≥ 1.0.2) as a map; empty for 1.0.1 nodes. */
function attrMap(attrs: unknown): Map<string, unknown> {
  const m = new Map<string, unknown>();
  if (Array.isArray(attrs)) for (const a of attrs) if (a && typeof a === 'object' && typeof (a as { name?: unknown }).name === 'string') m.set((a as { name: string }).name, (a as { value?: unknown }).value);
  return m;
}

/**
 * Ops that launch no GPU work whatever their arguments: views, whose schema returns an alias without
 * `!` (`-> Tensor(a)`: as_strided, view, transpose, t, … — PyTorch's alias annotations in
 * native_functions.yaml; in-place ops return `Tensor(a!)` and do run kernels), ops that return
 * neither a tensor nor `()` (`aten::result_type -> ScalarType`, `aten::size -> int`: metadata), and
 * the bare allocators `aten::empty*` and `aten::resize_` (they only take memory from the caching
 * allocator), and ops without a schema (autograd nodes such as TBackward0, `[param|…]` annotations:
 * wrappers whose ATen ops do the work). Used to decide which ops get a nominal kernel when there is
 * no Kineto trace to say.
 */
export function launchesNothing(name: string, schema: string): boolean {
  if (/^aten::(empty|empty_strided|empty_like|new_empty|new_empty_strided|resize_)$/.test(name)) return true;
  const arrow = schema.lastIndexOf('->');
  if (arrow < 0) return true; // no schema: an autograd node (TBackward0) or annotation; its ATen ops do the work
  const returns = schema.slice(arrow + 2).trim();
  if (returns !== '()' && !returns.includes('Tensor')) return true;
  return /Tensor\([a-z]+\)/.test(returns) && !returns.includes('!');
}
