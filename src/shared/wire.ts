/**
 * Typed arrays back from what a message channel may deliver: the typed array itself (structured
 * clone), a number array, or a typed array that went through JSON ({ "0": …, "1": … }). The views'
 * channel schemas revive an inspection's arrays with these before checking it.
 */

type ArrayType = Float32ArrayConstructor | Uint8ArrayConstructor;

/** A typed array of `Type` from what a channel may deliver; anything else is returned as it is (for the check to reject). */
export function toTyped(value: unknown, Type: ArrayType): unknown {
  if (value instanceof Type) return value;
  if (Array.isArray(value)) return Type.from(value as number[]);
  if (value && typeof value === 'object' && !ArrayBuffer.isView(value)) {
    const entries = Object.keys(value);
    if (entries.every((k, i) => k === String(i))) return Type.from(entries.map((k) => (value as Record<string, number>)[k]));
  }
  return value;
}

/** Revives the named fields of an object in place. */
function reviveFields(o: unknown, fields: readonly string[], Type: ArrayType): void {
  if (!o || typeof o !== 'object') return;
  const r = o as Record<string, unknown>;
  for (const f of fields) if (r[f] !== undefined) r[f] = toTyped(r[f], Type);
}

/** Float fields of a direction of an Inspection. */
const DIRECTION_FIELDS = ['h', 'c', 'gates', 'pre'] as const;
/** Float fields of the unrolled panel's focused cell. */
const CELL_FIELDS = ['h', 'c', 'gates', 'pre', 'hPrev', 'cPrev'] as const;

/** Revives an Inspection's arrays in place (then checkInspection says whether it is sound); returns it. */
export function reviveInspection(raw: unknown): unknown {
  if (raw && typeof raw === 'object') {
    const v = raw as Record<string, unknown>;
    if (Array.isArray(v.directions)) for (const d of v.directions) reviveFields(d, DIRECTION_FIELDS, Float32Array);
    reviveFields(v, ['running'], Float32Array);
  }
  return raw;
}

/** Revives an UnrolledInspection's arrays in place (then checkUnrolledInspection says whether it is sound); returns it. */
export function reviveUnrolledInspection(raw: unknown): unknown {
  if (raw && typeof raw === 'object') {
    const v = raw as Record<string, unknown>;
    if (Array.isArray(v.directions)) for (const d of v.directions) reviveFields(d, ['strips'], Uint8Array);
    reviveFields(v.cell, CELL_FIELDS, Float32Array);
    const series = (v.unit as { series?: unknown } | null)?.series;
    if (Array.isArray(series)) for (const s of series) reviveFields(s, ['values'], Float32Array);
    reviveFields(v, ['running'], Float32Array);
  }
  return raw;
}
