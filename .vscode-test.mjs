// @vscode/test-cli configuration (`npm run test:electron`): runs the integration suite in a VS Code
// that @vscode/test-electron downloads (needs internet; offline, use `npm run test:integration`).
// The bundle out/integration/index.js registers its tests when loaded as a mocha spec file.
import { defineConfig } from '@vscode/test-cli';
import { createRequire } from 'module';
import { existsSync, mkdirSync } from 'fs';
import { dirname, join } from 'path';
import { fileURLToPath } from 'url';

const require = createRequire(import.meta.url);
const root = dirname(fileURLToPath(import.meta.url));
const workspaceFolder = join(root, '.vscode-test', 'workspace');
mkdirSync(workspaceFolder, { recursive: true });
const makeDemo = join(root, 'scripts', 'makeDemo.js');
if (existsSync(makeDemo)) require(makeDemo).writeDemoWorkspace(workspaceFolder);

export default defineConfig({
  label: 'integration',
  files: 'out/integration/index.js',
  extensionDevelopmentPath: root,
  workspaceFolder,
  launchArgs: ['--disable-extensions', '--disable-workspace-trust'],
  env: { RNN_LENS_TEST_WORKSPACE: workspaceFolder },
  mocha: { ui: 'bdd', timeout: 60000 },
});
