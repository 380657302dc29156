// resource.Quantity: parsing, canonical form and comparison, as upstream's
// staging/src/k8s.io/apimachinery/pkg/api/resource/quantity.go (exact arithmetic with BigInt).

/** Upstream's ErrFormatWrong text (quantity.go). */
export const QUANTITY_FORMAT_ERROR =
  "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";

type Format = 'DecimalSI' | 'BinarySI' | 'DecimalExponent';

/** An exact decimal: mantissa * 10^exp. */
interface Dec {
  m: bigint;
  exp: number;
}

export interface ParsedQuantity {
  /** the amount in base units (bytes, cores, ...), possibly fractional */
  value: number;
  /** upstream's canonical string (what the API server serializes) */
  canonical: string;
}

const DEC_SUFFIX: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const BIN_SUFFIX: Record<string, number> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };
const DEC_SUFFIX_BY_EXP: Record<number, string> = Object.fromEntries(Object.entries(DEC_SUFFIX).map(([k, v]) => [v, k]));
const BIN_SUFFIX_BY_EXP: Record<number, string> = { 0: '', ...Object.fromEntries(Object.entries(BIN_SUFFIX).map(([k, v]) => [v, k])) };

const NUMBER_RE = /^([+-]?)([0-9]*)(?:\.([0-9]*))?([eEinumkKMGTP]*)([-+]?[0-9]*)$/;

function pow10(n: number): bigint {
  return 10n ** BigInt(n);
}

/** Divide m by 10 as long as exact, bumping exp. */
function normalize(d: Dec): Dec {
  let { m, exp } = d;
  if (m === 0n) return { m: 0n, exp: 0 };
  while (m % 10n === 0n) {
    m /= 10n;
    exp++;
  }
  return { m, exp };
}

/** Round up (away from zero, as inf.Dec's RoundUp) to the given decimal exponent. */
function roundUpTo(d: Dec, minExp: number): Dec {
  if (d.exp >= minExp) return d;
  const div = pow10(minExp - d.exp);
  let q = d.m / div;
  if (q * div !== d.m) q += d.m < 0n ? -1n : 1n;
  return { m: q, exp: minExp };
}

interface Parsed {
  dec: Dec;
  format: Format;
}

function parseInternal(input: string | number): Parsed | undefined {
  let s: string;
  if (typeof input === 'number') {
    if (!Number.isFinite(input)) return undefined;
    s = String(input).replace('e+', 'e');
  } else if (typeof input === 'string') {
    s = input.trim();
  } else return undefined;
  if (s.length === 0) return undefined;
  const mt = NUMBER_RE.exec(s);
  if (!mt) return undefined;
  const [, sign, intPart, fracPart = '', letters, expDigits] = mt;
  if (intPart.length === 0 && fracPart.length === 0) return undefined;
  let format: Format;
  let exp10 = 0;
  let exp2 = 0;
  if (expDigits !== '') {
    // "e3", "E-2": a decimal exponent; the letters must be exactly e or E
    if (letters !== 'e' && letters !== 'E') return undefined;
    if (!/^[-+]?[0-9]+$/.test(expDigits)) return undefined;
    exp10 = parseInt(expDigits, 10);
    format = 'DecimalExponent';
  } else if (letters in DEC_SUFFIX) {
    exp10 = DEC_SUFFIX[letters];
    format = 'DecimalSI';
  } else if (letters in BIN_SUFFIX) {
    exp2 = BIN_SUFFIX[letters];
    format = 'BinarySI';
  } else return undefined;
  let m = BigInt((intPart || '0') + fracPart);
  if (sign === '-') m = -m;
  let dec: Dec = { m: m * 2n ** BigInt(exp2), exp: exp10 - fracPart.length };
  // upstream keeps at most nano precision, rounding up
  dec = roundUpTo(normalize(dec), -9);
  return { dec: normalize(dec), format };
}

function decToNumber(d: Dec): number {
  return Number(`${d.m}e${d.exp}`);
}

