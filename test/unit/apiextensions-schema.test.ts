// Structural schemas, value validation, pruning and defaulting for CRDs (src/apiextensions/schema), each case
// pinned to upstream's text: staging/src/k8s.io/apiextensions-apiserver/pkg/apiserver/validation/validation_test.go
// (TestValidateCustomResource), pkg/apiserver/schema/{validation,pruning,defaulting,listtype,objectmeta}.
import { describe, expect, it } from 'vitest';
import {
  applyDefaults,
  coerce,
  CustomResourceSchema,
  newStructural,
  prune,
  pruneDefaults,
  pruneNonNullableNullsWithoutDefaults,
  validateCustomResource,
  validateCustomResourceUpdate,
  validateDefaults,
  validateListSetMapKeys,
  validateStructuralSchema,
} from '../../src/apiextensions/schema/index.js';
import type { Cause } from '../../src/resources/types.js';

const text = (cs: Cause[]) => cs.map((c) => `${c.field}: ${c.message}`);
const sorted = (cs: Cause[]) => text(cs).sort();
const errs = (obj: unknown, schema: unknown) => sorted(validateCustomResource(obj, schema));
const field = (props: Record<string, unknown>) => ({ type: 'object', properties: { field: props } });

describe('validateCustomResource: types and nullable (validation_test.go TestValidateCustomResource)', () => {
  const kinds: [unknown, string][] = [
    ['foo', 'string'],
    [42, 'integer'],
    [true, 'boolean'],
    [1.2, 'number'],
    [[], 'array'],
  ];
  it('!nullable object: every other JSON type and null are refused with the type name', () => {
    const s = field({ type: 'object' });
    expect(errs({}, s)).toEqual([]);
    expect(errs({ field: {} }, s)).toEqual([]);
    for (const [v, t] of kinds) expect(errs({ field: v }, s)).toEqual([`field: Invalid value: "${t}": field in body must be of type object: "${t}"`]);
    expect(errs({ field: null }, s)).toEqual(['field: Invalid value: "null": field in body must be of type object: "null"']);
  });
  it('nullable object accepts null; nullable without type accepts anything', () => {
    expect(errs({ field: null }, field({ type: 'object', nullable: true }))).toEqual([]);
    expect(errs({ field: 'foo' }, field({ type: 'object', nullable: true }))).toEqual(['field: Invalid value: "string": field in body must be of type object: "string"']);
    for (const v of [null, {}, 'foo', 42, true, 1.2, []]) expect(errs({ field: v }, field({ nullable: true }))).toEqual([]);
  });
  it('x-kubernetes-int-or-string', () => {
    const s = field({ 'x-kubernetes-int-or-string': true });
    expect(errs({ field: 42 }, s)).toEqual([]);
    expect(errs({ field: 'foo' }, s)).toEqual([]);
    expect(errs({ field: null }, s)).toEqual(['field: Invalid value: "null": field in body must be of type integer,string: "null"']);
    for (const [v, t] of [[true, 'boolean'], [1.2, 'number'], [{}, 'object'], [[], 'array']] as const)
      expect(errs({ field: v }, s)).toEqual([`field: Invalid value: "${t}": field in body must be of type integer,string: "${t}"`]);
    expect(errs({ field: null }, field({ 'x-kubernetes-int-or-string': true, nullable: true }))).toEqual([]);
  });
  it('nullable, x-kubernetes-int-or-string and a user anyOf: the best failing branch is reported', () => {
    const s = field({ nullable: true, 'x-kubernetes-int-or-string': true, anyOf: [{ type: 'integer' }, { type: 'string' }] });
    for (const v of [null, 42, 'foo']) expect(errs({ field: v }, s)).toEqual([]);
    expect(errs({ field: true }, s)).toEqual(
      [
        '<nil>: Invalid value: "": "field" must validate at least one schema (anyOf)',
        'field: Invalid value: "boolean": field in body must be of type integer,string: "boolean"',
        'field: Invalid value: "boolean": field in body must be of type integer: "boolean"',
      ].sort(),
    );
    expect(errs({ field: 1.2 }, s)).toEqual(
      [
        '<nil>: Invalid value: "": "field" must validate at least one schema (anyOf)',
        'field: Invalid value: "number": field in body must be of type integer,string: "number"',
        'field: Invalid value: "number": field in body must be of type integer: "number"',
        '<nil>: Invalid value: "": Checked value must be of type integer (default format) in field',
      ].sort(),
    );
  });
  it('the int-or-string allOf form', () => {
    const s = field({ nullable: true, 'x-kubernetes-int-or-string': true, allOf: [{ anyOf: [{ type: 'integer' }, { type: 'string' }] }] });
    expect(errs({ field: [] }, s)).toEqual(
      [
        '<nil>: Invalid value: "": "field" must validate all the schemas (allOf). None validated',
        '<nil>: Invalid value: "": "field" must validate at least one schema (anyOf)',
        'field: Invalid value: "array": field in body must be of type integer,string: "array"',
        'field: Invalid value: "array": field in body must be of type integer: "array"',
      ].sort(),
    );
  });
});

