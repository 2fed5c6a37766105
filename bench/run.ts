/**
 * `npm run bench [-- filter]`: runs every `*.bench.ts` beside the code (each default-exports an async
 * function returning a JSON-able object of measurements) and prints one JSON document on stdout.
 * Timing goals live here, never in tests.
 */
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';

const root = new URL('..', import.meta.url).pathname;
const filter = process.argv[2];
const files = (readdirSync(root, { recursive: true }) as string[])
  .filter((f) => f.endsWith('.bench.ts') && !f.includes('node_modules'))
  .sort();
const results: Record<string, unknown> = {
  node: process.version,
  cpus: (await import('node:os')).cpus().length,
};
for (const f of files) {
  const name = relative(root, join(root, f)).replace(/\.bench\.ts$/, '');
  if (filter && !name.includes(filter)) continue;
  process.stderr.write(`bench: ${name}\n`);
  const mod = (await import(pathToFileURL(join(root, f)).href)) as { default: () => Promise<unknown> };
  results[name] = await mod.default();
}
process.stdout.write(JSON.stringify(results, null, 2) + '\n');
