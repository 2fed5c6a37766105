#!/usr/bin/env node
// The hetmem CLI runs the compiled build in dist/ (made by `npm ci` / `npm run build`): plain
// JavaScript, no TypeScript compilation at start-up. In a checkout without a build (or with
// HETMEM_FROM_SOURCE=1, while editing the sources) it runs the TypeScript through tsx's loader instead.
import { existsSync } from 'node:fs';

const built = new URL('../dist/cli/main.js', import.meta.url);
let main;
if (!process.env.HETMEM_FROM_SOURCE && existsSync(built)) {
  ({ main } = await import(built.href));
} else {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import('../cli/main.ts'));
}
process.exitCode = await main(process.argv);
