// The Kubernetes CEL library on top of cel-js's standard functions:
// staging/src/k8s.io/apiserver/pkg/cel/library/{lists,regex,urls,quantity,ip,cidr,format,semverlib}.go,
// cel-go ext/strings.go and ext/sets.go (the parts cel-js lacks), as the CRD environment has them
// (staging/src/k8s.io/apiserver/pkg/cel/environment/base.go).
import { Optional, type Environment } from '@marcbachmann/cel-js';
import {
  QUANTITY_FORMAT_ERROR,
  addQuantities,
  compareQuantity,
  isIntegerQuantity,
  parseQuantity,
} from '../../resources/quantity.js';
import {
  isDNS1035Label,
  isDNS1123Label,
  isDNS1123Subdomain,
  isQualifiedName,
  isValidLabelValue,
} from '../../registry/validation.js';

/** A Go-style error raised from a library function (its text is what upstream prints). */
export class LibError extends Error {}

function tryRegister(fn: () => void): void {
  try {
    fn();
  } catch {
    // cel-js already has this overload
  }
}

// --- strings (cel-go ext/strings.go, version 2) ---------------------------------------------

function registerStrings(env: Environment): void {
  const f = (sig: string, h: (...a: any[]) => unknown) => tryRegister(() => env.registerFunction(sig, h));
  const cps = (s: string) => [...s];
  f('string.charAt(int): string', (s: string, i: bigint) => {
    const a = cps(s);
    if (i < 0n || i > BigInt(a.length)) throw new LibError(`index out of range: ${i}`);
    return a[Number(i)] ?? '';
  });
  f('string.indexOf(string): int', (s: string, sub: string) => {
    const i = s.indexOf(sub);
    return i < 0 ? -1n : BigInt(cps(s.slice(0, i)).length);
  });
  f('string.lastIndexOf(string): int', (s: string, sub: string) => {
    const i = s.lastIndexOf(sub);
    return i < 0 ? -1n : BigInt(cps(s.slice(0, i)).length);
  });
  f('string.replace(string, string): string', (s: string, a: string, b: string) => s.split(a).join(b));
  f('string.replace(string, string, int): string', (s: string, a: string, b: string, n: bigint) => {
    if (n < 0n) return s.split(a).join(b);
    let out = '';
    let rest = s;
    let k = 0n;
    while (k < n) {
      const i = rest.indexOf(a);
      if (i < 0) break;
      out += rest.slice(0, i) + b;
      rest = rest.slice(i + a.length);
      if (a === '') {
        out += rest.slice(0, 1);
        rest = rest.slice(1);
      }
      k++;
    }
    return out + rest;
  });
  f('string.split(string, int): list<string>', (s: string, sep: string, n: bigint) => {
    if (n === 0n) return [];
    const parts = s.split(sep);
    if (n < 0n || BigInt(parts.length) <= n) return parts;
    const head = parts.slice(0, Number(n) - 1);
    return [...head, parts.slice(Number(n) - 1).join(sep)];
  });
  f('string.substring(int): string', (s: string, a: bigint) => {
    const c = cps(s);
    if (a < 0n || a > BigInt(c.length)) throw new LibError(`index out of range: ${a}`);
    return c.slice(Number(a)).join('');
  });
  f('string.substring(int, int): string', (s: string, a: bigint, b: bigint) => {
    const c = cps(s);
    if (a < 0n || a > BigInt(c.length)) throw new LibError(`index out of range: ${a}`);
    if (b < 0n || b > BigInt(c.length)) throw new LibError(`index out of range: ${b}`);
    if (a > b) throw new LibError(`invalid substring range. start: ${a}, end: ${b}`);
    return c.slice(Number(a), Number(b)).join('');
  });
  f('string.reverse(): string', (s: string) => cps(s).reverse().join(''));
  f('string.lowerAscii(): string', (s: string) => s.replace(/[A-Z]/g, (c) => c.toLowerCase()));
  f('string.upperAscii(): string', (s: string) => s.replace(/[a-z]/g, (c) => c.toUpperCase()));
  f('string.trim(): string', (s: string) => s.trim());
  f('string.format(list<dyn>): string', (s: string, args: unknown[]) => formatString(s, args));
  f('list<string>.join(): string', (l: string[]) => l.join(''));
  f('list<string>.join(string): string', (l: string[], sep: string) => l.join(sep));
}

// cel-go ext/formatting.go: %s %d %f %e %b %o %x %X %%, with an optional precision
function celString(v: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'bigint' || typeof v === 'boolean') return String(v);
  if (typeof v === 'number') return Number.isInteger(v) && Math.abs(v) < 1e21 ? String(v) : String(v);
  if (v === null) return 'null';
  if (v instanceof Uint8Array) return Buffer.from(v).toString('utf8');
  if (v instanceof Date) return v.toISOString().replace('.000Z', 'Z');
  if (Array.isArray(v)) return `[${v.map(celString).join(', ')}]`;
  if (v instanceof Map) return `{${[...v].map(([k, x]) => `${celString(k)}: ${celString(x)}`).join(', ')}}`;
  if (v && typeof (v as any).valueOf === 'function' && typeof (v as any).valueOf() === 'bigint') return String((v as any).valueOf());
  return String(v);
}

