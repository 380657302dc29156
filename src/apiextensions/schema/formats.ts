// The string formats CRD schemas validate: kube-openapi pkg/validation/strfmt (default.go, time.go, date.go,
// duration.go, bson.go, kubernetes-extensions.go, internal/third_party/govalidator) and the set
// pkg/apiserver/validation/formats.go supports (others are stripped and not checked).
import { isIPv6 } from 'node:net';
import { ipFamily } from '../../resources/ip.js';

const rxHostname =
  /^([a-zA-Z0-9\p{S}\p{L}]((-?[a-zA-Z0-9\p{S}\p{L}]{0,62})?)|([a-zA-Z0-9\p{S}\p{L}](([a-zA-Z0-9\-\p{S}\p{L}]{0,61}[a-zA-Z0-9\p{S}\p{L}])?)(\.)){1,}([a-zA-Z\p{L}]){2,63})$/u;
const rxUUID = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;
const rxUUID3 = /^[0-9a-f]{8}-?[0-9a-f]{4}-?3[0-9a-f]{3}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;
const rxUUID4 = /^[0-9a-f]{8}-?[0-9a-f]{4}-?4[0-9a-f]{3}-?[89ab][0-9a-f]{3}-?[0-9a-f]{12}$/i;
const rxUUID5 = /^[0-9a-f]{8}-?[0-9a-f]{4}-?5[0-9a-f]{3}-?[89ab][0-9a-f]{3}-?[0-9a-f]{12}$/i;
const rxCreditCard = /^(?:4[0-9]{12}(?:[0-9]{3})?|5[1-5][0-9]{14}|6(?:011|5[0-9][0-9])[0-9]{12}|3[47][0-9]{13}|3(?:0[0-5]|[68][0-9])[0-9]{11}|(?:2131|1800|35\d{3})\d{11})$/;
const rxISBN10 = /^(?:[0-9]{9}X|[0-9]{10})$/;
const rxISBN13 = /^(?:[0-9]{13})$/;
const rxHexcolor = /^#?([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$/;
const rxRGBcolor = /^rgb\(\s*(0|[1-9]\d?|1\d\d?|2[0-4]\d|25[0-5])\s*,\s*(0|[1-9]\d?|1\d\d?|2[0-4]\d|25[0-5])\s*,\s*(0|[1-9]\d?|1\d\d?|2[0-4]\d|25[0-5])\s*\)$/;
const rxBase64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=|[A-Za-z0-9+/]{4})$/;
const rxSSN = /^\d{3}[- ]?\d{2}[- ]?\d{4}$/;
const rxDateTime = /^([0-9]{2}):([0-9]{2}):([0-9]{2})(.[0-9]+)?(z|([+-][0-9]{2}:[0-9]{2}))$/u;
const rxShortName = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const rxLongName = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const rxGoDuration = /^[-+]?(?:(?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|µs|μs|ms|s|m|h))+$/u;
const rxDurationPart = /(\d+)\s*([A-Za-zµ]+)/gu;

function isHostname(s: string): boolean {
  if (!rxHostname.test(s) || Buffer.byteLength(s) > 255) return false;
  return s.split('.').every((p) => Buffer.byteLength(p) <= 63);
}

// time.Parse("2006-01-02", s): four-digit year, two-digit month and day, the day within the month
export function isDate(s: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (!m) return false;
  const y = Number(m[1]);
  const mo = Number(m[2]);
  const d = Number(m[3]);
  if (mo < 1 || mo > 12 || d < 1) return false;
  const days = [31, y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][mo - 1];
  return d <= days;
}

function isDateTime(s: string): boolean {
  if (s.length < 4) return false;
  const parts = s.toLowerCase().split('t');
  if (parts.length < 2 || !isDate(parts[0])) return false;
  const m = rxDateTime.exec(parts[1]);
  if (!m) return false;
  return m[1] <= '23' && m[2] <= '59' && m[3] <= '59';
}

const UNITS: string[][] = [['ns', 'nano'], ['us', 'µs', 'micro'], ['ms', 'milli'], ['s', 'sec'], ['m', 'min'], ['h', 'hr', 'hour'], ['d', 'day'], ['w', 'wk', 'week']];

