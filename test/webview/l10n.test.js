// The localisation bundles cannot go stale: l10n/bundle.l10n.json holds exactly the strings that
// vscode.l10n.t (host) and l10n.t (webviews) are called with, as @vscode/l10n-dev extracts them
// (`npm run l10n:export` rewrites it), and package.json's contributed strings are %keys% of
// package.nls.json, every one of them defined and every definition used.
'use strict';

const assert = require('assert').strict;
const fs = require('fs');
const path = require('path');
const { getL10nJson } = require('@vscode/l10n-dev');

const repoRoot = path.resolve(__dirname, '..', '..');
const readJson = (file) => JSON.parse(fs.readFileSync(path.join(repoRoot, file), 'utf8'));

/** Every .ts file under a folder of the repository. */
function tsFiles(dir) {
  const out = [];
  for (const entry of fs.readdirSync(path.join(repoRoot, dir), { withFileTypes: true })) {
    const rel = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...tsFiles(rel));
    else if (entry.name.endsWith('.ts')) out.push(rel);
  }
  return out;
}

/** Every string value of package.json's contributes (and the paths to them). */
function contributedStrings(value, where = 'contributes') {
  if (typeof value === 'string') return [[where, value]];
  if (Array.isArray(value)) return value.flatMap((v, i) => contributedStrings(v, `${where}[${i}]`));
  if (value && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => contributedStrings(v, `${where}.${k}`));
  return [];
}

/** Keys of contributes whose strings are shown to the user. */
const SHOWN = /\.(title|category|name|contextualTitle|description|markdownDescription|enumDescriptions\[\d+\])$/;

describe('localisation bundles', function () {
  it('l10n/bundle.l10n.json has exactly the strings the host and the webviews translate', async () => {
    const files = [...tsFiles('src/extension'), ...tsFiles('webview')];
    const extracted = await getL10nJson(files.map((f) => ({ extension: '.ts', contents: fs.readFileSync(path.join(repoRoot, f), 'utf8') })));
    const bundle = readJson('l10n/bundle.l10n.json');
    const used = Object.keys(extracted);
    assert.ok(used.length > 100, `only ${used.length} strings found: is the extractor reading the sources?`);
    assert.ok(used.includes('Type a sentence…') && used.includes('No active model: train one with "RNN: Train RNN on selection" first.'), 'a webview string and a host string are among them');
    const missing = used.filter((k) => !(k in bundle));
    const stale = Object.keys(bundle).filter((k) => !(k in extracted));
    assert.deepEqual({ missing, stale }, { missing: [], stale: [] }, 'run `npm run l10n:export` to rewrite the bundle');
    assert.deepEqual(bundle, extracted, 'the bundle is what `npm run l10n:export` writes');
  });

  it("package.json's contributed strings are %keys% defined in package.nls.json, and it points VS Code at l10n/", () => {
    const pkg = readJson('package.json');
    const nls = readJson('package.nls.json');
    assert.equal(pkg.l10n, './l10n');
    const shown = contributedStrings(pkg.contributes).filter(([where]) => SHOWN.test(where));
    assert.ok(shown.length > 40, `only ${shown.length} shown strings in contributes`);
    const plain = shown.filter(([, v]) => !/^%[\w.-]+%$/.test(v));
    assert.deepEqual(plain, [], 'every shown string is a %key%');
    const referenced = new Set(shown.map(([, v]) => v.slice(1, -1)));
    assert.deepEqual([...referenced].filter((k) => typeof nls[k] !== 'string' || nls[k] === ''), [], 'every %key% is defined');
    assert.deepEqual(Object.keys(nls).filter((k) => !referenced.has(k)), [], 'every definition is used');
  });
});