describe('validateCustomResource: value validations', () => {
  it('an invalid regex is reported as Go reports it', () => {
    expect(errs({ field: 'foo' }, field({ type: 'string', pattern: '+' }))).toEqual([
      "field: Invalid value: \"foo\": field in body should match '+, but pattern is invalid: error parsing regexp: missing argument to repetition operator: `+`'",
    ]);
  });
  it('required fields, at the root and nested', () => {
    const s = { type: 'object', required: ['field'], properties: { field: { type: 'object', required: ['nested'], properties: { nested: {} } } } };
    expect(errs({ test: 'a' }, s)).toEqual(['field: Required value']);
    expect(errs({ field: {} }, s)).toEqual(['field.nested: Required value']);
    expect(validateCustomResource({ test: 'a' }, s)[0].reason).toBe('FieldValueRequired');
  });
  it('enum: values are quoted, non-strings as JSON', () => {
    const s = field({ type: 'object', required: ['nestedint', 'nestedstring'], properties: { nestedint: { type: 'integer', enum: [1, 2] }, nestedstring: { type: 'string', enum: ['a', 'b'] } } });
    expect(errs({ field: {} }, s)).toEqual(['field.nestedint: Required value', 'field.nestedstring: Required value']);
    expect(errs({ field: { nestedint: 'x', nestedstring: true } }, s)).toEqual(
      [
        'field.nestedint: Invalid value: "string": field.nestedint in body must be of type integer: "string"',
        'field.nestedint: Unsupported value: "x": supported values: "1", "2"',
        'field.nestedstring: Invalid value: "boolean": field.nestedstring in body must be of type string: "boolean"',
        'field.nestedstring: Unsupported value: true: supported values: "a", "b"',
      ].sort(),
    );
    const c = validateCustomResource({ field: { nestedint: 3, nestedstring: 'a' } }, s);
    expect(c).toEqual([{ reason: 'FieldValueNotSupported', message: 'Unsupported value: 3: supported values: "1", "2"', field: 'field.nestedint' }]);
  });
  it('maxProperties, maxItems, maxLength map to Too many / Too long', () => {
    expect(errs({ fieldX: { a: true, b: true, c: true } }, { type: 'object', properties: { fieldX: { type: 'object', maxProperties: 2 } } })).toEqual(['fieldX: Too many: 3: must have at most 2 items']);
    expect(errs({ fieldX: ['a', 'b', 'c'] }, { type: 'object', properties: { fieldX: { type: 'array', maxItems: 2 } } })).toEqual(['fieldX: Too many: 3: must have at most 2 items']);
    expect(errs({ fieldX: 'abc' }, { type: 'object', properties: { fieldX: { type: 'string', maxLength: 2 } } })).toEqual(['fieldX: Too long: may not be more than 2 bytes']);
    const r = validateCustomResource({ fieldX: 'abc' }, { type: 'object', properties: { fieldX: { type: 'string', maxLength: 1 } } });
    expect(r).toEqual([{ reason: 'FieldValueTooLong', message: 'Too long: may not be more than 1 byte', field: 'fieldX' }]);
    expect(validateCustomResource({ fieldX: [1, 2] }, { type: 'object', properties: { fieldX: { type: 'array', maxItems: 1 } } })[0]).toEqual({
      reason: 'FieldValueTooMany',
      message: 'Too many: 2: must have at most 1 item',
      field: 'fieldX',
    });
  });
  it('maxLength counts runes, not UTF-16 units or bytes', () => {
    const s = { type: 'object', properties: { f: { type: 'string', maxLength: 2, minLength: 2 } } };
    expect(errs({ f: '😀é' }, s)).toEqual([]);
    expect(errs({ f: '😀' }, s)).toEqual(['f: Invalid value: "😀": f in body should be at least 2 chars long']);
  });
  it('minItems, minProperties, minLength, pattern, uniqueItems', () => {
    const s = {
      type: 'object',
      properties: {
        a: { type: 'array', minItems: 2, items: { type: 'string' } },
        o: { type: 'object', minProperties: 1 },
        s: { type: 'string', minLength: 3 },
        p: { type: 'string', pattern: '^a' },
        u: { type: 'array', uniqueItems: true, items: { type: 'integer' } },
      },
    };
    expect(errs({ a: ['x'], o: {}, s: 'ab', p: 'ba', u: [1, 2, 1] }, s)).toEqual(
      [
        'a: Invalid value: 1: a in body should have at least 2 items',
        'o: Invalid value: 0: o in body should have at least 1 properties',
        's: Invalid value: "ab": s in body should be at least 3 chars long',
        "p: Invalid value: \"ba\": p in body should match '^a'",
        'u: Invalid value: "": u in body shouldn\'t contain duplicates',
      ].sort(),
    );
  });
  it('maximum/minimum, exclusive, integer and float renderings', () => {
    const s = {
      type: 'object',
      properties: {
        i: { type: 'integer', maximum: 10, minimum: 1 },
        e: { type: 'integer', maximum: 10, exclusiveMaximum: true, minimum: 1, exclusiveMinimum: true },
        n: { type: 'number', maximum: 1000000 },
        m: { type: 'integer', multipleOf: 3 },
        f: { type: 'number', multipleOf: 0.5 },
      },
    };
    expect(errs({ i: 11 }, s)).toEqual(['i: Invalid value: 11: i in body should be less than or equal to 10']);
    expect(errs({ i: 0 }, s)).toEqual(['i: Invalid value: 0: i in body should be greater than or equal to 1']);
    expect(errs({ e: 10 }, s)).toEqual(['e: Invalid value: 10: e in body should be less than 10']);
    expect(errs({ e: 1 }, s)).toEqual(['e: Invalid value: 1: e in body should be greater than 1']);
    // float64 values and bounds print as Go's %v does
    expect(errs({ n: 2000000.5 }, s)).toEqual(['n: Invalid value: 2.0000005e+06: n in body should be less than or equal to 1e+06']);
    expect(errs({ m: 4 }, s)).toEqual(['m: Invalid value: 4: m in body should be a multiple of 3']);
    expect(errs({ f: 0.7 }, s)).toEqual(['f: Invalid value: 0.7: f in body should be a multiple of 0.5']);
    expect(errs({ f: 1.5, m: 9 }, s)).toEqual([]);
  });
  it('numeric formats: ranges of int32, int64 and float', () => {
    const s = { type: 'object', properties: { intThirtyTwo: { type: 'integer', format: 'int32' }, intSixtyFour: { type: 'integer', format: 'int64' }, floatThreeTwo: { type: 'number', format: 'float' }, floatSixFour: { type: 'number', format: 'double' } } };
    expect(errs({ intThirtyTwo: -2147483648, intSixtyFour: -9223372036854775808, floatThreeTwo: -3.4028234663852886e38, floatSixFour: -1.7976931348623157e308 }, s)).toEqual([]);
    expect(errs({ intThirtyTwo: 0, intSixtyFour: 0, floatThreeTwo: 0, floatSixFour: 0 }, s)).toEqual([]);
    expect(errs(JSON.parse('{"intThirtyTwo": 2147483647, "intSixtyFour": 9223372036854775807, "floatThreeTwo": 3.4028234663852886e38, "floatSixFour": 1.7976931348623157e308}'), s)).toEqual([]);
    expect(errs({ intThirtyTwo: 2147483648 }, s)).toEqual(['<nil>: Invalid value: "": Checked value must be of type integer with format int32 in intThirtyTwo']);
    expect(errs({ intThirtyTwo: -2147483649 }, s)).toEqual(['<nil>: Invalid value: "": Checked value must be of type integer with format int32 in intThirtyTwo']);
    expect(errs({ intSixtyFour: 9223372036854775807 * 1.1 }, s)).toEqual(
      ['intSixtyFour: Invalid value: "float64": intSixtyFour in body must be of type int64: "float64"', '<nil>: Invalid value: "": Checked value must be of type integer with format int64 in intSixtyFour'].sort(),
    );
    expect(errs({ floatThreeTwo: 3.4028234663852886e38 * 1.1 }, s)).toEqual(['<nil>: Invalid value: "": Checked value must be of type number with format float in floatThreeTwo']);
  });
  it('string formats (kube-openapi strfmt), with the format as the type name', () => {
    const fmt = (format: string, ok: string[], bad: string[]) => {
      const s = { type: 'object', properties: { x: { type: 'string', format } } };
      for (const v of ok) expect(errs({ x: v }, s), `${format} ${v}`).toEqual([]);
      for (const v of bad) expect(errs({ x: v }, s), `${format} ${v}`).toEqual([`x: Invalid value: ${JSON.stringify(v)}: x in body must be of type ${format}: ${JSON.stringify(v)}`]);
    };
    fmt('date-time', ['2020-01-02T03:04:05Z', '2020-01-02T03:04:05.123+02:00'], ['2020-01-02', 'yesterday', '2020-13-02T03:04:05Z', '2020-01-02T25:04:05Z']);
    fmt('date', ['2020-02-29'], ['2021-02-29', '20-01-01']);
    fmt('uuid', ['123e4567-e89b-12d3-a456-426614174000', '123E4567E89B12D3A456426614174000'], ['123e4567']);
    fmt('byte', ['aGVsbG8='], ['hello!', '']);
    fmt('hostname', ['example.com', 'a'], ['-bad-', 'a..b']);
    fmt('ipv4', ['10.0.0.1', '010.0.0.1'], ['10.0.0', '::1', '256.0.0.1']);
    fmt('ipv6', ['::1', '2001:db8::1'], ['10.0.0.1', 'zz::1']);
    fmt('cidr', ['10.0.0.0/8', '2001:db8::/32'], ['10.0.0.0', '10.0.0.0/33']);
    fmt('mac', ['00:00:5e:00:53:01', '00-00-5e-00-53-01', '0000.5e00.5301'], ['00:00:5e:00:53', 'zz:00:5e:00:53:01']);
    fmt('email', ['a@example.com', 'Name <a@example.com>'], ['not-an-email', '@example.com']);
    fmt('uri', ['https://example.com/x', '/relative/path', 'mailto:a@b', 'http://h:8080/p?q=%zz', '*'], ['relative/path', '', 'http://bad host/', 'http://h:port/', '/p%zz', ':x']);
    fmt('duration', ['1h30m', '5s', '3 days', '0'], ['soon', '']);
    fmt('k8s-short-name', ['abc-1'], ['a-', 'ABC']);
    fmt('k8s-long-name', ['a.b-c'], ['a.-']);
  });
  it('unsupported formats are stripped and not checked; a number for a string with a format fails by format', () => {
    expect(errs({ x: 'anything' }, { type: 'object', properties: { x: { type: 'string', format: 'made-up' } } })).toEqual([]);
    expect(errs({ x: 5 }, { type: 'object', properties: { x: { type: 'string', format: 'date-time' } } })).toEqual(['x: Invalid value: "int64": x in body must be of type date-time: "int64"']);
    expect(errs({ x: 5 }, { type: 'object', properties: { x: { type: 'integer', format: 'date-time' } } })).toEqual([]);
  });
  it('oneOf and not', () => {
    const s = field({ type: 'string', oneOf: [{ pattern: '^a' }, { pattern: 'b$' }], not: { enum: ['zzz'] } });
    expect(errs({ field: 'ax' }, s)).toEqual([]);
    expect(errs({ field: 'ab' }, s)).toEqual(['<nil>: Invalid value: "": "field" must validate one and only one schema (oneOf). Found 2 valid alternatives']);
    expect(errs({ field: 'xx' }, s)).toEqual(
      ['<nil>: Invalid value: "": "field" must validate one and only one schema (oneOf). Found none valid', "field: Invalid value: \"xx\": field in body should match '^a'"].sort(),
    );
    expect(errs({ field: 'zzz' }, field({ type: 'string', not: { enum: ['zzz'] } }))).toEqual(['<nil>: Invalid value: "": "field" must not validate the schema (not)']);
  });
  it('additionalProperties: schema and false', () => {
    const s = { type: 'object', properties: { m: { type: 'object', additionalProperties: { type: 'integer' } }, f: { type: 'object', additionalProperties: false } } };
    expect(errs({ m: { a: 1, b: 'x' } }, s)).toEqual(['m.b: Invalid value: "string": m.b in body must be of type integer: "string"']);
    expect(errs({ f: { z: 1 } }, s)).toEqual(['f: Invalid value: "z": f.z in body is a forbidden property']);
  });
  it('array items report their index', () => {
    const s = { type: 'object', properties: { list: { type: 'array', items: { type: 'object', required: ['name'], properties: { name: { type: 'string' }, port: { type: 'integer' } } } } } };
    expect(errs({ list: [{ name: 'a' }, { port: 'x' }] }, s)).toEqual(['list[1].name: Required value', 'list[1].port: Invalid value: "string": list[1].port in body must be of type integer: "string"']);
  });
  it('the status subresource validator: paths under status, messages relative to the status schema', () => {
    const status = { type: 'object', properties: { replicas: { type: 'integer' } } };
    expect(text(validateCustomResource({ replicas: 'x' }, status, { root: 'status' }))).toEqual(['status.replicas: Invalid value: "string": replicas in body must be of type integer: "string"']);
  });
  it('metadata at the root: only what the schema says about name and generateName', () => {
    const s = { type: 'object', properties: { metadata: { type: 'object', properties: { name: { type: 'string', maxLength: 5, pattern: '^[a-z]+$' } } } } };
    expect(errs({ metadata: { name: 'abc', labels: { a: 'b' } } }, s)).toEqual([]);
    expect(errs({ metadata: { name: 'abcdefg' } }, s)).toEqual(['metadata.name: Too long: may not be more than 5 bytes']);
  });
  it('embedded resources: apiVersion and kind required, metadata validated as ObjectMeta', () => {
    const s = { type: 'object', properties: { spec: { type: 'object', properties: { template: { type: 'object', 'x-kubernetes-embedded-resource': true, 'x-kubernetes-preserve-unknown-fields': true } } } } };
    expect(errs({ spec: { template: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'x' } } } }, s)).toEqual([]);
    expect(errs({ spec: { template: {} } }, s)).toEqual(['spec.template.apiVersion: Required value', 'spec.template.kind: Required value']);
    expect(errs({ spec: { template: { apiVersion: 'a/b/c', kind: 'Foo_Bar', metadata: { name: 'a/b', labels: { 'bad key!': 'x' } } } } }, s)).toEqual(
      [
        'spec.template.apiVersion: Invalid value: "a/b/c": unexpected GroupVersion string: a/b/c',
        "spec.template.kind: Invalid value: \"Foo_Bar\": may have mixed case, but should otherwise match: a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')",
        "spec.template.metadata.name: Invalid value: \"a/b\": may not contain '/'",
        "spec.template.metadata.labels: Invalid value: \"bad key!\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
      ].sort(),
    );
    expect(errs({ spec: { template: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 5 } } } }, s)).toEqual([
      'spec.template.metadata: Invalid value: {"name":5}: json: cannot unmarshal number into Go struct field ObjectMeta.name of type string',
    ]);
    expect(errs({ spec: { template: { apiVersion: 'v1', kind: 'Pod', metadata: { labels: { a: 1 } } } } }, s)).toEqual([
      'spec.template.metadata: Invalid value: {"labels":{"a":1}}: json: cannot unmarshal number into Go struct field ObjectMeta.labels of type string',
    ]);
    expect(errs({ spec: { template: { apiVersion: 'v1', kind: 'Pod', metadata: { creationTimestamp: 'yesterday' } } } }, s)).toEqual([
      'spec.template.metadata: Invalid value: {"creationTimestamp":"yesterday"}: parsing time "yesterday" as "2006-01-02T15:04:05Z07:00": cannot parse "yesterday" as "2006"',
    ]);
    expect(errs({ spec: { template: { apiVersion: 'v1', kind: 'Pod', metadata: { namespace: 'Bad_NS' } } } }, s)).toEqual([
      "spec.template.metadata.namespace: Invalid value: \"Bad_NS\": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
    ]);
  });
  it('compiles each schema once: later validations do not read the schema again', () => {
    let reads = 0;
    const s = new Proxy({ type: 'object', properties: { a: { type: 'integer' } } } as Record<string, unknown>, {
      get(t, k) {
        reads++;
        return t[k as string];
      },
    });
    expect(validateCustomResource({ a: 1 }, s)).toEqual([]);
    const after = reads;
    expect(after).toBeGreaterThan(0);
    for (let i = 0; i < 100; i++) validateCustomResource({ a: i }, s);
    expect(text(validateCustomResource({ a: 'x' }, s))).toEqual(['a: Invalid value: "string": a in body must be of type integer: "string"']);
    expect(reads).toBe(after);
  });
});

