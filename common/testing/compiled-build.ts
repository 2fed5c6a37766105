/**
 * Vitest global set-up: rebuilds dist/ (JavaScript only, ~1 s) before the tests, so the tests that
 * spawn `bin/hetmem.mjs` or import the package by name run the compiled code of the sources under
 * test, never a stale build.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export function setup(): void {
  const script = fileURLToPath(new URL('../../scripts/build.mjs', import.meta.url));
  execFileSync(process.execPath, [script, '--no-types'], { stdio: 'inherit' });
}