export function formatString(fmt: string, args: unknown[]): string {
  let out = '';
  let argi = 0;
  for (let i = 0; i < fmt.length; i++) {
    const c = fmt[i];
    if (c !== '%') {
      out += c;
      continue;
    }
    if (fmt[i + 1] === '%') {
      out += '%';
      i++;
      continue;
    }
    let j = i + 1;
    let precision: number | undefined;
    if (fmt[j] === '.') {
      let k = j + 1;
      while (k < fmt.length && /[0-9]/.test(fmt[k])) k++;
      precision = Number(fmt.slice(j + 1, k) || '0');
      j = k;
    }
    const verb = fmt[j];
    if (verb === undefined) throw new LibError('could not parse formatting clause: unexpected end of format string');
    if (argi >= args.length) throw new LibError(`index ${argi} out of range`);
    const a = args[argi++];
    const num = (x: unknown) => (typeof x === 'bigint' ? Number(x) : typeof x === 'number' ? x : NaN);
    switch (verb) {
      case 's':
        out += celString(a);
        break;
      case 'd':
        if (typeof a !== 'bigint' && !(a && typeof (a as any).valueOf?.() === 'bigint') && !(typeof a === 'number' && Number.isInteger(a)))
          throw new LibError(`error during formatting: decimal clause can only be used on integers, was given ${typeof a === 'number' ? 'double' : typeof a}`);
        out += celString(a);
        break;
      case 'f':
        out += num(a).toFixed(precision ?? 6);
        break;
      case 'e': {
        const e = num(a).toExponential(precision ?? 6);
        out += e.replace(/e([+-])(\d)$/, 'e$10$2');
        break;
      }
      case 'b':
        out += typeof a === 'boolean' ? String(a) : BigInt(num(a)).toString(2);
        break;
      case 'o':
        out += BigInt(num(a)).toString(8);
        break;
      case 'x':
      case 'X': {
        let h = typeof a === 'string' ? Buffer.from(a).toString('hex') : a instanceof Uint8Array ? Buffer.from(a).toString('hex') : BigInt(typeof a === 'bigint' ? a : num(a)).toString(16);
        if (verb === 'X') h = h.toUpperCase();
        out += h;
        break;
      }
      default:
        throw new LibError(`could not parse formatting clause: unrecognized formatting clause "${verb}"`);
    }
    i = j;
  }
  return out;
}

// --- lists (library/lists.go) -----------------------------------------------------------------

function compare(a: any, b: any): number {
  if (typeof a === 'string' || typeof a === 'bigint' || typeof a === 'number') return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === 'boolean') return a === b ? 0 : a ? 1 : -1;
  if (a instanceof Date) return a.getTime() - b.getTime();
  if (a instanceof Quantity) return compareQuantity(a.s, b.s);
  if (a instanceof Semver) return a.compare(b);
  if (a && typeof a.valueOf === 'function') {
    const x = a.valueOf();
    const y = b.valueOf();
    return x < y ? -1 : x > y ? 1 : 0;
  }
  return 0;
}

const COMPARABLE = ['int', 'uint', 'double', 'bool', 'string', 'bytes', 'duration', 'timestamp', 'kubernetes.Quantity', 'kubernetes.Semver'];

function registerLists(env: Environment): void {
  const f = (sig: string, h: (...a: any[]) => unknown) => tryRegister(() => env.registerFunction(sig, h));
  for (const t of COMPARABLE) {
    f(`list<${t}>.isSorted(): bool`, (l: any[]) => {
      for (let i = 1; i < l.length; i++) if (compare(l[i - 1], l[i]) > 0) return false;
      return true;
    });
    const pick = (name: string, sign: number) => (l: any[]) => {
      if (l.length === 0) throw new LibError(`${name} called on empty list`);
      let best = l[0];
      for (const x of l) if (compare(x, best) * sign > 0) best = x;
      return best;
    };
    f(`list<${t}>.min(): ${t}`, pick('min', -1));
    f(`list<${t}>.max(): ${t}`, pick('max', 1));
  }
  f('list<int>.sum(): int', (l: bigint[]) => {
    let s = 0n;
    for (const x of l) s += x;
    if (s > 9223372036854775807n || s < -9223372036854775808n) throw new LibError('integer overflow');
    return s;
  });
  f('list<double>.sum(): double', (l: number[]) => l.reduce((a, b) => a + b, 0));
  const eq = (a: any, b: any) => a === b || (a instanceof Quantity && b instanceof Quantity && compareQuantity(a.s, b.s) === 0);
  f('list<A>.indexOf(A): int', (l: any[], x: any) => BigInt(l.findIndex((y) => eq(y, x))));
  f('list<A>.lastIndexOf(A): int', (l: any[], x: any) => {
    for (let i = l.length - 1; i >= 0; i--) if (eq(l[i], x)) return BigInt(i);
    return -1n;
  });
}

// --- sets (cel-go ext/sets.go), as a `sets` namespace value with member functions -------------

class SetsNamespace {}
class StringsNamespace {}

function registerSets(env: Environment): void {
  env.registerType('strings.namespace', StringsNamespace);
  env.registerConstant('strings', 'strings.namespace', new StringsNamespace());
  tryRegister(() => env.registerFunction('strings.namespace.quote(string): string', (_: unknown, s: string) => JSON.stringify(s)));
  env.registerType('sets.namespace', SetsNamespace);
  env.registerConstant('sets', 'sets.namespace', new SetsNamespace());
  const has = (l: any[], x: any) => l.some((y) => y === x);
  tryRegister(() => env.registerFunction('sets.namespace.contains(list<A>, list<A>): bool', (_: unknown, a: any[], b: any[]) => b.every((x) => has(a, x))));
  tryRegister(() =>
    env.registerFunction('sets.namespace.equivalent(list<A>, list<A>): bool', (_: unknown, a: any[], b: any[]) => b.every((x) => has(a, x)) && a.every((x) => has(b, x))),
  );
  tryRegister(() => env.registerFunction('sets.namespace.intersects(list<A>, list<A>): bool', (_: unknown, a: any[], b: any[]) => b.some((x) => has(a, x))));
}

