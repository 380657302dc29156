// Request body checks the decoders share: Go encoding/json's syntax errors, worded as Go words them,
// and its nesting limit. Both run without recursion, so no body can exhaust the stack here.

/** Go encoding/json refuses nesting past this (sigs.k8s.io/json internal/golang/encoding/json/scanner.go maxNestingDepth). */
export const MAX_NESTING_DEPTH = 10_000;

// scanner states (one per Go state function of scanner.go)
const enum S {
  BeginValue,
  BeginValueOrEmpty,
  BeginStringOrEmpty,
  BeginString,
  EndValue,
  EndTop,
  InString,
  InStringEsc,
  EscU,
  EscU1,
  EscU2,
  EscU3,
  Neg,
  Int1,
  Zero,
  Dot,
  Dot0,
  E,
  ESign,
  E0,
  T,
  Tr,
  Tru,
  F,
  Fa,
  Fal,
  Fals,
  N,
  Nu,
  Nul,
}

const OBJ_KEY = 0;
const OBJ_VALUE = 1;
const ARR_VALUE = 2;

const isSpace = (c: number) => c === 0x20 || c === 0x09 || c === 0x0d || c === 0x0a;
const isHex = (c: number) => (c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46);
const isDigit = (c: number) => c >= 0x30 && c <= 0x39;

/** Go's quoteChar: a byte as a quoted character literal ('x', '\n', '\x00', '\u0080', 'é'). */
function quoteChar(c: number): string {
  if (c === 0x27) return `'\\''`;
  if (c === 0x22) return `'"'`;
  // strconv.Quote(string(rune(c)))
  switch (c) {
    case 0x07:
      return `'\\a'`;
    case 0x08:
      return `'\\b'`;
    case 0x0c:
      return `'\\f'`;
    case 0x0a:
      return `'\\n'`;
    case 0x0d:
      return `'\\r'`;
    case 0x09:
      return `'\\t'`;
    case 0x0b:
      return `'\\v'`;
    case 0x5c:
      return `'\\\\'`;
  }
  if (c < 0x20 || c === 0x7f) return `'\\x${c.toString(16).padStart(2, '0')}'`;
  if (c >= 0x80 && c < 0xa0) return `'\\u${c.toString(16).padStart(4, '0')}'`;
  if (c === 0xa0 || c === 0xad) return `'\\u00${c.toString(16)}'`; // no-break space, soft hyphen: not printable for strconv
  return `'${String.fromCharCode(c)}'`;
}

/**
 * Validates JSON as Go's encoding/json scanner does (checkValid) and returns its error message
 * (`invalid character 'x' looking for beginning of value`, `unexpected end of JSON input`,
 * `invalid character '{' exceeded max depth`), or undefined when the text is valid JSON.
 * Runs on the UTF-8 bytes, as Go does.
 */
