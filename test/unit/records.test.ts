// Unit tests of the record locator: which record covers a line, what a selection reads, and the parse cache.
import * as assert from 'node:assert/strict';
import {
  documentOptions,
  DocumentRecordsCache,
  issueAt,
  locateRecord,
  readDocumentRecords,
  readSelection,
  recordAt,
  type ParseOptions,
} from '../../src/shared/dataset';

/** The newcomer's CSV of issue 11: a header and a record whose quoted field holds a newline (lines 3–4). */
const TWO_LINE_CSV = [
  'name,label',
  'Mary,female',
  '"Nicol',
  'second line, with comma",female',
  'John,male',
  'Anna,female',
].join('\n');

/** What a JSON Lines model keeps as its parse options (the keys come from the settings). */
const JSONL_MODEL: ParseOptions = { format: 'jsonl', jsonTextKey: 'text', jsonLabelKey: 'label' };

describe('record locator', () => {
  describe('recordAt / locateRecord', () => {
    it('returns nothing for a CSV header row and the same two-line record for both of its lines', () => {
      const records = readDocumentRecords(TWO_LINE_CSV, documentOptions(undefined));
      assert.equal(records.kind, 'records');
      assert.equal(records.format, 'csv');
      assert.equal(recordAt(records, 1), undefined, 'the header is no record');
      const expected = { text: 'Nicol\nsecond line, with comma', label: 'female', firstLine: 3, lastLine: 4, index: 1 };
      assert.deepEqual(recordAt(records, 3), expected);
      assert.deepEqual(recordAt(records, 4), expected);
      assert.deepEqual(recordAt(records, 2), { text: 'Mary', label: 'female', firstLine: 2, lastLine: 2, index: 0 });
      assert.deepEqual(recordAt(records, 5), { text: 'John', label: 'male', firstLine: 5, lastLine: 5, index: 2 });
      assert.equal(recordAt(records, 7), undefined, 'past the end');
      assert.deepEqual(locateRecord(TWO_LINE_CSV, {}, 4), expected);
    });

    it('reads a header-less selection-trained CSV model\'s document with the header the document has', () => {
      // Trained on lines 2… of the file (no header in the selection): the whole document still has one.
      const trained: ParseOptions = { format: 'csv', csvHeader: false, csvTextColumn: 0, csvLabelColumn: 1 };
      assert.equal(locateRecord(TWO_LINE_CSV, documentOptions(trained), 1), undefined);
      assert.equal(locateRecord(TWO_LINE_CSV, documentOptions(trained), 2)?.text, 'Mary');
    });

    it('reads a document of another format with its own format, never taking the label for text', () => {
      const tsv = 'male\tGiffer\nfemale\tMary\nmale\tJohn\n';
      const records = readDocumentRecords(tsv, documentOptions(JSONL_MODEL));
      assert.equal(records.format, 'tsv-label-text');
      assert.deepEqual(recordAt(records, 1), { text: 'Giffer', label: 'male', firstLine: 1, lastLine: 1, index: 0 });
      const jsonl = '{"sentence": "so good", "sentiment": "pos"}\n{"sentence": "awful", "sentiment": "neg"}\n';
      // The model's keys ("text", "label") are not in this file: its own keys are found instead.
      assert.deepEqual(locateRecord(jsonl, documentOptions(JSONL_MODEL), 2), { text: 'awful', label: 'neg', firstLine: 2, lastLine: 2, index: 1 });
    });

    it('reads a CSV document\'s own columns (by its header), not the columns the model\'s data had', () => {
      const trained: ParseOptions = { format: 'csv', csvTextColumn: 3, csvLabelColumn: 0, csvHeader: true };
      assert.deepEqual(locateRecord(TWO_LINE_CSV, documentOptions(trained), 5), { text: 'John', label: 'male', firstLine: 5, lastLine: 5, index: 2 });
      const text = 'id,label,text\n1,pos,good film\n2,neg,bad film\n3,pos,fine film\n';
      assert.equal(locateRecord(text, documentOptions({ format: 'csv', csvTextColumn: 0, csvLabelColumn: 1, csvHeader: true }), 2)?.text, 'good film');
    });

    it('drops the model\'s JSON keys when the document does not have them, and keeps them when it does', () => {
      const keyed: ParseOptions = { format: 'jsonl', jsonTextKey: 'body', jsonLabelKey: 'tag' };
      const doc = '{"body": "so good", "tag": "pos", "text": "id-1"}\n{"body": "awful", "tag": "neg", "text": "id-2"}\n';
      assert.equal(locateRecord(doc, documentOptions(keyed), 1)?.text, 'so good', 'the keys the model was read with');
      const plain = '{"text": "so good", "label": "pos"}\n{"text": "awful", "label": "neg"}\n';
      assert.deepEqual(locateRecord(plain, documentOptions(keyed), 2), { text: 'awful', label: 'neg', firstLine: 2, lastLine: 2, index: 1 });
    });

    it('reads prose with commas as plain text under a CSV model (the model\'s columns do not make its commas columns)', () => {
      const prose = Array.from({ length: 8 }, () => [
        'It was a bright cold day in April, and the clocks were striking thirteen.',
        'Winston Smith, his chin nuzzled into his breast, slipped quickly through the glass doors.',
      ]).flat().join('\n');
      const records = readDocumentRecords(prose, documentOptions({ format: 'csv', csvTextColumn: 0, csvLabelColumn: 1, csvHeader: false }));
      assert.equal(records.kind, 'text', records.description);
    });

    it('reads a document without labels as plain text: each line is a text, numbered as the editor does', () => {
      const prose = '\ufeffIt was a bright cold day in April, and the clocks were striking thirteen.\r\n\r\nWinston Smith slipped quickly through the glass doors.\rThe hallway smelt of boiled cabbage.\n';
      const records = readDocumentRecords(prose, documentOptions(JSONL_MODEL));
      assert.equal(records.kind, 'text');
      assert.equal(records.format, undefined);
      assert.deepEqual(recordAt(records, 1), { text: 'It was a bright cold day in April, and the clocks were striking thirteen.', firstLine: 1, lastLine: 1 });
      assert.equal(recordAt(records, 2), undefined, 'a blank line');
      assert.equal(recordAt(records, 4)?.text, 'The hallway smelt of boiled cabbage.');
    });

    it('has nothing to read in an empty or binary document', () => {
      assert.equal(readDocumentRecords('  \n\n', {}).kind, 'none');
      assert.equal(readDocumentRecords('a\u0000b\tc\n', {}).kind, 'none');
    });

    it('covers no record on a line that does not parse, and gives its issue', () => {
      const text = 'pos\tgood\nno tab here\nneg\tbad\n';
      const records = readDocumentRecords(text, {});
      assert.equal(recordAt(records, 2), undefined);
      assert.equal(issueAt(records, 2)?.message, 'line 2: expected 2 tab-separated fields, found 1');
      assert.equal(recordAt(records, 3)?.label, 'neg');
    });

    it('gives every record of every format one line span, matching the parsers\' line numbers', () => {
      const docs = [
        'pos\tone\nneg\ttwo\n',
        '__label__pos one\n__label__neg two\n',
        '{"text": "one", "label": "pos"}\n{"text": "two", "label": "neg"}\n',
        'text,label\none,pos\ntwo,neg\n',
      ];
      for (const doc of docs) {
        const records = readDocumentRecords(doc, {});
        const two = records.examples[1];
        assert.deepEqual(recordAt(records, two.line), { text: 'two', label: 'neg', firstLine: two.line, lastLine: two.line, index: 1 }, doc);
      }
    });
  });

  describe('readSelection', () => {
    const tsv = Array.from({ length: 400 }, (_, i) => `${i % 2 ? 'male' : 'female'}\tName${i + 1}`).join('\n');
    const records = readDocumentRecords(tsv, {});

    it('reads the record under the cursor when the selection covers several, and says which', () => {
      const selected = tsv.split('\n').slice(2, 402).join('\n');
      const reading = readSelection(records, { firstLine: 3, lastLine: 400, text: selected }, 12);
      assert.deepEqual(reading?.selected, { position: 10, count: 398 });
      assert.equal(reading?.text, 'Name12');
      assert.equal(reading?.label, 'male');
      assert.equal(reading?.record?.firstLine, 12);
    });

    it('reads the nearest selected record when the cursor is past the selection (a selection ending at a line start)', () => {
      const reading = readSelection(records, { firstLine: 1, lastLine: 400, text: tsv }, 401);
      assert.deepEqual(reading?.selected, { position: 400, count: 400 });
      assert.equal(reading?.text, 'Name400');
    });

    it('reads the selected text itself when it lies within one record\'s text, across a record\'s two lines too', () => {
      assert.deepEqual(readSelection(records, { firstLine: 5, lastLine: 5, text: 'ame5' }, 5), { text: 'ame5' });
      const csv = readDocumentRecords(TWO_LINE_CSV, {});
      assert.deepEqual(readSelection(csv, { firstLine: 3, lastLine: 4, text: 'Nicol\nsecond' }, 4), { text: 'Nicol\nsecond' });
    });

    it('reads the record, not the label, when one whole record line is selected', () => {
      const reading = readSelection(records, { firstLine: 5, lastLine: 5, text: 'female\tName5' }, 5);
      assert.equal(reading?.text, 'Name5');
      assert.equal(reading?.label, 'female');
      assert.equal(reading?.selected, undefined, 'a single record');
    });

    it('reads nothing from a selection of the header row alone, and the selection itself in plain text', () => {
      assert.equal(readSelection(readDocumentRecords(TWO_LINE_CSV, {}), { firstLine: 1, lastLine: 1, text: 'name,label' }, 1), undefined);
      const prose = readDocumentRecords('One sentence here.\nAnother one there.\n', {});
      assert.deepEqual(readSelection(prose, { firstLine: 1, lastLine: 2, text: 'here.\nAnother' }, 2), { text: 'here.\nAnother' });
    });
  });

  describe('DocumentRecordsCache', () => {
    it('parses a 200,000-line document once per version however often it is looked up', () => {
      const rows = Array.from({ length: 200_000 }, (_, i) => (i % 1000 === 7 ? `"Example ${i},\nwrapped",${i % 2 ? 'neg' : 'pos'}` : `"Example ${i}, with a comma",${i % 2 ? 'neg' : 'pos'}`));
      const text = ['text,label', ...rows].join('\n');
      let parses = 0;
      let reads = 0;
      const cache = new DocumentRecordsCache(4, (t, o) => {
        parses++;
        return readDocumentRecords(t, o);
      });
      const options = documentOptions({ format: 'csv' });
      const lookup = (version: number, line: number) => recordAt(cache.get('file:///big.csv', version, options, () => (reads++, text)), line);
      for (let line = 1; line <= 200_000; line += 97) lookup(1, line);
      assert.equal(parses, 1);
      assert.equal(reads, 1, 'the text is read only when it is parsed');
      assert.equal(lookup(1, 1), undefined, 'the header');
      const wrapped = lookup(1, 9);
      assert.deepEqual(wrapped && [wrapped.text, wrapped.firstLine, wrapped.lastLine], ['Example 7,\nwrapped', 9, 10]);
      assert.equal(lookup(1, 10)?.index, 7);
      assert.equal(lookup(1, 200_201)?.text, 'Example 199999, with a comma', 'the last line: 1 header + 200,000 records + 200 wrapped lines');
      lookup(2, 5);
      lookup(2, 6);
      assert.equal(parses, 2, 'a new version is parsed once');
    });

    it('parses again for other options and forgets the least recently used document', () => {
      let parses = 0;
      const cache = new DocumentRecordsCache(2, (t, o) => {
        parses++;
        return readDocumentRecords(t, o);
      });
      const get = (uri: string, options: ParseOptions = {}) => cache.get(uri, 1, options, () => 'pos\ta\nneg\tb\n');
      get('a');
      get('a', { jsonTextKey: 'x' });
      assert.equal(parses, 2);
      get('b');
      get('a', { jsonTextKey: 'x' });
      get('c');
      assert.equal(parses, 4);
      get('a', { jsonTextKey: 'x' });
      assert.equal(parses, 4, '"a" was used more recently than "b"');
      get('b');
      assert.equal(parses, 5, '"b" was forgotten');
    });
  });
});
