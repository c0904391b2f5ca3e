// Builds one bundle per target: the extension host, the engine child process, the CLI,
// the webviews and the integration-test suite. `--watch` rebuilds on change, `--production` minifies.
const esbuild = require('esbuild');
const fs = require('fs');
const path = require('path');

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');

/** Native tfjs backends are optional: loaded at run time when the user has them installed. */
const optionalNative = ['@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu'];

const common = {
  bundle: true,
  sourcemap: !production,
  minify: production,
  logLevel: 'warning',
  legalComments: 'linked',
};

const targets = [
  {
    ...common,
    entryPoints: { extension: 'src/extension/extension.ts' },
    outdir: 'dist',
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['vscode'],
  },
  {
    ...common,
    entryPoints: { engine: 'src/engine/main.ts', cli: 'src/engine/cli.ts', kernelWorker: 'src/engine/kernels/worker.ts' },
    outdir: 'dist',
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    // webgpu: Dawn's Node addon, loaded from node_modules at run time (a .node per platform).
    external: [...optionalNative, 'webgpu'],
    // tfjs's ES module builds declare their side effects (kernel registration); the node builds do not.
    mainFields: ['module', 'main'],
  },
];

const webviewDir = 'webview';
const webviewEntries = fs.existsSync(webviewDir)
  ? fs.readdirSync(webviewDir).filter((d) => fs.existsSync(path.join(webviewDir, d, 'main.ts')))
  : [];
if (webviewEntries.length > 0) {
  targets.push({
    ...common,
    entryPoints: Object.fromEntries(webviewEntries.map((d) => [d, path.join(webviewDir, d, 'main.ts')])),
    outdir: 'dist/webview',
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
  });
}

if (fs.existsSync('test/integration/suite/index.ts')) {
  targets.push({
    ...common,
    entryPoints: { index: 'test/integration/suite/index.ts' },
    outdir: 'out/integration',
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['vscode', 'mocha'],
  });
}

/**
 * WebAssembly kernels: compiles the AssemblyScript sources in src/core/kernels/asm (gemm.ts and
 * elementwise.ts, one module) four times into dist/kernels/kernels-<variant>.wasm: plain SIMD and
 * relaxed SIMD on a shared memory (the engine and its worker thread), and both again on a plain memory
 * (*-unshared: the unrolled view's page, which is not cross-origin isolated, so has no shared memory).
 * The flags live in the folder's asconfig.json, one target per variant.
 */
async function buildWasmKernels() {
  const asmDir = path.join('src', 'core', 'kernels', 'asm');
  const outDir = path.join('dist', 'kernels');
  fs.mkdirSync(outDir, { recursive: true });
  const asc = await import('assemblyscript/asc');
  for (const variant of ['simd', 'relaxed', 'simd-unshared', 'relaxed-unshared']) {
    const { error, stderr } = await asc.main([
      path.join(asmDir, 'gemm.ts'),
      path.join(asmDir, 'elementwise.ts'),
      '--config', path.join(asmDir, 'asconfig.json'),
      '--target', variant,
      '--outFile', path.join(outDir, `kernels-${variant}.wasm`),
    ]);
    if (error) throw new Error(`asc (${variant}): ${error.message}\n${stderr.toString()}`);
  }
}

/**
 * The codicon font for the webviews' @vscode-elements controls (buttons with icons): codicon.css and
 * codicon.ttf from @vscode/codicons into dist/codicons/, inside the webviews' resource roots.
 */
function copyCodicons() {
  const from = path.dirname(require.resolve('@vscode/codicons/dist/codicon.css'));
  const to = path.join('dist', 'codicons');
  fs.mkdirSync(to, { recursive: true });
  for (const file of ['codicon.css', 'codicon.ttf']) fs.copyFileSync(path.join(from, file), path.join(to, file));
}

async function main() {
  // A release build starts from an empty dist/, so no stale source maps or bundles ship.
  if (production) fs.rmSync('dist', { recursive: true, force: true });
  copyCodicons();
  // The native kernels (scripts/buildNative.js): compiled only when their sources changed; without a
  // compiler it says why and the engine runs on WebAssembly (unless RNN_LENS_REQUIRE_NATIVE=1).
  const native = require('./scripts/buildNative').buildNativeOrExplain();
  const kernels = Promise.all([buildWasmKernels(), native]);
  if (watch) {
    const contexts = await Promise.all(targets.map((t) => esbuild.context(t)));
    await Promise.all([kernels, ...contexts.map((c) => c.watch())]);
    console.log('esbuild: watching');
    return;
  }
  await Promise.all([kernels, ...targets.map((t) => esbuild.build(t))]);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