/** The canonical string (quantity.go CanonicalizeBytes). */
function canonicalize(p: Parsed): string {
  const d = normalize(p.dec);
  if (d.m === 0n) return '0';
  let format = p.format;
  if (format === 'BinarySI') {
    // |value| < 1024 or not an integer: shown as DecimalSI
    const abs = d.m < 0n ? -d.m : d.m;
    if (d.exp < 0 || abs * pow10(d.exp) < 1024n) format = 'DecimalSI';
  }
  if (format === 'BinarySI') {
    let n = d.m * pow10(d.exp);
    let e2 = 0;
    while (e2 < 60 && n % 1024n === 0n) {
      n /= 1024n;
      e2 += 10;
    }
    return `${n}${BIN_SUFFIX_BY_EXP[e2]}`;
  }
  // exponent a multiple of 3, mantissa an integer (AsCanonicalBytes)
  let { m, exp } = d;
  const r = ((exp % 3) + 3) % 3;
  if (r !== 0) {
    m *= pow10(r);
    exp -= r;
  }
  if (format === 'DecimalExponent') return exp === 0 ? `${m}` : `${m}e${exp}`;
  const suffix = DEC_SUFFIX_BY_EXP[exp];
  if (suffix === undefined) return `${m}e${exp}`;
  return `${m}${suffix}`;
}

/** Parse a quantity ("5G", "2Gi", "500m", "1e3", 0.5); undefined when malformed. */
export function parseQuantity(s: string | number): ParsedQuantity | undefined {
  const p = parseInternal(s);
  if (!p) return undefined;
  return { value: decToNumber(p.dec), canonical: canonicalize(p) };
}

/** The canonical string of a quantity, or undefined when malformed. */
export function canonicalQuantity(s: string | number): string | undefined {
  return parseQuantity(s)?.canonical;
}

/** Exact comparison: <0, 0, >0. Malformed quantities compare as 0-valued. */
export function compareQuantity(a: string | number, b: string | number): number {
  const pa = parseInternal(a)?.dec ?? { m: 0n, exp: 0 };
  const pb = parseInternal(b)?.dec ?? { m: 0n, exp: 0 };
  const e = Math.min(pa.exp, pb.exp);
  const ma = pa.m * pow10(pa.exp - e);
  const mb = pb.m * pow10(pb.exp - e);
  return ma < mb ? -1 : ma > mb ? 1 : 0;
}

/** Sum of quantities, canonical in the format of the first operand (DecimalSI when empty). */
export function addQuantities(values: Array<string | number>): string {
  let acc: Dec = { m: 0n, exp: 0 };
  let format: Format | undefined;
  for (const v of values) {
    const p = parseInternal(v);
    if (!p) continue;
    format ??= p.format;
    const e = Math.min(acc.exp, p.dec.exp);
    acc = { m: acc.m * pow10(acc.exp - e) + p.dec.m * pow10(p.dec.exp - e), exp: e };
  }
  return canonicalize({ dec: normalize(acc), format: format ?? 'DecimalSI' });
}

/**
 * SetDefaults_ResourceList (pkg/apis/core/v1/defaults.go): each value rounded up to milli
 * precision and serialized in canonical form. Malformed values are left for validation.
 */
export function canonicalizeResourceList(list: unknown): void {
  if (!list || typeof list !== 'object' || Array.isArray(list)) return;
  const rl = list as Record<string, unknown>;
  for (const [k, v] of Object.entries(rl)) {
    if (typeof v !== 'string' && typeof v !== 'number') continue;
    const p = parseInternal(v);
    if (!p) continue;
    rl[k] = canonicalize({ dec: normalize(roundUpTo(p.dec, -3)), format: p.format });
  }
}

/** Whether a value is a well-formed quantity. */
export function isQuantity(v: unknown): boolean {
  return (typeof v === 'string' || typeof v === 'number') && parseInternal(v) !== undefined;
}

/** Whether a quantity is an integer (e.g. hugepages, extended resources). */
export function isIntegerQuantity(v: string | number): boolean {
  const p = parseInternal(v);
  return !!p && p.dec.exp >= 0;
}