const ROOT = 'spec.versions[0].schema.openAPIV3Schema';

describe('validateStructuralSchema (schema/validation.go, complete.go)', () => {
  // complete.go checks the value validations of the root schema's junctors (not those of nested properties)
  it('types must be specified', () => {
    expect(text(validateStructuralSchema({ type: 'object', properties: { spec: { properties: { a: { type: 'string' } } } } }, ROOT))).toEqual([
      `${ROOT}.properties[spec].type: Required value: must not be empty for specified object fields`,
    ]);
    expect(text(validateStructuralSchema({ properties: {} }, ROOT))).toEqual([`${ROOT}.type: Required value: must not be empty at the root`]);
    expect(text(validateStructuralSchema({ type: 'object', properties: { l: { type: 'array', items: {} } } }, ROOT))).toEqual([
      `${ROOT}.properties[l].items.type: Required value: must not be empty for specified array items`,
    ]);
    expect(text(validateStructuralSchema({ type: 'object', properties: { l: { type: 'array' } } }, ROOT))).toEqual([`${ROOT}.properties[l].items: Required value: must be specified`]);
    expect(text(validateStructuralSchema({ type: 'string' }, ROOT))).toEqual([`${ROOT}.type: Invalid value: "string": must be object at the root`]);
  });
  it('no schema, nothing to check', () => {
    expect(validateStructuralSchema(undefined, ROOT)).toEqual([]);
    expect(validateDefaults(undefined, ROOT)).toEqual([]);
  });
  it('preserve-unknown-fields and int-or-string may go without a type', () => {
    expect(validateStructuralSchema({ type: 'object', properties: { a: { 'x-kubernetes-preserve-unknown-fields': true }, b: { 'x-kubernetes-int-or-string': true } } }, ROOT)).toEqual([]);
    expect(
      validateStructuralSchema({ type: 'object', properties: { b: { 'x-kubernetes-int-or-string': true, anyOf: [{ type: 'integer' }, { type: 'string' }] }, c: { 'x-kubernetes-int-or-string': true, allOf: [{ anyOf: [{ type: 'integer' }, { type: 'string' }] }, { pattern: 'x' }] } } }, ROOT),
    ).toEqual([]);
  });
  it('value validations under junctors must not carry structure, and must have a structural counterpart', () => {
    const out = text(
      validateStructuralSchema({ type: 'object', properties: { a: { type: 'string', anyOf: [{ type: 'string', description: 'd', nullable: true, default: 'x' }] } }, anyOf: [{ properties: { zz: { pattern: 'x' } } }] }, ROOT),
    );
    expect(out).toEqual(
      [
        `${ROOT}.properties[a].anyOf[0].default: Forbidden: must be undefined to be structural`,
        `${ROOT}.properties[a].anyOf[0].description: Forbidden: must be empty to be structural`,
        `${ROOT}.properties[a].anyOf[0].nullable: Forbidden: must be false to be structural`,
        `${ROOT}.properties[a].anyOf[0].type: Forbidden: must be empty to be structural`,
        `${ROOT}.properties[zz]: Required value: because it is defined in ${ROOT}.anyOf[0].properties[zz]`,
      ].sort(),
    );
  });
  it('metadata: only name and generateName at the root, nothing nested', () => {
    expect(validateStructuralSchema({ type: 'object', properties: { metadata: { type: 'object', properties: { name: { type: 'string', maxLength: 10 }, generateName: { type: 'string' } } } } }, ROOT)).toEqual([]);
    expect(text(validateStructuralSchema({ type: 'object', properties: { metadata: { type: 'object', properties: { labels: { type: 'object' } } } } }, ROOT))).toEqual([
      `${ROOT}.properties[metadata]: Forbidden: must not specify anything other than name and generateName, but metadata is implicitly specified`,
    ]);
    expect(text(validateStructuralSchema({ type: 'object', properties: { metadata: { type: 'string' } } }, ROOT))).toEqual(
      [`${ROOT}.properties[metadata].type: Invalid value: "string": must be object`],
    );
    expect(text(validateStructuralSchema({ type: 'object', properties: { a: { type: 'object', allOf: [{ properties: { metadata: {} } }] , properties: { metadata: { type: 'object' } } } } }, ROOT))).toEqual([
      `${ROOT}.properties[a].allOf[0].properties[metadata]: Forbidden: must not be specified in a nested context`,
    ]);
  });
  it('embedded resources and additionalProperties at the root', () => {
    expect(text(validateStructuralSchema({ type: 'object', additionalProperties: { type: 'string' } }, ROOT))).toEqual([`${ROOT}.additionalProperties: Forbidden: must not be used at the root`]);
    expect(text(validateStructuralSchema({ type: 'object', properties: { e: { type: 'string', 'x-kubernetes-embedded-resource': true } } }, ROOT))).toEqual(
      [
        `${ROOT}.properties[e].properties: Required value: must not be empty if x-kubernetes-embedded-resource is true without x-kubernetes-preserve-unknown-fields`,
        `${ROOT}.properties[e].type: Invalid value: "string": must be object if x-kubernetes-embedded-resource is true`,
      ].sort(),
    );
    expect(text(validateStructuralSchema({ type: 'object', properties: { e: { type: 'object', 'x-kubernetes-embedded-resource': true, properties: { kind: { type: 'integer' } } } } }, ROOT))).toEqual([
      `${ROOT}.properties[e].properties[kind].type: Invalid value: "integer": must be string`,
    ]);
  });
  it('an invalid pattern, int-or-string with preserve-unknown-fields, and NewStructural errors', () => {
    expect(text(validateStructuralSchema({ type: 'object', properties: { a: { type: 'string', pattern: '(a' } } }, ROOT))).toEqual([
      `${ROOT}.properties[a].pattern: Invalid value: "(a": must be a valid regular expression, but isn't: error parsing regexp: missing closing ): \`(a\``,
    ]);
    expect(text(validateStructuralSchema({ type: 'object', properties: { a: { 'x-kubernetes-int-or-string': true, 'x-kubernetes-preserve-unknown-fields': true } } }, ROOT))).toEqual([
      `${ROOT}.properties[a].x-kubernetes-preserve-unknown-fields: Invalid value: true: must be false if x-kubernetes-int-or-string is true`,
    ]);
    expect(text(validateStructuralSchema({ type: 'object', properties: { a: { type: 'array', items: [{ type: 'string' }] } } }, ROOT))).toEqual([
      `${ROOT}: Invalid value: "": OpenAPIV3Schema 'items' must be a schema, but is an array`,
    ]);
  });
  it('list-type and map-type rules', () => {
    const s = {
      type: 'object',
      properties: {
        a: { type: 'string', 'x-kubernetes-list-type': 'set' },
        b: { type: 'array', items: { type: 'string' }, 'x-kubernetes-list-type': 'bag' },
        c: { type: 'array', items: { type: 'object', properties: { k: { type: 'string' } } }, 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['k', 'missing'] },
        d: { type: 'array', items: { type: 'string' }, 'x-kubernetes-list-map-keys': ['k'] },
        e: { type: 'array', items: { type: 'object', properties: { k: { type: 'string' } } }, 'x-kubernetes-list-type': 'set' },
        f: { type: 'string', 'x-kubernetes-map-type': 'atomic' },
      },
    };
    expect(text(validateStructuralSchema(s, ROOT))).toEqual([
      `${ROOT}.properties[a].type: Invalid value: "string": must be array if x-kubernetes-list-type is specified`,
      `${ROOT}.properties[b].x-kubernetes-list-type: Unsupported value: "bag": supported values: "atomic", "set", "map"`,
      `${ROOT}.properties[c].x-kubernetes-list-map-keys: Invalid value: ["k","missing"]: entries must all be names of item properties`,
      `${ROOT}.properties[c].items.properties[k].default: Required value: this property is in x-kubernetes-list-map-keys, so it must have a default or be a required property`,
      `${ROOT}.properties[d].x-kubernetes-list-type: Required value: must be map if x-kubernetes-list-map-keys is non-empty`,
      `${ROOT}.properties[e].items.x-kubernetes-map-type: Invalid value: null: must be atomic as item of a list with x-kubernetes-list-type=set`,
      `${ROOT}.properties[f].type: Invalid value: "string": must be object if x-kubernetes-map-type is specified`,
    ]);
  });
});

