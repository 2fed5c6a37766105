/**
 * The unit calibration compares: one migration transfer (one CUPTI/nsys "Unified Memory" memcpy row
 * observed, one `migrate` event modeled), columnar. Direction is seen from the GPU: `HtoD` (system
 * memory → a GPU), `DtoH`, `DtoD`. Causes are the canonical ones (`fault`, `prefetch`,
 * `user_prefetch`, `eviction`, `access_counter`); the model's `cpu_fault` is the driver's fault cause
 * on the CPU side (CUPTI reports both as COHERENCE), so it compares as `fault`; an observation without
 * a cause is `unknown`.
 */
export type Direction = 'HtoD' | 'DtoH' | 'DtoD';
export const DIRECTIONS: readonly Direction[] = ['HtoD', 'DtoH', 'DtoD'];

export class Transfers {
  ts: number[] = [];
  dur: number[] = [];
  addr: number[] = [];
  bytes: number[] = [];
  dir: Direction[] = [];
  cause: string[] = [];
  /** the GPU end of the transfer (`gpu0`), for the path the fit applies to */
  gpu: string[] = [];

  get count(): number { return this.ts.length; }

  push(ts: number, dur: number, addr: number, bytes: number, dir: Direction, cause: string, gpu: string): void {
    this.ts.push(ts); this.dur.push(dur); this.addr.push(addr); this.bytes.push(bytes); this.dir.push(dir); this.cause.push(cause); this.gpu.push(gpu);
  }
}

/** `cpu0`/`sys0` → host; `gpu1` → device. */
export function isDevice(name: string): boolean { return /^gpu\d+$/.test(name); }

/** Direction of a transfer between two ends (agents or memories); null when neither is a GPU. */
export function directionOf(src: string, dst: string): Direction | null {
  const s = isDevice(src);
  const d = isDevice(dst);
  if (!s && d) return 'HtoD';
  if (s && !d) return 'DtoH';
  if (s && d) return 'DtoD';
  return null;
}

/** Canonical comparison cause of an observed or modeled cause. */
export function comparedCause(cause: string | null): string {
  if (cause === null || cause === '') return 'unknown';
  if (cause === 'cpu_fault') return 'fault';
  return cause;
}
