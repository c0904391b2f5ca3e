// Integration-test entry: runs the mocha (bdd) suites below inside a real extension host.
// Used as extensionTestsPath by test/integration/runOffline.js (code-server) and by
// @vscode/test-electron; @vscode/test-cli (.vscode-test.mjs) loads the bundle as a spec file.
// Writes a readable report to $RNN_LENS_TEST_REPORT ending in the line `N passed, N failed`.
import * as fs from 'fs';
import * as path from 'path';
import Mocha from 'mocha';

/** The test files, bundled by esbuild.js into out/integration/index.js; add new ones here. */
function loadTestFiles(): void {
  require('./smoke.test');
  require('./extension.test');
  require('./records.test');
  require('./split.test');
  require('./views.test');
  require('./trainFlow.test');
  require('./gpu.test');
  require('./trainingPanel.test');
}

/** Per-test timeout; tests that train models raise it with this.timeout(). */
const defaultTimeoutMs = 60_000;

// Loaded by @vscode/test-cli as a mocha spec file: mocha's globals exist already, register now.
if (typeof (globalThis as { describe?: unknown }).describe === 'function') {
  loadTestFiles();
}

/** The test-electron entry point: resolves when every test passed, rejects otherwise. */
export async function run(): Promise<void> {
  const mocha = new Mocha({ ui: 'bdd', timeout: defaultTimeoutMs, color: false, reporter: 'spec' });
  mocha.suite.emit(Mocha.Suite.constants.EVENT_FILE_PRE_REQUIRE, globalThis, 'out/integration/index.js', mocha);
  loadTestFiles();

  const lines: string[] = [];
  let passed = 0;
  let failed = 0;
  let pending = 0;
  const started = Date.now();
  const { EVENT_SUITE_BEGIN, EVENT_TEST_PASS, EVENT_TEST_FAIL, EVENT_TEST_PENDING } = Mocha.Runner.constants;

  const failures = await new Promise<number>((resolve) => {
    let runner: Mocha.Runner;
    try {
      runner = mocha.run((n) => resolve(n));
    } catch (err) {
      failed++;
      lines.push(`ERROR starting mocha: ${describeError(err)}`);
      resolve(1);
      return;
    }
    runner.on(EVENT_SUITE_BEGIN, (suite: Mocha.Suite) => {
      if (suite.title) lines.push(`${indent(suite)}${suite.title}`);
    });
    runner.on(EVENT_TEST_PASS, (test: Mocha.Test) => {
      passed++;
      lines.push(`${indent(test)}  ok   ${test.title} (${test.duration ?? 0} ms)`);
    });
    runner.on(EVENT_TEST_PENDING, (test: Mocha.Test) => {
      pending++;
      lines.push(`${indent(test)}  skip ${test.title}`);
    });
    runner.on(EVENT_TEST_FAIL, (test: Mocha.Runnable, err: unknown) => {
      failed++;
      lines.push(`${indent(test)}  FAIL ${test.fullTitle()}`);
      for (const l of describeError(err).split('\n')) lines.push(`${indent(test)}       ${l}`);
    });
  });

  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  lines.push('');
  lines.push(`integration tests: ${passed} passed, ${failed} failed, ${pending} pending in ${seconds} s`);
  lines.push(`${passed} passed, ${failed} failed`);
  const report = lines.join('\n') + '\n';
  console.log(report);
  const reportFile = process.env.RNN_LENS_TEST_REPORT;
  if (reportFile) {
    fs.mkdirSync(path.dirname(reportFile), { recursive: true });
    fs.writeFileSync(reportFile, report);
  }
  if (failures > 0 || failed > 0) {
    throw new Error(`${Math.max(failures, failed)} integration test(s) failed`);
  }
}

function indent(r: Mocha.Runnable | Mocha.Suite): string {
  let depth = 0;
  for (let s = r.parent; s && !s.root; s = s.parent) depth++;
  if (r instanceof Mocha.Suite) depth--;
  return '  '.repeat(Math.max(0, depth));
}

function describeError(err: unknown): string {
  if (err instanceof Error) {
    const stack = (err.stack ?? '')
      .split('\n')
      .filter((l) => /^\s+at /.test(l))
      .slice(0, 5)
      .join('\n');
    return `${err.name}: ${err.message}${stack ? '\n' + stack : ''}`;
  }
  return String(err);
}
