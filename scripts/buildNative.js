#!/usr/bin/env node
// Builds the native kernels (native/src/*.c: elementwise kernels, the GEMM, the Node-API addon) into
// dist/native/rnn-lens-native-<platform>-<arch>.node with gcc (else cc, else clang). Per-file flags:
// *_avx512.c with -mavx512f -mavx512vl -mavx512dq -mfma, *_avx2.c with -mavx2 -mfma (x86-64 only; the
// code chooses at run time), everything else with plain -O3 -fPIC -std=c11 (no -march=native: the
// binary runs on any CPU of its architecture). Rebuilds only when a source is newer than the output.
// Without a compiler, or when the build fails, it says why and exits 0 (the engine then runs on
// WebAssembly) unless RNN_LENS_REQUIRE_NATIVE=1. `--arch arm64` cross-compiles for linux-arm64 with
// aarch64-linux-gnu-gcc (compiled, not run: test it with native/test/elementwise_build.sh under qemu).
// Plain Node, no dependencies.
'use strict';

const { spawn, spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const repoRoot = path.resolve(__dirname, '..');
const srcDir = path.join(repoRoot, 'native', 'src');
const outDir = path.join(repoRoot, 'dist', 'native');

/** The addon's file name for this platform and architecture (nativeKernels.ts looks for the same). */
function addonName(platform = process.platform, arch = process.arch) {
  return `rnn-lens-native-${platform}-${arch}.node`;
}

function findCompiler(arch) {
  const cross = { arm64: 'aarch64-linux-gnu-gcc', x64: 'x86_64-linux-gnu-gcc' }[arch];
  const tried = arch !== process.arch ? [process.env.CC, cross].filter(Boolean) : process.env.CC ? [process.env.CC, 'gcc', 'cc', 'clang'] : ['gcc', 'cc', 'clang'];
  for (const cc of tried) {
    const r = spawnSync(cc, ['--version'], { encoding: 'utf8' });
    if (r.status === 0) return cc;
  }
  return undefined;
}

/** The folder with node_api.h: Node's own headers, else the node-api-headers package. */
function findNodeHeaders() {
  const candidates = [
    path.join(path.dirname(process.execPath), '..', 'include', 'node'),
    '/usr/include/node',
    '/usr/local/include/node',
  ];
  try {
    candidates.push(path.join(path.dirname(require.resolve('node-api-headers/package.json', { paths: [repoRoot] })), 'include'));
  } catch {
    // not installed
  }
  return candidates.find((dir) => fs.existsSync(path.join(dir, 'node_api.h')));
}

/** The sources to compile: the temporary naive GEMM only while the real one (gemm.c) is absent. */
function sources(x86) {
  const all = fs.existsSync(srcDir) ? fs.readdirSync(srcDir).filter((f) => f.endsWith('.c')).sort() : [];
  const realGemm = all.includes('gemm.c');
  return all.filter((f) => {
    if (f === 'gemm_stub_naive.c') return !realGemm;
    if (!realGemm && f.startsWith('gemm')) return false;
    if (!x86 && /_(avx2|avx512)\.c$/.test(f)) return false;
    return true;
  });
}

function flagsFor(file, x86) {
  const flags = ['-O3', '-fPIC', '-std=c11', '-Wall', '-Wextra'];
  if (x86 && file.endsWith('_avx512.c')) flags.push('-mavx512f', '-mavx512vl', '-mavx512dq', '-mfma');
  else if (x86 && file.endsWith('_avx2.c')) flags.push('-mavx2', '-mfma');
  return flags;
}

function run(cmd, args) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('error', (err) => resolve({ code: -1, out: out + err.message }));
    child.on('close', (code) => resolve({ code, out }));
  });
}

/** Newest modification time of the inputs (sources, headers, this script). */
function newestInput() {
  const files = fs.readdirSync(srcDir).filter((f) => /\.(c|h)$/.test(f)).map((f) => path.join(srcDir, f));
  files.push(__filename);
  return Math.max(...files.map((f) => fs.statSync(f).mtimeMs));
}

