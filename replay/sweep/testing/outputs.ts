/**
 * A sweep's outputs for byte-for-byte comparisons: every file below the sweep folder except
 * temporaries (dot-folders of a killed task) and what Slurm submission adds (the job script, the
 * `_slurm/` task logs), as relative path → bytes.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { SLURM_DIR, SLURM_SCRIPT } from '../slurm.ts';

export function sweepOutputs(dir: string): Map<string, Buffer> {
  const files = (readdirSync(dir, { recursive: true }) as string[])
    .filter((f) => {
      const parts = f.split('/');
      return !parts.some((s) => s.startsWith('.')) && parts[0] !== SLURM_DIR && f !== SLURM_SCRIPT && statSync(join(dir, f)).isFile();
    })
    .sort();
  return new Map(files.map((f) => [f, readFileSync(join(dir, f))]));
}