// A CronTab, as in the Kubernetes CRD walkthrough, with defaults, an embedded template and a list map.
const cronTab = {
  type: 'object',
  properties: {
    spec: {
      type: 'object',
      required: ['cronSpec'],
      properties: {
        cronSpec: { type: 'string', pattern: '^(\\d+|\\*)(/\\d+)?(\\s+(\\d+|\\*)(/\\d+)?){4}$' },
        image: { type: 'string', default: 'busybox' },
        replicas: { type: 'integer', minimum: 1, maximum: 10, default: 1 },
        mode: { type: 'string', enum: ['fast', 'slow'], nullable: true },
        labels: { type: 'object', additionalProperties: { type: 'string' } },
        ports: {
          type: 'array',
          'x-kubernetes-list-type': 'map',
          'x-kubernetes-list-map-keys': ['name'],
          items: { type: 'object', required: ['name'], properties: { name: { type: 'string' }, port: { type: 'integer', default: 80 } } },
        },
        tags: { type: 'array', 'x-kubernetes-list-type': 'set', items: { type: 'string' } },
        template: { type: 'object', 'x-kubernetes-embedded-resource': true, 'x-kubernetes-preserve-unknown-fields': true },
        extra: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
      },
    },
    status: { type: 'object', properties: { replicas: { type: 'integer' } } },
  },
};

