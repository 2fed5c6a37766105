// Sweep worker entry. In the compiled build (dist/) run-variant.js sits beside this file; in the
// source tree only run-variant.ts does, and worker threads start with a bare loader (Node 20 cannot
// run TypeScript), so tsx is registered before the TS module is imported.
import { existsSync } from 'node:fs';
import { parentPort } from 'node:worker_threads';

let runVariant;
if (existsSync(new URL('./run-variant.js', import.meta.url))) {
  ({ runVariant } = await import('./run-variant.js'));
} else {
  const { register } = await import('tsx/esm/api');
  register();
  ({ runVariant } = await import('./run-variant.ts'));
}

parentPort.on('message', async ({ id, task }) => {
  try {
    // the replay's progress goes to the parent, which moves the sweep's one bar (pool.ts)
    await runVariant(task, task.progress ? (fraction) => parentPort.postMessage({ id, progress: fraction }) : undefined);
    parentPort.postMessage({ id, ok: true });
  } catch (e) {
    const name = e?.name ?? 'Error';
    parentPort.postMessage({
      id,
      ok: false,
      message: e?.message ?? String(e),
      badInput: name === 'BadInputError' || name === 'UsageError',
      stack: e?.stack,
    });
  }
});
