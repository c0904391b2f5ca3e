/**
 * The one tokeniser (text → tokens → ids) shared by training, hover, panels and the engine, so they
 * can never disagree about tokenisation. Pure: no Node or vscode imports.
 *
 * Word tokens are the Unicode (UAX #29) word segments of Intl.Segmenter plus every other segment that
 * is not whitespace (punctuation, symbols, emoji), each as its own token. Char tokens are grapheme
 * clusters, with every run of whitespace collapsed to one " " token and leading/trailing whitespace
 * dropped. Text made only of ASCII, Latin-1/Latin Extended letters and Cyrillic takes a hand-written
 * fast path that yields exactly the segments Intl.Segmenter would (tested against it); the segmenter
 * is 5–20 times slower and would make 200k-line datasets take seconds.
 */

/** How text is cut into tokens: words (with punctuation as tokens) or grapheme clusters. */
export type TokenizerKind = 'word' | 'char';

/** Tokeniser settings; maxLength keeps the first maxLength tokens (0 gives none, Infinity all). */
export interface TokenizerOptions { kind: TokenizerKind; lowercase: boolean; maxLength: number }

/** A token with its [start, end) UTF-16 offsets into the original text, for highlighting. */
export interface TokenSpan { token: string; start: number; end: number }

/** Id of the padding token `<pad>`. */
export const PAD_ID = 0;
/** Id of the out-of-vocabulary token `<unk>`. */
export const OOV_ID = 1;
/** Text of the padding token (id PAD_ID). */
export const PAD_TOKEN = '<pad>';
/** Text of the out-of-vocabulary token (id OOV_ID). */
export const OOV_TOKEN = '<unk>';

let wordSegmenter: Intl.Segmenter | undefined;
let graphemeSegmenter: Intl.Segmenter | undefined;

/** Text whose word and grapheme segmentation the fast path reproduces exactly: ASCII, Latin letters, Cyrillic letters. */
const FAST_TEXT = /^[\x00-\x7f\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f\u0400-\u0481\u048a-\u04ff]*$/;
const WHITESPACE = /^\s+$/u;

/** Splits text into tokens. */
export function tokenize(text: string, options: TokenizerOptions): string[] {
  return tokenizeWithOffsets(text, options).map((span) => span.token);
}

/** Splits text into tokens, each with its offsets into the original text. */
export function tokenizeWithOffsets(text: string, options: TokenizerOptions): TokenSpan[] {
  const limit = checkMaxLength(options.maxLength);
  if (options.kind !== 'word' && options.kind !== 'char') {
    throw new RangeError(`Unknown tokenizer kind "${String(options.kind)}"; expected "word" or "char".`);
  }
  const spans: TokenSpan[] = [];
  if (limit === 0 || text.length === 0) {
    return spans;
  }
  const fast = FAST_TEXT.test(text);
  if (options.kind === 'word') {
    if (fast) {
      fastWords(text, limit, spans);
    } else {
      segmenterWords(text, limit, spans);
    }
  } else if (fast) {
    fastChars(text, limit, spans);
  } else {
    segmenterChars(text, limit, spans);
  }
  if (options.lowercase) {
    for (const span of spans) {
      span.token = span.token.toLowerCase();
    }
  }
  return spans;
}

function checkMaxLength(maxLength: number): number {
  if (typeof maxLength !== 'number' || Number.isNaN(maxLength) || maxLength < 0) {
    throw new RangeError(`maxLength must be a number ≥ 0, got ${String(maxLength)}.`);
  }
  return Math.floor(maxLength);
}

function isWhitespaceCode(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13);
}

/** Letters for UAX #29 (ALetter) within the fast-path alphabet. */
function isLetterCode(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c >= 0xc0;
}

