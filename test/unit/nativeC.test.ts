// The native kernels' own C tests (native/test/*.sh): the GEMM on every ISA path this CPU runs
// (against a double-precision reference, packed = unpacked bit for bit, two threads = one, no writes
// outside C) and the elementwise kernels against the JS oracle's formulas. They need a C compiler;
// without one they are skipped, unless RNN_LENS_REQUIRE_NATIVE=1 (CI).
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

const TESTS = path.join(__dirname, '..', '..', 'native', 'test');

function haveCompiler(): boolean {
  return spawnSync(process.env.CC ?? 'gcc', ['--version'], { encoding: 'utf8' }).status === 0;
}

describe('native kernels, C tests', function () {
  this.timeout(180_000);
  before(function () {
    if (haveCompiler()) return;
    if (process.env.RNN_LENS_REQUIRE_NATIVE === '1') assert.fail('no C compiler (gcc), and RNN_LENS_REQUIRE_NATIVE=1');
    this.skip();
  });

  for (const script of ['gemm_build.sh', 'elementwise_build.sh']) {
    it(`passes ${script}`, () => {
      const run = spawnSync('bash', [path.join(TESTS, script)], { encoding: 'utf8' });
      assert.equal(run.status, 0, `${script} exited ${run.status}:\n${(run.stdout + run.stderr).split('\n').slice(-20).join('\n')}`);
      assert.doesNotMatch(run.stdout, /FAIL/);
    });
  }
});