describe('a CronTab, end to end', () => {
  it('is structural and its defaults are valid', () => {
    expect(validateStructuralSchema(cronTab, ROOT)).toEqual([]);
    expect(validateDefaults(cronTab, ROOT)).toEqual([]);
  });
  it('prune reports unknown fields as upstream (sorted, dotted with indexes), keeping TypeMeta/ObjectMeta', () => {
    const s = newStructural(cronTab);
    const obj: any = {
      apiVersion: 'stable.example.com/v1',
      kind: 'CronTab',
      metadata: { name: 'c' },
      spec: { cronSpec: '* * * * */5', foo: 1, ports: [{ name: 'http', proto: 'TCP' }], template: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'x' }, anything: 1 }, extra: { a: { b: 1 } } },
      status: { replicas: 1, phase: 'x' },
      zzz: true,
    };
    expect(prune(obj, s, true)).toEqual(['spec.foo', 'spec.ports[0].proto', 'status.phase', 'zzz']);
    expect(obj).toEqual({
      apiVersion: 'stable.example.com/v1',
      kind: 'CronTab',
      metadata: { name: 'c' },
      spec: { cronSpec: '* * * * */5', ports: [{ name: 'http' }], template: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'x' }, anything: 1 }, extra: { a: { b: 1 } } },
      status: { replicas: 1 },
    });
  });
  it('prune: unknown fields of an object without a schema, apiVersion/kind/metadata nested are unknown', () => {
    const s = newStructural({ type: 'object', properties: { spec: { type: 'object', properties: { list: { type: 'array', items: { type: 'object', properties: { a: { type: 'string' } } } } } } } });
    const obj: any = { spec: { list: [{ a: 'x', kind: 'k' }, { b: { c: 1 } }], metadata: {} } };
    expect(prune(obj, s, true)).toEqual(['spec.list[0].kind', 'spec.list[1].b', 'spec.metadata']);
    // not a resource root: top-level TypeMeta/ObjectMeta go, but are not reported (algorithm.go)
    const top: any = { metadata: {}, kind: 'x', other: 1 };
    expect(prune(top, s, false)).toEqual(['other']);
    expect(top).toEqual({});
  });
  it('defaults apply to absent fields and to non-nullable nulls, not to nullable nulls', () => {
    const s = newStructural(cronTab);
    const obj: any = { spec: { cronSpec: '* * * * *', replicas: null, mode: null, ports: [{ name: 'a' }, { name: 'b', port: 8080 }], tags: null } };
    pruneNonNullableNullsWithoutDefaults(obj, s);
    applyDefaults(obj, s);
    expect(obj).toEqual({ spec: { cronSpec: '* * * * *', replicas: 1, mode: null, image: 'busybox', ports: [{ name: 'a', port: 80 }, { name: 'b', port: 8080 }] } });
    const o2: any = { spec: { image: 'nginx' } };
    applyDefaults(o2, s);
    expect(o2.spec).toEqual({ image: 'nginx', replicas: 1 });
    // a default is deep-copied each time
    const d = newStructural({ type: 'object', properties: { a: { type: 'object', default: { x: [1] } } } });
    const p: any = {};
    const q: any = {};
    applyDefaults(p, d);
    applyDefaults(q, d);
    p.a.x.push(2);
    expect(q.a.x).toEqual([1]);
  });
  it('validation: the worked example errors', () => {
    const bad = { spec: { cronSpec: 'nope', replicas: 20, mode: 'medium', labels: { a: 1 }, ports: [{ name: 'a' }, { name: 'a' }], tags: ['x', 'y', 'x', 'x'], template: { kind: 'Pod' } } };
    const cr = new CustomResourceSchema(cronTab);
    expect(text(cr.validate(bad)).sort()).toEqual(
      [
        "spec.cronSpec: Invalid value: \"nope\": spec.cronSpec in body should match '^(\\d+|\\*)(/\\d+)?(\\s+(\\d+|\\*)(/\\d+)?){4}$'",
        'spec.replicas: Invalid value: 20: spec.replicas in body should be less than or equal to 10',
        'spec.mode: Unsupported value: "medium": supported values: "fast", "slow"',
        'spec.labels.a: Invalid value: "integer": spec.labels.a in body must be of type string: "integer"',
        'spec.template.apiVersion: Required value',
        'spec.ports[1]: Duplicate value: {"name":"a"}',
        'spec.tags[2]: Duplicate value: "x"',
      ].sort(),
    );
    expect(cr.validate({ spec: { cronSpec: '*/5 * * * *', replicas: 3, mode: 'fast' } })).toEqual([]);
    // kube-openapi's enum check runs for null too (validator.go basicCommonValidator), nullable or not
    expect(text(cr.validate({ spec: { cronSpec: '*/5 * * * *', mode: null } }))).toEqual(['spec.mode: Unsupported value: null: supported values: "fast", "slow"']);
    expect(text(cr.validateStatus({ status: { replicas: 'x' } }))).toEqual(['status.replicas: Invalid value: "string": replicas in body must be of type integer: "string"']);
  });
  it('decode: prune, drop non-nullable nulls, coerce embedded metadata, report unknown fields', () => {
    const cr = new CustomResourceSchema(cronTab);
    const obj: any = { apiVersion: 'stable.example.com/v1', kind: 'CronTab', metadata: { name: 'c' }, spec: { cronSpec: '* * * * *', image: null, x: 1, template: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', bogus: 1, labels: {} } } } };
    expect(cr.decode(obj, { returnUnknownFieldPaths: true })).toEqual({ unknownFields: ['spec.x', 'spec.template.metadata.bogus'] });
    expect(obj.spec).toEqual({ cronSpec: '* * * * *', image: null, template: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' } } });
    cr.default(obj);
    expect(obj.spec.image).toBe('busybox');
    const bad: any = { spec: { template: { apiVersion: 1, kind: 'Pod' } } };
    expect(cr.decode(bad).error).toEqual({ reason: 'FieldValueInvalid', message: 'Invalid value: 1: must be a string', field: 'spec.template.apiVersion' });
  });
});

describe('validateDefaults (defaulting/validation.go)', () => {
  it('a default must validate against its own schema, paths under .default', () => {
    const s = { type: 'object', properties: { spec: { type: 'object', properties: { a: { type: 'integer', default: 'x' }, b: { type: 'string', maxLength: 2, default: 'abc' }, c: { type: 'object', properties: { d: { type: 'integer' } }, default: { d: 'y' } } } } } };
    expect(text(validateDefaults(s, ROOT))).toEqual([
      `${ROOT}.properties[spec].properties[a].default: Invalid value: "string":  in body must be of type integer: "string"`,
      `${ROOT}.properties[spec].properties[b].default: Too long: may not be more than 2 bytes`,
      `${ROOT}.properties[spec].properties[c].default.d: Invalid value: "string": d in body must be of type integer: "string"`,
    ]);
  });
  it('a default must be pruned already', () => {
    const s = { type: 'object', properties: { spec: { type: 'object', properties: { c: { type: 'object', properties: { d: { type: 'integer' } }, default: { d: 1, e: 2 } } } } } };
    expect(text(validateDefaults(s, ROOT))).toEqual([`${ROOT}.properties[spec].properties[c].default: Invalid value: {"d":1,"e":2}: must not have unknown fields`]);
    expect(validateDefaults(s, ROOT, { requirePrunedDefaults: false })).toEqual([]);
  });
  it('defaults inside an embedded resource\'s metadata must give valid metadata', () => {
    const s = {
      type: 'object',
      properties: {
        t: {
          type: 'object',
          'x-kubernetes-embedded-resource': true,
          properties: { apiVersion: { type: 'string' }, kind: { type: 'string' }, metadata: { type: 'object', properties: { name: { type: 'string', default: 'a/b' } } } },
        },
      },
    };
    expect(text(validateDefaults(s, ROOT))).toEqual([
      `${ROOT}.properties[t].properties[metadata].properties[name].default: Invalid value: "a/b": must result in valid metadata: metadata.name: Invalid value: "a/b": may not contain '/'`,
    ]);
  });
  it('pruneDefaults drops unknown fields from defaults as serving does', () => {
    const s = newStructural({ type: 'object', properties: { spec: { type: 'object', properties: { c: { type: 'object', properties: { d: { type: 'integer' } }, default: { d: 1, e: 2 } } } } } });
    pruneDefaults(s);
    expect(s.properties!.get('spec')!.properties!.get('c')!.default).toEqual({ d: 1 });
  });
});

describe('validateListSetMapKeys (listtype/validation.go)', () => {
  const s = newStructural({
    type: 'object',
    properties: {
      set: { type: 'array', 'x-kubernetes-list-type': 'set', items: { type: 'object', 'x-kubernetes-map-type': 'atomic', properties: { a: { type: 'integer' } } } },
      one: { type: 'array', 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['k'], items: { type: 'object', properties: { k: { type: 'string' } } } },
      two: { type: 'array', 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['k', 'p'], items: { type: 'object', properties: { k: { type: 'string' }, p: { type: 'integer' } } } },
    },
  });
  it('reports the second appearance of each duplicate', () => {
    expect(text(validateListSetMapKeys({ set: [{ a: 1 }, { a: 1 }, { a: 2 }, { a: 1 }, { a: 2 }] }, s))).toEqual(['set[1]: Duplicate value: {"a":1}', 'set[4]: Duplicate value: {"a":2}']);
    expect(text(validateListSetMapKeys({ one: [{ k: 'x' }, {}, { k: 'x', v: 1 }, {}] }, s))).toEqual(['one[2]: Duplicate value: {"k":"x"}', 'one[3]: Duplicate value: {}']);
    expect(text(validateListSetMapKeys({ two: [{ k: 'x', p: 1 }, { k: 'x', p: 2 }, { p: 1, k: 'x' }] }, s))).toEqual(['two[2]: Duplicate value: {"k":"x","p":1}']);
    expect(text(validateListSetMapKeys({ one: [{ k: 'x' }, 'str'] }, s))).toEqual(['one[1]: Invalid value: "str": must be an object for an array of list-type map']);
    expect(validateListSetMapKeys({ one: [{ k: 'x' }, { k: 'y' }], two: [{ k: 'x', p: 1 }, { k: 'x', p: '1' }] }, s)).toEqual([]);
    expect(validateListSetMapKeys({ one: [{ k: 'x' }, { k: 'x' }] }, s)[0].reason).toBe('FieldValueDuplicate');
  });
});

describe('coerce (objectmeta/algorithm.go)', () => {
  it('normalizes embedded metadata like a round trip through ObjectMeta', () => {
    const s = newStructural({ type: 'object', properties: { t: { type: 'object', 'x-kubernetes-embedded-resource': true, 'x-kubernetes-preserve-unknown-fields': true } } });
    const obj: any = { t: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', generation: 0, annotations: {}, creationTimestamp: null, x: 1 } } };
    expect(coerce('', obj, s, false, { returnUnknownFieldPaths: true })).toEqual({ error: undefined, unknown: ['t.metadata.x'] });
    expect(obj.t.metadata).toEqual({ name: 'p' });
  });
});

describe('prune: upstream pruning/algorithm_test.go TestPrune cases', () => {
  const run = (json: unknown, schema: unknown, root = false) => {
    const obj = structuredClone(json);
    const pruned = prune(obj, schema === undefined ? (undefined as any) : newStructural(schema), root);
    return { obj, pruned };
  };
  it('object array', () => {
    expect(run([{ a: 1 }, { b: 1 }, { a: 1, b: 2, c: 3 }], { items: { properties: { a: {}, c: {} } } })).toEqual({ obj: [{ a: 1 }, {}, { a: 1, c: 3 }], pruned: ['[1].b', '[2].b'] });
  });
  it('object array with nil schema', () => {
    expect(run([{ a: 1 }, { b: 1 }, { a: 1, b: 2, c: 3 }], undefined)).toEqual({ obj: [{}, {}, {}], pruned: ['[0].a', '[1].b', '[2].a', '[2].b', '[2].c'] });
  });
  it('object array object', () => {
    const r = run(
      { array: [{ a: 1 }, { b: 1 }, { a: 1, b: 2, c: 3 }], unspecified: { a: 1 }, specified: { a: 1, b: 2, c: 3 } },
      { properties: { array: { items: { properties: { a: {}, c: {} } } }, specified: { properties: { a: {}, c: {} } } } },
    );
    expect(r).toEqual({ obj: { array: [{ a: 1 }, {}, { a: 1, c: 3 }], specified: { a: 1, c: 3 } }, pruned: ['array[1].b', 'array[2].b', 'specified.b', 'unspecified'] });
  });
  it('nested x-kubernetes-preserve-unknown-fields', () => {
    const json = {
      unspecified: 'bar',
      alpha: 'abc',
      beta: 42.0,
      unspecifiedObject: { unspecified: 'bar' },
      pruning: { unspecified: 'bar', unspecifiedObject: { unspecified: 'bar' }, pruning: { unspecified: 'bar' }, apiVersion: 'unknown', preserving: { unspecified: 'bar' } },
      preserving: { unspecified: 'bar', unspecifiedObject: { unspecified: 'bar' }, pruning: { unspecified: 'bar' }, preserving: { unspecified: 'bar' }, preservingUnknownType: [{ foo: true }, { bar: true }] },
      preservingAdditionalPropertiesNotInheritingXPreserveUnknownFields: { foo: { specified: { unspecified: 'bar' }, unspecified: 'bar' } },
      preservingAdditionalPropertiesKeyPruneValues: { foo: { specified: { unspecified: 'bar' }, unspecified: 'bar' } },
    };
    const ap = { type: 'object', properties: { specified: { type: 'object' } } };
    const schema = {
      type: 'object',
      'x-kubernetes-preserve-unknown-fields': true,
      properties: {
        alpha: { type: 'string' },
        beta: { type: 'number' },
        pruning: { type: 'object', properties: { preserving: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true }, pruning: { type: 'object' } } },
        preserving: {
          type: 'object',
          'x-kubernetes-preserve-unknown-fields': true,
          properties: { preserving: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true }, preservingUnknownType: { 'x-kubernetes-preserve-unknown-fields': true }, pruning: { type: 'object' } },
        },
        preservingAdditionalPropertiesNotInheritingXPreserveUnknownFields: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true, additionalProperties: ap },
        preservingAdditionalPropertiesKeyPruneValues: { type: 'object', additionalProperties: ap },
      },
    };
    const r = run(json, schema);
    expect(r.obj).toEqual({
      unspecified: 'bar',
      alpha: 'abc',
      beta: 42.0,
      unspecifiedObject: { unspecified: 'bar' },
      pruning: { pruning: {}, preserving: { unspecified: 'bar' } },
      preserving: { unspecified: 'bar', unspecifiedObject: { unspecified: 'bar' }, pruning: {}, preserving: { unspecified: 'bar' }, preservingUnknownType: [{ foo: true }, { bar: true }] },
      preservingAdditionalPropertiesNotInheritingXPreserveUnknownFields: { foo: { specified: {} } },
      preservingAdditionalPropertiesKeyPruneValues: { foo: { specified: {} } },
    });
    expect(r.pruned).toEqual([
      'preserving.pruning.unspecified',
      'preservingAdditionalPropertiesKeyPruneValues.foo.specified.unspecified',
      'preservingAdditionalPropertiesKeyPruneValues.foo.unspecified',
      'preservingAdditionalPropertiesNotInheritingXPreserveUnknownFields.foo.specified.unspecified',
      'preservingAdditionalPropertiesNotInheritingXPreserveUnknownFields.foo.unspecified',
      'pruning.apiVersion',
      'pruning.pruning.unspecified',
      'pruning.unspecified',
      'pruning.unspecifiedObject',
    ]);
  });
  it('additionalProperties with a schema and with false', () => {
    expect(run({ a: 1, b: 1, c: { a: 1, b: 2, c: { a: 1 } } }, { properties: { a: {}, c: { additionalProperties: { type: 'integer' } } } })).toEqual({
      obj: { a: 1, c: { a: 1, b: 2, c: {} } },
      pruned: ['b', 'c.c.a'],
    });
    expect(run({ a: 1, b: 1, c: { a: 1, b: 2, c: { a: 1, apiVersion: 'unknown' } } }, { properties: { a: {}, c: { additionalProperties: false } } })).toEqual({
      obj: { a: 1, c: { a: 1, b: 2, c: {} } },
      pruned: ['b', 'c.c.a', 'c.c.apiVersion'],
    });
  });
  it('x-kubernetes-embedded-resource keeps TypeMeta and metadata of embedded objects', () => {
    const meta = { name: 'instance', unspecified: 'bar' };
    const json = {
      apiVersion: 'foo/v1',
      kind: 'Foo',
      metadata: meta,
      unspecified: 'bar',
      pruned: { apiVersion: 'foo/v1', kind: 'Foo', unspecified: 'bar', metadata: meta, spec: { unspecified: 'bar' } },
      preserving: { apiVersion: 'foo/v1', kind: 'Foo', unspecified: 'bar', metadata: meta, spec: { unspecified: 'bar' } },
      nested: { apiVersion: 'foo/v1', kind: 'Foo', unspecified: 'bar', metadata: meta, spec: { unspecified: 'bar', embedded: { apiVersion: 'foo/v1', kind: 'Foo', unspecified: 'bar', metadata: meta, spec: { unspecified: 'bar' } } } },
    };
    const emb = (extra: object) => ({ type: 'object', 'x-kubernetes-embedded-resource': true, ...extra });
    const schema = {
      type: 'object',
      properties: {
        pruned: emb({ properties: { spec: { type: 'object' } } }),
        preserving: emb({ 'x-kubernetes-preserve-unknown-fields': true }),
        nested: emb({ properties: { spec: { type: 'object', properties: { embedded: emb({ properties: { spec: { type: 'object' } } }) } } } }),
      },
    };
    const r = run(json, schema);
    expect(r.pruned).toEqual(['nested.spec.embedded.spec.unspecified', 'nested.spec.embedded.unspecified', 'nested.spec.unspecified', 'nested.unspecified', 'pruned.spec.unspecified', 'pruned.unspecified', 'unspecified']);
    expect((r.obj as any).nested.spec.embedded).toEqual({ apiVersion: 'foo/v1', kind: 'Foo', metadata: meta, spec: {} });
    expect((r.obj as any).apiVersion).toBeUndefined();
    const r2 = run(json, schema, true);
    expect((r2.obj as any).apiVersion).toBe('foo/v1');
    expect(r2.pruned).toEqual(['nested.spec.embedded.spec.unspecified', 'nested.spec.embedded.unspecified', 'nested.spec.unspecified', 'nested.unspecified', 'pruned.spec.unspecified', 'pruned.unspecified', 'unspecified']);
  });
});

