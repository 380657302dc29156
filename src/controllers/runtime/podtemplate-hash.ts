// The pod-template-hash as kube-controller-manager computes it (pkg/controller/controller_utils.go
// ComputeHash): FNV-1a over go-spew's `%#v` dump of the v1.PodTemplateSpec Go struct
// (k8s.io/utils/dump ForHash: SortKeys, DisableMethods, SpewKeys), then the collision count as
// 8 bytes (a little-endian uint32), then rand.SafeEncodeString of the decimal sum.
//
// The dump is rendered here from the object as the controller's informer would decode it
// (protobuf: empty lists and maps are nil), walking the Go struct layout generated from
// k8s.io/api (podtemplate-go-types.generated.ts). go-spew's formatter (format.go), in short:
// a value is `(type)value` unless it is a slice element or map key/value (then the type is
// left out); a pointer is `(*T)` then its target, or `(*T)<nil>`; a struct is
// `{Name:value Name:value}` in declaration order, unexported fields too; a slice is
// `[a b]`, a map `map[k:v]` with keys sorted, nil ones `<nil>`; strings are written raw.
import { GO_TYPES as GO_TYPES_133, type GoField, type GoTypeDecl } from './podtemplate-go-types.generated.js';
import { canonicalQuantity } from '../../resources/quantity.js';

type Render = (v: unknown, showType: boolean) => string;

/**
 * A dumper for one Go layout (the generated one by default; tests check other releases' layouts
 * against hashes published from clusters of those releases).
 */
export function createPodTemplateDumper(GO_TYPES: Record<string, GoTypeDecl>): (template: unknown) => string {
  const renderers = new Map<string, Render>();

  function isNil(v: unknown): boolean {
    if (v === null || v === undefined) return true;
    if (Array.isArray(v)) return v.length === 0;
    return false;
  }

  function renderer(t: string): Render {
    let r = renderers.get(t);
    if (!r) {
      // a placeholder first: recursive types (JSONSchemaProps-like) resolve lazily
      let impl: Render | undefined;
      r = (v, s) => (impl ??= build(t))(v, s);
      renderers.set(t, r);
      impl = build(t);
      renderers.set(t, impl);
      r = impl;
    }
    return r;
  }

  /** The Go kind of a type string: builtin, pointer, slice, map, named struct, or a named type's underlying kind. */
  function underlying(t: string): string {
    const d = GO_TYPES[t];
    if (d && d.kind === 'named') return underlying(d.underlying);
    return t;
  }

  function build(t: string): Render {
    const prefix = `(${t})`;
    if (t.startsWith('*')) {
      const elem = renderer(t.slice(1));
      const nil = `${prefix}<nil>`;
      return (v, show) => {
        if (v === null || v === undefined) return show ? nil : '<nil>';
        return (show ? prefix : '<*>') + elem(v, false);
      };
    }
    const special = SPECIAL[t];
    if (special) return (v, show) => (show ? prefix : '') + special(v);
    const u = underlying(t);
    if (u.startsWith('[]')) {
      const elem = renderer(u.slice(2));
      return (v, show) => {
        const p = show ? prefix : '';
        if (isNil(v) || !Array.isArray(v)) return `${p}<nil>`;
        let out = `${p}[`;
        for (let i = 0; i < v.length; i++) out += (i > 0 ? ' ' : '') + elem(v[i], false);
        return `${out}]`;
      };
    }
    if (u.startsWith('map[')) {
      const close = matchBracket(u, 3);
      const key = u.slice(4, close);
      const val = renderer(u.slice(close + 1));
      if (underlying(key) !== 'string') throw new Error(`map key ${key} not supported`);
      return (v, show) => {
        const p = show ? prefix : '';
        const o = v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
        const keys = o ? Object.keys(o).filter((k) => o[k] !== undefined) : [];
        if (!keys.length) return `${p}<nil>`;
        keys.sort(compareGoStrings);
        let out = `${p}map[`;
        for (let i = 0; i < keys.length; i++) out += `${i > 0 ? ' ' : ''}${keys[i]}:${val(o![keys[i]], false)}`;
        return `${out}]`;
      };
    }
    if (u === 'string') return (v, show) => (show ? prefix : '') + (typeof v === 'string' ? v : '');
    if (u === 'bool') return (v, show) => (show ? prefix : '') + (v === true ? 'true' : 'false');
    if (INT_TYPES.has(u)) {
      const zero = `${prefix}0`;
      return (v, show) => (v === undefined && show ? zero : (show ? prefix : '') + intText(v));
    }
    if (u === 'float32' || u === 'float64') return (v, show) => (show ? prefix : '') + goFloat(typeof v === 'number' ? v : 0);
    const decl = GO_TYPES[u];
    if (decl?.kind === 'struct') return structRenderer(prefix, decl.fields);
    throw new Error(`no Go layout for ${t}`);
  }

  function structRenderer(prefix: string, fields: readonly GoField[]): Render {
    const parts = fields.map(([name, json, type, inline], i) => ({ label: `${i > 0 ? ' ' : ''}${name}:`, json, inline, r: renderer(type) }));
    let zero: string | undefined;
    return (v, show) => {
      const o = v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
      // the zero value of a struct is the same text every time
      if (!o && show && zero !== undefined) return zero;
      let out = `${show ? prefix : ''}{`;
      const src = o ?? EMPTY;
      for (let i = 0; i < parts.length; i++) {
        const p = parts[i];
        out += p.label + p.r(p.inline ? src : src[p.json], true);
      }
      out += '}';
      if (!o && show) zero = out;
      return out;
    };
  }

  const root = renderer('v1.PodTemplateSpec');
  return (template) => root(template ?? {}, true);
}

