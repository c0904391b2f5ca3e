import * as assert from 'node:assert/strict';
import {
  OOV_ID,
  OOV_TOKEN,
  PAD_ID,
  PAD_TOKEN,
  tokenize,
  tokenizeWithOffsets,
  Vocab,
  type TokenizerOptions,
} from '../../src/core/tokenizer';

interface Name { name: string; label: 'female' | 'male' }
const { loadNames } = require('../../scripts/makeDemo.js') as { loadNames(): Name[] };

const WORD: TokenizerOptions = { kind: 'word', lowercase: false, maxLength: Infinity };
const CHAR: TokenizerOptions = { kind: 'char', lowercase: false, maxLength: Infinity };

/** A small deterministic PRNG (mulberry32), so property tests are reproducible. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = Math.imul(state ^ (state >>> 15), state | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('tokenize (word)', () => {
  it('splits words and keeps punctuation as separate tokens, dropping whitespace', () => {
    assert.deepEqual(tokenize('Hello, world!  How are\tyou?', WORD), ['Hello', ',', 'world', '!', 'How', 'are', 'you', '?']);
  });

  it('keeps contractions, decimals and identifiers whole as Unicode word segmentation does', () => {
    assert.deepEqual(tokenize("Don't pay $3.14 for e-mail_v2 (U.S.A.)", WORD),
      ["Don't", 'pay', '$', '3.14', 'for', 'e', '-', 'mail_v2', '(', 'U.S.A', '.', ')']);
  });

  it('segments Cyrillic, CJK and Arabic text into words', () => {
    assert.deepEqual(tokenize('Привет, мир!', WORD), ['Привет', ',', 'мир', '!']);
    assert.deepEqual(tokenize('مرحبا بالعالم', WORD), ['مرحبا', 'بالعالم']);
    const cjk = tokenize('我喜欢这部电影。', WORD);
    assert.equal(cjk.join(''), '我喜欢这部电影。');
    assert.ok(cjk.length >= 3 && cjk.includes('。'));
  });

  it('keeps an emoji with a skin tone, a ZWJ family and a flag each as one token', () => {
    assert.deepEqual(tokenize('nice 👍🏽 👨‍👩‍👧 🇫🇷', WORD), ['nice', '👍🏽', '👨‍👩‍👧', '🇫🇷']);
  });

  it('lowercases when asked', () => {
    assert.deepEqual(tokenize('The CAT Привет', { ...WORD, lowercase: true }), ['the', 'cat', 'привет']);
  });

  it('keeps only the first maxLength tokens', () => {
    assert.deepEqual(tokenize('one two three four', { ...WORD, maxLength: 2 }), ['one', 'two']);
    assert.deepEqual(tokenize('one two three four', { ...WORD, maxLength: 0 }), []);
    assert.deepEqual(tokenize('ёж ёлка 😀 x', { ...WORD, maxLength: 3 }), ['ёж', 'ёлка', '😀']);
  });

  it('returns nothing for empty or whitespace-only text', () => {
    assert.deepEqual(tokenize('', WORD), []);
    assert.deepEqual(tokenize(' \n\t ', WORD), []);
  });

  it('rejects a negative or NaN maxLength and an unknown kind', () => {
    assert.throws(() => tokenize('a', { ...WORD, maxLength: -1 }), RangeError);
    assert.throws(() => tokenize('a', { ...WORD, maxLength: NaN }), RangeError);
    assert.throws(() => tokenize('a', { ...WORD, kind: 'byte' as 'word' }), RangeError);
  });

  it('agrees with Intl.Segmenter on random text, on the fast path and off it', () => {
    const segmenter = new Intl.Segmenter('und', { granularity: 'word' });
    const alphabets = ["aZ9_ .,;:'\"-\t\n\r!?()éЖщÿßǅ\u0001", "ab .,'\u00a0😀日本ش\u0301"];
    const random = seeded(42);
    for (const alphabet of alphabets) {
      const chars = [...alphabet];
      for (let n = 0; n < 3000; n++) {
        let text = '';
        const length = 1 + Math.floor(random() * 16);
        for (let k = 0; k < length; k++) {
          text += chars[Math.floor(random() * chars.length)];
        }
        const expected = [...segmenter.segment(text)]
          .filter((s) => !/^\s+$/u.test(s.segment))
          .map((s) => ({ token: s.segment, start: s.index, end: s.index + s.segment.length }));
        assert.deepEqual(tokenizeWithOffsets(text, WORD), expected, JSON.stringify(text));
      }
    }
  });
});

describe('tokenize (char)', () => {
  it('splits into characters, collapsing whitespace runs into one space and trimming the ends', () => {
    assert.deepEqual(tokenize('  ab \t\n c  ', CHAR), ['a', 'b', ' ', 'c']);
  });

  it('keeps grapheme clusters whole: emoji, flags and combining accents', () => {
    assert.deepEqual(tokenize('a👍🏽b🇫🇷e\u0301👨‍👩‍👧', CHAR), ['a', '👍🏽', 'b', '🇫🇷', 'e\u0301', '👨‍👩‍👧']);
  });

  it('passes Cyrillic, CJK and Arabic characters through', () => {
    assert.deepEqual(tokenize('Жук 日本 سلام', CHAR), ['Ж', 'у', 'к', ' ', '日', '本', ' ', 'س', 'ل', 'ا', 'م']);
  });

  it('lowercases and limits the length', () => {
    assert.deepEqual(tokenize('ABC DEF', { ...CHAR, lowercase: true, maxLength: 5 }), ['a', 'b', 'c', ' ', 'd']);
    assert.deepEqual(tokenize('AB 😀 CD', { ...CHAR, lowercase: true, maxLength: 4 }), ['a', 'b', ' ', '😀']);
  });

  it('agrees with Intl.Segmenter graphemes on random text', () => {
    const segmenter = new Intl.Segmenter('und', { granularity: 'grapheme' });
    const chars = [...'aZ ,\t\r\néЖ\u0301😀🏽日'];
    const random = seeded(7);
    for (let n = 0; n < 3000; n++) {
      let text = '';
      const length = 1 + Math.floor(random() * 12);
      for (let k = 0; k < length; k++) {
        text += chars[Math.floor(random() * chars.length)];
      }
      const expected: string[] = [];
      for (const { segment } of segmenter.segment(text)) {
        if (!/^\s+$/u.test(segment)) {
          expected.push(segment);
        } else if (expected.length > 0 && expected[expected.length - 1] !== ' ') {
          expected.push(' ');
        }
      }
      if (expected[expected.length - 1] === ' ') {
        expected.pop();
      }
      assert.deepEqual(tokenize(text, CHAR), expected, JSON.stringify(text));
    }
  });
});

describe('tokenizeWithOffsets', () => {
  const samples = [
    "It's 9.5/10 — wow!! Привет 😀👍🏽 日本語 مرحبا",
    '  leading and trailing  ',
    'MiXeD CaSe İstanbul',
  ];

  it('gives offsets that map each word token back to the original text', () => {
    for (const text of samples) {
      for (const span of tokenizeWithOffsets(text, WORD)) {
        assert.equal(text.slice(span.start, span.end), span.token);
      }
    }
  });

  it('gives offsets that map each char token back, a space token covering its whole whitespace run', () => {
    const text = 'a  \t b😀';
    assert.deepEqual(tokenizeWithOffsets(text, CHAR), [
      { token: 'a', start: 0, end: 1 },
      { token: ' ', start: 1, end: 5 },
      { token: 'b', start: 5, end: 6 },
      { token: '😀', start: 6, end: 8 },
    ]);
  });

  it('keeps offsets into the original text when lowercasing', () => {
    const text = 'MiXeD CaSe İstanbul';
    const spans = tokenizeWithOffsets(text, { ...WORD, lowercase: true });
    assert.deepEqual(spans.map((s) => s.token), ['mixed', 'case', 'i̇stanbul']);
    assert.deepEqual(spans.map((s) => text.slice(s.start, s.end)), ['MiXeD', 'CaSe', 'İstanbul']);
  });

  it('is what tokenize returns, token for token', () => {
    for (const text of samples) {
      for (const options of [WORD, CHAR]) {
        assert.deepEqual(tokenizeWithOffsets(text, options).map((s) => s.token), tokenize(text, options));
      }
    }
  });
});

describe('tokenize at scale', () => {
  it('tokenises 200,000 short lines', () => {
    let words = 0;
    let chars = 0;
    for (let i = 0; i < 200_000; i++) {
      const line = `Review ${i}: it's a fine film, really!`;
      words += tokenize(line, { kind: 'word', lowercase: true, maxLength: 64 }).length;
      chars += tokenize(line, { kind: 'char', lowercase: true, maxLength: 64 }).length;
    }
    assert.equal(words, 200_000 * 10);
    assert.ok(chars > 200_000 * 35);
  });
});

describe('Vocab', () => {
  const lists = [['b', 'a', 'c'], ['a', 'b', 'd'], ['a', 'e'], ['c', 'e']];

  it('puts <pad> and <unk> first, then tokens by falling count, ties by token', () => {
    const vocab = Vocab.build(lists, { maxSize: 100, minCount: 1 });
    assert.deepEqual(vocab.toJSON().tokens, [PAD_TOKEN, OOV_TOKEN, 'a', 'b', 'c', 'e', 'd']);
    assert.equal(vocab.size, 7);
    assert.equal(vocab.id(PAD_TOKEN), PAD_ID);
    assert.equal(vocab.id(OOV_TOKEN), OOV_ID);
    assert.equal(PAD_ID, 0);
    assert.equal(OOV_ID, 1);
  });

  it('gives the same ids whatever the order of the texts', () => {
    const a = Vocab.build(lists, { maxSize: 100, minCount: 1 });
    const b = Vocab.build([...lists].reverse().map((l) => [...l].reverse()), { maxSize: 100, minCount: 1 });
    assert.deepEqual(a.toJSON(), b.toJSON());
  });

  it('counts the specials in maxSize and drops tokens seen fewer than minCount times', () => {
    assert.deepEqual(Vocab.build(lists, { maxSize: 4, minCount: 1 }).toJSON().tokens, [PAD_TOKEN, OOV_TOKEN, 'a', 'b']);
    assert.deepEqual(Vocab.build(lists, { maxSize: 100, minCount: 2 }).toJSON().tokens, [PAD_TOKEN, OOV_TOKEN, 'a', 'b', 'c', 'e']);
    assert.equal(Vocab.build(lists, { maxSize: 2, minCount: 1 }).size, 2);
    assert.throws(() => Vocab.build(lists, { maxSize: 1, minCount: 1 }), RangeError);
  });

  it('does not add tokens spelled like the specials a second time', () => {
    const vocab = Vocab.build([['<pad>', '<unk>', 'x']], { maxSize: 10, minCount: 1 });
    assert.deepEqual(vocab.toJSON().tokens, [PAD_TOKEN, OOV_TOKEN, 'x']);
  });

  it('encodes unknown tokens as OOV_ID', () => {
    const vocab = Vocab.build(lists, { maxSize: 100, minCount: 1 });
    const ids = vocab.encode(['a', 'zzz', 'd', '']);
    assert.ok(ids instanceof Int32Array);
    assert.deepEqual([...ids], [2, OOV_ID, 6, OOV_ID]);
    assert.equal(vocab.id('zzz'), OOV_ID);
  });

  it('maps ids back to tokens and rejects ids outside the vocabulary', () => {
    const vocab = Vocab.build(lists, { maxSize: 100, minCount: 1 });
    assert.equal(vocab.token(0), PAD_TOKEN);
    assert.equal(vocab.token(2), 'a');
    assert.throws(() => vocab.token(7), RangeError);
    assert.throws(() => vocab.token(-1), RangeError);
    assert.throws(() => vocab.token(1.5), RangeError);
  });

  it('survives a JSON round trip', () => {
    const vocab = Vocab.build(lists, { maxSize: 100, minCount: 1 });
    const restored = Vocab.fromJSON(JSON.parse(JSON.stringify(vocab)));
    assert.deepEqual(restored.toJSON(), vocab.toJSON());
    assert.equal(restored.size, vocab.size);
    assert.deepEqual([...restored.encode(['e', 'a', '?'])], [...vocab.encode(['e', 'a', '?'])]);
  });

  it('rejects malformed JSON with a message saying what is wrong', () => {
    const cases: [unknown, RegExp][] = [
      [null, /expected an object/],
      [[PAD_TOKEN, OOV_TOKEN], /expected an object/],
      [{ tokens: [PAD_TOKEN, OOV_TOKEN] }, /version/],
      [{ version: 2, tokens: [PAD_TOKEN, OOV_TOKEN] }, /version 2/],
      [{ version: 1, tokens: 'abc' }, /"tokens" must be an array/],
      [{ version: 1, tokens: ['a', 'b'] }, /must start with "<pad>" and "<unk>"/],
      [{ version: 1, tokens: [PAD_TOKEN] }, /must start with/],
      [{ version: 1, tokens: [PAD_TOKEN, OOV_TOKEN, 3] }, /token 2 is not a string/],
      [{ version: 1, tokens: [PAD_TOKEN, OOV_TOKEN, 'a', 'a'] }, /"a" appears twice/],
    ];
    for (const [json, message] of cases) {
      assert.throws(() => Vocab.fromJSON(json), (error: unknown) => error instanceof Error && message.test(error.message), JSON.stringify(json));
    }
  });

  it('builds a character vocabulary from the real names data', () => {
    const names = loadNames();
    const options: TokenizerOptions = { kind: 'char', lowercase: true, maxLength: 32 };
    const tokenLists = names.map((n) => tokenize(n.name, options));
    const vocab = Vocab.build(tokenLists, { maxSize: 1000, minCount: 1 });
    const letters = 'abcdefghijklmnopqrstuvwxyz'.split('');
    assert.deepEqual(vocab.toJSON().tokens.slice(2).filter((t) => /^[a-z]$/.test(t)).sort(), letters);
    assert.ok(vocab.id('-') > OOV_ID, 'hyphenated names such as Anne-Marie give a "-" token');
    const counts = new Map<string, number>();
    for (const token of tokenLists.flat()) {
      counts.set(token, (counts.get(token) ?? 0) + 1);
    }
    const mostFrequent = [...counts].sort((a, b) => b[1] - a[1])[0][0];
    assert.equal(vocab.token(2), mostFrequent);
    const mary = vocab.encode(tokenize('Mary', options));
    assert.deepEqual([...mary].map((id) => vocab.token(id)), ['m', 'a', 'r', 'y']);
    assert.deepEqual(Vocab.build(tokenLists, { maxSize: 1000, minCount: 1 }).toJSON(), vocab.toJSON());
  });
});
