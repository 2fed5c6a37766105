/** Test helper: runs the CLI entry point in-process (fast: no process start, no tsx load per call). */
import { readdirSync } from 'node:fs';
import { vi } from 'vitest';
import { main } from '../main.ts';

/** Runs `hetmem …args` in-process; returns the exit code and what went to stderr (stdout is dropped). */
export async function hetmemInProcess(...args: string[]): Promise<{ code: number; stderr: string }> {
  let stderr = '';
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => { stderr += String(s); return true; });
  const out = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
  try {
    return { code: await main(['node', 'hetmem', ...args]), stderr };
  } finally {
    err.mockRestore();
    out.mockRestore();
  }
}

/** Every path below `dir` (relative, sorted), dot-files included: temporaries and locks are dot-files. */
export function listing(dir: string): string[] {
  return (readdirSync(dir, { recursive: true }) as string[]).sort();
}
