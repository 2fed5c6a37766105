#!/usr/bin/env node
/**
 * Compiles the TypeScript sources to plain ES modules in `dist/` (git-ignored), so the `hetmem` bin
 * and the library entry run without a TypeScript loader (start-up ~0.1 s instead of ~0.3–3 s with
 * tsx compiling on every call).
 *
 * One output file per source file, same folder layout (dist/cli/main.js for cli/main.ts): modules
 * find their assets relative to `import.meta.url` (queries/*.sql, platforms/*.yaml, the sweep worker,
 * package.json), so those are copied to the same relative places. esbuild runs in bundle mode only
 * to rewrite import specifiers (`./x.ts` → `./x.js`); every import stays external, nothing is
 * bundled. Type declarations come from `tsc` (tsconfig.build.json) unless `--no-types`.
 *
 * The build goes to a temporary folder that replaces `dist/` at the end, so a failed build leaves the
 * previous one intact.
 *
 *   node scripts/build.mjs            # JS + .d.ts (npm's `prepare`, so `npm ci` leaves a build)
 *   node scripts/build.mjs --no-types # JS only (~1 s; what the test set-up runs)
 */
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const DIST = join(ROOT, 'dist');
/** Source folders compiled into the build (tests, benches and test helpers are left out). */
const SOURCE_DIRS = ['cli', 'common', 'ingest', 'replay', 'analysis', 'reports'];
/** Files read at run time relative to the module that reads them, copied beside the compiled code. */
const ASSETS = [
  { dir: 'analysis/queries', ext: '.sql' },
  { dir: 'replay/platforms', ext: '.yaml' },
  { dir: 'replay/sweep', ext: '.mjs' },
];

const isSource = (f) => f.endsWith('.ts') && !f.endsWith('.d.ts') && !/\.(test|bench)\.ts$/.test(f);

function walk(dir, keep) {
  const out = [];
  for (const e of readdirSync(join(ROOT, dir), { withFileTypes: true })) {
    const rel = join(dir, e.name);
    if (e.isDirectory()) {
      if (e.name !== 'testing' && e.name !== 'node_modules') out.push(...walk(rel, keep));
    } else if (keep(rel)) out.push(rel);
  }
  return out;
}

/** Marks every import external; relative `.ts` specifiers become `.js` (the compiled sibling). */
const keepImportsExternal = {
  name: 'keep-imports-external',
  setup(b) {
    b.onResolve({ filter: /.*/ }, (args) => {
      if (args.kind === 'entry-point') return undefined;
      const path = args.path.startsWith('.') ? args.path.replace(/\.ts$/, '.js') : args.path;
      return { path, external: true };
    });
  },
};

const args = new Set(process.argv.slice(2));
const tmp = `${DIST}.tmp-${process.pid}`;
rmSync(tmp, { recursive: true, force: true });
try {
  const entryPoints = ['index.ts', ...SOURCE_DIRS.flatMap((d) => walk(d, isSource))];
  await build({
    absWorkingDir: ROOT,
    entryPoints,
    outdir: tmp,
    outbase: '.',
    bundle: true,
    plugins: [keepImportsExternal],
    format: 'esm',
    platform: 'node',
    target: 'node20',
    sourcemap: 'linked',
    sourcesContent: false,
    logLevel: 'warning',
  });
  for (const { dir, ext } of ASSETS) {
    // sub-folders included (analysis/queries/export/, analysis/queries/report/)
    for (const f of walk(dir, (p) => p.endsWith(ext))) { mkdirSync(dirname(join(tmp, f)), { recursive: true }); cpSync(join(ROOT, f), join(tmp, f)); }
  }
  // `../package.json` from a compiled module lands here: the version and the module type, nothing else.
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  writeFileSync(join(tmp, 'package.json'), `${JSON.stringify({ name: `${pkg.name}-build`, version: pkg.version, type: 'module', private: true }, null, 2)}\n`);
  if (!args.has('--no-types')) {
    execFileSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', join(ROOT, 'tsconfig.build.json'), '--outDir', tmp], { cwd: ROOT, stdio: 'inherit' });
    // tsc keeps `./x.ts` specifiers in declarations; older resolvers (tslab's TypeScript, node10
    // resolution) only map `./x.js` to x.d.ts.
    for (const f of walkAbs(tmp, (p) => p.endsWith('.d.ts'))) {
      writeFileSync(f, readFileSync(f, 'utf8').replace(/((?:from|import)\s*\(?\s*)(['"])(\.{1,2}\/[^'"]+)\.ts\2/g, '$1$2$3.js$2'));
    }
  } else if (existsSync(join(DIST, 'index.d.ts'))) {
    // Keep the declarations of the last full build (types change rarely; `npm run build` renews them).
    for (const f of walkAbs(DIST, (p) => p.endsWith('.d.ts'))) {
      const to = join(tmp, relative(DIST, f));
      mkdirSync(dirname(to), { recursive: true });
      cpSync(f, to);
    }
  }
  rmSync(DIST, { recursive: true, force: true });
  renameSync(tmp, DIST);
} catch (e) {
  rmSync(tmp, { recursive: true, force: true });
  process.stderr.write(`build failed: ${e?.message ?? e}\n`);
  process.exit(1);
}

function walkAbs(dir, keep) {
  const out = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...walkAbs(p, keep));
    else if (keep(p)) out.push(p);
  }
  return out;
}
