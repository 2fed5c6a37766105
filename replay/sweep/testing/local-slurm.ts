/**
 * A one-node Slurm for tests, started and stopped with scripts/slurm-local.sh in a folder of the
 * test's own (configuration, state, logs, pids), on ports apart from the script's defaults so a
 * developer's own local Slurm is left alone.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
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

export function startLocalSlurm(dir: string, port: number): LocalSlurm {
  const env = { ...process.env, HETMEM_SLURM_DIR: dir, HETMEM_SLURM_PORT: String(port) };
  const r = spawnSync('bash', [SCRIPT, 'start'], { env, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`scripts/slurm-local.sh start failed (exit ${r.status}):\n${r.stderr}`);
  return {
    env: { ...process.env, SLURM_CONF: join(dir, 'slurm.conf') },
    stop: () => { execFileSync('bash', [SCRIPT, 'stop'], { env, stdio: ['ignore', 'ignore', 'pipe'] }); },
  };
}