const INT_TYPES = new Set(['int', 'int8', 'int16', 'int32', 'int64', 'uint', 'uint8', 'uint16', 'uint32', 'uint64']);

function intText(v: unknown): string {
  if (typeof v === 'number' && Number.isFinite(v)) return Number.isInteger(v) ? String(v) : String(Math.trunc(v));
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'string' && /^-?\d+$/.test(v)) return String(BigInt(v));
  return '0';
}

const EMPTY: Record<string, unknown> = Object.freeze({}) as Record<string, unknown>;

function matchBracket(s: string, open: number): number {
  let depth = 0;
  for (let i = open; i < s.length; i++) {
    if (s[i] === '[') depth++;
    else if (s[i] === ']' && --depth === 0) return i;
  }
  throw new Error(`unbalanced ${s}`);
}

/** Go compares strings by their UTF-8 bytes; for the BMP that is code-unit order except surrogates. */
function compareGoStrings(a: string, b: string): number {
  if (a === b) return 0;
  if (/^[\x00-\x7f]*$/.test(a) && /^[\x00-\x7f]*$/.test(b)) return a < b ? -1 : 1;
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** strconv.FormatFloat(f, 'g', -1, 64). */
function goFloat(f: number): string {
  if (Number.isInteger(f) && Math.abs(f) < 1e21) return String(f);
  let s = String(f);
  s = s.replace(/e([+-])(\d)$/, 'e$10$2');
  return s;
}

// ---- types whose Go layout is internal state, rendered from their serialised form ----

const SPECIAL: Record<string, (v: unknown) => string> = {
  'resource.Quantity': (v) => quantityDump(v),
  // intstr.IntOrString{Type, IntVal, StrVal}; Type is Int (0) or String (1)
  'intstr.IntOrString': (v) =>
    typeof v === 'string' ? `{Type:(intstr.Type)1 IntVal:(int32)0 StrVal:(string)${v}}` : `{Type:(intstr.Type)0 IntVal:(int32)${intText(v)} StrVal:(string)}`,
  'v1.Time': (v) => `{Time:(time.Time)${timeDump(v)}}`,
  'v1.MicroTime': (v) => `{Time:(time.Time)${timeDump(v)}}`,
  // {Raw []byte}: the JSON bytes, each printed as a decimal uint8
  'v1.FieldsV1': (v) => {
    const raw = v === null || v === undefined ? undefined : Buffer.from(JSON.stringify(v), 'utf8');
    return `{Raw:([]uint8)${raw && raw.length ? `[${Array.from(raw).join(' ')}]` : '<nil>'}}`;
  },
};

/**
 * time.Time{wall, ext, loc} after protobuf decoding: time.Unix(s, ns).Local(). The zero time has
 * loc nil. A set time's loc is &localLoc, whose contents depend on the controller's time zone
 * database; this renders a process with no zone information (Local falls back to UTC), which is
 * an assumption, unverified (templates rarely carry timestamps).
 */
function timeDump(v: unknown): string {
  const ms = typeof v === 'string' ? Date.parse(v) : NaN;
  if (!Number.isFinite(ms)) return '{wall:(uint64)0 ext:(int64)0 loc:(*time.Location)<nil>}';
  const m = typeof v === 'string' ? v.match(/\.(\d+)/) : null;
  const nanos = m ? Number(m[1].slice(0, 9).padEnd(9, '0')) : 0;
  const sec = BigInt(Math.floor(ms / 1000));
  const ext = sec + 62135596800n; // seconds since January 1, year 1
  return `{wall:(uint64)${nanos} ext:(int64)${ext} loc:(*time.Location){name:(string)Local zone:([]time.zone)<nil> tx:([]time.zoneTrans)<nil> extend:(string) cacheStart:(int64)0 cacheEnd:(int64)0 cacheZone:(*time.zone)<nil>}}`;
}

// resource.ParseQuantity (apimachinery pkg/api/resource/quantity.go), only as far as the Go
// struct it produces: i (int64Amount), d (infDecAmount), s (the cached string) and Format.
const DEC_SUFFIX: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const BIN_SUFFIX: Record<string, number> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };
const INT64_MAX = (1n << 63n) - 1n;