// strfmt.ParseDuration: Go's time.ParseDuration, else any "<digits> <unit>" with a known unit name
function isDuration(s: string): boolean {
  if (s === '0' || rxGoDuration.test(s)) return true;
  for (const m of s.matchAll(rxDurationPart)) {
    const unit = m[2].toLowerCase().trim();
    for (const variants of UNITS) {
      const last = variants.length - 1;
      for (let i = 0; i < variants.length; i++) {
        if ((i === last && unit.startsWith(variants[i])) || variants[i].toLowerCase() === unit) return true;
      }
    }
  }
  return false;
}

// net.ParseMAC: 6, 8 or 20 octets as xx:xx.., xx-xx.. or xxxx.xxxx..
function isMAC(s: string): boolean {
  if (s.length < 14) return false;
  if (s[2] === ':' || s[2] === '-') {
    if ((s.length + 1) % 3 !== 0) return false;
    const n = (s.length + 1) / 3;
    if (n !== 6 && n !== 8 && n !== 20) return false;
    const sep = s[2];
    for (let i = 0; i < n; i++) {
      const o = s.slice(3 * i, 3 * i + 2);
      if (!/^[0-9A-Fa-f]{2}$/.test(o)) return false;
      if (i < n - 1 && s[3 * i + 2] !== sep) return false;
    }
    return true;
  }
  if (s[4] === '.') {
    if ((s.length + 1) % 5 !== 0) return false;
    const n = (2 * (s.length + 1)) / 5;
    if (n !== 6 && n !== 8 && n !== 20) return false;
    for (let i = 0; i < n / 2; i++) {
      if (!/^[0-9A-Fa-f]{4}$/.test(s.slice(5 * i, 5 * i + 4))) return false;
      if (i < n / 2 - 1 && s[5 * i + 4] !== '.') return false;
    }
    return true;
  }
  return false;
}

// net/mail.ParseAddress, simplified: an addr-spec, optionally as `Name <addr-spec>`
const ATEXT = "[A-Za-z0-9!#$%&'*+\\-/=?^_`{|}~\\u0080-\\u{10FFFF}]";
const DOT_ATOM = `${ATEXT}+(?:\\.${ATEXT}+)*`;
const QUOTED = '"(?:[^"\\\\\\r\\n]|\\\\.)*"';
const rxAddrSpec = new RegExp(`^(?:${DOT_ATOM}|${QUOTED})@(?:${DOT_ATOM}|\\[[^\\[\\]\\\\]*\\])$`, 'u');
function isEmail(s: string): boolean {
  let t = s.trim();
  const m = /^(.*)<([^<>]*)>$/su.exec(t);
  if (m) t = m[2];
  return rxAddrSpec.test(t);
}

