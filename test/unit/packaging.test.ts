// The VSIX files (scripts/package.js): the platform VSIX carries this machine's native kernels, the
// universal one carries none (its engine runs on WebAssembly); both carry the WebAssembly kernels.
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

const ROOT = path.join(__dirname, '..', '..');

interface Listing {
  nativeFile: string;
  target: string | null;
  listing: Record<string, string[]>;
}

function list(): Listing {
  return JSON.parse(execFileSync(process.execPath, [path.join(ROOT, 'scripts', 'package.js'), '--list'], { cwd: ROOT, encoding: 'utf8' })) as Listing;
}

describe('packaging', function () {
  this.timeout(60_000);

  it('keeps native code out of the universal VSIX, and WebAssembly kernels in every VSIX', () => {
    const { listing } = list();
    assert.ok(!listing.universal.some((f) => f.startsWith('dist/native/')), listing.universal.join('\n'));
    for (const [target, files] of Object.entries(listing)) {
      assert.ok(files.includes('dist/engine.js'), `${target}: the engine`);
      assert.ok(files.some((f) => /^dist\/kernels\/kernels-.*\.wasm$/.test(f)), `${target}: the WebAssembly kernels`);
    }
  });

  it('puts this platform\'s native kernels and WebGPU addon in a VSIX for its target only', function () {
    const { nativeFile, target, listing } = list();
    const built = fs.existsSync(path.join(ROOT, nativeFile));
    if (!built) {
      if (process.env.RNN_LENS_REQUIRE_NATIVE === '1') assert.fail(`${nativeFile} was not built, and RNN_LENS_REQUIRE_NATIVE=1`);
      this.skip();
    }
    assert.equal(target, `${process.platform === 'win32' ? 'win32' : process.platform}-${process.arch}`);
    assert.deepEqual(listing[target!].filter((f) => f.startsWith('dist/native/')), [nativeFile]);
    // The WebGPU addon of this platform only (the engine loads dist/<platform>-<arch>/dawn.node beside the package.json).
    const folder = `${process.platform}-${process.platform === 'darwin' ? 'universal' : process.arch}`;
    const webgpu = listing[target!].filter((f) => f.startsWith('node_modules/'));
    assert.ok(webgpu.includes(`node_modules/webgpu/dist/${folder}/dawn.node`), webgpu.join('\n'));
    assert.ok(webgpu.includes('node_modules/webgpu/package.json'));
    assert.ok(webgpu.every((f) => f === 'node_modules/webgpu/package.json' || f === 'node_modules/webgpu/LICENSE.md' || f.startsWith(`node_modules/webgpu/dist/${folder}/`)), webgpu.join('\n'));
    assert.ok(!listing.universal.some((f) => f.startsWith('node_modules/')), 'no GPU addon in the universal VSIX');
    assert.deepEqual(
      listing[target!].filter((f) => f !== nativeFile && !f.startsWith('node_modules/')).sort(),
      [...listing.universal].sort(),
      'otherwise the same files',
    );
  });
});
