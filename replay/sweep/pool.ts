/**
 * A small pool of worker threads (replay/sweep/worker.mjs) that run variant tasks. Each worker takes
 * the next task when it finishes one; after the first failure no new task starts, the running ones
 * finish, and the failure is rethrown (bad input stays bad input: exit code 2).
 */
import { Worker } from 'node:worker_threads';
import { UsageError } from '../../common/bad-input.ts';
import type { VariantTask } from './run-variant.ts';

const WORKER_URL = new URL('./worker.mjs', import.meta.url);

/** A task's outcome, or (with `progress`) how far its replay is, 0..1, while it runs. */
interface Reply { id: number; ok?: boolean; progress?: number; message?: string; badInput?: boolean; stack?: string }

/**
 * Runs `tasks` on `workerCount` threads; `onDone(i)` is called in the parent as task i succeeds,
 * `onFailed(i, error)` as it fails (for every failing task, not only the first), and
 * `onProgress(i, fraction)` as a task with `progress` set reports how far its replay is.
 */
export async function runInWorkers(
  tasks: VariantTask[], workerCount: number, onDone: (i: number) => void, onFailed?: (i: number, error: Error) => void,
  onProgress?: (i: number, fraction: number) => void,
): Promise<void> {
  const n = Math.max(1, Math.min(workerCount, tasks.length));
  if (tasks.length === 0) return;
  let next = 0;
  let failure: Error | undefined;
  const workers = Array.from({ length: n }, () => new Worker(WORKER_URL));
  const call = (w: Worker, id: number, task: VariantTask): Promise<void> =>
    new Promise((resolve, reject) => {
      const cleanup = (): void => {
        w.off('message', onMessage);
        w.off('error', onError);
        w.off('exit', onExit);
      };
      const onMessage = (r: Reply): void => {
        if (r.id !== id) return;
        if (r.progress !== undefined) { onProgress?.(id, r.progress); return; }
        cleanup();
        if (r.ok) resolve();
        else if (r.badInput) reject(new UsageError(r.message ?? 'bad input'));
        else reject(Object.assign(new Error(r.message ?? 'replay failed'), { stack: r.stack }));
      };
      const onError = (e: Error): void => { cleanup(); reject(e); };
      const onExit = (code: number): void => { cleanup(); reject(new Error(`sweep worker exited with code ${code}`)); };
      w.on('message', onMessage);
      w.on('error', onError);
      w.on('exit', onExit);
      w.postMessage({ id, task });
    });
  const loop = async (w: Worker): Promise<void> => {
    while (failure === undefined && next < tasks.length) {
      const i = next++;
      try {
        await call(w, i, tasks[i]!);
        onDone(i);
      } catch (e) {
        onFailed?.(i, e as Error);
        failure ??= e as Error;
      }
    }
  };
  try {
    await Promise.all(workers.map(loop));
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
  if (failure) throw failure;
}
