// The walks of patch handling that follow the patch document itself, written without recursion:
// a patch may nest 10,000 levels (the decoder's limit, as encoding/json's), far deeper than the
// JavaScript stack allows a recursive walk. Each keeps the key order a recursive walk gives.
type JMap = Record<string, unknown>;

const isMap = (v: unknown): v is JMap => v !== null && typeof v === 'object' && !Array.isArray(v);

/** A deep copy of JSON data (what cloneJSON gives), at any depth. */
export function cloneDeep<T>(v: T): T {
  if (v === null || typeof v !== 'object') return v;
  const root: { v: unknown } = { v: undefined };
  const stack: [Record<string | number, unknown>, string | number, unknown][] = [[root as Record<string, unknown>, 'v', v]];
  while (stack.length) {
    const [into, key, src] = stack.pop()!;
    if (src === null || typeof src !== 'object') {
      into[key] = src;
    } else if (Array.isArray(src)) {
      const out = new Array(src.length);
      into[key] = out;
      for (let i = 0; i < src.length; i++) {
        const x = src[i];
        if (x !== null && typeof x === 'object') stack.push([out as unknown as Record<number, unknown>, i, x]);
        else out[i] = x;
      }
    } else {
      const out: JMap = {};
      into[key] = out;
      for (const k of Object.keys(src)) {
        const x = (src as JMap)[k];
        out[k] = x; // the key's place first, so that the order is the source's
        if (x !== null && typeof x === 'object') stack.push([out, k, x]);
      }
    }
  }
  return root.v as T;
}

/**
 * RFC 7386 MergePatch(target, patch) (evanphx/json-patch MergePatch): objects merge member by
 * member, null removes a member, anything else replaces; nulls inside a member new to the target
 * are dropped too. Neither input is modified; unchanged parts of the target are shared.
 */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isMap(patch)) return patch;
  const root: JMap = {};
  const stack: [JMap, string, unknown, JMap][] = [[root, 'v', target, patch]];
  while (stack.length) {
    const [into, key, t, p] = stack.pop()!;
    const out: JMap = isMap(t) ? { ...t } : {};
    into[key] = out;
    for (const k of Object.keys(p)) {
      const v = p[k];
      if (v === null) delete out[k];
      else if (isMap(v)) {
        const cur = out[k];
        out[k] = undefined; // keeps the member's place; the pass below fills it
        stack.push([out, k, cur, v]);
      } else out[k] = v;
    }
  }
  return root.v;
}

/** discardNullValuesFromPatch: drops null-valued members everywhere below, in place. */
export function discardNulls(v: unknown): void {
  const stack: unknown[] = [v];
  while (stack.length) {
    const cur = stack.pop();
    if (Array.isArray(cur)) {
      for (const e of cur) if (e !== null && typeof e === 'object') stack.push(e);
    } else if (isMap(cur)) {
      for (const k of Object.keys(cur)) {
        const x = cur[k];
        if (x === null) delete cur[k];
        else if (typeof x === 'object') stack.push(x);
      }
    }
  }
}

/**
 * removeDirectives: maps carrying `marker` vanish from their parent map or list; lists are
 * rebuilt, maps changed in place. Returns the value and whether it stays.
 */
export function removeDirectives(obj: unknown, marker: string): [unknown, boolean] {
  const dropped = (v: unknown) => isMap(v) && Object.prototype.hasOwnProperty.call(v, marker);
  if (dropped(obj)) return [undefined, false];
  const root: { v: unknown } = { v: obj };
  const stack: [Record<string | number, unknown>, string | number][] = [[root as Record<string, unknown>, 'v']];
  while (stack.length) {
    const [into, key] = stack.pop()!;
    const cur = into[key];
    if (Array.isArray(cur)) {
      const out = cur.filter((e) => !dropped(e));
      into[key] = out;
      for (let i = 0; i < out.length; i++) if (out[i] !== null && typeof out[i] === 'object') stack.push([out as unknown as Record<number, unknown>, i]);
    } else if (isMap(cur)) {
      for (const k of Object.keys(cur)) {
        const x = cur[k];
        if (dropped(x)) delete cur[k];
        else if (x !== null && typeof x === 'object') stack.push([cur, k]);
      }
    }
  }
  return [root.v, true];
}

/**
 * Go's %v of a decoded JSON value: map[k:v ...] with sorted keys, [a b], <nil>; at any depth.
 * `scalar` prints what is neither a list, a map nor nil.
 */
export function goValue(v: unknown, scalar: (x: unknown) => string = String): string {
  const out: string[] = [];
  // items are values to print, or literal strings (closing brackets, separators) to emit
  const stack: ({ lit: string } | { val: unknown })[] = [{ val: v }];
  while (stack.length) {
    const item = stack.pop()!;
    if ('lit' in item) {
      out.push(item.lit);
      continue;
    }
    const x = item.val;
    if (x === null || x === undefined) out.push('<nil>');
    else if (Array.isArray(x)) {
      out.push('[');
      stack.push({ lit: ']' });
      for (let i = x.length - 1; i >= 0; i--) {
        stack.push({ val: x[i] });
        if (i > 0) stack.push({ lit: ' ' });
      }
    } else if (typeof x === 'object') {
      const keys = Object.keys(x as object).sort();
      out.push('map[');
      stack.push({ lit: ']' });
      for (let i = keys.length - 1; i >= 0; i--) {
        stack.push({ val: (x as JMap)[keys[i]] });
        stack.push({ lit: `${keys[i]}:` });
        if (i > 0) stack.push({ lit: ' ' });
      }
    } else out.push(scalar(x));
  }
  return out.join('');
}
