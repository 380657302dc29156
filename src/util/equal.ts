// Equality of JSON data (plain objects, arrays, scalars), as reflect.DeepEqual compares decoded
// JSON. Recursive for the first levels (the common case, fastest); past RECURSION_LIMIT it goes on
// with an explicit stack, so values nested 10,000 levels (Go's JSON limit) compare without
// exhausting the call stack.
const RECURSION_LIMIT = 256;

export function jsonEqual(a: unknown, b: unknown): boolean {
  return equalAt(a, b, 0);
}

function equalAt(a: unknown, b: unknown, depth: number): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (depth >= RECURSION_LIMIT) return equalIterative(a, b);
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!equalAt(a[i], b[i], depth + 1)) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const ak = Object.keys(a);
  if (ak.length !== Object.keys(b).length) return false;
  for (const k of ak) {
    if (!Object.prototype.hasOwnProperty.call(b, k)) return false;
    if (!equalAt((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], depth + 1)) return false;
  }
  return true;
}

function equalIterative(a0: object, b0: object): boolean {
  const work: unknown[] = [a0, b0];
  while (work.length) {
    const b = work.pop();
    const a = work.pop();
    if (a === b) continue;
    if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
    if (Array.isArray(a)) {
      if (!Array.isArray(b) || a.length !== b.length) return false;
      for (let i = a.length - 1; i >= 0; i--) work.push(a[i], b[i]);
      continue;
    }
    if (Array.isArray(b)) return false;
    const ak = Object.keys(a);
    if (ak.length !== Object.keys(b).length) return false;
    for (let i = ak.length - 1; i >= 0; i--) {
      const k = ak[i];
      if (!Object.prototype.hasOwnProperty.call(b, k)) return false;
      work.push((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]);
    }
  }
  return true;
}

/**
 * A value with what Go's semantic equality (apiequality.Semantic.DeepEqual on decoded objects)
 * cannot see dropped: null, "", [] and {} are all the zero value, so two objects that differ only
 * there compare equal.
 */
export function semantic(v: unknown): unknown {
  if (Array.isArray(v)) return v.length ? v.map(semantic) : undefined;
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      const s = semantic(x);
      if (s !== undefined) out[k] = s;
    }
    return Object.keys(out).length ? out : undefined;
  }
  if (v === null || v === '') return undefined;
  return v;
}
