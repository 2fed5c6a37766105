/**
 * Emits what a profiler observed about unified memory: `obs_migrate` / `obs_fault` rows, and the
 * access rows they imply. Replay ignores obs_* rows (calibration compares with them), so the
 * accesses that caused the faults must be in the trace as ordinary read/write/atomic rows:
 * - a fault event → an access by the faulting agent, of the kind the fault recorded;
 * - a fault-caused migration (cause `fault`) → a `read` by the destination agent (the side that
 *   faulted; the migration does not say read or write), but only when the source has no fault events
 *   of that agent kind, so the same access is not counted twice.
 * - a user-caused migration (cudaMemPrefetchAsync, cause `user_prefetch`) → a `prefetch` op by `cpu0`
 *   (the host thread that asked) to the destination, named DERIVED_FROM_USER_PREFETCH: it is a
 *   request, not an access, so replay migrates the range the way the driver does;
 * - prefetch, eviction and access-counter migrations derive nothing: they are the driver's own
 *   decisions, which replay must predict, not be told (a speculative prefetch is never an access).
 * Derived rows carry `name` = DERIVED_FROM_FAULT, DERIVED_FROM_MIGRATION or DERIVED_FROM_USER_PREFETCH
 * so they can be told apart. Each derived row is appended before its observation (same ts; the sink
 * sorts stably). The implied CPU first touch that an HtoD arrival proves is derived over the whole
 * trace by ../derive/implied-first-touch.ts.
 */
import type { RowSink } from '../format.ts';
import { agentKind } from '../trace/schema.ts';
import type { Addr, Bytes, Ns } from '../trace/units.ts';
import { clearRow, emptyRow } from '../trace/writer.ts';
import type { FaultAccess } from './cuda-vocabulary.ts';

export const DERIVED_FROM_FAULT = 'derived:fault';
export const DERIVED_FROM_MIGRATION = 'derived:migration';
export const DERIVED_FROM_USER_PREFETCH = 'derived:user_prefetch';

export interface Span {
  ts: number;
  dur: number | null;
  stream: number | null;
  corr: number | null;
}

export class UnifiedMemoryRows {
  private readonly row = emptyRow();
  /** Agent kinds (`cpu`, `gpu`) whose fault events the source has: migrations then derive nothing. */
  private readonly faultKinds: Set<string>;

  constructor(private readonly sink: RowSink, faultEventKinds: Iterable<'cpu' | 'gpu'>) {
    this.faultKinds = new Set(faultEventKinds);
  }

  /** A migration of [addr, addr+bytes) from `src` to `dst` memory (null: the source does not say). */
  migration(span: Span, src: string, dst: string | null, addr: number | null, bytes: number, cause: string | null): void {
    if (cause === 'fault' && addr !== null && dst !== null && !this.faultKinds.has(agentKind(dst) ?? '')) {
      this.access(span, dst, 'read', addr, bytes, DERIVED_FROM_MIGRATION);
    } else if (cause === 'user_prefetch' && addr !== null && dst !== null) {
      const r = this.start(span, 'prefetch', 'cpu0');
      r.dur = null;
      r.peer = dst;
      r.addr = addr as Addr;
      r.bytes = bytes as Bytes;
      r.name = DERIVED_FROM_USER_PREFETCH;
      this.sink.append(r);
    }
    const r = this.start(span, 'obs_migrate', src);
    r.peer = dst;
    r.addr = addr as Addr | null;
    r.bytes = bytes as Bytes;
    r.cause = cause;
    this.sink.append(r);
  }

  /**
   * A page fault of `agent` at `addr`; `access` = what the faulting access did. `accessTs` (default
   * `span.ts`) places the derived access elsewhere than the observation: a fault log's batch puts all
   * its faults' accesses at the batch start, so that replay groups them into the same batch (§2.2).
   */
  fault(span: Span, agent: string, addr: number, bytes: number, access: FaultAccess, name: string | null = null, accessTs = span.ts): void {
    if (access === 'prefetch') this.sink.unmapped('fault_without_access:prefetch');
    else this.access(accessTs === span.ts ? span : { ...span, ts: accessTs }, agent, access, addr, bytes, DERIVED_FROM_FAULT);
    const r = this.start(span, 'obs_fault', agent);
    r.addr = addr as Addr;
    r.bytes = bytes as Bytes;
    r.cause = 'fault';
    r.name = name;
    this.sink.append(r);
  }

  private access(span: Span, agent: string, op: 'read' | 'write' | 'atomic', addr: number, bytes: number, name: string): void {
    const r = this.start(span, op, agent);
    r.dur = null;
    r.addr = addr as Addr;
    r.bytes = bytes as Bytes;
    r.name = name;
    this.sink.append(r);
  }

  private start(span: Span, op: 'obs_migrate' | 'obs_fault' | 'read' | 'write' | 'atomic' | 'prefetch', agent: string) {
    const r = this.row;
    clearRow(r);
    r.ts = span.ts as Ns;
    r.dur = span.dur as Ns | null;
    r.op = op;
    r.agent = agent;
    r.stream = span.stream;
    r.corr = span.corr;
    return r;
  }
}
