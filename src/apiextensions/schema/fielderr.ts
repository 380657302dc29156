// Field errors rendered as upstream's field.Error.Error() (staging/src/k8s.io/apimachinery/pkg/util/validation/field/errors.go):
// strings with Go's %q, int64/float64/bool with %v, everything else as Go's json.Marshal (sorted keys).
import type { Cause } from '../../resources/types.js';
import { goQuote } from '../../util/goquote.js';
import { stringifyIterative } from '../../util/json.js';

/** Go's fmt %v for a float64: strconv.FormatFloat(f, 'g', -1, 64) (%e when the exponent is < -4 or >= 6). */
export function goFloat(f: number): string {
  if (Number.isNaN(f)) return 'NaN';
  if (f === Infinity) return '+Inf';
  if (f === -Infinity) return '-Inf';
  if (f === 0) return Object.is(f, -0) ? '-0' : '0';
  const m = /^(-?)(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(f.toExponential())!; // shortest round-trip digits
  const exp = Number(m[4]);
  if (exp < -4 || exp >= 6) {
    const ae = Math.abs(exp);
    return `${m[1]}${m[2]}${m[3] ? '.' + m[3] : ''}e${exp < 0 ? '-' : '+'}${ae < 10 ? '0' + ae : ae}`;
  }
  return String(f);
}

/** Go's %v for a JSON number as decoded by apimachinery (integers are int64, the rest float64). */
export function goNumber(n: number): string {
  if (Number.isInteger(n) && Math.abs(n) <= 2 ** 63) return BigInt(n).toString();
  return goFloat(n);
}

/** Go's encoding/json Marshal of decoded JSON data: map keys sorted, HTML characters escaped. */
export function goJSON(v: unknown): string {
  try {
    return goJSONAt(v);
  } catch (err) {
    // nested too deeply for recursion: the same text without HTML escaping, from an explicit stack
    if (err instanceof RangeError) return stringifyIterative(v, true);
    throw err;
  }
}

function goJSONAt(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  switch (typeof v) {
    case 'string':
      return goJSONString(v);
    case 'number':
      return goJSONNumber(v);
    case 'boolean':
      return v ? 'true' : 'false';
    case 'object': {
      if (Array.isArray(v)) return '[' + v.map(goJSONAt).join(',') + ']';
      const keys = Object.keys(v as object).sort(byteOrder);
      return '{' + keys.map((k) => goJSONString(k) + ':' + goJSONAt((v as Record<string, unknown>)[k])).join(',') + '}';
    }
    default:
      return 'null';
  }
}

function byteOrder(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

// encoding/json writes float64 as 'f', or 'e' (exponent without leading zeros) below 1e-6 and from 1e21:
// exactly JavaScript's Number#toString
// (integers decode as int64 and print every digit)
function goJSONNumber(n: number): string {
  if (Number.isInteger(n) && Math.abs(n) <= 2 ** 63) return BigInt(n).toString();
  return Number.isFinite(n) ? String(n) : 'null';
}

function goJSONString(s: string): string {
  return JSON.stringify(s).replace(/[<>&\u2028\u2029]/g, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'));
}

/** How field.Error renders a bad value. */
export function goValue(v: unknown): string {
  if (typeof v === 'string') return goQuote(v);
  if (typeof v === 'number') return goNumber(v);
  if (typeof v === 'boolean') return String(v);
  return goJSON(v);
}

export const fe = {
  required(field: string, detail = ''): Cause {
    return { reason: 'FieldValueRequired', message: 'Required value' + (detail ? ': ' + detail : ''), field };
  },
  forbidden(field: string, detail: string): Cause {
    return { reason: 'FieldValueForbidden', message: 'Forbidden' + (detail ? ': ' + detail : ''), field };
  },
  invalid(field: string, value: unknown, detail: string): Cause {
    return { reason: 'FieldValueInvalid', message: 'Invalid value: ' + goValue(value) + (detail ? ': ' + detail : ''), field };
  },
  typeInvalid(field: string, value: unknown, detail: string): Cause {
    return { reason: 'FieldValueTypeInvalid', message: 'Invalid value: ' + goValue(value) + (detail ? ': ' + detail : ''), field };
  },
  notSupported(field: string, value: unknown, valid: string[]): Cause {
    const detail = valid.length ? 'supported values: ' + valid.map((x) => goQuote(x)).join(', ') : '';
    return { reason: 'FieldValueNotSupported', message: 'Unsupported value: ' + goValue(value) + (detail ? ': ' + detail : ''), field };
  },
  duplicate(field: string, value: unknown): Cause {
    return { reason: 'FieldValueDuplicate', message: 'Duplicate value: ' + goValue(value), field };
  },
  tooLong(field: string, max: number): Cause {
    const detail = max >= 0 ? `may not be more than ${max} ${max === 1 ? 'byte' : 'bytes'}` : 'value is too long';
    return { reason: 'FieldValueTooLong', message: 'Too long: ' + detail, field };
  },
  tooMany(field: string, actual: number, max: number): Cause {
    const detail = max >= 0 ? `must have at most ${max} ${max === 1 ? 'item' : 'items'}` : 'has too many items';
    return { reason: 'FieldValueTooMany', message: 'Too many' + (actual >= 0 ? ': ' + actual : '') + ': ' + detail, field };
  },
};

/** field.Error.Error(): `field: body`. */
export function causeString(c: Cause): string {
  return `${c.field}: ${c.message}`;
}

/** utilerrors.NewAggregate(errs).Error(): one message as is, several as `[a, b]`. */
export function aggregate(cs: Cause[]): string {
  if (cs.length === 1) return causeString(cs[0]);
  return '[' + cs.map(causeString).join(', ') + ']';
}

/** field.Path helpers on plain strings: Child, Key, Index. */
export function child(p: string, name: string): string {
  return p ? p + '.' + name : name;
}
export function key(p: string, k: string): string {
  return p + '[' + k + ']';
}
export function index(p: string, i: number): string {
  return p + '[' + i + ']';
}