export function goJSONSyntaxError(input: Buffer | string): string | undefined {
  const b = typeof input === 'string' ? Buffer.from(input, 'utf8') : input;
  const stack: number[] = [];
  let s: S = S.BeginValue;
  let endTop = false;
  const err = (c: number, context: string) => `invalid character ${quoteChar(c)} ${context}`;
  const push = (c: number, p: number): string | undefined => {
    stack.push(p);
    return stack.length > MAX_NESTING_DEPTH ? err(c, 'exceeded max depth') : undefined;
  };
  // one byte through the state machine; returns an error message or undefined
  const step = (c: number): string | undefined => {
    for (;;) {
      switch (s) {
        case S.BeginValueOrEmpty:
          if (isSpace(c)) return;
          if (c === 0x5d) {
            s = S.EndValue;
            continue;
          }
          s = S.BeginValue;
          continue;
        case S.BeginValue:
          if (isSpace(c)) return;
          switch (c) {
            case 0x7b:
              s = S.BeginStringOrEmpty;
              return push(c, OBJ_KEY);
            case 0x5b:
              s = S.BeginValueOrEmpty;
              return push(c, ARR_VALUE);
            case 0x22:
              s = S.InString;
              return;
            case 0x2d:
              s = S.Neg;
              return;
            case 0x30:
              s = S.Zero;
              return;
            case 0x74:
              s = S.T;
              return;
            case 0x66:
              s = S.F;
              return;
            case 0x6e:
              s = S.N;
              return;
          }
          if (c >= 0x31 && c <= 0x39) {
            s = S.Int1;
            return;
          }
          return err(c, 'looking for beginning of value');
        case S.BeginStringOrEmpty:
          if (isSpace(c)) return;
          if (c === 0x7d) {
            stack[stack.length - 1] = OBJ_VALUE;
            s = S.EndValue;
            continue;
          }
          s = S.BeginString;
          continue;
        case S.BeginString:
          if (isSpace(c)) return;
          if (c === 0x22) {
            s = S.InString;
            return;
          }
          return err(c, 'looking for beginning of object key string');
        case S.EndValue: {
          const n = stack.length;
          if (n === 0) {
            s = S.EndTop;
            endTop = true;
            continue;
          }
          if (isSpace(c)) return;
          const ps = stack[n - 1];
          if (ps === OBJ_KEY) {
            if (c === 0x3a) {
              stack[n - 1] = OBJ_VALUE;
              s = S.BeginValue;
              return;
            }
            return err(c, 'after object key');
          }
          if (ps === OBJ_VALUE) {
            if (c === 0x2c) {
              stack[n - 1] = OBJ_KEY;
              s = S.BeginString;
              return;
            }
            if (c === 0x7d) return pop();
            return err(c, 'after object key:value pair');
          }
          if (c === 0x2c) {
            s = S.BeginValue;
            return;
          }
          if (c === 0x5d) return pop();
          return err(c, 'after array element');
        }
        case S.EndTop:
          if (!isSpace(c)) return err(c, 'after top-level value');
          return;
        case S.InString:
          if (c === 0x22) s = S.EndValue;
          else if (c === 0x5c) s = S.InStringEsc;
          else if (c < 0x20) return err(c, 'in string literal');
          return;
        case S.InStringEsc:
          if (c === 0x62 || c === 0x66 || c === 0x6e || c === 0x72 || c === 0x74 || c === 0x5c || c === 0x2f || c === 0x22) {
            s = S.InString;
            return;
          }
          if (c === 0x75) {
            s = S.EscU;
            return;
          }
          return err(c, 'in string escape code');
        case S.EscU:
        case S.EscU1:
        case S.EscU2:
        case S.EscU3:
          if (!isHex(c)) return err(c, 'in \\u hexadecimal character escape');
          s = s === S.EscU3 ? S.InString : s + 1;
          return;
        case S.Neg:
          if (c === 0x30) s = S.Zero;
          else if (c >= 0x31 && c <= 0x39) s = S.Int1;
          else return err(c, 'in numeric literal');
          return;
        case S.Int1:
          if (isDigit(c)) return;
          s = S.Zero;
          continue;
        case S.Zero:
          if (c === 0x2e) s = S.Dot;
          else if (c === 0x65 || c === 0x45) s = S.E;
          else {
            s = S.EndValue;
            continue;
          }
          return;
        case S.Dot:
          if (isDigit(c)) {
            s = S.Dot0;
            return;
          }
          return err(c, 'after decimal point in numeric literal');
        case S.Dot0:
          if (isDigit(c)) return;
          if (c === 0x65 || c === 0x45) {
            s = S.E;
            return;
          }
          s = S.EndValue;
          continue;
        case S.E:
          if (c === 0x2b || c === 0x2d) {
            s = S.ESign;
            return;
          }
          s = S.ESign;
          continue;
        case S.ESign:
          if (isDigit(c)) {
            s = S.E0;
            return;
          }
          return err(c, 'in exponent of numeric literal');
        case S.E0:
          if (isDigit(c)) return;
          s = S.EndValue;
          continue;
        default:
          return literal(c);
      }
    }
  };
  const pop = (): undefined => {
    stack.pop();
    if (stack.length === 0) {
      s = S.EndTop;
      endTop = true;
    } else s = S.EndValue;
    return undefined;
  };
  // true / false / null, one expected byte at a time
  const LITERALS: Partial<Record<S, [number, S, string]>> = {
    [S.T]: [0x72, S.Tr, "in literal true (expecting 'r')"],
    [S.Tr]: [0x75, S.Tru, "in literal true (expecting 'u')"],
    [S.Tru]: [0x65, S.EndValue, "in literal true (expecting 'e')"],
    [S.F]: [0x61, S.Fa, "in literal false (expecting 'a')"],
    [S.Fa]: [0x6c, S.Fal, "in literal false (expecting 'l')"],
    [S.Fal]: [0x73, S.Fals, "in literal false (expecting 's')"],
    [S.Fals]: [0x65, S.EndValue, "in literal false (expecting 'e')"],
    [S.N]: [0x75, S.Nu, "in literal null (expecting 'u')"],
    [S.Nu]: [0x6c, S.Nul, "in literal null (expecting 'l')"],
    [S.Nul]: [0x6c, S.EndValue, "in literal null (expecting 'l')"],
  };
  const literal = (c: number): string | undefined => {
    const [want, next, context] = LITERALS[s]!;
    if (c !== want) return err(c, context);
    s = next;
    return undefined;
  };

  for (let i = 0; i < b.length; i++) {
    const e = step(b[i]);
    if (e) return e;
  }
  // eof: a number at the top level ends here; anything else open is an unexpected end
  if (endTop) return undefined;
  const e = step(0x20);
  if (e) return e;
  return endTop ? undefined : 'unexpected end of JSON input';
}

