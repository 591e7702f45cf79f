// Vitest prints no line CI can read; this reporter ends the run with `N passed, N failed`,
// after the name and first error line of every failed test (CI shows only the end of the log).
import type { Reporter, TestModule } from 'vitest/node';

export default class CountReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    let passed = 0;
    let skipped = 0;
    const failures: string[] = [];
    for (const mod of testModules) {
      for (const test of mod.children.allTests()) {
        const result = test.result();
        if (result.state === 'passed') passed++;
        else if (result.state === 'failed') {
          const reason = result.errors?.[0]?.message?.split('\n')[0] ?? '';
          failures.push(`${mod.moduleId} > ${test.fullName}: ${reason.slice(0, 300)}`);
        } else skipped++;
      }
      // A file that failed to load counts as a failure, never as silence.
      if (mod.state() === 'failed' && [...mod.children.allTests()].length === 0) {
        const reason = mod.errors()[0]?.message?.split('\n')[0] ?? '';
        failures.push(`${mod.moduleId} (did not load): ${reason.slice(0, 300)}`);
      }
    }
    const list = failures.map((line) => `FAILED ${line}\n`).join('');
    process.stdout.write(`\n${list}${passed} passed, ${failures.length} failed, ${skipped} skipped\n`);
  }
}
