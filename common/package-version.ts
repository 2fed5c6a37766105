/**
 * Versions recorded in traces and run outputs: hetmem's own (`package.json` of the checkout or the
 * installed package) and those of its dependencies. The package root is found by walking up from
 * this file to the `package.json` named `hetmem`, so the answer is the same from the TypeScript
 * sources and from a compiled build in a subfolder.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const OWN_NAME = 'hetmem';

function readPackage(path: string): { name?: string; version: string } {
  return JSON.parse(readFileSync(path, 'utf8')) as { name?: string; version: string };
}

function findPackageRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    const p = join(dir, 'package.json');
    if (existsSync(p) && readPackage(p).name === OWN_NAME) return dir;
    if (dirname(dir) === dir) throw new Error(`no package.json named "${OWN_NAME}" above ${from}`);
  }
}

/** The folder holding hetmem's package.json. */
export const PACKAGE_ROOT: string = findPackageRoot(dirname(fileURLToPath(import.meta.url)));

/** hetmem's version, e.g. `0.1.0` (what traces record as `hetmem.ingest.version`). */
export const HETMEM_VERSION: string = readPackage(join(PACKAGE_ROOT, 'package.json')).version;

/**
 * The installed version of dependency `name` (e.g. `apache-arrow`), found the way Node finds the
 * package (so it works from the compiled build and when hetmem is itself installed as a dependency,
 * with node_modules hoisted): the package.json of the folder its entry module resolves into.
 */
export function dependencyVersion(name: string): string {
  let dir = dirname(createRequire(import.meta.url).resolve(name));
  for (;;) {
    const candidate = join(dir, 'package.json');
    if (existsSync(candidate) && readPackage(candidate).name === name) return readPackage(candidate).version;
    const up = dirname(dir);
    if (up === dir) return 'unknown';
    dir = up;
  }
}
