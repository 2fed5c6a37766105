/**
 * Per-agent time. Each agent has a `delay` (ns its rows run late because of stalls and waits); a row's
 * modeled time is `ts + delay[agent]`. A stall (fault service, remote access, throttle) adds to the
 * delay and to `stall`, and is logged for the timeline. `endNs` is the modeled end of the run.
 *
 * In a trace with streams (streams/scheduler.ts) `delay` keeps that meaning row by row, but the
 * scheduler sets it: a GPU's delay is the shift of the kernel whose rows run (plus the stall since it
 * started), a CPU's the shift of the thread whose rows run; `stall` still only grows.
 */
import { TripleLog } from './triple-log.ts';

export class AgentClocks {
  readonly delay: Float64Array;
  readonly stall: Float64Array;
  /** end of the agent's asynchronous work (prefetches, copies) */
  readonly pendingUntil: Float64Array;
  /** latest trace-time end (ts + dur) of the agent's rows */
  readonly traceFrontier: Float64Array;
  /** stall spans (a = agent, v = ns) */
  readonly stallLog = new TripleLog();
  endNs = 0;

  constructor(agents: number) {
    this.delay = new Float64Array(agents);
    this.stall = new Float64Array(agents);
    this.pendingUntil = new Float64Array(agents);
    this.traceFrontier = new Float64Array(agents);
  }

  /** Agent `agent` is stalled from `from` to `to`. */
  addStall(agent: number, from: number, to: number): void {
    if (to <= from) return;
    this.delay[agent]! += to - from;
    this.stall[agent]! += to - from;
    this.stallLog.push(from, agent, to - from);
    this.noteEnd(to);
  }

  /** Asynchronous work of `agent` (a copy, a DMA) runs until `end`. */
  addPending(agent: number, end: number): void {
    this.pendingUntil[agent] = Math.max(this.pendingUntil[agent]!, end);
    this.noteEnd(end);
  }

  noteEnd(t: number): void { if (t > this.endNs) this.endNs = t; }
}