function isDigitCode(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** Letters, digits and underscore: always joined into one word segment (WB5, WB8–10, WB13). */
function isWordCode(c: number): boolean {
  return isLetterCode(c) || isDigitCode(c) || c === 95;
}

/** MidLetter or MidNumLetQ (":" "." "'"), which join letter⋅letter (WB6–7). */
function isMidLetterCode(c: number): boolean {
  return c === 58 || c === 46 || c === 39;
}

/** MidNum or MidNumLetQ ("," ";" "." "'"), which join digit⋅digit (WB11–12). */
function isMidNumCode(c: number): boolean {
  return c === 44 || c === 59 || c === 46 || c === 39;
}

function fastWords(text: string, limit: number, spans: TokenSpan[]): void {
  const n = text.length;
  let i = 0;
  while (i < n && spans.length < limit) {
    const c = text.charCodeAt(i);
    if (isWhitespaceCode(c)) {
      i++;
      continue;
    }
    if (!isWordCode(c)) {
      spans.push({ token: text[i], start: i, end: i + 1 });
      i++;
      continue;
    }
    const start = i;
    i++;
    for (;;) {
      while (i < n && isWordCode(text.charCodeAt(i))) {
        i++;
      }
      if (i + 1 >= n) {
        break;
      }
      const before = text.charCodeAt(i - 1);
      const mid = text.charCodeAt(i);
      const after = text.charCodeAt(i + 1);
      const joinsLetters = isLetterCode(before) && isMidLetterCode(mid) && isLetterCode(after);
      const joinsDigits = isDigitCode(before) && isMidNumCode(mid) && isDigitCode(after);
      if (!joinsLetters && !joinsDigits) {
        break;
      }
      i += 2;
    }
    spans.push({ token: text.slice(start, i), start, end: i });
  }
}

function fastChars(text: string, limit: number, spans: TokenSpan[]): void {
  const n = text.length;
  let i = 0;
  while (i < n && isWhitespaceCode(text.charCodeAt(i))) {
    i++;
  }
  while (i < n && spans.length < limit) {
    if (!isWhitespaceCode(text.charCodeAt(i))) {
      spans.push({ token: text[i], start: i, end: i + 1 });
      i++;
      continue;
    }
    const start = i;
    while (i < n && isWhitespaceCode(text.charCodeAt(i))) {
      i++;
    }
    if (i < n) {
      spans.push({ token: ' ', start, end: i });
    }
  }
}

function segmenterWords(text: string, limit: number, spans: TokenSpan[]): void {
  wordSegmenter ??= new Intl.Segmenter('und', { granularity: 'word' });
  for (const { segment, index } of wordSegmenter.segment(text)) {
    if (spans.length >= limit) {
      break;
    }
    if (!WHITESPACE.test(segment)) {
      spans.push({ token: segment, start: index, end: index + segment.length });
    }
  }
}

function segmenterChars(text: string, limit: number, spans: TokenSpan[]): void {
  graphemeSegmenter ??= new Intl.Segmenter('und', { granularity: 'grapheme' });
  let spaceStart = -1;
  let spaceEnd = -1;
  for (const { segment, index } of graphemeSegmenter.segment(text)) {
    if (WHITESPACE.test(segment)) {
      if (spaceStart < 0) {
        spaceStart = index;
      }
      spaceEnd = index + segment.length;
      continue;
    }
    if (spaceStart >= 0 && spans.length > 0) {
      spans.push({ token: ' ', start: spaceStart, end: spaceEnd });
    }
    spaceStart = -1;
    if (spans.length >= limit) {
      break;
    }
    spans.push({ token: segment, start: index, end: index + segment.length });
  }
  if (spans.length > limit) {
    spans.length = limit;
  }
}

/** A token ↔ id mapping: id 0 is `<pad>`, id 1 is `<unk>`, then tokens by falling frequency. */
export class Vocab {
  /** Number of ids, the two specials included. */
  readonly size: number;
  private readonly tokens: readonly string[];
  private readonly ids: Map<string, number>;

  private constructor(tokens: string[]) {
    this.tokens = tokens;
    this.ids = new Map(tokens.map((token, id) => [token, id]));
    this.size = tokens.length;
  }

  /**
   * Builds a vocabulary from tokenised texts: tokens seen at least minCount times, most frequent first,
   * ties in code-unit order of the token, so the same data always gives the same ids. maxSize counts
   * the two specials; tokens spelled like a special are not added again.
   */
  static build(tokenLists: Iterable<string[]>, options: { maxSize: number; minCount: number }): Vocab {
    const { maxSize, minCount } = options;
    if (!Number.isInteger(maxSize) || maxSize < 2) {
      throw new RangeError(`maxSize must be an integer ≥ 2 (it counts ${PAD_TOKEN} and ${OOV_TOKEN}), got ${String(maxSize)}.`);
    }
    if (typeof minCount !== 'number' || Number.isNaN(minCount)) {
      throw new RangeError(`minCount must be a number, got ${String(minCount)}.`);
    }
    const counts = new Map<string, number>();
    for (const tokens of tokenLists) {
      for (const token of tokens) {
        counts.set(token, (counts.get(token) ?? 0) + 1);
      }
    }
    counts.delete(PAD_TOKEN);
    counts.delete(OOV_TOKEN);
    const kept = [...counts].filter(([, count]) => count >= minCount);
    kept.sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    const tokens = [PAD_TOKEN, OOV_TOKEN];
    for (let k = 0; k < kept.length && tokens.length < maxSize; k++) {
      tokens.push(kept[k][0]);
    }
    return new Vocab(tokens);
  }

  /** Restores a vocabulary saved with toJSON, checking its shape; throws an Error saying what is wrong. */
  static fromJSON(json: unknown): Vocab {
    if (typeof json !== 'object' || json === null || Array.isArray(json)) {
      throw new Error('Invalid vocabulary: expected an object { version: 1, tokens: string[] }.');
    }
    const { version, tokens } = json as { version?: unknown; tokens?: unknown };
    if (version !== 1) {
      throw new Error(`Invalid vocabulary: unsupported version ${JSON.stringify(version) ?? 'undefined'} (expected 1).`);
    }
    if (!Array.isArray(tokens)) {
      throw new Error('Invalid vocabulary: "tokens" must be an array of strings.');
    }
    if (tokens[0] !== PAD_TOKEN || tokens[1] !== OOV_TOKEN) {
      throw new Error(`Invalid vocabulary: tokens must start with "${PAD_TOKEN}" and "${OOV_TOKEN}".`);
    }
    const seen = new Set<string>();
    for (let id = 0; id < tokens.length; id++) {
      const token: unknown = tokens[id];
      if (typeof token !== 'string') {
        throw new Error(`Invalid vocabulary: token ${id} is not a string.`);
      }
      if (seen.has(token)) {
        throw new Error(`Invalid vocabulary: token ${JSON.stringify(token)} appears twice (id ${id}).`);
      }
      seen.add(token);
    }
    return new Vocab([...(tokens as string[])]);
  }

  /** The JSON form saved beside a model. */
  toJSON(): { version: 1; tokens: string[] } {
    return { version: 1, tokens: [...this.tokens] };
  }

  /** The id of a token, OOV_ID when it is not in the vocabulary. */
  id(token: string): number {
    return this.ids.get(token) ?? OOV_ID;
  }

  /** The token of an id; throws a RangeError for an id outside 0 … size-1. */
  token(id: number): string {
    if (!Number.isInteger(id) || id < 0 || id >= this.size) {
      throw new RangeError(`Token id ${String(id)} is outside the vocabulary (0 … ${this.size - 1}).`);
    }
    return this.tokens[id];
  }

  /** The ids of tokens, unknown tokens as OOV_ID. */
  encode(tokens: string[]): Int32Array {
    const ids = new Int32Array(tokens.length);
    for (let k = 0; k < tokens.length; k++) {
      ids[k] = this.ids.get(tokens[k]) ?? OOV_ID;
    }
    return ids;
  }
}