// --- regex (library/regex.go) -------------------------------------------------------------------

const regexCache = new Map<string, RegExp>();
/** An RE2 pattern as a JS RegExp (the (?flags) prefix turned into flags). */
export function re2(pattern: string): RegExp {
  let re = regexCache.get(pattern);
  if (re) return re;
  let flags = 'u';
  let src = pattern;
  const m = /^\(\?([imsU]+)\)/.exec(src);
  if (m) {
    src = src.slice(m[0].length);
    for (const c of m[1]) if (c !== 'U' && !flags.includes(c)) flags += c;
  }
  try {
    re = new RegExp(src, flags);
  } catch (e) {
    throw new LibError(`Illegal regex: error parsing regexp: ${(e as Error).message}`);
  }
  if (regexCache.size > 1000) regexCache.clear();
  regexCache.set(pattern, re);
  return re;
}

function registerRegex(env: Environment): void {
  const f = (sig: string, h: (...a: any[]) => unknown) => tryRegister(() => env.registerFunction(sig, h));
  f('string.find(string): string', (s: string, p: string) => re2(p).exec(s)?.[0] ?? '');
  f('string.findAll(string): list<string>', (s: string, p: string) => [...s.matchAll(new RegExp(re2(p).source, re2(p).flags + 'g'))].map((m) => m[0]));
  f('string.findAll(string, int): list<string>', (s: string, p: string, n: bigint) => {
    const all = [...s.matchAll(new RegExp(re2(p).source, re2(p).flags + 'g'))].map((m) => m[0]);
    return n < 0n ? all : all.slice(0, Number(n));
  });
}

// --- quantity (library/quantity.go) -----------------------------------------------------------

export class Quantity {
  readonly #s: string;
  constructor(s: string) {
    this.#s = s;
  }
  get s(): string {
    return this.#s;
  }
}

function toQuantity(s: string): Quantity {
  const p = parseQuantity(s);
  if (!p) throw new LibError(QUANTITY_FORMAT_ERROR);
  return new Quantity(p.canonical);
}

function negate(s: string): string {
  return s.startsWith('-') ? s.slice(1) : '-' + s;
}

function registerQuantity(env: Environment): void {
  env.registerType('kubernetes.Quantity', Quantity);
  const f = (sig: string, h: (...a: any[]) => unknown) => tryRegister(() => env.registerFunction(sig, h));
  const Q = 'kubernetes.Quantity';
  f(`quantity(string): ${Q}`, (s: string) => toQuantity(s));
  f('isQuantity(string): bool', (s: string) => parseQuantity(s) !== undefined);
  f(`${Q}.sign(): int`, (q: Quantity) => BigInt(compareQuantity(q.s, '0')));
  f(`${Q}.isInteger(): bool`, (q: Quantity) => isIntegerQuantity(q.s) && Number.isSafeInteger(parseQuantity(q.s)!.value));
  f(`${Q}.asInteger(): int`, (q: Quantity) => {
    const v = parseQuantity(q.s)!.value;
    if (!isIntegerQuantity(q.s) || !Number.isSafeInteger(v)) throw new LibError('cannot convert value to integer');
    return BigInt(v);
  });
  f(`${Q}.asApproximateFloat(): double`, (q: Quantity) => parseQuantity(q.s)!.value);
  f(`${Q}.add(${Q}): ${Q}`, (a: Quantity, b: Quantity) => new Quantity(addQuantities([a.s, b.s])));
  f(`${Q}.add(int): ${Q}`, (a: Quantity, b: bigint) => new Quantity(addQuantities([a.s, String(b)])));
  f(`${Q}.sub(${Q}): ${Q}`, (a: Quantity, b: Quantity) => new Quantity(addQuantities([a.s, negate(b.s)])));
  f(`${Q}.sub(int): ${Q}`, (a: Quantity, b: bigint) => new Quantity(addQuantities([a.s, String(-b)])));
  f(`${Q}.isGreaterThan(${Q}): bool`, (a: Quantity, b: Quantity) => compareQuantity(a.s, b.s) > 0);
  f(`${Q}.isLessThan(${Q}): bool`, (a: Quantity, b: Quantity) => compareQuantity(a.s, b.s) < 0);
  f(`${Q}.compareTo(${Q}): int`, (a: Quantity, b: Quantity) => BigInt(compareQuantity(a.s, b.s)));
  tryRegister(() => env.registerOperator(`${Q} == ${Q}`, (a: Quantity, b: Quantity) => compareQuantity(a.s, b.s) === 0));
}

// --- urls (library/urls.go), Go's url.ParseRequestURI -----------------------------------------

export class KURL {
  readonly #u: URL | undefined;
  readonly #raw: string;
  constructor(raw: string, u: URL | undefined) {
    this.#raw = raw;
    this.#u = u;
  }
  get u(): URL | undefined {
    return this.#u;
  }
  get raw(): string {
    return this.#raw;
  }
}

function parseRequestURI(s: string): KURL | undefined {
  if (s === '' || /[\s\x00-\x1f\x7f]/.test(s)) return undefined;
  if (s.startsWith('/')) return new KURL(s, undefined);
  const m = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(s);
  if (!m) return undefined;
  try {
    return new KURL(s, new URL(s));
  } catch {
    return undefined;
  }
}