/**
 * The struct the controller decodes: ParseQuantity of the string the API server stored, which is
 * the input itself when ParseQuantity cached it (canonical already), else its canonical form.
 */
function quantityDump(v: unknown): string {
  if (typeof v !== 'string' && typeof v !== 'number') return parsedQuantityDump(v, false);
  const raw = String(v);
  const first = parsedQuantityDump(raw, true);
  if (first) return first;
  return parsedQuantityDump(canonicalQuantity(raw) ?? raw, false)!;
}

function parsedQuantityDump(v: unknown, onlyCached: true): string | undefined;
function parsedQuantityDump(v: unknown, onlyCached: false): string;
function parsedQuantityDump(v: unknown, onlyCached: boolean): string | undefined {
  const zero = (s: string, format: string) =>
    `{i:(resource.int64Amount){value:(int64)0 scale:(resource.Scale)0} d:(resource.infDecAmount){Dec:(*inf.Dec)<nil>} s:(string)${s} Format:(resource.Format)${format}}`;
  if (typeof v !== 'string' && typeof v !== 'number') return onlyCached ? undefined : zero('', '');
  const str = String(v);
  if (str === '0') return zero('0', 'DecimalSI');
  const m = str.match(/^([+-]?)(0*)(\d*)(?:\.(\d*))?(.*)$/);
  if (!m) return onlyCached ? undefined : zero('', '');
  const positive = m[1] !== '-';
  const num = m[3] === '' ? '0' : m[3];
  const denom = m[4] ?? '';
  const suf = m[5];
  let format: string;
  let base: number;
  let exponent: number;
  if (suf in DEC_SUFFIX) [base, exponent, format] = [10, DEC_SUFFIX[suf], 'DecimalSI'];
  else if (suf in BIN_SUFFIX) [base, exponent, format] = [2, BIN_SUFFIX[suf], 'BinarySI'];
  else if (/^[eE][+-]?\d+$/.test(suf)) [base, exponent, format] = [10, Number(suf.slice(1)), 'DecimalExponent'];
  else return onlyCached ? undefined : zero('', '');
  let precision = 0;
  let scale = 0;
  let mantissa = 1n;
  if (format === 'BinarySI') {
    if (exponent >= 0 && denom.length === 0) {
      mantissa = 1n << BigInt(exponent);
      precision = 15 - num.length - Math.trunc(Math.fround((Math.fround(exponent) * 3) / 10)) - 1;
    } else precision = -1;
  } else {
    scale = exponent;
    precision = 18 - (num.length + denom.length);
  }
  if (precision >= 0) {
    scale -= denom.length;
    if (scale >= -9) {
      const shifted = num + denom;
      const value = BigInt(shifted);
      const product = value * mantissa;
      if (value <= INT64_MAX && product <= INT64_MAX) {
        const result = positive ? product : -product;
        let keep = false;
        if (format === 'BinarySI') keep = exponent % 10 === 0 && (value & 7n) !== 0n;
        else keep = scale % 3 === 0 && !shifted.endsWith('000') && shifted[0] !== '0';
        if (onlyCached && !keep) return undefined;
        return `{i:(resource.int64Amount){value:(int64)${result} scale:(resource.Scale)${scale}} d:(resource.infDecAmount){Dec:(*inf.Dec)<nil>} s:(string)${keep ? str : ''} Format:(resource.Format)${format}}`;
      }
    }
  }
  if (onlyCached) return undefined;
  return infDecDump(positive, num, denom, base, exponent, format);
}

