/**
 * A progress bar on stderr for long work, shown only when stderr is a terminal (never in CI, never in
 * piped output, so outputs and logs stay byte-identical). Inside a sweep's worker thread, where no
 * bar can be drawn, a replay's progress is forwarded to the parent instead (`forwardProgress`), which
 * moves the sweep's one bar as its runs progress.
 */
import cliProgress from 'cli-progress';

export interface Progress {
  /** Sets the amount done (same unit as `total`). */
  update(done: number): void;
  /** Corrects the total once it is known exactly (it may start as an estimate). */
  setTotal(total: number): void;
  stop(): void;
}

export interface ProgressOptions {
  /** digits after the point for the amount shown (default 0; e.g. 1 for `3.4/8 runs`) */
  decimals?: number;
}

const silent: Progress = { update() {}, setTotal() {}, stop() {} };

/** Receives (done, total) of the progress started while it is set. */
export type ProgressSink = (done: number, total: number) => void;
let sink: ProgressSink | null = null;

/** Minimum time between two redraws or forwarded updates (ms). */
const INTERVAL_MS = 100;

/**
 * While set, `startProgress` draws nothing and hands its updates to `fn` instead (at most one per
 * 100 ms, and the last one when it stops). A sweep worker sets it around each replay; null clears it.
 */
export function forwardProgress(fn: ProgressSink | null): void {
  sink = fn;
}

export function startProgress(label: string, total: number, unit = '', options: ProgressOptions = {}): Progress {
  if (sink) return forwarding(sink, total);
  if (!process.stderr.isTTY || total <= 0) return silent;
  const decimals = options.decimals ?? 0;
  const bar = new cliProgress.SingleBar(
    {
      format: `${label} [{bar}] {percentage}% {value}/{total}${unit ? ' ' + unit : ''} eta {eta_formatted}`, stream: process.stderr, hideCursor: true, clearOnComplete: true,
      formatValue: (v: number, _o: unknown, type: string) => (type === 'value' ? v.toFixed(decimals) : String(v)),
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0);
  let last = 0;
  return {
    update(done: number) {
      const now = Date.now();
      if (now - last > INTERVAL_MS) { bar.update(done); last = now; }
    },
    setTotal(t: number) { bar.setTotal(t); },
    stop() { bar.stop(); },
  };
}

function forwarding(to: ProgressSink, initialTotal: number): Progress {
  let total = initialTotal, done = 0, sent = -1, last = 0;
  const send = (): void => { to(done, total); sent = done; last = Date.now(); };
  return {
    update(d: number) {
      done = d;
      if (Date.now() - last >= INTERVAL_MS) send();
    },
    setTotal(t: number) { total = t; },
    stop() { if (sent !== done) send(); },
  };
}
