// Patch bodies (src/patch/index.ts parsePatchBody): an apply configuration sent as JSON is read
// with JSON.parse, and must read exactly as the YAML parser reads it; what JSON.parse would read
// differently (duplicate keys) or cannot read goes to the YAML parser as before.
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parsePatchBody } from '../../src/patch/index.js';
import { StatusError } from '../../src/registry/errors.js';

const apply = (text: string) => parsePatchBody('apply', Buffer.from(text));

describe('apply-patch+yaml bodies', () => {
  it.each([
    '{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","labels":{"a":"1"}},"spec":{"containers":[{"name":"c","image":"x","ports":[{"containerPort":80}]}]}}',
    ' \n\t{"a": [1, 2.5, -0, 1e3, true, false, null, "x\\"y\\u00e9\\/z"], "b": {}}',
    '{"big": 12345678901234567890, "s": "line\\nbreak", "e": ""}',
  ])('JSON is read as the YAML parser reads it: %s', (text) => {
    expect(apply(text)).toEqual(parse(text));
  });

  it('YAML is read as YAML', () => {
    expect(apply('apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n')).toEqual({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' } });
  });

  it('a duplicate key keeps its last value, as goyaml.v2 reads it without strict decoding (sigs.k8s.io/yaml Unmarshal)', () => {
    expect(apply('{"metadata":{"name":"a","name":"b"}}')).toEqual({ metadata: { name: 'b' } });
    expect(apply('metadata:\n  name: a\n  name: b\n')).toEqual({ metadata: { name: 'b' } });
  });
});
