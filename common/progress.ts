/**
 * A progress bar on stderr for long work, shown only when stderr is a terminal (never in CI, never in
 * piped output, so outputs and logs stay byte-identical).
 */
import cliProgress from 'cli-progress';

export interface Progress {
  /** Sets the amount done (same unit as `total`). */
  update(done: number): void;
  stop(): void;
}

const silent: Progress = { update() {}, stop() {} };

export function startProgress(label: string, total: number, unit = ''): Progress {
  if (!process.stderr.isTTY || total <= 0) return silent;
  const bar = new cliProgress.SingleBar(
    { format: `${label} [{bar}] {percentage}% {value}/{total}${unit ? ' ' + unit : ''} eta {eta_formatted}`, stream: process.stderr, hideCursor: true, clearOnComplete: true },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0);
  let last = 0;
  return {
    update(done: number) {
      const now = Date.now();
      if (now - last > 100) { bar.update(done); last = now; }
    },
    stop() { bar.stop(); },
  };
}
