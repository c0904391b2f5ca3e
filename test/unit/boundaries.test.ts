import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { checkFile, checkFiles } = require('../../scripts/checkBoundaries.js') as {
  checkFile(rel: string, text: string): string[];
  checkFiles(): string[];
};

const repoRoot = path.resolve(__dirname, '..', '..');
const tsc = path.join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc');

describe('the house boundaries', () => {
  it('the core type check rejects Node and the DOM (and accepts the portable globals)', () => {
    const run = spawnSync(process.execPath, [tsc, '--noEmit', '-p', path.join(repoRoot, 'test', 'fixtures', 'coreViolation')], { encoding: 'utf8' });
    assert.notEqual(run.status, 0, 'the violation fixture type-checked under the core settings');
    const out = run.stdout + run.stderr;
    assert.match(out, /violation\.ts\(3,\d+\): error TS2307: Cannot find module 'node:fs'/);
    assert.match(out, /violation\.ts\(6,\d+\): error TS2584: Cannot find name 'document'/);
    assert.match(out, /violation\.ts\(7,\d+\): error TS2591: Cannot find name 'process'/);
    assert.doesNotMatch(out, /violation\.ts\(8,/, 'performance is a portable global');
  });

  it('the core type check passes on src/core itself', () => {
    const run = spawnSync(process.execPath, [tsc, '--noEmit', '-p', path.join(repoRoot, 'src', 'core')], { encoding: 'utf8' });
    assert.equal(run.status, 0, run.stdout + run.stderr);
  });

  it('names each import that crosses a boundary', () => {
    assert.deepEqual(checkFile('src/core/network.ts', "import * as fs from 'node:fs';\nimport { z } from 'zod';\nimport { x } from '../shared/protocol';"), [
      'src/core/network.ts: the core must not import the Node built-in node:fs',
      'src/core/network.ts: the core must not import the package zod',
      'src/core/network.ts: the core must not import the shared (src/shared/protocol)',
    ]);
    assert.deepEqual(checkFile('webview/unrolled/panel.ts', "import { Inspector } from '../../src/engine/service';"), [
      'webview/unrolled/panel.ts: the view must not import the engine (src/engine/service)',
    ]);
    assert.deepEqual(checkFile('src/extension/hover.ts', "const m = require('../engine/model');"), [
      'src/extension/hover.ts: the host must not import the engine (src/engine/model)',
    ]);
    assert.deepEqual(checkFile('src/engine/main.ts', "import * as vscode from 'vscode';"), ['src/engine/main.ts: the engine must not import vscode']);
    assert.deepEqual(checkFile('src/core/inspector.ts', "import * as vscode from 'vscode';"), ['src/core/inspector.ts: the core must not import vscode']);
    assert.deepEqual(checkFile('src/shared/rpc.ts', "import { x } from '../core/inspect'; // import 'node:fs' in a comment"), []);
  });

  it('the tree crosses no boundary', () => {
    assert.deepEqual(checkFiles(), []);
  });
});
