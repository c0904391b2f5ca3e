// Unit tests of dataset parsing: every format, detection, the checks before training and the format table.
// One file of ~550 lines because the formats share their fixtures (the real names data) and helpers.
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import {
  checkTrainable,
  classCounts,
  DATASET_FORMAT_SETTING_VALUES,
  DATASET_FORMAT_TABLE,
  DATASET_FORMATS,
  DatasetError,
  parseDataset,
  type DatasetFormat,
  type Example,
  type ParsedDataset,
  type ParseOptions,
} from '../../src/shared/dataset';

interface Name { name: string; label: 'female' | 'male' }
const { loadNames } = require('../../scripts/makeDemo.js') as { loadNames(): Name[] };

/** Runs parseDataset and returns the DatasetError it throws (fails when it does not throw one). */
function parseError(text: string, options?: ParseOptions): DatasetError {
  try {
    parseDataset(text, options);
  } catch (error) {
    assert.ok(error instanceof DatasetError, `expected a DatasetError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected parseDataset to throw');
}

function pairs(ds: ParsedDataset): [string, string][] {
  return ds.examples.map((e) => [e.label, e.text]);
}

function lineNumbers(ds: ParsedDataset): number[] {
  return ds.examples.map((e) => e.line);
}

const SENTIMENT_TSV = [
  'pos\tI loved this film',
  'neg\tA waste of two hours',
  'pos\tThe cast is wonderful',
  'neg\tBoring and far too long',
].join('\n');

describe('parseDataset', () => {
  describe('TSV', () => {
    it('reads label⇥text lines, detecting that the first column is the label', () => {
      const ds = parseDataset(SENTIMENT_TSV);
      assert.equal(ds.format, 'tsv-label-text');
      assert.equal(ds.description, 'TSV (label⇥text)');
      assert.deepEqual(pairs(ds), [
        ['pos', 'I loved this film'],
        ['neg', 'A waste of two hours'],
        ['pos', 'The cast is wonderful'],
        ['neg', 'Boring and far too long'],
      ]);
      assert.deepEqual(lineNumbers(ds), [1, 2, 3, 4]);
      assert.equal(ds.errorCount, 0);
    });

    it('reads text⇥label lines, detecting that the second column is the label', () => {
      const text = SENTIMENT_TSV.split('\n').map((line) => line.split('\t').reverse().join('\t')).join('\n');
      const ds = parseDataset(text);
      assert.equal(ds.format, 'tsv-text-label');
      assert.equal(ds.description, 'TSV (text⇥label)');
      assert.deepEqual(pairs(ds), pairs(parseDataset(SENTIMENT_TSV)));
    });

    it('picks the shorter column as the label when both columns are all distinct', () => {
      const ds = parseDataset('a long sentence here\tx\nanother long sentence\ty\n');
      assert.equal(ds.format, 'tsv-text-label');
    });

    it('skips a header line such as sentence⇥label', () => {
      const ds = parseDataset('sentence\tlabel\nhide new secretions\t0\ncontains no wit\t0\nthe greatest\t1\n');
      assert.equal(ds.format, 'tsv-text-label');
      assert.equal(ds.description, 'TSV (text⇥label) with header');
      assert.deepEqual(lineNumbers(ds), [2, 3, 4]);
    });

    it('keeps the text as it is and trims the label, keeping its case', () => {
      const ds = parseDataset(' Pos \t  two  spaces  \nNEG\tx\n', { format: 'tsv-label-text' });
      assert.deepEqual(pairs(ds), [['Pos', '  two  spaces  '], ['NEG', 'x']]);
    });

    it('follows an explicit format over the detected one', () => {
      const ds = parseDataset(SENTIMENT_TSV, { format: 'tsv-text-label' });
      assert.equal(ds.format, 'tsv-text-label');
      assert.equal(ds.examples[0].label, 'I loved this film');
    });

    it('reports lines with the wrong number of fields, with their line numbers', () => {
      const text = 'pos\tgood\nneg\tbad\tworse\nneutral\npos\tfine\n';
      const ds = parseDataset(text);
      assert.deepEqual(ds.errors, [
        { line: 2, message: 'line 2: expected 2 tab-separated fields, found 3' },
        { line: 3, message: 'line 3: expected 2 tab-separated fields, found 1' },
      ]);
      assert.equal(ds.errorCount, 2);
      assert.deepEqual(lineNumbers(ds), [1, 4]);
    });

    it('reports an empty label or text', () => {
      const ds = parseDataset('pos\tgood\n \tno label\nneg\t   \nneg\tbad\n', { format: 'tsv-label-text' });
      assert.deepEqual(ds.errors.map((e) => e.message), ['line 2: empty label', 'line 3: empty text']);
    });
  });

  describe('CSV', () => {
    it('reads a CSV with a header, choosing the text and label columns by content', () => {
      const text = [
        'id,review,sentiment',
        '1,An absolute delight from start to finish,pos',
        '2,I want my money back,neg',
        '3,Not bad at all for a sequel,pos',
        '4,The plot makes no sense whatsoever,neg',
      ].join('\n');
      const ds = parseDataset(text);
      assert.equal(ds.format, 'csv');
      assert.equal(ds.description, 'CSV with header, text column "review", label column "sentiment"');
      assert.deepEqual(ds.csv, { delimiter: ',', header: ['id', 'review', 'sentiment'], textColumn: 1, labelColumn: 2, columnCount: 3 });
      assert.deepEqual(ds.examples[1], { text: 'I want my money back', label: 'neg', line: 3 });
    });

    it('reads a CSV without a header, taking the column of repeated short values as the label', () => {
      const text = 'pos,a lovely little film\nneg,dull\npos,great fun for everyone\nneg,I fell asleep twice\n';
      const ds = parseDataset(text);
      assert.equal(ds.format, 'csv');
      assert.equal(ds.csv?.header, null);
      assert.equal(ds.csv?.labelColumn, 0);
      assert.equal(ds.csv?.textColumn, 1);
      assert.equal(ds.description, 'CSV without header, text column 1, label column 0 (counted from 0)');
      assert.deepEqual(lineNumbers(ds), [1, 2, 3, 4]);
    });

    it('keeps commas, escaped quotes and newlines inside quoted fields, numbering records by their first and last lines', () => {
      const text = [
        'text,label',
        '"Funny, sharp and ""warm""",pos',
        '"Line one',
        'line two, with a comma',
        '',
        'line four",neg',
        'plain,pos',
        '"two\nlines",neg',
      ].join('\n');
      const ds = parseDataset(text);
      assert.deepEqual(ds.examples, [
        { text: 'Funny, sharp and "warm"', label: 'pos', line: 2 },
        { text: 'Line one\nline two, with a comma\n\nline four', label: 'neg', line: 3, lastLine: 6 },
        { text: 'plain', label: 'pos', line: 7 },
        { text: 'two\nlines', label: 'neg', line: 8, lastLine: 9 },
      ]);
      assert.equal(ds.blankLines, 0);
      assert.equal(ds.errorCount, 0);
    });

    it('numbers records after multi-line fields correctly with CRLF line endings and a firstLine offset', () => {
      const text = 'text,label\r\n"a\r\nb",x\r\nc,y\r\n\r\nd,x\r\n';
      const ds = parseDataset(text, { firstLine: 10 });
      assert.deepEqual(ds.examples, [
        { text: 'a\nb', label: 'x', line: 11, lastLine: 12 },
        { text: 'c', label: 'y', line: 13 },
        { text: 'd', label: 'x', line: 15 },
      ]);
      assert.equal(ds.blankLines, 1);
    });

    it('takes columns given by index', () => {
      const text = 'a,x,first text\nb,y,second text\na,x,third text\n';
      const ds = parseDataset(text, { csvTextColumn: 2, csvLabelColumn: 1 });
      assert.deepEqual(pairs(ds), [['x', 'first text'], ['y', 'second text'], ['x', 'third text']]);
      const other = parseDataset(text, { csvTextColumn: 2, csvLabelColumn: 0 });
      assert.deepEqual(other.examples.map((e) => e.label), ['a', 'b', 'a']);
    });

    it('takes columns given by header name, ignoring case', () => {
      const text = 'Title,Body,Topic,Mood\nHi,Hello there friend,greeting,happy\nBye,See you later,farewell,sad\nHey,Hey you,greeting,happy\n';
      const ds = parseDataset(text, { csvTextColumn: 'title', csvLabelColumn: 'Mood' });
      assert.equal(ds.description, 'CSV with header, text column "Title", label column "Mood"');
      assert.deepEqual(pairs(ds), [['happy', 'Hi'], ['sad', 'Bye'], ['happy', 'Hey']]);
    });

    it('treats the first row as data when csvHeader is false', () => {
      const ds = parseDataset('text,label\nhello,a\nworld,b\n', { csvHeader: false, csvTextColumn: 0, csvLabelColumn: 1 });
      assert.equal(ds.examples.length, 3);
      assert.deepEqual(ds.examples[0], { text: 'text', label: 'label', line: 1 });
    });

    it('rejects column options that do not fit the data', () => {
      const text = 'text,label\nhello,a\nworld,b\nagain,a\n';
      assert.equal(parseError(text, { csvTextColumn: 'body' }).code, 'badOption');
      assert.match(parseError(text, { csvTextColumn: 'body' }).message, /no such column \(columns: "text", "label"\)/);
      assert.equal(parseError(text, { csvLabelColumn: 5 }).code, 'badOption');
      assert.equal(parseError(text, { csvTextColumn: 1, csvLabelColumn: 1 }).code, 'badOption');
      assert.equal(parseError(text, { csvHeader: false, csvTextColumn: 'text' }).code, 'badOption');
      assert.equal(parseError(text, { csvTextColumn: -1 }).code, 'badOption');
    });

    it('detects a semicolon delimiter', () => {
      const ds = parseDataset('text;label\nhello there;a\nbye now;b\nyo;a\n');
      assert.equal(ds.csv?.delimiter, ';');
      assert.equal(ds.description, 'CSV (semicolon-separated) with header, text column "text", label column "label"');
      assert.equal(ds.examples.length, 3);
    });

    it('reports rows with the wrong number of fields and malformed quotes on their own lines', () => {
      const text = 'text,label\ngood,pos\none,two,three\n"bad"x,neg\nfine,neg\n"never closed,pos\nlast,pos\n';
      const ds = parseDataset(text);
      assert.deepEqual(ds.errors.map((e) => e.line), [3, 4, 6]);
      assert.equal(ds.errors[0].message, 'line 3: expected 2 comma-separated fields, found 3');
      assert.match(ds.errors[1].message, /^line 4: malformed quoted field/);
      assert.match(ds.errors[2].message, /^line 6: /);
      assert.deepEqual(pairs(ds), [['pos', 'good'], ['neg', 'fine'], ['pos', 'last']]);
      assert.deepEqual(lineNumbers(ds), [2, 5, 7]);
    });
  });

  describe('JSON Lines', () => {
    it('reads "text" and "label" keys by default, turning numeric labels into strings', () => {
      const ds = parseDataset('{"text": "good", "label": "pos"}\n{"text": "bad", "label": 0}\n{"label": true, "text": "ok"}\n');
      assert.equal(ds.format, 'jsonl');
      assert.equal(ds.description, 'JSON Lines (text: "text", label: "label")');
      assert.deepEqual(pairs(ds), [['pos', 'good'], ['0', 'bad'], ['true', 'ok']]);
    });

    it('uses the keys given in the options', () => {
      const text = '{"body": "good", "y": "pos", "text": "ignored"}\n{"body": "bad", "y": "neg", "text": "ignored"}\n';
      const ds = parseDataset(text, { jsonTextKey: 'body', jsonLabelKey: 'y' });
      assert.equal(ds.description, 'JSON Lines (text: "body", label: "y")');
      assert.deepEqual(pairs(ds), [['pos', 'good'], ['neg', 'bad']]);
    });

    it('finds well-known key names when "text" and "label" are absent', () => {
      const ds = parseDataset('{"id": 1, "sentence": "good film", "sentiment": "pos"}\n{"id": 2, "sentence": "bad film", "sentiment": "neg"}\n');
      assert.equal(ds.description, 'JSON Lines (text: "sentence", label: "sentiment")');
      assert.equal(ds.examples.length, 2);
    });

    it('rejects a key option that no object has', () => {
      const error = parseError('{"text": "a", "label": "b"}\n{"text": "c", "label": "d"}\n', { jsonLabelKey: 'class' });
      assert.equal(error.code, 'badOption');
      assert.match(error.message, /"class"/);
    });

    it('reports invalid JSON, non-objects, missing keys and wrong types with their line numbers', () => {
      const text = [
        '{"text": "good", "label": "pos"}',
        '{"text": "oops", "label": }',
        '[1, 2]',
        '{"text": "no label"}',
        '{"text": 42, "label": "pos"}',
        '{"text": "x", "label": null}',
        '{"text": "bad", "label": "neg"}',
      ].join('\n');
      const ds = parseDataset(text);
      assert.deepEqual(ds.errors.map((e) => e.line), [2, 3, 4, 5, 6]);
      assert.match(ds.errors[0].message, /^line 2: invalid JSON: /);
      assert.equal(ds.errors[1].message, 'line 3: expected a JSON object, found an array');
      assert.equal(ds.errors[2].message, 'line 4: missing key "label"');
      assert.equal(ds.errors[3].message, 'line 5: "text" must be a string, found a number');
      assert.equal(ds.errors[4].message, 'line 6: "label" must be a string, number or boolean, found null');
      assert.deepEqual(lineNumbers(ds), [1, 7]);
    });

    it('rejects a JSON array document, which is not JSON Lines', () => {
      const error = parseError('[\n  {"text": "a", "label": "x"},\n  {"text": "b", "label": "y"}\n]\n');
      assert.equal(error.code, 'unrecognised');
      assert.match(error.message, /JSON Lines/);
    });
  });

  describe('fastText', () => {
    it('reads __label__ lines', () => {
      const ds = parseDataset('__label__pos I loved it\n__label__neg  Awful.\n');
      assert.equal(ds.format, 'fasttext');
      assert.equal(ds.description, 'fastText (__label__)');
      assert.deepEqual(pairs(ds), [['pos', 'I loved it'], ['neg', 'Awful.']]);
    });

    it('takes the first of several labels and drops the others from the text', () => {
      const ds = parseDataset('__label__sports __label__news Match report\n__label__news Election night\n');
      assert.deepEqual(pairs(ds), [['sports', 'Match report'], ['news', 'Election night']]);
    });

    it('reports lines without a label or with an empty one', () => {
      const ds = parseDataset('__label__a one\nno label here\n__label__ empty\n__label__b two\n__label__c\n');
      assert.deepEqual(ds.errors.map((e) => e.message), [
        'line 2: expected the line to start with __label__',
        'line 3: empty label after __label__',
        'line 5: empty text',
      ]);
    });
  });

  describe('unusable text', () => {
    it('rejects empty text', () => {
      assert.equal(parseError('').code, 'empty');
    });

    it('rejects whitespace-only text, BOM included', () => {
      assert.equal(parseError(' \n\t\r\n  \r').code, 'empty');
      assert.equal(parseError('\ufeff\n\n').code, 'empty');
    });

    it('rejects binary data with NUL bytes, naming the line', () => {
      const error = parseError('pos\tfine\nPK\u0003\u0004\u0000\u0000garbage');
      assert.equal(error.code, 'binary');
      assert.equal(error.line, 2);
    });

    it('rejects binary data made of control and replacement characters', () => {
      let garbage = '';
      for (let i = 0; i < 2000; i++) {
        garbage += String.fromCharCode(i % 3 === 0 ? 0xfffd : (i * 7) % 32 === 10 ? 1 : (i * 7) % 32, 65 + (i % 26));
      }
      assert.equal(parseError(garbage).code, 'binary');
    });

    it('rejects plain prose as unlabelled, explaining what is needed', () => {
      const prose = 'It was the best of times, it was the worst of times.\nIt was the age of wisdom.\nCall me Ishmael.\n';
      const error = parseError(prose);
      assert.equal(error.code, 'unlabelled');
      assert.match(error.message, /labelled/);
      assert.match(error.message, /TSV/);
      assert.match(error.message, /language model/);
      assert.match(error.message, /later/);
    });

    it('rejects prose with one comma per line as unlabelled', () => {
      const prose = 'Well, here we are.\nYes, it seems so.\nSo, what now?\nNo, not that.\n';
      assert.equal(parseError(prose).code, 'unlabelled');
    });

    it('rejects repeated prose with several commas per line as unlabelled, though its fragments repeat like labels', () => {
      const sentences = [
        'It was a bright cold day in April, and the clocks were striking thirteen.',
        'Winston Smith, his chin nuzzled into his breast, slipped quickly through the glass doors.',
        'The hallway smelt of boiled cabbage and old rag mats, and at one end a coloured poster was tacked to the wall.',
        'It depicted simply an enormous face, more than a metre wide, the face of a man of about forty-five.',
        'Winston made for the stairs, since it was no use trying the lift, even at the best of times.',
      ];
      const prose = Array.from({ length: 8 }, () => sentences.join('\n')).join('\n');
      const error = parseError(prose, { maxErrors: 100 });
      assert.equal(error.code, 'unlabelled');
      assert.match(error.message, /phrases \(4\.3 words on average\)/);
      // Short labels in the same layout still read as CSV.
      const labelled = Array.from({ length: 8 }, (_, i) => `${i % 2 ? 'spam' : 'ham'},free entry to win a prize now ${i}`).join('\n');
      assert.equal(parseDataset(labelled).examples.length, 8);
    });

    it('rejects a single column as unlabelled', () => {
      assert.equal(parseError('text\nhello\nworld\nagain\n').code, 'unlabelled');
    });

    it('rejects unknown options', () => {
      assert.equal(parseError(SENTIMENT_TSV, { firstLine: 0 }).code, 'badOption');
      assert.equal(parseError(SENTIMENT_TSV, { maxErrors: -1 }).code, 'badOption');
      assert.equal(parseError(SENTIMENT_TSV, { format: 'xml' as DatasetFormat }).code, 'badOption');
    });
  });

  describe('lines and characters', () => {
    it('strips a leading byte order mark', () => {
      const ds = parseDataset(`\ufeff${SENTIMENT_TSV}`);
      assert.equal(ds.examples[0].label, 'pos');
      assert.equal(ds.format, 'tsv-label-text');
    });

    it('numbers lines right with mixed \\n, \\r\\n and \\r endings and strips \\r from texts', () => {
      const ds = parseDataset('pos\tone\r\nneg\ttwo\rpos\tthree\n\r\nneg\tfour\r');
      assert.deepEqual(ds.examples, [
        { text: 'one', label: 'pos', line: 1 },
        { text: 'two', label: 'neg', line: 2 },
        { text: 'three', label: 'pos', line: 3 },
        { text: 'four', label: 'neg', line: 5 },
      ]);
      assert.equal(ds.blankLines, 1);
    });

    it('skips and counts blank lines, not counting the end of the last line', () => {
      const ds = parseDataset('\npos\ta\n   \n\nneg\tb\n');
      assert.equal(ds.blankLines, 3);
      assert.deepEqual(lineNumbers(ds), [2, 5]);
    });

    it('offsets line numbers by firstLine, in examples and issues', () => {
      const ds = parseDataset('pos\tgood\nbroken line\nneg\tbad\n', { firstLine: 17, format: 'tsv-label-text' });
      assert.deepEqual(lineNumbers(ds), [17, 19]);
      assert.deepEqual(ds.errors, [{ line: 18, message: 'line 18: expected 2 tab-separated fields, found 1' }]);
    });

    it('keeps at most maxErrors issues but counts them all', () => {
      const text = ['pos\tok', ...Array.from({ length: 30 }, () => 'broken'), 'neg\tok'].join('\n');
      const ds = parseDataset(text, { maxErrors: 5, format: 'tsv-label-text' });
      assert.equal(ds.errors.length, 5);
      assert.equal(ds.errorCount, 30);
      assert.deepEqual(ds.errors.map((e) => e.line), [2, 3, 4, 5, 6]);
      assert.equal(parseDataset(text, { format: 'tsv-label-text' }).errors.length, 30);
    });

    it('passes emoji and Cyrillic, CJK and Arabic text through intact in every format', () => {
      const rows: [string, string][] = [
        ['радость', 'Я очень рад 😀'],
        ['悲しい', '今日は悲しい日です 😢'],
        ['سعيد', 'أنا سعيد جدا 👍🏽'],
        ['радость', 'Família 👨‍👩‍👧 🇫🇷 ok'],
      ];
      const texts: Record<string, string> = {
        tsv: rows.map(([label, text]) => `${label}\t${text}`).join('\n'),
        csv: ['label,text', ...rows.map(([label, text]) => `${label},"${text}"`)].join('\n'),
        jsonl: rows.map(([label, text]) => JSON.stringify({ text, label })).join('\n'),
        fasttext: rows.map(([label, text]) => `__label__${label} ${text}`).join('\n'),
      };
      for (const [name, text] of Object.entries(texts)) {
        assert.deepEqual(pairs(parseDataset(text)), rows, name);
      }
    });
  });

  describe('scale', () => {
    it('parses 200,000 TSV lines', () => {
      const labels = ['pos', 'neg', 'neutral'];
      const text = Array.from({ length: 200_000 }, (_, i) => `${labels[i % 3]}\tThis is example number ${i}, short and plain.`).join('\n');
      const ds = parseDataset(text);
      assert.equal(ds.format, 'tsv-label-text');
      assert.equal(ds.examples.length, 200_000);
      assert.equal(ds.examples[199_999].line, 200_000);
      assert.deepEqual([...classCounts(ds.examples).values()], [66_667, 66_667, 66_666]);
    });

    it('parses 200,000 CSV lines with quoted fields', () => {
      const labels = ['pos', 'neg'];
      const rows = Array.from({ length: 200_000 }, (_, i) => `"Example ${i}, with a comma",${labels[i % 2]}`);
      const ds = parseDataset(['text,label', ...rows].join('\n'));
      assert.equal(ds.examples.length, 200_000);
      assert.deepEqual(ds.examples[123_456], { text: 'Example 123456, with a comma', label: 'pos', line: 123_458 });
    });

    it('parses a single 1 MB line in TSV and JSON Lines', () => {
      const long = 'word '.repeat(200_000);
      const tsv = parseDataset(`pos\t${long}\nneg\tshort`);
      assert.equal(tsv.examples[0].text.length, 1_000_000);
      const jsonl = parseDataset(`${JSON.stringify({ text: long, label: 'pos' })}\n{"text": "short", "label": "neg"}`);
      assert.equal(jsonl.examples[0].text, long);
    });
  });

  describe('real data', () => {
    it('reads the demo names identically as TSV, CSV, JSON Lines and fastText', () => {
      const names = loadNames();
      assert.ok(names.length > 8000);
      assert.ok(names.some((n) => n.name === 'Mary' && n.label === 'female'));
      assert.ok(names.some((n) => n.name === 'John' && n.label === 'male'));
      const expected = names.map(({ name, label }): [string, string] => [label, name]);
      const formats: [string, DatasetFormat][] = [
        [names.map((n) => `${n.label}\t${n.name}`).join('\n'), 'tsv-label-text'],
        [['name,gender', ...names.map((n, i) => `${i % 3 ? n.name : `"${n.name}"`},${n.label}`)].join('\n'), 'csv'],
        [names.map((n) => JSON.stringify({ text: n.name, label: n.label })).join('\n'), 'jsonl'],
        [names.map((n) => `__label__${n.label} ${n.name}`).join('\n'), 'fasttext'],
      ];
      for (const [text, format] of formats) {
        const ds = parseDataset(text);
        assert.equal(ds.format, format);
        assert.deepEqual(pairs(ds), expected);
        assert.deepEqual(checkTrainable(ds), { errors: [], warnings: [] });
      }
    });
  });
});

function examples(labels: string[]): Example[] {
  return labels.map((label, i) => ({ label, text: `text ${i}`, line: i + 1 }));
}

function dataset(labels: string[], extra: Partial<ParsedDataset> = {}): ParsedDataset {
  return { format: 'tsv-label-text', description: 'TSV (label⇥text)', examples: examples(labels), errors: [], errorCount: 0, blankLines: 0, ...extra };
}

describe('checkTrainable', () => {
  it('accepts two balanced classes without remarks', () => {
    assert.deepEqual(checkTrainable(dataset(['a', 'b', 'a', 'b'])), { errors: [], warnings: [] });
  });

  it('fails when there are no examples, quoting the first parse error', () => {
    const ds = parseDataset('one\ntwo\n', { format: 'tsv-label-text' });
    const check = checkTrainable(ds);
    assert.equal(check.errors.length, 1);
    assert.match(check.errors[0], /No examples/);
    assert.match(check.errors[0], /line 1: expected 2 tab-separated fields, found 1/);
  });

  it('fails when there is only one class', () => {
    const check = checkTrainable(parseDataset('pos\tgood\npos\tgreat\n'));
    assert.equal(check.errors.length, 1);
    assert.match(check.errors[0], /needs at least two classes; found only "pos"/);
  });

  it('warns about a class with a single example, naming it', () => {
    const check = checkTrainable(dataset(['a', 'a', 'b', 'b', 'lonely']));
    assert.deepEqual(check.errors, []);
    assert.equal(check.warnings.length, 1);
    assert.match(check.warnings[0], /"lonely"/);
    // It says what happens to such a class.
    assert.match(check.warnings[0], /stays in the training set only, so validation and test have no example of it and its scores there read 0 %/);
  });

  it('warns about several single-example classes in one message', () => {
    const check = checkTrainable(dataset(['a', 'a', 'b', 'b', 'x', 'y']));
    assert.equal(check.warnings.length, 1);
    assert.match(check.warnings[0], /2 classes have a single example \("x", "y"\): they stay in the training set only/);
  });

  it('warns about heavy class imbalance', () => {
    const check = checkTrainable(dataset([...Array(40).fill('common'), 'rare', 'rare']));
    assert.equal(check.warnings.length, 1);
    assert.match(check.warnings[0], /imbalanced/);
    assert.match(check.warnings[0], /"common" has 40/);
  });

  it('warns about skipped lines', () => {
    const ds = parseDataset('a\tone\nb\ttwo\nbroken\na\tthree\nb\tfour\n');
    assert.deepEqual(checkTrainable(ds).warnings, ['1 line was skipped because it could not be parsed (line 3: expected 2 tab-separated fields, found 1).']);
  });
});

describe('classCounts', () => {
  it('counts examples per label in order of first appearance', () => {
    assert.deepEqual([...classCounts(examples(['b', 'a', 'b', 'c', 'b']))], [['b', 3], ['a', 1], ['c', 1]]);
  });
});

describe('the dataset format table', () => {
  const repoRoot = path.resolve(__dirname, '..', '..');
  const readJson = (name: string): unknown => JSON.parse(readFileSync(path.join(repoRoot, name), 'utf8'));
  const manifest = readJson('package.json') as {
    contributes: { configuration: { properties: Record<string, { enum?: string[]; enumDescriptions?: string[] }> } };
  };
  const formatSetting = manifest.contributes.configuration.properties['rnnLens.data.format'];
  const ids = DATASET_FORMAT_TABLE.map((row) => row.id);

  it('lists each format once, and DATASET_FORMATS and the setting values follow it', () => {
    assert.equal(new Set(ids).size, ids.length);
    assert.deepEqual(DATASET_FORMATS, ids);
    assert.deepEqual(DATASET_FORMAT_SETTING_VALUES, ['auto', ...ids]);
  });

  it('is what package.json offers for rnnLens.data.format: auto, then the table ids in order', () => {
    assert.deepEqual(formatSetting.enum, ['auto', ...ids]);
  });

  it('holds the English of the setting\'s enum descriptions (package.nls.json)', () => {
    const strings = readJson('package.nls.json') as Record<string, string>;
    assert.deepEqual(formatSetting.enumDescriptions, formatSetting.enum?.map((value) => `%config.data.format.enum.${value}%`));
    assert.deepEqual(DATASET_FORMAT_TABLE.map((row) => [row.id, strings[`config.data.format.enum.${row.id}`]]),
      DATASET_FORMAT_TABLE.map((row) => [row.id, row.description]));
  });

  it('parses with each row\'s parser when parseDataset is told that format', () => {
    const samples: Record<DatasetFormat, string> = {
      'tsv-label-text': 'pos\tgreat film\nneg\tdull film\n',
      'tsv-text-label': 'great film\tpos\ndull film\tneg\n',
      csv: 'text,label\ngreat film,pos\ndull film,neg\n',
      jsonl: '{"text": "great film", "label": "pos"}\n{"text": "dull film", "label": "neg"}\n',
      fasttext: '__label__pos great film\n__label__neg dull film\n',
    };
    for (const row of DATASET_FORMAT_TABLE) {
      const parsed = parseDataset(samples[row.id], { format: row.id });
      assert.equal(parsed.format, row.id);
      assert.deepEqual(pairs(parsed), [['pos', 'great film'], ['neg', 'dull film']], row.id);
    }
  });
});
