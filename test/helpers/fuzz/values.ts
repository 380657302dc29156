// The values a fuzzed field is replaced with, and a JSON writer that can emit numbers JavaScript
// cannot hold exactly (2^63, 2^53+1), which a Go server decodes differently from a float.
import { stringify as yamlStringify } from 'yaml';
import type { Rng } from './prng.js';

/** A JSON number written verbatim (JSON.stringify would round it). */
export class RawNumber {
  constructor(readonly text: string) {}
}

export type FuzzValue = null | boolean | number | string | RawNumber | FuzzValue[] | { [k: string]: FuzzValue };

function nested(depth: number, kind: 'array' | 'object'): FuzzValue {
  let v: FuzzValue = kind === 'array' ? [] : {};
  for (let i = 0; i < depth; i++) v = kind === 'array' ? [v] : { a: v };
  return v;
}

/** Values of every JSON type and the edges of each, by name (the name goes in failure reports). */
export const EVIL_VALUES: readonly [string, () => FuzzValue][] = [
  ['null', () => null],
  ['empty-string', () => ''],
  ['zero', () => 0],
  ['minus-one', () => -1],
  ['float', () => 1.5],
  ['true', () => true],
  ['false', () => false],
  ['empty-array', () => []],
  ['empty-object', () => ({})],
  ['array-of-null', () => [null]],
  ['object-with-null', () => ({ x: null })],
  ['int32-overflow', () => 2147483648],
  ['int32-underflow', () => -2147483649],
  ['2^53+1', () => new RawNumber('9007199254740993')],
  ['2^63', () => new RawNumber('9223372036854775808')],
  ['-2^63-1', () => new RawNumber('-9223372036854775809')],
  ['1e308', () => 1e308],
  ['1e400', () => new RawNumber('1e400')],
  ['exponent-int', () => new RawNumber('1e2')],
  ['negative-zero', () => new RawNumber('-0')],
  ['numeric-string', () => '80'],
  ['long-string', () => 'x'.repeat(70_000)],
  ['control-chars', () => 'a\u0000b\u0001\n\t\u001f\u007f\u2028\ud800z'],
  ['unicode', () => 'ü—😀/..%2F'],
  ['dotted', () => '../../etc'],
  ['array-of-strings', () => ['a', 'b']],
  ['array-of-mixed', () => [1, 'a', null, {}, []]],
  ['object-of-strings', () => ({ a: 'b' })],
  ['deep-array', () => nested(300, 'array')],
  ['deep-object', () => nested(300, 'object')],
];

export function evilValue(rng: Rng): { name: string; value: FuzzValue } {
  const [name, make] = rng.pick(EVIL_VALUES);
  return { name, value: make() };
}

/** JSON text; RawNumber verbatim. */
export function toJSON(v: unknown): string {
  if (v instanceof RawNumber) return v.text;
  if (v === null || typeof v !== 'object') return JSON.stringify(v ?? null);
  if (Array.isArray(v)) return '[' + v.map(toJSON).join(',') + ']';
  return '{' + Object.entries(v).filter(([, x]) => x !== undefined).map(([k, x]) => JSON.stringify(k) + ':' + toJSON(x)).join(',') + '}';
}

function hasRaw(v: unknown, depth = 0): boolean {
  if (v instanceof RawNumber) return true;
  if (depth > 50 || v === null || typeof v !== 'object') return depth > 50;
  return Object.values(v).some((x) => hasRaw(x, depth + 1));
}

/**
 * YAML text: block style when the value is plain (and shallow), else JSON (which YAML reads too:
 * the raw numbers and the deep nesting stay exactly as written).
 */
export function toYAML(v: unknown, rng: Rng): string {
  if (hasRaw(v) || rng.chance(0.3)) return toJSON(v);
  try {
    return yamlStringify(v, { lineWidth: 0 });
  } catch {
    return toJSON(v);
  }
}

/** YAML documents a JSON body cannot be: alias expansion, merge keys, tags, several documents. */
export function yamlSpecial(rng: Rng, head: string): { name: string; text: string } {
  const cases: [string, () => string][] = [
    [
      'alias-bomb',
      () => {
        let s = `${head}\ndata:\n  a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n`;
        for (let i = 1; i < 9; i++) s += `  a${i}: &a${i} [${Array(9).fill(`*a${i - 1}`).join(',')}]\n`;
        return s;
      },
    ],
    ['alias-as-key', () => `${head}\nx: &k {a: 1}\ndata:\n  *k : v\n`],
    ['merge-key', () => `${head}\nbase: &b {x: "1"}\ndata:\n  <<: *b\n  y: "2"\n`],
    ['binary-tag', () => `${head}\ndata:\n  x: !!binary aGVsbG8=\n`],
    ['int-tag-on-string', () => `${head}\ndata:\n  x: !!int "12"\n`],
    ['timestamp', () => `${head}\ndata:\n  x: 2001-12-14t21:59:43.10-05:00\n`],
    ['two-documents', () => `${head}\n---\n${head}\n`],
    ['deep-flow', () => `${head}\ndata: ${'['.repeat(400)}${']'.repeat(400)}\n`],
    ['undefined-alias', () => `${head}\ndata: *nope\n`],
    ['tab-indent', () => `${head}\ndata:\n\tx: y\n`],
  ];
  const [name, make] = rng.pick(cases);
  return { name, text: make() };
}
