/** Number and index formatting shared by the views' text (typographic minus, subscripts, percentages). */

const SUBSCRIPT_DIGITS = '₀₁₂₃₄₅₆₇₈₉';

/** A value with four decimals and a typographic minus: −0.1234. */
export function fmt(value: number, digits = 4): string {
  const text = value.toFixed(digits);
  return text.startsWith('-') ? `−${text.slice(1)}` : text;
}

/** A probability as a percentage with one decimal: 78.2 %. */
export function pct(p: number): string {
  return `${(p * 100).toFixed(1)} %`;
}

/** A non-negative integer written with subscript digits: 12 → ₁₂. */
export function sub(n: number): string {
  return String(n)
    .split('')
    .map((d) => SUBSCRIPT_DIGITS[Number(d)] ?? d)
    .join('');
}

/** A token as shown in the views: spaces and control characters made visible. */
export function showToken(text: string): string {
  if (text === ' ') return '␣';
  if (text === '\t') return '⇥';
  return text.replace(/\s/g, '␣');
}
