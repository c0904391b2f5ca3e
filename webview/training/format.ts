/**
 * The training panel's wording of numbers: durations ("1 min 20 s"), speeds ("12,345 tokens/s"), epochs
 * ("epoch 4", "epoch 4, cut short"), fractions and times, localised through l10n.t (literal calls, so the
 * strings are extracted into l10n/bundle.l10n.json).
 */
import * as l10n from '@vscode/l10n';

/** The page's language (the host writes VS Code's display language into <html lang>). */
function locale(): string | undefined {
  return document.documentElement.lang || undefined;
}

let integerFormat: Intl.NumberFormat | undefined;
let compactFormat: Intl.NumberFormat | undefined;

/** An integer with the locale's grouping: 12,345. */
export function integer(n: number): string {
  integerFormat ??= new Intl.NumberFormat(locale(), { maximumFractionDigits: 0 });
  return Number.isFinite(n) ? integerFormat.format(Math.round(n)) : '–';
}

/** A number for an axis: 12.3K, 450, 1.2M. */
export function compact(n: number): string {
  compactFormat ??= new Intl.NumberFormat(locale(), { notation: 'compact', maximumFractionDigits: 1 });
  return Number.isFinite(n) ? compactFormat.format(n) : '–';
}

/** A duration: "4.2 s", "45 s", "1 min 20 s", "2 h 5 min". */
export function duration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '–';
  if (seconds < 10) return l10n.t('{0} s', seconds.toFixed(1));
  const total = Math.round(seconds);
  if (total < 60) return l10n.t('{0} s', total);
  if (total < 3600) {
    const m = Math.floor(total / 60);
    const s = total % 60;
    return s === 0 ? l10n.t('{0} min', m) : l10n.t('{0} min {1} s', m, s);
  }
  const h = Math.floor(total / 3600);
  const m = Math.round((total % 3600) / 60);
  return m === 0 ? l10n.t('{0} h', h) : l10n.t('{0} h {1} min', h, m);
}

/** A speed: "12,345 tokens/s". */
export function speed(tokensPerSecond: number): string {
  return l10n.t('{0} tokens/s', integer(tokensPerSecond));
}

/** An epoch as the report names it: "epoch 4", or "epoch 4, cut short" when a cancel stopped it part-way. */
export function epochName(epoch: number, epochsCompleted: number): string {
  return epoch > epochsCompleted ? l10n.t('epoch {0}, cut short', epoch) : l10n.t('epoch {0}', epoch);
}

/** A split fraction as a whole percentage: 0.1 → "10 %". */
export function share(fraction: number): string {
  return `${Math.round(fraction * 100)} %`;
}

/** A learning rate as written in settings: 0.005, 1e-4. */
export function rate(value: number): string {
  if (value === 0) return '0';
  return Math.abs(value) < 1e-3 ? value.toExponential().replace('e-', 'e−') : String(Number(value.toPrecision(4)));
}

/** An ISO time as YYYY-MM-DD HH:MM in local time (the raw text when it does not parse). */
export function when(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const two = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())} ${two(d.getHours())}:${two(d.getMinutes())}`;
}