/**
 * Builds the addon when needed. Resolves to { built, output, reason } and never throws: a failure is
 * reported in `reason` (the caller decides whether it is fatal).
 */
async function buildNative({ log = console.log, force = false, arch = process.arch } = {}) {
  const output = path.join(outDir, addonName(process.platform, arch));
  if (!fs.existsSync(srcDir)) return { built: false, output, reason: `no native sources (${srcDir})` };
  if (process.platform === 'win32') return { built: false, output, reason: 'the native build is not set up for Windows (it needs node.lib and MSVC)' };
  if (!force && fs.existsSync(output) && fs.statSync(output).mtimeMs >= newestInput()) {
    return { built: false, upToDate: true, output, reason: 'up to date' };
  }
  const cc = findCompiler(arch);
  if (!cc) return { built: false, output, reason: 'no C compiler found (tried $CC, gcc, cc, clang)' };
  const headers = findNodeHeaders();
  if (!headers) return { built: false, output, reason: 'node_api.h not found (Node\'s include/node, /usr/include/node or the node-api-headers package)' };
  const x86 = arch === 'x64';
  const files = sources(x86);
  if (!files.includes('addon.c')) return { built: false, output, reason: 'native/src/addon.c is missing' };
  const objDir = path.join(outDir, `obj-${process.platform}-${arch}`);
  fs.mkdirSync(objDir, { recursive: true });
  const started = Date.now();
  // Compile in parallel, as many at a time as there are cores.
  const queue = [...files];
  const failures = [];
  const warnings = [];
  const workers = Array.from({ length: Math.max(1, Math.min(queue.length, os.availableParallelism?.() ?? os.cpus().length)) }, async () => {
    for (let f = queue.shift(); f; f = queue.shift()) {
      const args = [...flagsFor(f, x86), `-I${srcDir}`, `-I${headers}`, '-c', path.join(srcDir, f), '-o', path.join(objDir, f.replace(/\.c$/, '.o'))];
      const r = await run(cc, args);
      if (r.code !== 0) failures.push(`${f}:\n${r.out.trim()}`);
      else if (r.out.trim()) warnings.push(`${f}: ${r.out.trim()}`);
    }
  });
  await Promise.all(workers);
  if (failures.length) return { built: false, output, reason: `${cc} failed on ${failures.join('\n')}` };
  const objects = files.map((f) => path.join(objDir, f.replace(/\.c$/, '.o')));
  const linkFlags = process.platform === 'darwin' ? ['-bundle', '-undefined', 'dynamic_lookup'] : ['-shared'];
  const tmp = `${output}.tmp-${process.pid}`;
  const link = await run(cc, [...linkFlags, '-o', tmp, ...objects, '-lm', '-pthread']);
  if (link.code !== 0) return { built: false, output, reason: `linking failed: ${link.out.trim()}` };
  fs.renameSync(tmp, output);
  for (const w of warnings) log(`native: warning: ${w}`);
  log(`native: built ${path.relative(repoRoot, output)} from ${files.join(', ')} with ${cc} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return { built: true, output, reason: 'built' };
}

/** For esbuild.js and the command line: builds, prints what happened, fails only when RNN_LENS_REQUIRE_NATIVE=1. */
async function buildNativeOrExplain(options = {}) {
  const result = await buildNative(options);
  if (!result.built && !result.upToDate) {
    const message = `native: not built: ${result.reason}`;
    if (process.env.RNN_LENS_REQUIRE_NATIVE === '1') throw new Error(`${message} (RNN_LENS_REQUIRE_NATIVE=1)`);
    console.warn(`${message}; the engine will run on WebAssembly`);
  }
  return result;
}

module.exports = { addonName, buildNative, buildNativeOrExplain };

if (require.main === module) {
  const archAt = process.argv.indexOf('--arch');
  buildNativeOrExplain({ force: process.argv.includes('--force'), arch: archAt > 0 ? process.argv[archAt + 1] : process.arch }).then(
    (r) => {
      if (r.upToDate) console.log(`native: ${path.relative(repoRoot, r.output)} is up to date`);
    },
    (err) => {
      console.error(err.message);
      process.exit(1);
    },
  );
}
