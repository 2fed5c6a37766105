/**
 * What a run modeled, in sentences with numbers, from its summary.json alone: when a trace gives a
 * part of the model nothing to do (no managed or HMM memory, no peer mapping, accesses outside every
 * allocation), the CLI's replay summary and the report say so in one sentence instead of showing an
 * empty chart. Shared by `hetmem replay` (stderr) and the report's answers.
 */
import { formatBytes, formatNs } from '../ingest/trace/units.ts';
import type { RunSummary } from '../replay/run-output.ts';

/** What a sentence is about: the report says each topic once per workload. */
export type ModeledTopic = 'memory' | 'p2p' | 'unmapped' | 'streams' | 'observed';

export interface Modeled {
  topic: ModeledTopic;
  /** plain text, lower-case start, ends with a full stop */
  text: string;
}

const count = (n: number, one: string, many: string): string => `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;

/** The sentences for one run's summary (none when every part of the model had work). */
export function whatWasModeled(s: RunSummary): Modeled[] {
  const out: Modeled[] = [];
  const kinds = s.events_by_kind ?? {};
  const so = s.stream_order;
  if (so) {
    // A stream-ordered replay: say what was scheduled and set the modeled end beside the span the
    // source recorded, so a reader sees at once how far the platform moved the run.
    const ops = [count(so.kernels, 'kernel', 'kernels'), count(so.copies, 'copy', 'copies'), count(so.memsets, 'memset', 'memsets')];
    const delta = so.observed_end_ns > 0 ? (s.end_ns - so.observed_end_ns) / so.observed_end_ns : 0;
    const pct = `${delta >= 0 ? '+' : '−'}${Math.abs(delta * 100).toFixed(2)} %`;
    out.push({
      topic: 'streams',
      // A source without runtime calls (an ET step timed by its kernels) has no CPU thread to name.
      text: `replayed in stream order: ${ops[0]}, ${ops[1]} and ${ops[2]} on ${count(so.streams, 'stream', 'streams')}` +
        `${so.cpu_threads > 0 ? `, launched by ${count(so.cpu_threads, 'CPU thread', 'CPU threads')}` : ''}; ` +
        `the trace spans ${formatNs(so.observed_end_ns)} and the model ends at ${formatNs(s.end_ns)} (${pct}).`,
    });
  }
  if (s.migrations.total.count === 0 && s.faults.gpu + s.faults.cpu === 0) {
    // Nothing migrated and nothing faulted: no access reached managed or HMM memory (a first touch
    // of managed memory faults, §2.2), so the UVM/HMM model never ran. Say what did carry the run.
    const copies = kinds.copy;
    const linkBytes = Object.values(s.links).reduce((a, d) => a + Object.values(d).reduce((b, l) => b + l.bytes, 0), 0);
    const carried = copies && copies.count > 0
      ? `${count(copies.count, 'copy', 'copies')} (${formatBytes(copies.bytes)}) were costed on the platform's links`
      : s.remote.count > 0
        ? `${count(s.remote.count, 'remote access', 'remote accesses')} (${formatBytes(s.remote.bytes)}) were served over the platform's links`
        : linkBytes > 0 ? `the platform's links carried ${formatBytes(linkBytes)}` : 'no link carried any traffic';
    out.push({ topic: 'memory', text: `no managed or HMM memory was touched: the UVM/HMM model had nothing to migrate; ${carried}.` });
  }
  const ops = s.trace_ops;
  if (ops && s.migrations.total.count + s.faults.gpu + s.faults.cpu > 0) {
    // The model migrated or faulted: say whether the trace itself recorded what the real driver did,
    // i.e. whether these numbers can be checked against the machine the trace came from.
    const observed = (ops.obs_migrate ?? 0) + (ops.obs_fault ?? 0);
    out.push({
      topic: 'observed',
      text: observed === 0
        ? 'the trace records no migrations or faults of its own, so nothing here checks the modeled ones against a real machine; ' +
          '`hetmem calibrate` does, on a profile that records them (nsys unified-memory rows, nvprof, the UVM fault log, ftrace migrate lines).'
        : `the trace records ${count(ops.obs_migrate ?? 0, 'migration', 'migrations')} and ${count(ops.obs_fault ?? 0, 'fault', 'faults')} of its own; ` +
          '`hetmem calibrate` compares them with the model.',
    });
  }
  if (s.p2p.peer_maps + s.p2p.fallbacks + s.p2p.refused === 0) {
    out.push({ topic: 'p2p', text: 'no peer mappings: the BAR/P2P model had nothing to map, so the BAR size does not matter here.' });
  }
  const unmapped = s.unmapped_rows ?? 0;
  if (unmapped > 0) {
    out.push({
      topic: 'unmapped',
      text: `${count(unmapped, 'access row', 'access rows')} of ${s.trace.rows.toLocaleString('en-US')} fell outside every live allocation and ${unmapped === 1 ? 'was' : 'were'} skipped (the trace names no allocation there).`,
    });
  }
  return out;
}
