// resource.Quantity parsing and canonical String(), enough for printing capacities and quotas.
// Behaviour: staging/src/k8s.io/apimachinery/pkg/api/resource/quantity.go (CanonicalizeBytes):
// values are rounded up to nano precision; BinarySI stays binary only for integral values >= 1024.

export type QuantityFormat = 'BinarySI' | 'DecimalSI' | 'DecimalExponent';

export interface ParsedQuantity {
  /** the value in units of 10^-9, rounded away from zero */
  nano: bigint;
  format: QuantityFormat;
}

const BINARY: Record<string, number> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };
const DECIMAL: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const DECIMAL_SUFFIX: Record<number, string> = { [-9]: 'n', [-6]: 'u', [-3]: 'm', 0: '', 3: 'k', 6: 'M', 9: 'G', 12: 'T', 15: 'P', 18: 'E' };
const BINARY_SUFFIX = ['', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei'];
const QUANTITY_RE = /^([+-]?)(\d*)(?:\.(\d*))?([a-zA-Z]*[-+]?\d*)$/;

function pow10(n: number): bigint {
  return 10n ** BigInt(n);
}

/** Divide rounding away from zero. */
function divUp(num: bigint, den: bigint): bigint {
  const q = num / den;
  if (num % den === 0n) return q;
  return num < 0n ? q - 1n : q + 1n;
}

/** Parse a quantity string; undefined when it is not one. */
export function parseQuantity(input: string): ParsedQuantity | undefined {
  const m = QUANTITY_RE.exec(input.trim());
  if (!m) return undefined;
  const [, sign, whole, frac = '', suffix] = m;
  if (whole === '' && frac === '') return undefined;
  let format: QuantityFormat;
  let base10 = 0;
  let base2 = 0;
  if (suffix in BINARY) {
    format = 'BinarySI';
    base2 = BINARY[suffix];
  } else if (suffix in DECIMAL) {
    format = 'DecimalSI';
    base10 = DECIMAL[suffix];
  } else if (/^[eE][-+]?\d+$/.test(suffix)) {
    format = 'DecimalExponent';
    base10 = parseInt(suffix.slice(1), 10);
    if (!Number.isFinite(base10) || Math.abs(base10) > 400) return undefined;
  } else {
    return undefined;
  }
  let num = BigInt((whole || '0') + frac) * (sign === '-' ? -1n : 1n);
  let den = pow10(frac.length);
  num *= 2n ** BigInt(base2);
  const exp10 = base10 + 9; // scale to nano units
  if (exp10 >= 0) num *= pow10(exp10);
  else den *= pow10(-exp10);
  return { nano: divUp(num, den), format };
}

/** The canonical string of a parsed quantity (Quantity.String()). */
export function canonicalQuantity(q: ParsedQuantity): string {
  const { nano } = q;
  if (nano === 0n) return '0';
  let format = q.format;
  const abs = nano < 0n ? -nano : nano;
  const unit = pow10(9);
  if (format === 'BinarySI' && (abs < 1024n * unit || nano % unit !== 0n)) format = 'DecimalSI';
  if (format === 'BinarySI') {
    let v = nano / unit;
    let k = 0;
    while (k < BINARY_SUFFIX.length - 1 && v % 1024n === 0n) {
      v /= 1024n;
      k++;
    }
    return `${v}${BINARY_SUFFIX[k]}`;
  }
  let mant = nano;
  let exp = -9;
  while (mant % 1000n === 0n && exp < 18) {
    mant /= 1000n;
    exp += 3;
  }
  if (format === 'DecimalExponent') return exp === 0 ? `${mant}` : `${mant}e${exp}`;
  return `${mant}${DECIMAL_SUFFIX[exp]}`;
}

/**
 * The canonical string of a quantity value as found in JSON (string or number).
 * A missing value prints as "0" (the zero Quantity); an unparsable one is returned as is.
 */
export function formatQuantity(v: unknown): string {
  if (v === undefined || v === null || v === '') return '0';
  const s = typeof v === 'number' ? String(v) : typeof v === 'string' ? v : undefined;
  if (s === undefined) return String(v);
  const p = parseQuantity(s);
  return p ? canonicalQuantity(p) : s;
}
