#!/usr/bin/env node
/**
 * tslab (the notebook kernel, a devDependency) ships its own TypeScript 5.0 that also installs `tsc`
 * and `tsserver` bins, and npm may link those over the project's TypeScript: `npx tsc` would then
 * type-check with 5.0 and report errors the project's compiler does not. Run from `prepare` (after
 * every install), this points the two bins back at the project's `typescript` package.
 */
import { existsSync, lstatSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BIN = join(ROOT, 'node_modules', '.bin');
for (const name of ['tsc', 'tsserver']) {
  const target = join('..', 'typescript', 'bin', name);
  const link = join(BIN, name);
  if (!existsSync(join(BIN, target))) continue; // no project TypeScript (production install): leave it
  if (existsSync(link) || lstatSync(link, { throwIfNoEntry: false })) rmSync(link);
  symlinkSync(target, link);
}
