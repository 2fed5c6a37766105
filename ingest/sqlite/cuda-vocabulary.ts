/**
 * CUDA/CUPTI enumerations shared by the Nsight Systems and nvprof readers, and what they mean in the
 * canonical trace. Readers resolve ids to symbol names through the file's own `ENUM_*` tables when
 * it has them (nsys schema ≥ 3) and through the fallbacks below otherwise (nsys 2.9, nvprof).
 */
import type { MemKind } from '../trace/schema.ts';

/** One side of a copy: host memory or device memory (arrays are device memory). */
export type CopySide = 'host' | 'device';

export interface CopyKind {
  /** Kineto-style short label: `HtoD`, `DtoH`, `PtoP` … */
  label: string;
  src: CopySide;
  dst: CopySide;
  /** A unified-memory migration (nsys copyKind 11/12/13), not an explicit copy. */
  unified: boolean;
}

const COPY_KINDS: Record<string, CopyKind> = {
  HTOD: { label: 'HtoD', src: 'host', dst: 'device', unified: false },
  DTOH: { label: 'DtoH', src: 'device', dst: 'host', unified: false },
  HTOA: { label: 'HtoA', src: 'host', dst: 'device', unified: false },
  ATOH: { label: 'AtoH', src: 'device', dst: 'host', unified: false },
  ATOA: { label: 'AtoA', src: 'device', dst: 'device', unified: false },
  ATOD: { label: 'AtoD', src: 'device', dst: 'device', unified: false },
  DTOA: { label: 'DtoA', src: 'device', dst: 'device', unified: false },
  DTOD: { label: 'DtoD', src: 'device', dst: 'device', unified: false },
  HTOH: { label: 'HtoH', src: 'host', dst: 'host', unified: false },
  PTOP: { label: 'PtoP', src: 'device', dst: 'device', unified: false },
  UVM_HTOD: { label: 'HtoD', src: 'host', dst: 'device', unified: true },
  UVM_DTOH: { label: 'DtoH', src: 'device', dst: 'host', unified: true },
  UVM_DTOD: { label: 'DtoD', src: 'device', dst: 'device', unified: true },
};

/** The copy kind of an enum symbol such as `CUDA_MEMCPY_KIND_UVM_HTOD`; undefined for UNKNOWN. */
export function copyKindOf(symbol: string | undefined): CopyKind | undefined {
  if (symbol === undefined) return undefined;
  const i = symbol.indexOf('KIND_');
  return COPY_KINDS[i >= 0 ? symbol.slice(i + 5) : symbol];
}

/** CUpti_ActivityMemcpyKind ids (0–10), plus nsys's unified-memory kinds 11–13 (ENUM_CUDA_MEMCPY_OPER). */
export const COPY_KIND_FALLBACK: ReadonlyMap<number, string> = new Map(
  ['UNKNOWN', 'HTOD', 'DTOH', 'HTOA', 'ATOH', 'ATOA', 'ATOD', 'DTOA', 'DTOD', 'HTOH', 'PTOP', 'UVM_HTOD', 'UVM_DTOH', 'UVM_DTOD']
    .map((s, i) => [i, `CUDA_MEMCPY_KIND_${s}`]),
);

const MEM_KINDS: Record<string, MemKind | null> = {
  PAGEABLE: 'pageable', PINNED: 'pinned', DEVICE: 'device', ARRAY: 'device', MANAGED: 'managed',
  DEVICE_STATIC: 'device', MANAGED_STATIC: 'managed', UNKNOWN: null,
};

/** The memory kind of a symbol such as `CUDA_MEMOPR_MEMORY_KIND_PINNED`; null when unknown. */
export function memKindOf(symbol: string | undefined): MemKind | null {
  if (symbol === undefined) return null;
  const i = symbol.indexOf('MEMORY_KIND_');
  return MEM_KINDS[i >= 0 ? symbol.slice(i + 12) : symbol] ?? null;
}

/** `Memcpy HtoD (Pageable -> Device)`, the Kineto spelling; without kinds just `Memcpy HtoD`. */
export function copyName(kind: CopyKind, srcSym: string | undefined, dstSym: string | undefined): string {
  const a = memKindLabel(srcSym);
  const b = memKindLabel(dstSym);
  return a && b ? `Memcpy ${kind.label} (${a} -> ${b})` : `Memcpy ${kind.label}`;
}

/** `CUDA_MEMOPR_MEMORY_KIND_DEVICE_STATIC` → `Device Static`; undefined for UNKNOWN. */
export function memKindLabel(sym: string | undefined): string | undefined {
  if (sym === undefined) return undefined;
  const i = sym.indexOf('MEMORY_KIND_');
  const s = (i >= 0 ? sym.slice(i + 12) : sym).toLowerCase().split('_').map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join(' ');
  return s === 'Unknown' ? undefined : s;
}

