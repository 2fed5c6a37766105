/**
 * A vitest reporter that ends the run with the plain line `N passed, N failed[, N skipped]`, the
 * closing line CI reads in any language (vitest's own summary is not one of the formats it knows).
 * Before it, one line per distinct skip note (common/testing/requirements.ts: what a skipped test
 * needs and how to get it), and one line per skipped test that carries no note, with its name.
 */
import type { Reporter, TestModule } from 'vitest/node';

export default class TestSummaryReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    const notes = new Map<string, number>();
    const unnoted: string[] = [];
    for (const m of testModules) {
      for (const t of m.children.allTests()) {
        const result = t.result();
        if (result.state === 'passed') passed++;
        else if (result.state === 'failed') failed++;
        else {
          skipped++;
          if (result.state === 'skipped' && result.note) notes.set(result.note, (notes.get(result.note) ?? 0) + 1);
          else unnoted.push(`${m.moduleId.replace(`${process.cwd()}/`, '')} > ${t.name}`);
        }
      }
      // A module that failed to load has no tests but must count as a failure.
      if (m.state() === 'failed' && [...m.children.allTests()].length === 0) failed++;
    }
    for (const [note, n] of notes) process.stdout.write(`\nskipped ${n} ${n === 1 ? 'test' : 'tests'}: ${note}`);
    for (const name of unnoted) process.stdout.write(`\nskipped: ${name}`);
    process.stdout.write(`\n${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}\n`);
  }
}
