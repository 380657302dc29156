// Query parameter decoding shared by every handler, as apimachinery's url.Values conversion does it.

/**
 * A boolean query parameter (watch, allowWatchBookmarks, sendInitialEvents, force, follow,
 * previous, timestamps, insecureSkipTLSVerifyBackend, orphanDependents, ...), decoded by the
 * one rule upstream applies to all of them (apimachinery pkg/runtime/conversion.go
 * Convert_Slice_string_To_bool): absent is `undefined`; the first value `0` or `false` in any
 * case is false; anything else, the empty value (`?watch` or `?watch=`) and `True` included, is
 * true. Accepts a raw query value (string or repeated values) or a flattened one.
 */
export function queryBool(v: unknown): boolean | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'boolean') return v;
  if (Array.isArray(v)) {
    if (v.length === 0) return undefined;
    v = v[0];
  }
  const s = String(v);
  return !(s === '0' || s.toLowerCase() === 'false');
}

/** queryBool with absent meaning false (upstream's non-pointer bool fields). */
export function queryFlag(v: unknown): boolean {
  return queryBool(v) ?? false;
}
