/**
 * When a GPU op starts in the replay: the stream-order rule with the observed slack preserved.
 *
 * An op X on (device g, stream s) may start once three things have happened: its launch (the runtime
 * call, time L), the end of the previous op on (g, s), and the end of every op a `wait` on (g, s) names
 * (cudaStreamWaitEvent). In the source trace it became ready at
 *   readyObs = max(L, prevEndObs, waitEndObs)
 * and started at S >= readyObs; the difference `gap = S - readyObs` is what the trace does not explain
 * (launch latency, the GPU busy with other streams, the front-end's queueing). The replay keeps it:
 *   readyMod = max(L', prevEndMod, waitEndMod),   S' = readyMod + max(0, S - readyObs)
 * where L' is the launch's modeled time (its CPU thread's shift applied) and the ends are the modeled
 * ends. Replaying on a platform that costs every op as observed gives readyMod = readyObs and S' = S:
 * the observed schedule comes back, and only what the model changes moves. The dependencies are the
 * ones Lumos builds its execution graph from (Liang et al., "Lumos: Efficient Performance Modeling and
 * Estimation for Large-scale LLM Training", MLSys 2025, arXiv:2504.09307: CPU→GPU launch by correlation
 * id, in-stream order, cross-stream event record/wait, GPU→CPU synchronisation); keeping the
 * unexplained gap, rather than starting an op the instant it is ready, is hetmem's choice so that a
 * like-for-like replay reproduces the observation exactly. A negative gap (the trace
 * shows an op starting before its launch or before the previous op's end: clock skew between the CPU
 * and GPU timelines, or rounding) counts as 0: the modeled op then starts when it is ready.
 * Constraints a source does not give are left out (NaN); with none at all the op keeps its observed
 * start.
 */

/** Latest of the non-NaN arguments; NaN when all are NaN. */
export function latest(a: number, b: number, c: number): number {
  let m = Number.NaN;
  if (a === a) m = a;
  if (b === b && !(b <= m)) m = b;
  if (c === c && !(c <= m)) m = c;
  return m;
}

/**
 * The modeled start of an op observed to start at `start`, given its observed and modeled readiness
 * (`latest()` of launch, previous end and waited ends; NaN = no constraint).
 */
export function modeledStart(start: number, readyObs: number, readyMod: number): number {
  if (readyObs !== readyObs || readyMod !== readyMod) return start;
  return readyMod + Math.max(0, start - readyObs);
}
