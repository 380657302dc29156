// JSON as kube-apiserver puts it on the wire: Go's encoding/json escapes <, > and & (and U+2028,
// U+2029) inside strings, and the serializer indents its output for `?pretty=true` and for curl,
// wget and browsers (apiserver pkg/endpoints/handlers/negotiation/negotiate.go isPrettyPrint).

const HTML_CHARS = /[<>&\u2028\u2029]/;
const HTML_CHARS_G = /[<>&\u2028\u2029]/g;
const ESCAPES: Record<string, string> = { '<': '\\u003c', '>': '\\u003e', '&': '\\u0026', '\u2028': '\\u2028', '\u2029': '\\u2029' };

/**
 * JSON text with Go's HTML-safe escapes (encoding/json encodeState.string with escapeHTML, the
 * default of json.Marshal and json.Encoder). These characters are never JSON syntax, so they can
 * only stand inside strings.
 */
export function escapeHTML(json: string): string {
  return HTML_CHARS.test(json) ? json.replace(HTML_CHARS_G, (c) => ESCAPES[c]) : json;
}

/** strconv.ParseBool, an error being false (as isPrettyPrint ignores it). */
function parseGoBool(v: string): boolean {
  return v === '1' || v === 't' || v === 'T' || v === 'TRUE' || v === 'true' || v === 'True';
}

/** Whether the answer is indented: `pretty` decides when it has a value, else the user agent does. */
export function isPrettyPrint(query: Record<string, unknown> | undefined, userAgent: string | undefined): boolean {
  let pretty = query?.pretty;
  if (Array.isArray(pretty)) pretty = pretty[0];
  if (typeof pretty === 'string' && pretty.length > 0) return parseGoBool(pretty);
  const ua = userAgent ?? '';
  return ua.startsWith('curl') || ua.startsWith('Wget') || ua.startsWith('Mozilla/5.0');
}

/**
 * Compact JSON text re-indented as json.MarshalIndent(v, "", "  ") writes it (no trailing
 * newline; `{}` and `[]` stay empty). Works on the text, without parsing, so numbers keep their
 * exact digits; iterative.
 */
export function indentJSON(json: string): string {
  let out = '';
  let depth = 0;
  let start = 0; // start of the pending run of characters copied verbatim
  const nl = () => '\n' + '  '.repeat(depth);
  for (let i = 0; i < json.length; i++) {
    const c = json.charCodeAt(i);
    if (c === 0x22) {
      for (i++; i < json.length; i++) {
        const d = json.charCodeAt(i);
        if (d === 0x5c) i++;
        else if (d === 0x22) break;
      }
      continue;
    }
    if (c === 0x7b || c === 0x5b) {
      const close = c === 0x7b ? 0x7d : 0x5d;
      let j = i + 1;
      while (j < json.length && isSpace(json.charCodeAt(j))) j++;
      if (json.charCodeAt(j) === close) {
        out += json.slice(start, i) + (c === 0x7b ? '{}' : '[]');
        i = j;
        start = j + 1;
        continue;
      }
      depth++;
      out += json.slice(start, i + 1) + nl();
      start = i + 1;
    } else if (c === 0x7d || c === 0x5d) {
      depth--;
      out += json.slice(start, i) + nl() + json[i];
      start = i + 1;
    } else if (c === 0x2c) {
      out += json.slice(start, i + 1) + nl();
      start = i + 1;
    } else if (c === 0x3a) {
      out += json.slice(start, i + 1) + ' ';
      start = i + 1;
    } else if (isSpace(c)) {
      out += json.slice(start, i);
      start = i + 1;
    }
  }
  return out + json.slice(start);
}

const isSpace = (c: number) => c === 0x20 || c === 0x09 || c === 0x0d || c === 0x0a;
