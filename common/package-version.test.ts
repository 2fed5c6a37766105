import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { HETMEM_VERSION, PACKAGE_ROOT, dependencyVersion } from './package-version.ts';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string; dependencies: Record<string, string> };

describe('package versions', () => {
  it("finds hetmem's own package.json from this folder", () => {
    expect(PACKAGE_ROOT).toBe(new URL('..', import.meta.url).pathname.replace(/\/$/, ''));
    expect(HETMEM_VERSION).toBe(pkg.version);
  });

  it('reads an installed dependency (package.json pins exact versions)', () => {
    expect(dependencyVersion('apache-arrow')).toBe(pkg.dependencies['apache-arrow']);
  });
});
