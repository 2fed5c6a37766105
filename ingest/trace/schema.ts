/**
 * The canonical trace `hetmem.trace/1` (DESIGN.md "Canonical trace"): one Arrow IPC file, one row per
 * event, sorted by `ts`. This module is the single definition of its columns, ops and metadata keys.
 */
import { Dictionary, Field, Int32, Int64, Schema, Utf8 } from 'apache-arrow';

export const TRACE_SCHEMA_ID = 'hetmem.trace/1';

/** Ops, in a fixed order (their index is stable only within one file: the dictionary says the truth). */
export const OPS = [
  'alloc', 'free',
  'read', 'write', 'atomic',
  'kernel', 'copy', 'prefetch', 'advise', 'submit',
  'peer_map', 'peer_unmap', 'sync',
  'obs_migrate', 'obs_fault',
  'memset', 'wait',
] as const;
export type Op = (typeof OPS)[number];
export const isOp = (s: string): s is Op => (OPS as readonly string[]).includes(s);

/** Memory kinds of an `alloc` (DESIGN.md). */
export const MEM_KINDS = ['managed', 'anon', 'devobj', 'device', 'pinned', 'pageable'] as const;
export type MemKind = (typeof MEM_KINDS)[number];
export const isMemKind = (s: string): s is MemKind => (MEM_KINDS as readonly string[]).includes(s);

/** Agent names are a kind plus an index: `cpu0`, `gpu1`, `nic0`, `nvme0`. */
export const AGENT_KINDS = ['cpu', 'gpu', 'nic', 'nvme'] as const;
export type AgentKind = (typeof AGENT_KINDS)[number];
export const AGENT_PATTERN = /^(cpu|gpu|nic|nvme)(\d+)$/;
export function agentKind(agent: string): AgentKind | undefined {
  const m = AGENT_PATTERN.exec(agent);
  return m ? (m[1] as AgentKind) : undefined;
}

/** Int64 columns: read as Float64Array views of exact integers (see units.ts). */
export const INT64_COLUMNS = ['ts', 'dur', 'addr', 'bytes', 'corr'] as const;
export type Int64Column = (typeof INT64_COLUMNS)[number];
/** Dictionary<Utf8> columns with Int32 codes. */
export const DICT_COLUMNS = ['op', 'agent', 'obj', 'peer', 'mem', 'cause', 'name'] as const;
export type DictColumn = (typeof DICT_COLUMNS)[number];
/** Int32 columns. */
export const INT32_COLUMNS = ['stream'] as const;
export type Int32Column = (typeof INT32_COLUMNS)[number];

/** Column order of the file and of the CSV form. */
export const COLUMNS = ['ts', 'dur', 'op', 'agent', 'addr', 'bytes', 'obj', 'peer', 'mem', 'cause', 'stream', 'corr', 'name'] as const;
export type Column = (typeof COLUMNS)[number];
/** Columns that may never be null. */
export const REQUIRED_COLUMNS: readonly Column[] = ['ts', 'op', 'agent'];

/** Dictionary ids are fixed per column so that every writer emits the same bytes. */
const DICT_IDS: Record<DictColumn, number> = { op: 0, agent: 1, obj: 2, peer: 3, mem: 4, cause: 5, name: 6 };

export function columnKind(c: Column): 'int64' | 'dict' | 'int32' {
  if ((INT64_COLUMNS as readonly string[]).includes(c)) return 'int64';
  if ((DICT_COLUMNS as readonly string[]).includes(c)) return 'dict';
  return 'int32';
}

export function dictType(column: DictColumn): Dictionary<Utf8, Int32> {
  return new Dictionary(new Utf8(), new Int32(), DICT_IDS[column], false);
}

/** Metadata keys (Arrow schema metadata, all values strings; JSON where said). */
export const META = {
  schema: 'hetmem.schema',
  /** e.g. `csv`, `synth:gpu-kernel`, `kineto`, `nsys` */
  sourceFormat: 'hetmem.source.format',
  /** JSON array of file names */
  sourceFiles: 'hetmem.source.files',
  /** sha256 hex of the source bytes (all files, in order) */
  sourceSha256: 'hetmem.source.sha256',
  ingestVersion: 'hetmem.ingest.version',
  /** JSON array of {agent, name?, memory?, bus?, ...} */
  devices: 'hetmem.devices',
  /** JSON object: parameters of a synthetic workload */
  synthParams: 'hetmem.synth.params',
  /** JSON object: {kind: count} of source records the canonical trace cannot say: counted, never silently dropped */
  unmapped: 'hetmem.unmapped',
  /** JSON object: anything else a source format carries (device properties, distributed info …) */
  sourceInfo: 'hetmem.source.info',
} as const;

export type TraceMetadata = Map<string, string>;

export function traceSchema(metadata: TraceMetadata): Schema {
  const fields = COLUMNS.map((c) => {
    const nullable = !REQUIRED_COLUMNS.includes(c);
    switch (columnKind(c)) {
      case 'int64': return new Field(c, new Int64(), nullable);
      case 'dict': return new Field(c, dictType(c as DictColumn), nullable);
      default: return new Field(c, new Int32(), nullable);
    }
  });
  const meta = new Map(metadata);
  meta.set(META.schema, TRACE_SCHEMA_ID);
  return new Schema(fields, meta);
}
