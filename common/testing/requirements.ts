/**
 * What some tests need from outside the repository — the shared real traces, Debian's chromium,
 * Jupyter with the TypeScript kernel — found in ONE place, with one rule:
 *
 * - found: the tests run;
 * - missing on a developer's machine or a bare clone: each suite that needs it is reported as ONE
 *   skipped test whose note says how to get it (the summary reporter prints each note once), so
 *   `npm test` passes on a fresh clone;
 * - missing where it is required (CI=true, which CI sets, or the requirement's own variable set, e.g.
 *   HETMEM_TRACES): the test file fails with that message. CI can never go green by skipping.
 *
 * Use `realTraces.describe(…)` / `.it(…)` in place of vitest's for the tests that need a requirement;
 * a skipped suite's body is not run at all (several read their files while collecting).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll as vAfterAll, beforeAll as vBeforeAll, describe as vDescribe, it as vIt, type TestContext } from 'vitest';

type Body = () => void | Promise<void>;
type TestBody = (ctx: TestContext) => unknown;

export interface Requirement {
  /** What it is, for messages ("the shared real traces"). */
  readonly what: string;
  /** Where it was found (a folder or a program); throws when it is missing and required. */
  readonly path: string | undefined;
  /** A suite that needs it: skipped with the note when missing (its body not run). */
  describe(name: string, body: Body): void;
  /** A test that needs it: skipped with the note when missing. */
  it(name: string, body: TestBody, timeout?: number): void;
  /** Hooks that only run when it is there. */
  beforeAll(body: Body, timeout?: number): void;
  afterAll(body: Body, timeout?: number): void;
}

export interface Spec {
  what: string;
  /** The variable that points at it; when set, the requirement is required. */
  variable: string;
  /** Where it is, or undefined when it is not there. */
  locate(): string | undefined;
  /** One line: how to get it. */
  howTo: string;
}

const REPO = fileURLToPath(new URL('../../', import.meta.url));

/** A requirement from its spec (exported for its own test). */
export function requirement(spec: Spec): Requirement {
  let found: { path: string | undefined } | undefined;
  const note = `needs ${spec.what}: ${spec.howTo}`;
  const locate = (): string | undefined => {
    if (!found) {
      const path = spec.locate();
      const required = process.env.CI === 'true' || !!process.env[spec.variable];
      if (path === undefined && required) {
        const why = process.env[spec.variable] ? `${spec.variable}=${process.env[spec.variable]}` : 'CI=true';
        throw new Error(`${spec.what} not found but required (${why}): ${spec.howTo}`);
      }
      found = { path };
    }
    return found.path;
  };
  const skipped = (name: string) => vIt(name, (ctx) => ctx.skip(note));
  return {
    what: spec.what,
    get path() { return locate(); },
    describe: (name, body) => (locate() ? vDescribe(name, body) : skipped(name)),
    it: (name, body, timeout) => (locate() ? vIt(name, body, timeout) : skipped(name)),
    beforeAll: (body, timeout) => { if (locate()) vBeforeAll(body, timeout); },
    afterAll: (body, timeout) => { if (locate()) vAfterAll(body, timeout); },
  };
}

const isDir = (p: string): boolean => existsSync(p) && statSync(p).isDirectory();

/** The public real traces (profiler outputs recorded on real machines; docs/testing.md lists them). */
export const realTraces: Requirement & { file(relative: string): string } = Object.assign(
  requirement({
    what: 'the shared real traces',
    variable: 'HETMEM_TRACES',
    locate: () => {
      const env = process.env.HETMEM_TRACES;
      if (env) return isDir(env) ? env : undefined;
      const beside = join(REPO, '..', 'shared', 'traces');
      return isDir(beside) ? beside : undefined;
    },
    howTo: 'set HETMEM_TRACES=<folder of the traces> or put them at ../shared/traces beside the checkout (docs/testing.md)',
  }),
  {
    /** A file under the traces folder (a path that is never opened when the traces are missing). */
    file(this: Requirement, relative: string): string {
      return join(this.path ?? join(REPO, '..', 'shared', 'traces'), relative);
    },
  },
);

/** Debian's chromium, driven by playwright-core (never a browser download). */
export const chromium: Requirement = requirement({
  what: 'chromium',
  variable: 'HETMEM_CHROMIUM',
  locate: () => {
    const path = process.env.HETMEM_CHROMIUM || '/usr/bin/chromium';
    return existsSync(path) ? path : undefined;
  },
  howTo: 'apt-get install -y --no-install-recommends chromium',
});

/** Jupyter (Debian's nbconvert and ipykernel) with the tslab kernel installed for it. */
export const jupyter: Requirement = requirement({
  what: 'Jupyter with the tslab kernel',
  variable: 'HETMEM_JUPYTER',
  locate: () => {
    try {
      const kernels = execFileSync('jupyter', ['kernelspec', 'list', '--json'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
      const hasTslab = 'tslab' in ((JSON.parse(kernels) as { kernelspecs?: Record<string, unknown> }).kernelspecs ?? {});
      execFileSync('jupyter', ['nbconvert', '--version'], { stdio: 'ignore' });
      return hasTslab ? 'jupyter' : undefined;
    } catch {
      return undefined;
    }
  },
  howTo: 'apt-get install -y --no-install-recommends jupyter-nbconvert python3-ipykernel jupyter-client && npx tslab install --python=/usr/bin/python3',
});