// net/url.ParseRequestURI: an absolute URI (opaque, or with an authority) or an absolute path; no control
// characters, valid %-escapes in the path, a host without spaces or quotes and a numeric port
const BAD_ESCAPE = /%(?![0-9A-Fa-f]{2})/;
function isRequestURI(s: string): boolean {
  if (s === '' || /[\x00-\x1f\x7f]/.test(s)) return false;
  if (s === '*') return true;
  let rest = s;
  const m = /^([A-Za-z][A-Za-z0-9+.\-]*):/.exec(s);
  if (m) rest = s.slice(m[0].length);
  else if (s.startsWith(':')) return false;
  const q = rest.indexOf('?');
  if (q >= 0) rest = rest.slice(0, q);
  if (!rest.startsWith('/')) return !!m;
  if (m && rest.startsWith('//')) {
    const afterSlashes = rest.slice(2);
    const end = afterSlashes.indexOf('/');
    const auth = end < 0 ? afterSlashes : afterSlashes.slice(0, end);
    rest = end < 0 ? '' : afterSlashes.slice(end);
    const host = auth.includes('@') ? auth.slice(auth.lastIndexOf('@') + 1) : auth;
    if (host.startsWith('[')) {
      if (!/^\[[0-9A-Fa-f:.]+(%[^\]]*)?\](:\d*)?$/.test(host)) return false;
    } else {
      if (/[\s"<>\\^`{|}]/.test(host) || BAD_ESCAPE.test(host)) return false;
      const colon = host.lastIndexOf(':');
      if (colon >= 0 && !/^\d*$/.test(host.slice(colon + 1))) return false;
    }
  }
  return !BAD_ESCAPE.test(rest);
}

function isCIDR(s: string): boolean {
  const i = s.indexOf('/');
  if (i < 0) return false;
  const ip = s.slice(0, i);
  const bits = s.slice(i + 1);
  if (!/^\d{1,3}$/.test(bits)) return false;
  const fam = ipFamily(ip);
  if (fam === 0) return false;
  const max = ip.includes(':') ? 128 : 32;
  return Number(bits) <= max;
}

function isCreditCard(s: string): boolean {
  const d = s.replace(/[^0-9]+/g, '');
  if (!rxCreditCard.test(d)) return false;
  let sum = 0;
  let dbl = false;
  for (let i = d.length - 1; i >= 0; i--) {
    let t = d.charCodeAt(i) - 48;
    if (dbl) {
      t *= 2;
      sum += t >= 10 ? (t % 10) + 1 : t;
    } else sum += t;
    dbl = !dbl;
  }
  return sum % 10 === 0;
}

function isISBN(s: string, version: 10 | 13): boolean {
  const d = s.replace(/[\s-]+/g, '');
  if (version === 10) {
    if (!rxISBN10.test(d)) return false;
    let sum = 0;
    for (let i = 0; i < 9; i++) sum += (i + 1) * (d.charCodeAt(i) - 48);
    sum += d[9] === 'X' ? 100 : 10 * (d.charCodeAt(9) - 48);
    return sum % 11 === 0;
  }
  if (!rxISBN13.test(d)) return false;
  let sum = 0;
  for (let i = 0; i < 12; i++) sum += (i % 2 ? 3 : 1) * (d.charCodeAt(i) - 48);
  return d.charCodeAt(12) - 48 - ((10 - (sum % 10)) % 10) === 0;
}

/** The registry (names normalized without dashes, as strfmt.DefaultNameNormalizer does). */
const REGISTRY: Record<string, (s: string) => boolean> = {
  bsonobjectid: (s) => /^[0-9a-fA-F]{24}$/.test(s),
  uri: isRequestURI,
  email: isEmail,
  hostname: isHostname,
  ipv4: (s) => ipFamily(s) !== 0 && s.includes('.'),
  ipv6: (s) => !s.includes('%') && isIPv6(s) && s.includes(':'),
  cidr: isCIDR,
  mac: isMAC,
  uuid: (s) => rxUUID.test(s),
  uuid3: (s) => rxUUID3.test(s),
  uuid4: (s) => rxUUID4.test(s),
  uuid5: (s) => rxUUID5.test(s),
  isbn: (s) => isISBN(s, 10) || isISBN(s, 13),
  isbn10: (s) => isISBN(s, 10),
  isbn13: (s) => isISBN(s, 13),
  creditcard: isCreditCard,
  ssn: (s) => s.length === 11 && rxSSN.test(s),
  hexcolor: (s) => rxHexcolor.test(s),
  rgbcolor: (s) => rxRGBcolor.test(s),
  byte: (s) => rxBase64.test(s),
  password: () => true,
  date: isDate,
  datetime: isDateTime,
  duration: isDuration,
  k8sshortname: (s) => s.length <= 63 && rxShortName.test(s),
  k8slongname: (s) => s.length <= 253 && rxLongName.test(s),
};

export function normalizeFormat(name: string): string {
  return name.replace(/-/g, '');
}

/** The format's checker, or undefined when the registry does not know it. */
export function formatChecker(name: string): ((s: string) => boolean) | undefined {
  const n = normalizeFormat(name);
  return Object.prototype.hasOwnProperty.call(REGISTRY, n) ? REGISTRY[n] : undefined;
}

/** StripUnsupportedFormatsPostProcessorForVersion: the format a CRD schema node keeps for validation ('' when stripped). */
export function supportedFormat(format: string, types: string[]): string {
  if (!format) return '';
  const t = types.length === 1 ? types[0] : '';
  switch (t) {
    case '':
    case 'string':
      return formatChecker(format) ? format : '';
    case 'integer':
      return format === 'int32' || format === 'int64' ? format : '';
    case 'number':
      return format === 'float' || format === 'double' ? format : '';
    default:
      return '';
  }
}