describe('Go regular expressions (RE2) in patterns', () => {
  const m = (pattern: string, ok: string[], bad: string[]) => {
    const s = { type: 'object', properties: { x: { type: 'string', pattern } } };
    for (const v of ok) expect(errs({ x: v }, s), `${pattern} ${v}`).toEqual([]);
    for (const v of bad) expect(errs({ x: v }, s), `${pattern} ${v}`).toEqual([`x: Invalid value: ${JSON.stringify(v)}: x in body should match '${pattern}'`]);
  };
  it('translates RE2 syntax', () => {
    m('^[[:alpha:]]+$', ['abc'], ['ab1']);
    m('(?i)^abc$', ['ABC'], ['abd']);
    m('^\\pL+$', ['héllo'], ['a1']);
    m('^a{2}$', ['aa'], ['a']);
    m('^a{$', ['a{'], ['a']);
    m('^\\s$', [' ', '\t'], ['x']);
    // Go's \s is ASCII only (and %q escapes the no-break space)
    expect(errs({ x: '\u00a0' }, { type: 'object', properties: { x: { type: 'string', pattern: '^\\s$' } } })).toEqual(["x: Invalid value: \"\\u00a0\": x in body should match '^\\s$'"]);
    m('^(?P<n>x)\\z', ['x'], ['x\n']);
    m('^[a-z0-9]([-a-z0-9]*[a-z0-9])?$', ['my-name'], ['-x']);
  });
  it('reports what Go cannot compile', () => {
    const bad = (pattern: string, msg: string) =>
      expect(text(validateStructuralSchema({ type: 'object', properties: { a: { type: 'string', pattern } } }, 'p'))).toEqual([
        `p.properties[a].pattern: Invalid value: ${JSON.stringify(pattern)}: must be a valid regular expression, but isn't: error parsing regexp: ${msg}`,
      ]);
    bad('a)', 'unexpected ): `a)`');
    bad('[a', 'missing closing ]: `[a`');
    bad('a**', 'invalid nested repetition operator: `**`');
    bad('(?=a)', 'invalid or unsupported Perl syntax: `(?=`');
    bad('\\1', 'invalid escape sequence: `\\1`');
  });
});

