// A deep copy of JSON data (plain objects, arrays, strings, numbers, booleans, null): what
// structuredClone gives for it, several times faster (no serialisation, no cycle tracking).
// Objects read from the store and request bodies are JSON data; nothing else belongs here.
export function cloneJSON<T>(v: T): T {
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) {
    const out = new Array(v.length);
    for (let i = 0; i < v.length; i++) out[i] = cloneJSON(v[i]);
    return out as T;
  }
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(v)) out[k] = cloneJSON((v as Record<string, unknown>)[k]);
  return out as T;
}
