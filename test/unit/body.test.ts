// Go encoding/json's syntax errors and nesting limit (sigs.k8s.io/json internal/golang/encoding/json/scanner.go).
import { describe, expect, it } from 'vitest';
import { goJSONSyntaxError, jsonTooDeep, MAX_NESTING_DEPTH, summarizeData, valueTooDeep } from '../../src/server/body.js';

describe('goJSONSyntaxError', () => {
  const cases: [string, string | undefined][] = [
    ['{"a":1}', undefined],
    [' [1, 2.5e-3, true, false, null, "x\\u00e9\\n"] ', undefined],
    ['123', undefined],
    ['', 'unexpected end of JSON input'],
    ['{"a":', 'unexpected end of JSON input'],
    ['{"a":1', 'unexpected end of JSON input'],
    ['"abc', 'unexpected end of JSON input'],
    ['{"a"}', "invalid character '}' after object key"],
    ['{a:1}', "invalid character 'a' looking for beginning of object key string"],
    ['{"a":1,}', "invalid character '}' looking for beginning of object key string"],
    ["{'a':1}", "invalid character '\\'' looking for beginning of object key string"],
    ['[1,]', "invalid character ']' looking for beginning of value"],
    ['{"a":1}x', "invalid character 'x' after top-level value"],
    ['{"a":1} {}', "invalid character '{' after top-level value"],
    ['{"a":tru}', "invalid character '}' in literal true (expecting 'e')"],
    ['{"a":nul}', "invalid character '}' in literal null (expecting 'l')"],
    ['{"a":fals}', "invalid character '}' in literal false (expecting 'e')"],
    ['tru', "invalid character ' ' in literal true (expecting 'e')"],
    ['{"a":01}', "invalid character '1' after object key:value pair"],
    ['{"a":1 "b":2}', `invalid character '"' after object key:value pair`],
    ['[1 2]', "invalid character '2' after array element"],
    ['{"a":"\\x"}', "invalid character 'x' in string escape code"],
    ['{"a":"\\u12g4"}', "invalid character 'g' in \\u hexadecimal character escape"],
    ['"a\nb"', "invalid character '\\n' in string literal"],
    ['"a\tb"', "invalid character '\\t' in string literal"],
    ['"a\u0001b"', "invalid character '\\x01' in string literal"],
    ['[1.]', "invalid character ']' after decimal point in numeric literal"],
    ['[1e]', "invalid character ']' in exponent of numeric literal"],
    ['[-]', "invalid character ']' in numeric literal"],
    ['{"a":undefined}', "invalid character 'u' looking for beginning of value"],
    ['apiVersion: v1', "invalid character 'a' looking for beginning of value"],
  ];
  for (const [text, want] of cases) it(JSON.stringify(text), () => expect(goJSONSyntaxError(text)).toBe(want));

  it('nesting up to 10000 is valid; the 10001st bracket is refused', () => {
    const at = '['.repeat(MAX_NESTING_DEPTH) + ']'.repeat(MAX_NESTING_DEPTH);
    expect(goJSONSyntaxError(at)).toBeUndefined();
    expect(goJSONSyntaxError('[' + at + ']')).toBe("invalid character '[' exceeded max depth");
    const objs = '{"a":'.repeat(MAX_NESTING_DEPTH + 1) + '1' + '}'.repeat(MAX_NESTING_DEPTH + 1);
    expect(goJSONSyntaxError(objs)).toBe("invalid character '{' exceeded max depth");
  });

  it('a million levels scan without recursion', () => {
    expect(goJSONSyntaxError('['.repeat(1_000_000))).toBe("invalid character '[' exceeded max depth");
    expect(jsonTooDeep('['.repeat(1_000_000) + ']'.repeat(1_000_000))).toBe(true);
  });
});

describe('depth checks', () => {
  it('jsonTooDeep counts brackets outside strings', () => {
    const at = '{"a":'.repeat(MAX_NESTING_DEPTH) + '"[[[{{{\\"[["' + '}'.repeat(MAX_NESTING_DEPTH);
    expect(jsonTooDeep(at)).toBe(false);
    expect(jsonTooDeep('[' + at + ']')).toBe(true);
    expect(jsonTooDeep(JSON.stringify({ s: '['.repeat(20_000) }))).toBe(false);
  });
  it('valueTooDeep walks a decoded value iteratively', () => {
    let v: unknown = 1;
    for (let i = 0; i < MAX_NESTING_DEPTH; i++) v = i % 2 ? [v] : { a: v };
    expect(valueTooDeep(v)).toBe(false);
    expect(valueTooDeep({ b: v })).toBe(true);
  });
});

describe('summarizeData (handlers/rest.go)', () => {
  it('text when the body starts with {, hex otherwise, 30 bytes at most', () => {
    expect(summarizeData('{"a":')).toBe('{"a":');
    expect(summarizeData('{"metadata":{"name":"0123456789abcdef"}}')).toBe('{"metadata":{"name":"012345678 ...');
    expect(summarizeData('a: [')).toBe('613a205b');
    expect(summarizeData('')).toBe('<empty>');
  });
});
