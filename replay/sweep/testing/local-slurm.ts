/**
 * A one-node Slurm for tests, started and stopped with scripts/slurm-local.sh in a folder of the
 * test's own (configuration, state, logs, pids), on two free ports picked at random, so a developer's
 * own local Slurm, or the same test of another checkout running at once, is left alone.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

const SCRIPT = new URL('../../../scripts/slurm-local.sh', import.meta.url).pathname;
const DAEMONS = ['slurmctld', 'slurmd', 'sbatch', 'squeue', 'scancel', 'munged'];
export const ENABLE_HINT = 'install Slurm with `sudo scripts/slurm-local.sh install` and run the tests as root (CI=true makes this test required)';

/** Why a local Slurm cannot be started here, or null when it can. */
export function slurmUnavailable(): string | null {
  if (process.platform !== 'linux') return `needs Linux (this is ${process.platform})`;
  const dirs = [...(process.env.PATH ?? '').split(':'), '/usr/sbin', '/sbin'];
  const missing = DAEMONS.filter((d) => !dirs.some((p) => p && existsSync(join(p, d))));
  if (missing.length > 0) return `not installed: ${missing.join(', ')}`;
  if (process.getuid?.() !== 0) return 'needs root (SlurmUser=root, munged runs as the munge user)';
  return null;
}

export interface LocalSlurm {
  /** the environment for Slurm clients (SLURM_CONF) */
  env: NodeJS.ProcessEnv;
  stop(): void;
}

/** Whether `port` on 127.0.0.1 can be listened on now. */
function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** A port p with p and p + 1 free (slurmctld and slurmd), from the unprivileged range below the ephemeral one. */
export async function freePortPair(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const p = 20_000 + 2 * Math.floor(Math.random() * 5_000);
    if ((await portFree(p)) && (await portFree(p + 1))) return p;
  }
  throw new Error('no two adjacent free ports found for a local Slurm');
}

export function startLocalSlurm(dir: string, port: number): LocalSlurm {
  const env = { ...process.env, HETMEM_SLURM_DIR: dir, HETMEM_SLURM_PORT: String(port) };
  const r = spawnSync('bash', [SCRIPT, 'start'], { env, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`scripts/slurm-local.sh start failed (exit ${r.status}):\n${r.stderr}`);
  return {
    env: { ...process.env, SLURM_CONF: join(dir, 'slurm.conf') },
    stop: () => { execFileSync('bash', [SCRIPT, 'stop'], { env, stdio: ['ignore', 'ignore', 'pipe'] }); },
  };
}
