#!/usr/bin/env node
// Fails (exit 1) when a module imports across a boundary of the house (ARCHITECTURE.md): the portable
// core imports only itself; src/shared imports only itself and the core; views never import the engine or
// the host; the host never imports the engine; the engine never imports the host, a view or vscode.
// Run by `npm run typecheck` after the compilers; `checkFiles` is what the unit test drives.
'use strict';

const fs = require('node:fs');
const path = require('node:path');
const { builtinModules } = require('node:module');

const repoRoot = path.resolve(__dirname, '..');

/** Where a file lives: its area, by folder. */
function areaOf(rel) {
  if (rel.startsWith('src/core/')) return 'core';
  if (rel.startsWith('src/shared/')) return 'shared';
  if (rel.startsWith('src/engine/')) return 'engine';
  if (rel.startsWith('src/extension/')) return 'host';
  if (rel.startsWith('webview/')) return 'view';
  return 'other';
}

/** Per area: the areas it may import, and whether it may import packages, Node built-ins and vscode. */
const RULES = {
  core: { areas: ['core'], packages: false, node: false, vscode: false },
  shared: { areas: ['shared', 'core'], packages: true, node: false, vscode: false },
  engine: { areas: ['engine', 'shared', 'core'], packages: true, node: true, vscode: false },
  host: { areas: ['host', 'shared', 'core'], packages: true, node: true, vscode: true },
  view: { areas: ['view', 'shared', 'core'], packages: true, node: false, vscode: false },
};

const NODE_BUILTINS = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));
/** import … from 'x', export … from 'x', import 'x', import('x'), require('x'). */
const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(?\s*|\brequire\s*\(\s*)(['"])([^'"\n]+)\1/g;

/** The import specifiers in a source text (comments removed first, so examples in docs do not count). */
function specifiersOf(text) {
  const code = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`\\])\/\/.*$/gm, '$1');
  return [...code.matchAll(SPECIFIER)].map((m) => m[2]);
}

/** The problems of one file (path relative to `root`, forward slashes) with the given text. */
function checkFile(rel, text, root = repoRoot) {
  const area = areaOf(rel);
  const rule = RULES[area];
  if (!rule) return [];
  const problems = [];
  for (const spec of specifiersOf(text)) {
    let what;
    if (spec.startsWith('.')) {
      const target = path.relative(root, path.resolve(root, path.dirname(rel), spec)).split(path.sep).join('/');
      const targetArea = areaOf(target.endsWith('.ts') ? target : `${target}.ts`);
      if (targetArea !== 'other' && rule.areas.includes(targetArea)) continue;
      what = `${targetArea === 'other' ? target : `the ${targetArea} (${target})`}`;
    } else if (spec === 'vscode') {
      if (rule.vscode) continue;
      what = 'vscode';
    } else if (NODE_BUILTINS.has(spec) || NODE_BUILTINS.has(spec.split('/')[0])) {
      if (rule.node) continue;
      what = `the Node built-in ${spec}`;
    } else {
      if (rule.packages) continue;
      what = `the package ${spec}`;
    }
    problems.push(`${rel}: the ${area} must not import ${what}`);
  }
  return problems;
}

/** Every .ts file under the checked folders of `root`, relative, forward slashes. */
function sourceFiles(root = repoRoot) {
  const out = [];
  const walk = (dir) => {
    for (const entry of fs.readdirSync(path.join(root, dir), { withFileTypes: true })) {
      const rel = `${dir}/${entry.name}`;
      if (entry.isDirectory()) {
        if (rel !== 'src/core/kernels/asm') walk(rel);
      } else if (/\.ts$/.test(entry.name) && !/\.d\.ts$/.test(entry.name)) out.push(rel);
    }
  };
  for (const dir of ['src', 'webview']) if (fs.existsSync(path.join(root, dir))) walk(dir);
  return out;
}

/** The problems of the given files (default: the whole tree). */
function checkFiles(files = sourceFiles(), root = repoRoot) {
  return files.flatMap((rel) => checkFile(rel, fs.readFileSync(path.join(root, rel), 'utf8'), root));
}

module.exports = { checkFile, checkFiles, sourceFiles, specifiersOf };

if (require.main === module) {
  const problems = checkFiles();
  for (const p of problems) console.error(p);
  if (problems.length) {
    console.error(`checkBoundaries: ${problems.length} import(s) cross a boundary (see ARCHITECTURE.md)`);
    process.exit(1);
  }
  console.log(`checkBoundaries: ${sourceFiles().length} files, no import crosses a boundary`);
}