/** nsys ENUM_CUDA_MEM_KIND (schema 3.x); also the fallback for nsys files without enum tables. */
export const NSYS_MEM_KIND_FALLBACK: ReadonlyMap<number, string> = new Map(
  ['PAGEABLE', 'PINNED', 'DEVICE', 'ARRAY', 'MANAGED', 'DEVICE_STATIC', 'MANAGED_STATIC', 'UNKNOWN']
    .map((s, i) => [i, `CUDA_MEMOPR_MEMORY_KIND_${s}`]),
);

/** CUpti_ActivityMemoryKind as nvprof stores it (note: UNKNOWN is 0 here, unlike nsys). */
export const CUPTI_MEM_KIND: ReadonlyMap<number, string> = new Map(
  ['UNKNOWN', 'PAGEABLE', 'PINNED', 'DEVICE', 'ARRAY', 'MANAGED', 'DEVICE_STATIC', 'MANAGED_STATIC']
    .map((s, i) => [i, `CUPTI_ACTIVITY_MEMORY_KIND_${s}`]),
);

const CAUSES: Record<string, string | null> = {
  UNKNOWN: null, USER: 'user_prefetch', COHERENCE: 'fault', PREFETCH: 'prefetch', EVICTION: 'eviction', ACCESS_COUNTERS: 'access_counter',
};

/** Canonical cause of a migration-cause symbol (`…_MIGRATION_CAUSE_COHERENCE` → `fault`); null when unknown. */
export function migrationCauseOf(symbol: string | undefined): string | null {
  if (symbol === undefined) return null;
  const i = symbol.indexOf('CAUSE_');
  return CAUSES[i >= 0 ? symbol.slice(i + 6) : symbol] ?? null;
}

/** CUpti_ActivityUnifiedMemoryMigrationCause = nsys ENUM_CUDA_UNIF_MEM_MIGRATION. */
export const MIGRATION_CAUSE_FALLBACK: ReadonlyMap<number, string> = new Map(
  ['UNKNOWN', 'USER', 'COHERENCE', 'PREFETCH', 'EVICTION', 'ACCESS_COUNTERS']
    .map((s, i) => [i, `CUDA_UNIFIED_MEMORY_MIGRATION_CAUSE_${s}`]),
);

/** What a faulting access did: an access op, or `prefetch` (a fault that is not an access). */
export type FaultAccess = 'read' | 'write' | 'atomic' | 'prefetch';

const ACCESS: Record<string, FaultAccess> = { UNKNOWN: 'read', READ: 'read', WRITE: 'write', ATOMIC: 'atomic', PREFETCH: 'prefetch' };

/**
 * Access op of an access-type symbol. UNKNOWN (and an unknown symbol) reads as `read`: the fault
 * proves an access; a read is the weakest one the model can replay.
 */
export function faultAccessOf(symbol: string | undefined): FaultAccess {
  if (symbol === undefined) return 'read';
  const i = symbol.indexOf('ACCESS_TYPE_');
  return ACCESS[i >= 0 ? symbol.slice(i + 12) : symbol] ?? 'read';
}

/** CUpti_ActivityUnifiedMemoryAccessType = nsys ENUM_CUDA_UNIF_MEM_ACCESS_TYPE. */
export const ACCESS_TYPE_FALLBACK: ReadonlyMap<number, string> = new Map(
  ['UNKNOWN', 'READ', 'WRITE', 'ATOMIC', 'PREFETCH'].map((s, i) => [i, `CUDA_UNIFIED_MEMORY_ACCESS_TYPE_${s}`]),
);

/**
 * Whether an API call allocates or frees memory (runtime `cudaMalloc`, `cudaMallocManaged`,
 * `cudaMallocHost`, `cudaHostAlloc`, `cudaMallocAsync`, `cudaMallocPitch`/`3D`/`Array`, `cudaFree*`;
 * driver `cuMemAlloc*`, `cuMemHostAlloc`, `cuMemFree*`). The call records only name and correlation
 * id: the size and address are in the allocation event of the same correlation id, when the capture
 * has one (nsys `--cuda-memory-usage=true` → CUDA_GPU_MEMORY_USAGE_EVENTS).
 */
export function apiAllocationCall(name: string): 'alloc' | 'free' | undefined {
  if (/^cuda(?:Malloc|HostAlloc)|^cuMem(?:Alloc|HostAlloc)/.test(name)) return 'alloc';
  if (/^cuda(?:Free)|^cuMem(?:Free)/.test(name)) return 'free';
  return undefined;
}

/** nsys appends the API version to runtime names (`cudaLaunchKernel_v7000`); the name is without it. */
export function apiName(name: string): string {
  return name.replace(/_v\d{4,}$/, '');
}
