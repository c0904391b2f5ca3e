#!/usr/bin/env node
'use strict';
/**
 * `npm run package`: the VSIX files, the way VS Code extensions with native code ship.
 *   - a platform-specific VSIX (`vsce package --target linux-x64` …) carrying the prebuilt native kernels
 *     built here (dist/native/rnn-lens-native-<platform>-<arch>.node) and that platform's WebGPU addon
 *     (Dawn's dawn.node from the npm package webgpu, for training on the GPU): VS Code installs it on
 *     that platform only;
 *   - a universal VSIX without native code: the engine runs on WebAssembly everywhere else, without a GPU.
 * Only this machine's platform can carry native kernels (they are built here, not downloaded).
 * Usage: node scripts/package.js [--list] [--no-build]
 *   --list      print the files each VSIX would hold (vsce ls), package nothing
 *   --no-build  package what dist/ holds now (default: a production build first)
 */
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const ROOT = path.join(__dirname, '..');
const VSCE = path.join(ROOT, 'node_modules', '@vscode', 'vsce', 'vsce');
// Dependencies are listed (the platform VSIX takes the webgpu package's addon for its platform; .vscodeignore keeps the rest out).
const VSCE_FLAGS = ['--allow-missing-repository', '--no-rewrite-relative-links'];

/** vsce's target name for this machine (its platform-arch), or undefined where vsce has none. */
function hostTarget() {
  const platform = { linux: 'linux', darwin: 'darwin', win32: 'win32' }[process.platform];
  const arch = { x64: 'x64', arm64: 'arm64', arm: 'armhf' }[process.arch];
  return platform && arch ? `${platform}-${arch}` : undefined;
}

/** The native kernels' file as the build writes it and the engine looks for it. */
function nativeFile() {
  return `dist/native/rnn-lens-native-${process.platform}-${process.arch}.node`;
}

function run(command, args, what) {
  const result = spawnSync(command, args, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (result.status !== 0) {
    throw new Error(`${what} failed (exit ${result.status ?? result.signal}): ${(result.stderr || result.stdout || result.error?.message || '').trim().split('\n').slice(-5).join('\n')}`);
  }
  return result.stdout;
}

/** The files of the webgpu package this platform's engine loads (src/engine/gpu/device.ts): its package.json, licence and addon folder. */
function webgpuFiles() {
  const folder = `${process.platform}-${process.platform === 'darwin' ? 'universal' : process.arch}`;
  return ['node_modules/webgpu/package.json', 'node_modules/webgpu/LICENSE.md', `node_modules/webgpu/dist/${folder}/**`];
}

/** An ignore file that is .vscodeignore plus this platform's native kernels and WebGPU addon. */
function platformIgnoreFile() {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'rnn-lens-package-')), '.vscodeignore');
  const extra = [nativeFile(), ...webgpuFiles()].map((f) => `!${f}`).join('\n');
  fs.writeFileSync(file, `${fs.readFileSync(path.join(ROOT, '.vscodeignore'), 'utf8').trimEnd()}\n${extra}\n`);
  return file;
}

/** The files `vsce ls` says a VSIX with this ignore file holds. */
function listFiles(ignoreFile) {
  return run(process.execPath, [VSCE, 'ls', ...(ignoreFile ? ['--ignoreFile', ignoreFile] : [])], 'vsce ls')
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
}

function main() {
  const args = new Set(process.argv.slice(2));
  const target = hostTarget();
  const native = path.join(ROOT, nativeFile());
  if (!args.has('--list') && !args.has('--no-build')) {
    console.log('[package] production build…');
    run(process.execPath, ['esbuild.js', '--production'], 'node esbuild.js --production');
  }
  const haveNative = fs.existsSync(native);
  const ignore = haveNative && target ? platformIgnoreFile() : undefined;
  if (args.has('--list')) {
    const listing = { universal: listFiles(undefined) };
    if (ignore) listing[target] = listFiles(ignore);
    console.log(JSON.stringify({ nativeFile: nativeFile(), target: ignore ? target : null, listing }, null, 2));
    return;
  }
  const version = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).version;
  const built = [];
  if (ignore) {
    const out = `rnn-lens-${version}-${target}.vsix`;
    run(process.execPath, [VSCE, 'package', ...VSCE_FLAGS, '--target', target, '--ignoreFile', ignore, '-o', out], `vsce package --target ${target}`);
    built.push(`${out} (${target}, with ${nativeFile()} and the WebGPU addon)`);
  } else {
    console.log(`[package] no platform VSIX: ${target ? `${nativeFile()} was not built (see \`node scripts/buildNative.js\`)` : `vsce has no target for ${process.platform}-${process.arch}`}`);
  }
  const universal = `rnn-lens-${version}.vsix`;
  run(process.execPath, [VSCE, 'package', ...VSCE_FLAGS, '-o', universal], 'vsce package (universal)');
  built.push(`${universal} (universal: WebAssembly kernels, no GPU)`);
  for (const b of built) console.log(`[package] ${b}`);
}

try {
  main();
} catch (err) {
  console.error(`[package] ${err.message}`);
  process.exit(1);
}
