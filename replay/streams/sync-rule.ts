/**
 * When a blocking call returns in the replay. A CPU thread calls cudaStreamSynchronize /
 * cudaDeviceSynchronize / cudaEventSynchronize / a synchronous cudaMemcpy at observed time T and gets
 * control back at R = T + dur; the GPU work it waited for ended at W (observed). What follows the end of
 * the GPU work until the return, `tail = R - max(T, W)`, is the call's own cost (the wake-up, the
 * driver's bookkeeping); the replay keeps it and moves the rest:
 *   R' = max(T', W') + tail
 * with T' = T + the thread's shift and W' the modeled end of the awaited work. The thread's shift
 * becomes R' - R, so every later row of the thread (and every launch it makes) moves with the GPU: later
 * when the GPU side got slower, earlier when it got faster (a negative shift is kept: nothing in the
 * observation forces the thread to stay late). A tail the trace makes negative (the call returned
 * before the work it names ended: clock skew) counts as 0.
 */

/** The modeled return of a blocking call (see the file comment); W = NaN when nothing it waits for is known. */
export function modeledReturn(t: number, tMod: number, ret: number, waitObs: number, waitMod: number): number {
  if (waitObs !== waitObs || waitMod !== waitMod) return tMod + (ret - t);
  const tail = Math.max(0, ret - Math.max(t, waitObs));
  return Math.max(tMod, waitMod) + tail;
}
