// Sweep worker entry. Worker threads start with a bare loader, and Node 20 cannot run TypeScript,
// so tsx is registered before the TS modules are imported.
import { register } from 'tsx/esm/api';
import { parentPort } from 'node:worker_threads';

register();
const { runVariant } = await import('./run-variant.ts');

parentPort.on('message', async ({ id, task }) => {
  try {
    await runVariant(task);
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
