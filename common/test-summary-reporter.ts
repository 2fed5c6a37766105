/**
 * A vitest reporter that ends the run with the plain line `N passed, N failed[, N skipped]`, the
 * closing line CI reads in any language (vitest's own summary is not one of the formats it knows).
 * Before it, one line per skipped test with its name, which says why it was skipped and how to run it.
 */
import type { Reporter, TestModule } from 'vitest/node';

export default class TestSummaryReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    const skippedNames: string[] = [];
    for (const m of testModules) {
      for (const t of m.children.allTests()) {
        const state = t.result().state;
        if (state === 'passed') passed++;
        else if (state === 'failed') failed++;
        else {
          skipped++;
          skippedNames.push(`${m.moduleId.replace(`${process.cwd()}/`, '')} > ${t.name}`);
        }
      }
      // A module that failed to load has no tests but must count as a failure.
      if (m.state() === 'failed' && [...m.children.allTests()].length === 0) failed++;
    }
    const lines = [...skippedNames.map((n) => `skipped: ${n}`), `${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`];
    process.stdout.write(`\n${lines.join('\n')}\n`);
  }
}