/**
 * ParseQuantity's slow path: an inf.Dec{unscaled big.Int{neg, abs nat}, scale}, rounded up to
 * nano precision. big.Int's abs is a little-endian slice of 64-bit words. Unverified against Go
 * (such values are rare in templates: more than 18 digits, or fractional binary suffixes).
 */
function infDecDump(positive: boolean, num: string, denom: string, base: number, exponent: number, format: string): string {
  let unscaled = BigInt(num + denom);
  let scale = denom.length;
  if (base === 10) scale -= exponent;
  else unscaled <<= BigInt(exponent);
  if (unscaled !== 0n) {
    // amount.Round(amount, 9, inf.RoundUp): the scale becomes 9 either way
    if (scale > 9) {
      const div = 10n ** BigInt(scale - 9);
      unscaled = unscaled % div === 0n ? unscaled / div : unscaled / div + 1n;
    } else unscaled *= 10n ** BigInt(9 - scale);
    scale = 9;
  }
  if (format === 'BinarySI') {
    // maxAllowed = 2^63-1; below one (and above zero) switches to DecimalSI
    const cmp = (a: bigint, s: number, b: bigint) => (s >= 0 ? a : a * 10n ** BigInt(-s)) - (s >= 0 ? b * 10n ** BigInt(s) : b);
    if (cmp(unscaled, scale, INT64_MAX) > 0n) [unscaled, scale] = [INT64_MAX, 0];
    if (cmp(unscaled, scale, 1n) < 0n && unscaled > 0n) format = 'DecimalSI';
  }
  const words: string[] = [];
  for (let x = unscaled; x > 0n; x >>= 64n) words.push((x & 0xffffffffffffffffn).toString());
  const neg = !positive && unscaled !== 0n;
  return `{i:(resource.int64Amount){value:(int64)0 scale:(resource.Scale)0} d:(resource.infDecAmount){Dec:(*inf.Dec){unscaled:(big.Int){neg:(bool)${neg} abs:(big.nat)${words.length ? `[${words.join(' ')}]` : '<nil>'}} scale:(inf.Scale)${scale}}} s:(string) Format:(resource.Format)${format}}`;
}

// ---- ComputeHash ----

/** go-spew's `%#v` of the template as a v1.PodTemplateSpec (what DeepHashObject writes). */
export const podTemplateSpecDump = createPodTemplateDumper(GO_TYPES_133);

/** ComputeHash over a given dump. */
export function hashDump(dump: string, collisionCount?: number | null): string {
  let h = fnv1aString(dump);
  if (collisionCount !== undefined && collisionCount !== null) {
    const c = collisionCount >>> 0;
    for (const b of [c & 0xff, (c >>> 8) & 0xff, (c >>> 16) & 0xff, c >>> 24, 0, 0, 0, 0]) h = Math.imul(h ^ b, 0x01000193);
  }
  const s = String(h >>> 0);
  let out = '';
  for (let i = 0; i < s.length; i++) out += ALPHANUMS[s.charCodeAt(i) % ALPHANUMS.length];
  return out;
}

/** 32-bit FNV-1a over a string's UTF-8 bytes. */
function fnv1aString(s: string): number {
  const bytes = Buffer.from(s, 'utf8');
  let h = 0x811c9dc5 | 0;
  for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes[i], 0x01000193);
  return h;
}

const ALPHANUMS = 'bcdfghjklmnpqrstvwxz2456789';

/** controller.ComputeHash(template, collisionCount). */
export function computePodTemplateHash(template: unknown, collisionCount?: number | null): string {
  return hashDump(podTemplateSpecDump(template), collisionCount);
}