/**
 * Whether JSON text nests deeper than MAX_NESTING_DEPTH. A cheap iterative pass meant for text
 * that JSON.parse accepted (strings are skipped; brackets are counted); text shorter than the
 * limit cannot be that deep and is not scanned.
 */
export function jsonTooDeep(text: string): boolean {
  if (text.length <= MAX_NESTING_DEPTH) return false;
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      // skip the string
      for (i++; i < text.length; i++) {
        const d = text.charCodeAt(i);
        if (d === 0x5c) i++;
        else if (d === 0x22) break;
      }
    } else if (c === 0x7b || c === 0x5b) {
      if (++depth > MAX_NESTING_DEPTH) return true;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return false;
}

/** Whether a decoded value (any JSON data) nests deeper than MAX_NESTING_DEPTH; iterative. */
export function valueTooDeep(v: unknown): boolean {
  if (v === null || typeof v !== 'object') return false;
  const stack: [unknown, number][] = [[v, 1]];
  while (stack.length) {
    const [x, d] = stack.pop()!;
    if (d > MAX_NESTING_DEPTH) return true;
    if (Array.isArray(x)) {
      for (const y of x) if (y !== null && typeof y === 'object') stack.push([y, d + 1]);
    } else {
      for (const k in x as Record<string, unknown>) {
        const y = (x as Record<string, unknown>)[k];
        if (y !== null && typeof y === 'object') stack.push([y, d + 1]);
      }
    }
  }
  return false;
}

/** apiserver handlers/rest.go summarizeData: the body's first bytes as text when it starts with `{`, else hex. */
export function summarizeData(data: Buffer | string, maxLength = 30): string {
  const b = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  if (b.length === 0) return '<empty>';
  const cut = b.length > maxLength ? b.subarray(0, maxLength) : b;
  const more = b.length > maxLength ? ' ...' : '';
  if (b[0] === 0x7b) return cut.toString('utf8') + more;
  return cut.toString('hex') + more;
}

/**
 * A PATCH body nested past Go's limit, refused as each patch type's decoder words it
 * (apiserver handlers/patch.go): JSON and merge patches decode strictly first when fieldValidation
 * is Strict or Warn (the default), a strategic merge patch with kjson, an apply configuration with
 * sigs.k8s.io/yaml. Returns the message, or undefined when the body is within the limit.
 */
export function patchTooDeep(contentType: string | undefined, body: Buffer, fieldValidation: unknown): string | undefined {
  if (body.length <= MAX_NESTING_DEPTH) return undefined;
  const type = (contentType ?? '').split(';')[0].trim().toLowerCase();
  const text = body.toString('utf8');
  if (!/^\s*[[{]/.test(text) || !jsonTooDeep(text)) return undefined;
  const syntax = goJSONSyntaxError(body) ?? `invalid character '{' exceeded max depth`;
  const strict = fieldValidation !== 'Ignore';
  switch (type) {
    case 'application/json-patch+json':
      return strict ? `error decoding patch: ${syntax}` : syntax;
    case 'application/merge-patch+json':
      return strict ? `error decoding patch: ${syntax}` : 'Invalid JSON Patch';
    case 'application/strategic-merge-patch+json':
      return syntax;
    case 'application/apply-patch+yaml':
      return `error decoding patch: error converting YAML to JSON: yaml: exceeded max depth of ${MAX_NESTING_DEPTH}`;
  }
  return undefined;
}
