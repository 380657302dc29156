import { describe, expect, it } from 'vitest';
import { escapeHTML, indentJSON, isPrettyPrint } from '../../src/server/jsonwire.js';

describe('indentJSON (json.MarshalIndent(v, "", "  "))', () => {
  it('indents as JSON.stringify(v, null, 2) does for the same data', () => {
    const v = { a: [1, { b: 'x,y:{z}[]"\\', c: null }, [], {}], d: { e: { f: -0.5 } }, g: '', h: true, i: [[]] };
    expect(indentJSON(JSON.stringify(v))).toBe(JSON.stringify(v, null, 2));
  });
  it('keeps numbers exactly as written', () => {
    expect(indentJSON('{"n":12345678901234567890,"f":1.0}')).toBe('{\n  "n": 12345678901234567890,\n  "f": 1.0\n}');
  });
  it('drops whitespace outside strings, including a trailing newline', () => {
    expect(indentJSON('{"a": [1, 2] }\n')).toBe('{\n  "a": [\n    1,\n    2\n  ]\n}');
  });
});

describe('escapeHTML (encoding/json escapeHTML)', () => {
  it('escapes <, >, & and the line separators', () => {
    expect(escapeHTML(JSON.stringify({ u: 'a<b>&c\u2028\u2029' }))).toBe('{"u":"a\\u003cb\\u003e\\u0026c\\u2028\\u2029"}');
    const plain = '{"a":"b"}';
    expect(escapeHTML(plain)).toBe(plain);
  });
});

describe('isPrettyPrint (negotiation/negotiate.go)', () => {
  it('pretty= decides by strconv.ParseBool when it has a value', () => {
    for (const v of ['1', 't', 'T', 'true', 'True', 'TRUE']) expect(isPrettyPrint({ pretty: v }, 'kubectl')).toBe(true);
    for (const v of ['0', 'f', 'false', 'yes', 'tRUE']) expect(isPrettyPrint({ pretty: v }, 'curl/8.0')).toBe(false);
  });
  it('else curl, Wget and browsers get indented JSON', () => {
    expect(isPrettyPrint({}, 'curl/8.5.0')).toBe(true);
    expect(isPrettyPrint({ pretty: '' }, 'Wget/1.21')).toBe(true);
    expect(isPrettyPrint({}, 'Mozilla/5.0 (X11)')).toBe(true);
    expect(isPrettyPrint({}, 'kubectl/v1.33.0')).toBe(false);
    expect(isPrettyPrint({}, undefined)).toBe(false);
  });
});