function registerURLs(env: Environment): void {
  env.registerType('kubernetes.URL', KURL);
  const f = (sig: string, h: (...a: any[]) => unknown) => tryRegister(() => env.registerFunction(sig, h));
  const U = 'kubernetes.URL';
  f(`url(string): ${U}`, (s: string) => {
    const u = parseRequestURI(s);
    if (!u) throw new LibError(`URL parse error during conversion from string: parse ${JSON.stringify(s)}: invalid URI for request`);
    return u;
  });
  f('isURL(string): bool', (s: string) => parseRequestURI(s) !== undefined);
  f(`${U}.getScheme(): string`, (u: KURL) => (u.u ? u.u.protocol.replace(/:$/, '') : ''));
  f(`${U}.getHost(): string`, (u: KURL) => (u.u ? hostOf(u) : ''));
  f(`${U}.getHostname(): string`, (u: KURL) => (u.u ? u.u.hostname.replace(/^\[(.*)\]$/, '$1') : ''));
  f(`${U}.getPort(): string`, (u: KURL) => (u.u ? portOf(u) : ''));
  f(`${U}.getEscapedPath(): string`, (u: KURL) => (u.u ? u.u.pathname : u.raw.split(/[?#]/)[0]));
  f(`${U}.getQuery(): map<string, list<string>>`, (u: KURL) => {
    const m = new Map<string, string[]>();
    const q = u.u ? u.u.searchParams : new URLSearchParams(u.raw.split('?')[1] ?? '');
    for (const [k, v] of q) m.set(k, [...(m.get(k) ?? []), v]);
    return m;
  });
}

// WHATWG URL drops default ports; Go keeps the port as written.
function authorityOf(u: KURL): string {
  const m = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/([^/?#]*)/.exec(u.raw);
  if (!m) return '';
  const at = m[1].lastIndexOf('@');
  return at >= 0 ? m[1].slice(at + 1) : m[1];
}
function hostOf(u: KURL): string {
  return authorityOf(u);
}
function portOf(u: KURL): string {
  const a = authorityOf(u);
  const m = /:(\d*)$/.exec(a.replace(/^\[[^\]]*\]/, ''));
  return m ? m[1] : '';
}

// --- ip and cidr (library/ip.go, cidr.go), Go's netip ----------------------------------------

export class IP {
  constructor(readonly bytes: Uint8Array) {}
  get v4(): boolean {
    return this.bytes.length === 4;
  }
  toString(): string {
    return ipString(this.bytes);
  }
}
export class CIDR {
  constructor(readonly ip: IP, readonly bits: number) {}
  toString(): string {
    return `${this.ip}/${this.bits}`;
  }
}

function parseIPv4(s: string): Uint8Array | undefined {
  const parts = s.split('.');
  if (parts.length !== 4) return undefined;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const p = parts[i];
    if (!/^\d{1,3}$/.test(p) || (p.length > 1 && p[0] === '0')) return undefined;
    const n = Number(p);
    if (n > 255) return undefined;
    out[i] = n;
  }
  return out;
}

function parseIPv6(s: string): Uint8Array | undefined {
  if (s.includes('%')) return undefined;
  let tail: Uint8Array | undefined;
  const lastColon = s.lastIndexOf(':');
  if (s.slice(lastColon + 1).includes('.')) {
    tail = parseIPv4(s.slice(lastColon + 1));
    if (!tail) return undefined;
    s = s.slice(0, lastColon + 1) + '0:0';
  }
  const dbl = s.split('::');
  if (dbl.length > 2) return undefined;
  const groups = (x: string) => (x === '' ? [] : x.split(':'));
  const head = groups(dbl[0]);
  const rest = dbl.length === 2 ? groups(dbl[1]) : [];
  const total = head.length + rest.length;
  if (dbl.length === 1 ? total !== 8 : total > 7) return undefined;
  const all = [...head, ...Array(8 - total).fill('0'), ...rest];
  const out = new Uint8Array(16);
  for (let i = 0; i < 8; i++) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(all[i])) return undefined;
    const n = parseInt(all[i], 16);
    out[2 * i] = n >> 8;
    out[2 * i + 1] = n & 255;
  }
  if (tail) out.set(tail, 12);
  return out;
}

function ipString(b: Uint8Array): string {
  if (b.length === 4) return b.join('.');
  const g: number[] = [];
  for (let i = 0; i < 16; i += 2) g.push((b[i] << 8) | b[i + 1]);
  // the longest run of zero groups (two or more) becomes '::' (RFC 5952)
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (a: number[]) => a.map((x) => x.toString(16)).join(':');
  if (best < 0) return hex(g);
  return `${hex(g.slice(0, best))}::${hex(g.slice(best + bestLen))}`;
}

function parseIP(raw: string): IP {
  if (raw.includes('%')) throw new LibError(`IP address ${JSON.stringify(raw)} with zone value is not allowed`);
  const b = raw.includes(':') ? parseIPv6(raw) : parseIPv4(raw);
  if (!b) throw new LibError(`IP Address ${JSON.stringify(raw)} parse error during conversion from string: ParseAddr(${JSON.stringify(raw)}): unable to parse IP`);
  if (b.length === 16 && b.slice(0, 10).every((x) => x === 0) && b[10] === 255 && b[11] === 255)
    throw new LibError(`IPv4-mapped IPv6 address ${JSON.stringify(raw)} is not allowed`);
  return new IP(b);
}

function parseCIDR(raw: string): CIDR {
  const slash = raw.lastIndexOf('/');
  const bad = () => new LibError(`network address parse error during conversion from string: netip.ParsePrefix(${JSON.stringify(raw)}): ${slash < 0 ? 'no \'/\'' : 'bad bits'}`);
  if (slash < 0) throw bad();
  let ip: IP;
  try {
    ip = parseIP(raw.slice(0, slash));
  } catch (e) {
    if (/IPv4-mapped/.test((e as Error).message)) throw new LibError(`IPv4-mapped IPv6 address ${JSON.stringify(raw)} is not allowed`);
    throw new LibError(`network address parse error during conversion from string: netip.ParsePrefix(${JSON.stringify(raw)}): ParseAddr(${JSON.stringify(raw.slice(0, slash))}): unable to parse IP`);
  }
  const bitsStr = raw.slice(slash + 1);
  const bits = Number(bitsStr);
  if (!/^\d+$/.test(bitsStr) || (bitsStr.length > 1 && bitsStr[0] === '0') || bits > ip.bytes.length * 8) throw bad();
  return new CIDR(ip, bits);
}

function masked(c: CIDR): Uint8Array {
  const out = new Uint8Array(c.ip.bytes);
  for (let i = 0; i < out.length; i++) {
    const keep = Math.max(0, Math.min(8, c.bits - i * 8));
    out[i] &= keep === 0 ? 0 : (0xff << (8 - keep)) & 0xff;
  }
  return out;
}

function cidrContains(c: CIDR, ip: IP): boolean {
  if (ip.bytes.length !== c.ip.bytes.length) return false;
  const m = masked(c);
  return masked(new CIDR(ip, c.bits)).every((x, i) => x === m[i]);
}

function isCanonicalIP(raw: string): boolean {
  const ip = parseIP(raw);
  return ip.toString() === raw;
}

function registerIP(env: Environment): void {
  env.registerType('net.IP', IP);
  env.registerType('net.CIDR', CIDR);
  const f = (sig: string, h: (...a: any[]) => unknown) => tryRegister(() => env.registerFunction(sig, h));
  f('ip(string): net.IP', (s: string) => parseIP(s));
  f('isIP(string): bool', (s: string) => {
    try {
      parseIP(s);
      return true;
    } catch {
      return false;
    }
  });
  // `ip.isCanonical(s)`: a global function whose name has a dot, called like a member of `ip`
  f('string(net.IP): string', (ip: IP) => ip.toString());
  f('net.IP.family(): int', (ip: IP) => (ip.v4 ? 4n : 6n));
  f('net.IP.isUnspecified(): bool', (ip: IP) => ip.bytes.every((x) => x === 0));
  f('net.IP.isLoopback(): bool', (ip: IP) => (ip.v4 ? ip.bytes[0] === 127 : ip.bytes.slice(0, 15).every((x) => x === 0) && ip.bytes[15] === 1));
  f('net.IP.isLinkLocalMulticast(): bool', (ip: IP) =>
    ip.v4 ? ip.bytes[0] === 224 && ip.bytes[1] === 0 && ip.bytes[2] === 0 : ip.bytes[0] === 0xff && (ip.bytes[1] & 0x0f) === 0x02,
  );
  f('net.IP.isLinkLocalUnicast(): bool', (ip: IP) => (ip.v4 ? ip.bytes[0] === 169 && ip.bytes[1] === 254 : ip.bytes[0] === 0xfe && (ip.bytes[1] & 0xc0) === 0x80));
  f('net.IP.isGlobalUnicast(): bool', (ip: IP) => {
    const b = ip.bytes;
    if (ip.v4) {
      if (b.every((x) => x === 255)) return false;
      return !(b.every((x) => x === 0) || b[0] === 127 || (b[0] === 169 && b[1] === 254) || b[0] >= 224);
    }
    return !(b.every((x) => x === 0) || (b.slice(0, 15).every((x) => x === 0) && b[15] === 1) || b[0] === 0xff || (b[0] === 0xfe && (b[1] & 0xc0) === 0x80));
  });
  tryRegister(() => env.registerOperator('net.IP == net.IP', (a: IP, b: IP) => a.toString() === b.toString()));
  f('cidr(string): net.CIDR', (s: string) => parseCIDR(s));
  f('isCIDR(string): bool', (s: string) => {
    try {
      parseCIDR(s);
      return true;
    } catch {
      return false;
    }
  });
  f('string(net.CIDR): string', (c: CIDR) => c.toString());
  f('net.CIDR.containsIP(net.IP): bool', (c: CIDR, ip: IP) => cidrContains(c, ip));
  f('net.CIDR.containsIP(string): bool', (c: CIDR, s: string) => cidrContains(c, parseIP(s)));
  f('net.CIDR.containsCIDR(net.CIDR): bool', (c: CIDR, o: CIDR) => o.bits >= c.bits && cidrContains(c, o.ip));
  f('net.CIDR.containsCIDR(string): bool', (c: CIDR, s: string) => {
    const o = parseCIDR(s);
    return o.bits >= c.bits && cidrContains(c, o.ip);
  });
  f('net.CIDR.ip(): net.IP', (c: CIDR) => c.ip);
  f('net.CIDR.masked(): net.CIDR', (c: CIDR) => new CIDR(new IP(masked(c)), c.bits));
  f('net.CIDR.prefixLength(): int', (c: CIDR) => BigInt(c.bits));
  tryRegister(() => env.registerOperator('net.CIDR == net.CIDR', (a: CIDR, b: CIDR) => a.toString() === b.toString()));
  // ip.isCanonical(string): `ip` is a namespace there; cel-js resolves it as a value, so a
  // constant of a namespace type carries the member function.
  env.registerType('ip.namespace', IPNamespace);
  env.registerConstant('ip', 'ip.namespace', new IPNamespace());
  f('ip.namespace.isCanonical(string): bool', (_: unknown, s: string) => isCanonicalIP(s));
}
class IPNamespace {}

// --- format (library/format.go) ---------------------------------------------------------------

export class NamedFormat {
  constructor(
    readonly name: string,
    readonly check: (s: string) => string[],
  ) {}
}
class FormatNamespace {}

const UUID_RE = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const prefix = (fn: (s: string) => string[]) => (s: string) => fn(s.endsWith('-') ? s.slice(0, -1) + 'a' : s);
const FORMATS: Record<string, (s: string) => string[]> = {
  dns1123Label: isDNS1123Label,
  dns1123Subdomain: isDNS1123Subdomain,
  dns1035Label: isDNS1035Label,
  qualifiedName: isQualifiedName,
  dns1123LabelPrefix: prefix(isDNS1123Label),
  dns1123SubdomainPrefix: prefix(isDNS1123Subdomain),
  dns1035LabelPrefix: prefix(isDNS1035Label),
  labelValue: isValidLabelValue,
  uri: (s) => (parseRequestURI(s) ? [] : ['invalid URI']),
  uuid: (s) => (UUID_RE.test(s) ? [] : ['does not match the UUID format']),
  byte: (s) => (/^[A-Za-z0-9+/]*={0,2}$/.test(s) && s.length % 4 === 0 ? [] : ['invalid base64']),
  date: (s) => (/^\d{4}-\d{2}-\d{2}$/.test(s) && !Number.isNaN(Date.parse(s)) ? [] : ['invalid date']),
  datetime: (s) => (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(s) && !Number.isNaN(Date.parse(s)) ? [] : ['invalid datetime']),
};

function registerFormat(env: Environment): void {
  env.registerType('kubernetes.NamedFormat', NamedFormat);
  env.registerType('format.namespace', FormatNamespace);
  env.registerConstant('format', 'format.namespace', new FormatNamespace());
  const f = (sig: string, h: (...a: any[]) => unknown) => tryRegister(() => env.registerFunction(sig, h));
  for (const [name, fn] of Object.entries(FORMATS)) {
    const nf = new NamedFormat(name, fn);
    f(`format.namespace.${name}(): kubernetes.NamedFormat`, () => nf);
  }
  f('format.namespace.named(string): optional<kubernetes.NamedFormat>', (_: unknown, name: string) => {
    const fn = FORMATS[name];
    return fn ? optionalOf(new NamedFormat(name, fn)) : optionalNone();
  });
  f('kubernetes.NamedFormat.validate(string): optional<list<string>>', (nf: NamedFormat, s: string) => {
    const errs = nf.check(s);
    return errs.length ? optionalOf(errs) : optionalNone();
  });
}

const optionalOf = (v: unknown) => Optional.of(v);
const optionalNone = () => Optional.none();

// --- semver (library/semverlib.go) ------------------------------------------------------------

export class Semver {
  constructor(
    readonly major: bigint,
    readonly minor: bigint,
    readonly patch: bigint,
    readonly pre: string[],
  ) {}
  compare(o: Semver): number {
    for (const k of ['major', 'minor', 'patch'] as const) if (this[k] !== o[k]) return this[k] < o[k] ? -1 : 1;
    if (!this.pre.length || !o.pre.length) return this.pre.length ? -1 : o.pre.length ? 1 : 0;
    for (let i = 0; i < Math.max(this.pre.length, o.pre.length); i++) {
      const a = this.pre[i];
      const b = o.pre[i];
      if (a === undefined) return -1;
      if (b === undefined) return 1;
      const na = /^\d+$/.test(a);
      const nb = /^\d+$/.test(b);
      if (na && nb) {
        if (BigInt(a) !== BigInt(b)) return BigInt(a) < BigInt(b) ? -1 : 1;
      } else if (na !== nb) return na ? -1 : 1;
      else if (a !== b) return a < b ? -1 : 1;
    }
    return 0;
  }
}

const SEMVER_RE = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$/;

function parseSemver(s: string, normalize: boolean): Semver {
  let v = s;
  if (normalize) {
    v = v.replace(/^v/, '');
    const m = /^(\d+)(?:\.(\d+))?(?:\.(\d+))?(.*)$/.exec(v);
    if (m) {
      if ((m[2] === undefined || m[3] === undefined) && m[4]) throw new LibError('short version cannot contain PreRelease/Build meta data');
      v = `${BigInt(m[1])}.${BigInt(m[2] ?? 0)}.${BigInt(m[3] ?? 0)}${m[4]}`;
    }
  }
  const m = SEMVER_RE.exec(v);
  if (!m) throw new LibError(`No Major.Minor.Patch elements found`);
  return new Semver(BigInt(m[1]), BigInt(m[2]), BigInt(m[3]), m[4] ? m[4].split('.') : []);
}

function registerSemver(env: Environment): void {
  env.registerType('kubernetes.Semver', Semver);
  const f = (sig: string, h: (...a: any[]) => unknown) => tryRegister(() => env.registerFunction(sig, h));
  const S = 'kubernetes.Semver';
  f(`semver(string): ${S}`, (s: string) => parseSemver(s, false));
  f(`semver(string, bool): ${S}`, (s: string, n: boolean) => parseSemver(s, n));
  const ok = (s: string, n: boolean) => {
    try {
      parseSemver(s, n);
      return true;
    } catch {
      return false;
    }
  };
  f('isSemver(string): bool', (s: string) => ok(s, false));
  f('isSemver(string, bool): bool', (s: string, n: boolean) => ok(s, n));
  f(`${S}.major(): int`, (v: Semver) => v.major);
  f(`${S}.minor(): int`, (v: Semver) => v.minor);
  f(`${S}.patch(): int`, (v: Semver) => v.patch);
  f(`${S}.isGreaterThan(${S}): bool`, (a: Semver, b: Semver) => a.compare(b) > 0);
  f(`${S}.isLessThan(${S}): bool`, (a: Semver, b: Semver) => a.compare(b) < 0);
  f(`${S}.compareTo(${S}): int`, (a: Semver, b: Semver) => BigInt(a.compare(b)));
  tryRegister(() => env.registerOperator(`${S} == ${S}`, (a: Semver, b: Semver) => a.compare(b) === 0));
}

// --- cel-go ext/lists.go (version 3) -------------------------------------------------------------

class ListsNamespace {}

function sameValue(a: any, b: any): boolean {
  if (a === b) return true;
  if (a instanceof Quantity && b instanceof Quantity) return compareQuantity(a.s, b.s) === 0;
  if (a instanceof Uint8Array && b instanceof Uint8Array) return a.length === b.length && a.every((x, i) => x === b[i]);
  if (a instanceof Date && b instanceof Date) return a.getTime() === b.getTime();
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => sameValue(x, b[i]));
  if (typeof a === 'bigint' && typeof b === 'number') return Number(a) === b;
  if (typeof b === 'bigint' && typeof a === 'number') return Number(b) === a;
  return false;
}

function registerExtLists(env: Environment): void {
  const f = (sig: string, h: (...a: any[]) => unknown) => tryRegister(() => env.registerFunction(sig, h));
  f('list<A>.slice(int, int): list<A>', (l: any[], a: bigint, b: bigint) => {
    if (a < 0n || b < 0n) throw new LibError(`cannot slice(${a}, ${b}), negative indexes not supported`);
    if (a > b) throw new LibError(`cannot slice(${a}, ${b}), start index must be less than or equal to end index`);
    if (BigInt(l.length) < b) throw new LibError(`cannot slice(${a}, ${b}), list is length ${l.length}`);
    return l.slice(Number(a), Number(b));
  });
  f('list<A>.distinct(): list<A>', (l: any[]) => {
    const out: any[] = [];
    for (const x of l) if (!out.some((y) => sameValue(x, y))) out.push(x);
    return out;
  });
  f('list<A>.reverse(): list<A>', (l: any[]) => [...l].reverse());
  f('list<A>.first(): optional<A>', (l: any[]) => (l.length ? Optional.of(l[0]) : Optional.none()));
  f('list<A>.last(): optional<A>', (l: any[]) => (l.length ? Optional.of(l[l.length - 1]) : Optional.none()));
  f('list<list<A>>.flatten(): list<A>', (l: any[][]) => l.flat(1));
  for (const t of COMPARABLE) f(`list<${t}>.sort(): list<${t}>`, (l: any[]) => [...l].sort(compare));
  env.registerType('lists.namespace', ListsNamespace);
  env.registerConstant('lists', 'lists.namespace', new ListsNamespace());
  f('lists.namespace.range(int): list<int>', (_: unknown, n: bigint) => {
    const out: bigint[] = [];
    for (let i = 0n; i < n && i < 1_000_000n; i++) out.push(i);
    return out;
  });
}

// --- cel-go ext/comprehensions.go: two-variable comprehensions ---------------------------------

interface TwoVarMacro {
  kind: 'all' | 'exists' | 'existsOne' | 'transformList' | 'transformMap';
  receiver: any;
  k: string;
  v: string;
  filter?: any;
  expr: any;
  ctx1?: any;
  ctx2?: any;
  ast: any;
}

function identName(node: any): string {
  if (node?.op === 'id' && typeof node.args === 'string') return node.args;
  throw new LibError('argument must be a simple name');
}

function twoVarTypeCheck(checker: any, m: TwoVarMacro, ctx: any): any {
  const rt = checker.check(m.receiver, ctx);
  let kt = checker.getType('dyn');
  let vt = checker.getType('dyn');
  if (rt?.kind === 'list') {
    kt = checker.getType('int');
    vt = rt.valueType;
  } else if (rt?.kind === 'map') {
    kt = rt.keyType;
    vt = rt.valueType;
  } else if (rt?.kind !== 'dyn') {
    throw checker.createError('invalid_macro_argument', `expression of type '${rt}' cannot be range of a comprehension (must be list, map, or dynamic)`, m.receiver);
  }
  m.ctx1 = ctx.forkWithVariable(m.k, kt);
  m.ctx2 = m.ctx1.forkWithVariable(m.v, vt);
  if (m.filter) {
    const ft = checker.check(m.filter, m.ctx2);
    if (ft?.kind !== 'dyn' && ft?.name !== 'bool') throw checker.createError('invalid_macro_argument', `${m.kind}() filter must return bool, got '${ft}'`, m.filter);
  }
  const et = checker.check(m.expr, m.ctx2);
  if (m.kind === 'transformList') return checker.getType('list<dyn>');
  if (m.kind === 'transformMap') return rt?.kind === 'map' ? checker.getType(`map<${rt.keyType}, dyn>`) : checker.getType('map<dyn, dyn>');
  if (et?.kind !== 'dyn' && et?.name !== 'bool') throw checker.createError('invalid_macro_argument', `${m.kind}() predicate must return bool, got '${et}'`, m.expr);
  return checker.getType('bool');
}

function twoVarEvaluate(ev: any, m: TwoVarMacro, ctx: any): unknown {
  const coll = ev.run(m.receiver, ctx);
  const pairs: [unknown, unknown][] = [];
  if (Array.isArray(coll)) coll.forEach((x, i) => pairs.push([BigInt(i), x]));
  else if (coll instanceof Map) for (const [k, x] of coll) pairs.push([k, x]);
  else if (coll && typeof coll === 'object') for (const k of Object.keys(coll)) pairs.push([k, (coll as any)[k]]);
  else throw new LibError('no such overload');
  let count = 0;
  const list: unknown[] = [];
  const map = new Map<unknown, unknown>();
  for (const [k, x] of pairs) {
    const c1 = m.ctx1.reuse(ctx).setIterValue(k, ev);
    const c2 = m.ctx2.reuse(c1).setIterValue(x, ev);
    if (m.filter && ev.run(m.filter, c2) !== true) continue;
    const r = ev.run(m.expr, c2);
    switch (m.kind) {
      case 'all':
        if (r === false) return false;
        break;
      case 'exists':
        if (r === true) return true;
        break;
      case 'existsOne':
        if (r === true) count++;
        break;
      case 'transformList':
        list.push(r);
        break;
      case 'transformMap':
        map.set(k, r);
        break;
    }
  }
  switch (m.kind) {
    case 'all':
      return true;
    case 'exists':
      return false;
    case 'existsOne':
      return count === 1;
    case 'transformList':
      return list;
    default:
      return map;
  }
}

function registerTwoVarComprehensions(env: Environment): void {
  const macro = (sig: string, kind: TwoVarMacro['kind'], withFilter: boolean) =>
    tryRegister(() =>
      env.registerFunction(sig, (({ ast, args, receiver }: any) => {
        const m: TwoVarMacro = { kind, receiver, k: identName(args[0]), v: identName(args[1]), filter: withFilter ? args[2] : undefined, expr: withFilter ? args[3] : args[2], ast };
        return { ...m, async: false, typeCheck: twoVarTypeCheck, evaluate: twoVarEvaluate };
      }) as any),
    );
  for (const recv of ['list', 'map']) {
    macro(`${recv}.all(ast, ast, ast): bool`, 'all', false);
    macro(`${recv}.exists(ast, ast, ast): bool`, 'exists', false);
    macro(`${recv}.existsOne(ast, ast, ast): bool`, 'existsOne', false);
    macro(`${recv}.exists_one(ast, ast, ast): bool`, 'existsOne', false);
    macro(`${recv}.transformList(ast, ast, ast): list<dyn>`, 'transformList', false);
    macro(`${recv}.transformList(ast, ast, ast, ast): list<dyn>`, 'transformList', true);
    macro(`${recv}.transformMap(ast, ast, ast): map<dyn, dyn>`, 'transformMap', false);
    macro(`${recv}.transformMap(ast, ast, ast, ast): map<dyn, dyn>`, 'transformMap', true);
  }
}

// --- has() over any operand ---------------------------------------------------------------------
// cel-js's has() takes only a chain of field selections from a variable (has(a.b.c)); cel-go takes
// any operand (has(self.items[0].name)). Rules whose has() cel-js refuses are compiled again with
// those calls renamed to this macro (rewriteHas): same length, so error positions stay.

export const HAS_MACRO = '_hs';

function registerHas(env: Environment): void {
  tryRegister(() =>
    env.registerFunction(`${HAS_MACRO}(ast): bool`, (({ args }: any) => ({
      args,
      async: false,
      typeCheck(checker: any, m: any, ctx: any) {
        const sel = m.args[0];
        if (sel?.op !== '.') throw checker.createError('invalid_macro_argument', 'invalid argument to has() macro', sel);
        const t = checker.check(sel.args[0], ctx);
        const fields = t?.kind === 'message' ? checker.registry?.objectTypes?.get(t.name)?.fields : undefined;
        if (fields && !(sel.args[1] in fields)) throw checker.createError('no_such_key', `No such key: ${sel.args[1]}`, sel);
        if (t && t.kind !== 'message' && t.kind !== 'map' && t.kind !== 'dyn')
          throw checker.createError('no_such_overload', `found no matching overload for 'has(${t})'`, sel);
        return checker.getType('bool');
      },
      evaluate(ev: any, m: any, ctx: any) {
        const sel = m.args[0];
        const obj = ev.run(sel.args[0], ctx);
        const f = sel.args[1];
        if (obj instanceof Map) return obj.get(f) !== undefined;
        if (obj && typeof obj === 'object' && !Array.isArray(obj)) return Object.prototype.hasOwnProperty.call(obj, f) && obj[f] !== undefined;
        throw new LibError('no such overload');
      },
    })) as any),
  );
}

/** `has(` calls (outside string literals) renamed to the has() macro above. */
export function rewriteHas(src: string): string {
  let out = '';
  for (let i = 0; i < src.length; ) {
    const c = src[i];
    if (c === '"' || c === "'") {
      const raw = i > 0 && (src[i - 1] === 'r' || src[i - 1] === 'R') && !/[\w]/.test(src[i - 2] ?? '');
      const q = src.startsWith(c.repeat(3), i) ? c.repeat(3) : c;
      let j = i + q.length;
      while (j < src.length && !src.startsWith(q, j)) j += !raw && src[j] === '\\' ? 2 : 1;
      j = Math.min(src.length, j + q.length);
      out += src.slice(i, j);
      i = j;
      continue;
    }
    if (src.startsWith('has', i) && !/[\w.]/.test(src[i - 1] ?? '') && /^has\s*\(/.test(src.slice(i, i + 20))) {
      out += HAS_MACRO;
      i += 3;
      continue;
    }
    out += c;
    i++;
  }
  return out;
}

/** Everything the CRD validation environment adds to cel-js's standard library. */
export function registerLibrary(env: Environment): void {
  registerQuantity(env);
  registerSemver(env);
  registerStrings(env);
  registerLists(env);
  registerHas(env);
  // cel-go compares an optional with null (always unequal: types/optional.go Equal)
  tryRegister(() => env.registerOperator('optional<dyn> == null', () => false));
  registerExtLists(env);
  registerTwoVarComprehensions(env);
  registerSets(env);
  registerRegex(env);
  registerURLs(env);
  registerIP(env);
  registerFormat(env);
}
