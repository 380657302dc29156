// JSON.stringify for values that may nest deeply. V8's JSON.stringify recurses and gives up with
// "Maximum call stack size exceeded" near 4,000 levels, while bodies may nest 10,000 (Go's JSON
// limit, which the decoders enforce) and what the server stores and answers can nest a few levels
// more (managedFields of a deep value). The native call runs first (the common case costs nothing
// more); only when it overflows does the same text come from an explicit stack.

/** JSON.stringify(v), also for values nested too deeply for the native call. */
export function stringifyJSON(v: unknown): string {
  try {
    return JSON.stringify(v);
  } catch (err) {
    if (err instanceof RangeError && /call stack/i.test(err.message)) return stringifyIterative(v);
    throw err;
  }
}

interface Frame {
  v: any;
  keys: string[] | undefined; // undefined for an array
  i: number;
  first: boolean;
}

/** What JSON.stringify writes for a value, or undefined for one it leaves out (undefined, functions, symbols). */
function prepare(x: unknown, key: string): unknown {
  if (x !== null && typeof x === 'object' && typeof (x as { toJSON?: unknown }).toJSON === 'function') return (x as { toJSON(k: string): unknown }).toJSON(key);
  return x;
}

function scalar(x: unknown): string | undefined {
  switch (typeof x) {
    case 'string':
      return JSON.stringify(x);
    case 'number':
      return Number.isFinite(x) ? JSON.stringify(x) : 'null';
    case 'boolean':
      return x ? 'true' : 'false';
    case 'bigint':
      return JSON.stringify(x); // throws the native TypeError
    case 'object':
      if (x === null) return 'null';
      if (x instanceof Number || x instanceof String || x instanceof Boolean) return JSON.stringify(x);
      return undefined;
    default:
      return undefined;
  }
}

/** JSON.stringify(v) without recursion (no replacer, no indentation); map keys sorted when asked. */
export function stringifyIterative(root: unknown, sortKeys = false): string {
  const out: string[] = [];
  const stack: Frame[] = [];
  const onStack = new Set<object>();
  const open = (x: any): void => {
    if (onStack.has(x)) throw new TypeError('Converting circular structure to JSON');
    onStack.add(x);
    if (Array.isArray(x)) {
      out.push('[');
      stack.push({ v: x, keys: undefined, i: 0, first: true });
    } else {
      out.push('{');
      const keys = Object.keys(x);
      stack.push({ v: x, keys: sortKeys ? keys.sort() : keys, i: 0, first: true });
    }
  };
  // value: true when written (or opened), false when left out
  const value = (x: unknown): boolean => {
    const s = scalar(x);
    if (s !== undefined) {
      out.push(s);
      return true;
    }
    if (x !== null && typeof x === 'object') {
      open(x);
      return true;
    }
    return false;
  };
  root = prepare(root, '');
  {
    const s = scalar(root);
    if (s !== undefined) return s;
    if (root === null || typeof root !== 'object') return undefined as unknown as string;
    open(root);
  }
  while (stack.length) {
    const f = stack[stack.length - 1];
    if (f.keys === undefined) {
      const a = f.v as unknown[];
      if (f.i >= a.length) {
        out.push(']');
        onStack.delete(stack.pop()!.v);
        continue;
      }
      const i = f.i++;
      if (!f.first) out.push(',');
      f.first = false;
      if (!value(prepare(a[i], String(i)))) out.push('null');
    } else {
      if (f.i >= f.keys.length) {
        out.push('}');
        onStack.delete(stack.pop()!.v);
        continue;
      }
      const k = f.keys[f.i++];
      const x = prepare(f.v[k], k);
      if (x === undefined || typeof x === 'function' || typeof x === 'symbol') continue;
      out.push((f.first ? '' : ',') + JSON.stringify(k) + ':');
      f.first = false;
      value(x);
    }
  }
  return out.join('');
}
