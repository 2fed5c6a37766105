/**
 * The locate-or-skip rule of requirements.ts: found → its path; missing → undefined (tests skip),
 * unless CI=true or the requirement's own variable is set, then finding it fails with the how-to line.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { requirement, type Spec } from './requirements.ts';

const saved = { CI: process.env.CI, HETMEM_TEST_THING: process.env.HETMEM_TEST_THING };
afterEach(() => {
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
});

const spec = (found: string | undefined): Spec => ({
  what: 'a test thing', variable: 'HETMEM_TEST_THING', locate: () => found, howTo: 'install the test thing',
});

describe('requirement', () => {
  it('found: its path, whatever CI says', () => {
    process.env.CI = 'true';
    expect(requirement(spec('/opt/thing')).path).toBe('/opt/thing');
  });

  it('missing on a developer machine: no path (its tests skip)', () => {
    delete process.env.CI;
    delete process.env.HETMEM_TEST_THING;
    expect(requirement(spec(undefined)).path).toBeUndefined();
  });

  it('missing under CI=true: fails with what and how to get it', () => {
    process.env.CI = 'true';
    expect(() => requirement(spec(undefined)).path).toThrow('a test thing not found but required (CI=true): install the test thing');
  });

  it('missing while its variable names a place: fails naming the variable', () => {
    delete process.env.CI;
    process.env.HETMEM_TEST_THING = '/nowhere';
    expect(() => requirement(spec(undefined)).path).toThrow('required (HETMEM_TEST_THING=/nowhere)');
  });
});