describe('decode with the root metadata', () => {
  it('reports unknown metadata fields first, then pruned fields', () => {
    const cr = new CustomResourceSchema(cronTab);
    const obj: any = { apiVersion: 'stable.example.com/v1', kind: 'CronTab', metadata: { name: 'c', foo: 1, labels: {} }, spec: { cronSpec: '* * * * *', bar: 1 } };
    expect(cr.decode(obj, { returnUnknownFieldPaths: true, rootMetadata: true })).toEqual({ unknownFields: ['metadata.foo', 'spec.bar'] });
    expect(obj.metadata).toEqual({ name: 'c' });
    expect(cr.decode({ metadata: { name: 1 } }, { rootMetadata: true }).error).toEqual({
      reason: 'FieldValueInvalid',
      message: 'Invalid value: {"name":1}: json: cannot unmarshal number into Go struct field ObjectMeta.name of type string',
      field: 'metadata',
    });
  });
});

describe('deeply nested values (10,000 levels, Go JSON limit) do not exhaust the stack', () => {
  const deepArray = (n: number) => {
    let v: unknown = [{ leaf: 1 }];
    for (let i = 0; i < n; i++) v = [v];
    return v;
  };
  const deepObject = (n: number) => {
    let v: unknown = { leaf: null };
    for (let i = 0; i < n; i++) v = { a: v };
    return v;
  };
  it('prune, null pruning, defaulting and validation', () => {
    const cr = new CustomResourceSchema({
      type: 'object',
      properties: { m: { type: 'object', additionalProperties: true }, p: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true }, q: { type: 'integer', default: 1 } },
    });
    const obj: any = { m: { k: deepArray(10000) }, p: deepObject(10000) };
    const r = cr.decode(obj, { returnUnknownFieldPaths: true });
    expect(r.unknownFields).toHaveLength(1);
    expect(r.unknownFields[0]).toMatch(/^m\.k(\[0\]){10001}\.leaf$/);
    cr.default(obj);
    expect(obj.q).toBe(1);
    expect(cr.validate(obj)).toEqual([]);
  });
});

