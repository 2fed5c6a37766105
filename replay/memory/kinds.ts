/**
 * Small integer codes the model works with: the kind of an agent (platform.ts agent kinds) and the
 * memory kind of an allocation (index into the trace schema's MEM_KINDS).
 */
import { MEM_KINDS } from '../../ingest/trace/schema.ts';

export const AGENT_CPU = 0;
export const AGENT_GPU = 1;
export const AGENT_NIC = 2;
export const AGENT_NVME = 3;

export const KIND_ANON = MEM_KINDS.indexOf('anon');
export const KIND_DEVICE = MEM_KINDS.indexOf('device');
export const KIND_DEVOBJ = MEM_KINDS.indexOf('devobj');
export const KIND_PINNED = MEM_KINDS.indexOf('pinned');
export const KIND_PAGEABLE = MEM_KINDS.indexOf('pageable');

/** Process memory mirrored by HMM (`anon`, and plain `pageable` memory on an HMM kernel, §2.8 uvm_disable_hmm). */
export const isHmm = (kind: number): boolean => kind === KIND_ANON || kind === KIND_PAGEABLE;

/** GPU driver objects: `device` (cudaMalloc) and `devobj` (buffer objects); never migrated by faults. */
export const isGpuObject = (kind: number): boolean => kind === KIND_DEVICE || kind === KIND_DEVOBJ;