describe('ratcheting on update (pkg/apiserver/validation/ratcheting.go)', () => {
  const s = {
    type: 'object',
    properties: {
      spec: {
        type: 'object',
        properties: {
          a: { type: 'string', maxLength: 2 },
          b: { type: 'string', maxLength: 2 },
          list: { type: 'array', items: { type: 'integer', maximum: 5 } },
          ports: { type: 'array', 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['name'], items: { type: 'object', properties: { name: { type: 'string' }, port: { type: 'integer', maximum: 100 } } } },
          tags: { type: 'array', 'x-kubernetes-list-type': 'set', items: { type: 'string', maxLength: 2 } },
        },
      },
    },
  };
  const upd = (obj: unknown, old: unknown) => sorted(validateCustomResourceUpdate(obj, old, s));
  it('an unchanged invalid field passes, a changed one fails', () => {
    const old = { spec: { a: 'toolong', b: 'ok' } };
    expect(upd({ spec: { a: 'toolong', b: 'ok' } }, old)).toEqual([]);
    expect(upd({ spec: { a: 'toolong', b: 'no!' } }, old)).toEqual(['spec.b: Too long: may not be more than 2 bytes']);
    expect(upd({ spec: { a: 'toolong2', b: 'ok' } }, old)).toEqual(['spec.a: Too long: may not be more than 2 bytes']);
    expect(sorted(validateCustomResource({ spec: { a: 'toolong', b: 'ok' } }, s))).toEqual(['spec.a: Too long: may not be more than 2 bytes']);
  });
  it('lists correlate by index, map lists by key, sets not at all', () => {
    expect(upd({ spec: { list: [9, 1] } }, { spec: { list: [9] } })).toEqual([]);
    expect(upd({ spec: { list: [1, 9] } }, { spec: { list: [9] } })).toEqual(['spec.list[1]: Invalid value: 9: spec.list[1] in body should be less than or equal to 5']);
    const oldPorts = { spec: { ports: [{ name: 'a', port: 500 }] } };
    expect(upd({ spec: { ports: [{ name: 'b', port: 1 }, { name: 'a', port: 500 }] } }, oldPorts)).toEqual([]);
    expect(upd({ spec: { ports: [{ name: 'b', port: 500 }] } }, oldPorts)).toEqual(['spec.ports[0].port: Invalid value: 500: spec.ports[0].port in body should be less than or equal to 100']);
    expect(upd({ spec: { tags: ['long', 'x'] } }, { spec: { tags: ['long'] } })).toEqual(['spec.tags[0]: Too long: may not be more than 2 bytes']);
    expect(upd({ spec: { tags: ['long'] } }, { spec: { tags: ['long'] } })).toEqual([]);
  });
  it('CustomResourceSchema.validateUpdate: list-type duplicates only count when the old object had none', () => {
    const cr = new CustomResourceSchema(cronTab);
    const dup = { spec: { cronSpec: '* * * * *', tags: ['x', 'x'] } };
    expect(cr.validateUpdate(dup, dup)).toEqual([]);
    expect(text(cr.validateUpdate(dup, { spec: { cronSpec: '* * * * *' } }))).toEqual(['spec.tags[1]: Duplicate value: "x"']);
    expect(text(cr.validateStatusUpdate({ status: { replicas: 'x' } }, { status: { replicas: 'x' } }))).toEqual([]);
    expect(text(cr.validateStatusUpdate({ status: { replicas: 'y' } }, { status: { replicas: 'x' } }))).toEqual(['status.replicas: Invalid value: "string": replicas in body must be of type integer: "string"']);
  });
});

describe('a property named __proto__', () => {
  it('is validated, pruned and defaulted as any other field', () => {
    const schema = JSON.parse('{"type":"object","properties":{"spec":{"type":"object","properties":{"__proto__":{"type":"string","default":"d"}}}}}');
    const s = newStructural(schema);
    const obj: any = JSON.parse('{"spec":{"other":1}}');
    expect(prune(obj, s, true)).toEqual(['spec.other']);
    applyDefaults(obj, s);
    expect(JSON.stringify(obj)).toBe('{"spec":{"__proto__":"d"}}');
    expect(Object.getPrototypeOf(obj.spec)).toBe(Object.prototype);
    expect(errs(JSON.parse('{"spec":{"__proto__":1}}'), schema)).toEqual(['spec.__proto__: Invalid value: "integer": spec.__proto__ in body must be of type string: "integer"']);
  });
});

describe('odd schemas and values never throw', () => {
  it('random schemas and values (fixed seed) through every entry point', () => {
    let seed = 7;
    const rnd = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed / 0x7fffffff;
    };
    const pick = <T,>(a: T[]) => a[Math.floor(rnd() * a.length)];
    const schema = (d: number): any => {
      if (rnd() < 0.05) return pick([null, 'str', 5, []]);
      const s: any = {};
      const t = pick(['object', 'array', 'string', 'integer', 'number', 'boolean', '', 'null']);
      if (t) s.type = t;
      if (rnd() < 0.2) s.nullable = rnd() < 0.5;
      if (rnd() < 0.1) s['x-kubernetes-int-or-string'] = true;
      if (rnd() < 0.1) s['x-kubernetes-preserve-unknown-fields'] = pick([true, false, 'x']);
      if (rnd() < 0.1) s['x-kubernetes-embedded-resource'] = true;
      if (rnd() < 0.1) s['x-kubernetes-list-type'] = pick(['set', 'map', 'atomic', 'x']);
      if (rnd() < 0.1) s['x-kubernetes-list-map-keys'] = pick([['a'], ['a', 'b'], 'x', []]);
      if (rnd() < 0.1) s.enum = pick([[1, 'a'], [null], 'x', [{ a: 1 }]]);
      if (rnd() < 0.1) s.pattern = pick(['^a', '(', '[[:alpha:]]', '\\pL', 5]);
      if (rnd() < 0.1) s.format = pick(['date-time', 'int32', 'uuid', 'byte', 'x']);
      if (rnd() < 0.1) s.maximum = pick([10, 10.5, 'x']);
      if (rnd() < 0.1) s.multipleOf = pick([0, 2, 0.5, -1]);
      if (rnd() < 0.1) s.required = pick([['a'], 'x', [1]]);
      if (rnd() < 0.1) s.default = pick([1, 'x', { a: 1 }, [1], null]);
      if (d > 0) {
        if (rnd() < 0.5) {
          s.properties = {};
          for (const k of ['a', 'b', 'metadata', 'kind']) if (rnd() < 0.4) s.properties[k] = schema(d - 1);
        }
        if (rnd() < 0.3) s.items = rnd() < 0.9 ? schema(d - 1) : [schema(d - 1)];
        if (rnd() < 0.2) s.additionalProperties = rnd() < 0.5 ? schema(d - 1) : rnd() < 0.5;
        for (const j of ['allOf', 'anyOf', 'oneOf']) if (rnd() < 0.1) s[j] = [schema(d - 1), schema(d - 1)];
        if (rnd() < 0.05) s.not = schema(d - 1);
      }
      return s;
    };
    const value = (d: number): any => {
      const r = rnd();
      if (d <= 0 || r < 0.3) return pick([null, 1, 1.5, 'a', true, '', 1e300]);
      if (r < 0.6) {
        const o: any = {};
        for (const k of ['a', 'b', 'metadata', 'kind', 'apiVersion']) if (rnd() < 0.4) o[k] = value(d - 1);
        return o;
      }
      return Array.from({ length: Math.floor(rnd() * 4) }, () => value(d - 1));
    };
    let compiled = 0;
    for (let i = 0; i < 1500; i++) {
      const sc = schema(4);
      const v = value(4);
      const old = value(4);
      validateStructuralSchema(sc, 'p');
      validateDefaults(sc, 'p');
      validateCustomResource(structuredClone(v), sc);
      validateCustomResourceUpdate(structuredClone(v), old, sc);
      let cr: CustomResourceSchema | undefined;
      try {
        cr = new CustomResourceSchema(sc);
      } catch (e) {
        // NewStructural refuses some schemas, with upstream's words
        expect((e as Error).message).toMatch(/OpenAPIV3Schema|x-kubernetes-preserve-unknown-fields/);
      }
      if (!cr) continue;
      compiled++;
      const o = structuredClone(v);
      cr.decode(o, { returnUnknownFieldPaths: true, rootMetadata: true });
      cr.default(o);
      cr.validate(o);
      cr.validateUpdate(o, old);
      cr.validateStatusUpdate(o, old);
    }
    expect(compiled).toBeGreaterThan(100);
  });
});
