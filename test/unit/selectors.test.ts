import { describe, it, expect } from 'vitest';
import {
  SelectorParseError,
  fieldSelectorExactValue,
  fieldSelectorFields,
  fieldSelectorToString,
  isEverything,
  labelSelectorFromObject,
  labelSelectorToString,
  matches,
  matchesFields,
  parseFieldSelector,
  parseLabelSelector,
  unsupportedField,
} from '../../src/registry/selectors.js';

const NAME_PART =
  "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
const LABEL_VALUE =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";

const m = (sel: string, labels: Record<string, string>) => matches(parseLabelSelector(sel), labels);
const err = (fn: () => unknown): string => {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(SelectorParseError);
    return (e as Error).message;
  }
  throw new Error('expected an error');
};

describe('parseLabelSelector: syntax', () => {
  it('empty selector matches everything', () => {
    const s = parseLabelSelector('');
    expect(isEverything(s)).toBe(true);
    expect(matches(s, {})).toBe(true);
    expect(matches(parseLabelSelector('   '), { a: 'b' })).toBe(true);
  });
  it('equality operators', () => {
    expect(m('app=web', { app: 'web' })).toBe(true);
    expect(m('app==web', { app: 'web' })).toBe(true);
    expect(m('app=web', { app: 'db' })).toBe(false);
    expect(m('app=web', {})).toBe(false);
    expect(m('app!=web', { app: 'db' })).toBe(true);
    expect(m('app!=web', {})).toBe(true);
    expect(m('app!=web', { app: 'web' })).toBe(false);
  });
  it('empty value: a= matches an empty label only', () => {
    expect(m('a=', { a: '' })).toBe(true);
    expect(m('a=', { a: 'x' })).toBe(false);
    expect(m('a=,b=c', { a: '', b: 'c' })).toBe(true);
  });
  it('set operators, whitespace and keywords as values', () => {
    expect(m('env in (prod, qa)', { env: 'qa' })).toBe(true);
    expect(m('env in (prod,qa)', { env: 'dev' })).toBe(false);
    expect(m('env notin (prod,qa)', { env: 'dev' })).toBe(true);
    expect(m('env notin (prod,qa)', {})).toBe(true);
    expect(m('env in (in,notin)', { env: 'notin' })).toBe(true);
    expect(m('x in (foo,,baz)', { x: '' })).toBe(true);
    expect(m('x in ()', { x: '' })).toBe(true);
  });
  it('exists, !key and combinations', () => {
    expect(m('app', { app: 'x' })).toBe(true);
    expect(m('app', {})).toBe(false);
    expect(m('!app', {})).toBe(true);
    expect(m('!app', { app: '' })).toBe(false);
    expect(m('app=web,!canary,tier in (fe)', { app: 'web', tier: 'fe' })).toBe(true);
    expect(m('app=web,!canary', { app: 'web', canary: 'true' })).toBe(false);
  });
  it('gt and lt compare integers', () => {
    expect(m('n>5', { n: '6' })).toBe(true);
    expect(m('n>5', { n: '5' })).toBe(false);
    expect(m('n<5', { n: '-1' })).toBe(true);
    expect(m('n<5', { n: 'x' })).toBe(false);
    expect(m('n<5', {})).toBe(false);
  });
  it('prefixed keys', () => {
    expect(m('app.kubernetes.io/name=web', { 'app.kubernetes.io/name': 'web' })).toBe(true);
  });
  it('requirements are sorted by key and values sorted/deduplicated', () => {
    const s = parseLabelSelector('z=1,a in (c,b,c),m');
    expect(s.requirements.map((r) => r.key)).toEqual(['a', 'm', 'z']);
    expect(s.requirements[0].values).toEqual(['b', 'c']);
    expect(labelSelectorToString(s)).toBe('a in (b,c),m,z=1');
    expect(labelSelectorToString(parseLabelSelector('!b,a!=x,c==y,d>3,e<4,f notin (q)'))).toBe('a!=x,!b,c==y,d>3,e<4,f notin (q)');
  });
});

describe('parseLabelSelector: upstream error messages', () => {
  it('invalid key', () => {
    expect(err(() => parseLabelSelector('app:monolith'))).toBe(`unable to parse requirement: <nil>: Invalid value: "app:monolith": ${NAME_PART}`);
  });
  it('invalid value', () => {
    expect(err(() => parseLabelSelector('env=bad value!'))).toBe(`found 'value', expected: ',' or 'end of string'`);
    expect(err(() => parseLabelSelector('env=-bad'))).toBe(`unable to parse requirement: values[0][env]: Invalid value: "-bad": ${LABEL_VALUE}`);
    expect(err(() => parseLabelSelector('env in (ok,-bad)'))).toBe(`unable to parse requirement: values[0][env]: Invalid value: "-bad": ${LABEL_VALUE}`);
  });
  it('structural errors', () => {
    expect(err(() => parseLabelSelector('a=b,'))).toBe("found '', expected: identifier after ','");
    expect(err(() => parseLabelSelector(',a'))).toBe("found ',', expected: !, identifier, or 'end of string'");
    expect(err(() => parseLabelSelector('a b'))).toBe("unable to parse requirement: found 'b', expected: in, notin, =, ==, !=, gt, lt");
    expect(err(() => parseLabelSelector('a in b'))).toBe("unable to parse requirement: found 'b' expected: '('");
    expect(err(() => parseLabelSelector('a in (b'))).toBe("unable to parse requirement: found '', expected: ',' or ')'");
    expect(err(() => parseLabelSelector('a in (='))).toBe("unable to parse requirement: found '=', expected: ',', ')' or identifier");
    expect(err(() => parseLabelSelector('a=(b'))).toBe("unable to parse requirement: found '(', expected: identifier");
    expect(err(() => parseLabelSelector('!a=b'))).toBe("found '=', expected: ',' or 'end of string'");
    expect(err(() => parseLabelSelector('!'))).toBe("unable to parse requirement: found '', expected: identifier");
  });
  it('gt/lt need an integer', () => {
    expect(err(() => parseLabelSelector('n>abc'))).toBe(`unable to parse requirement: values[0]: Invalid value: "abc": for 'Gt', 'Lt' operators, the value must be an integer`);
  });
  it('several errors are aggregated in brackets', () => {
    expect(err(() => parseLabelSelector('n>-x'))).toBe(
      `unable to parse requirement: [values[0]: Invalid value: "-x": for 'Gt', 'Lt' operators, the value must be an integer, values[0][n]: Invalid value: "-x": ${LABEL_VALUE}]`,
    );
  });
});

describe('labelSelectorFromObject (LabelSelectorAsSelector)', () => {
  it('nil matches nothing, empty matches everything', () => {
    expect(matches(labelSelectorFromObject(undefined), {})).toBe(false);
    expect(matches(labelSelectorFromObject(null), { a: 'b' })).toBe(false);
    expect(matches(labelSelectorFromObject({}), { a: 'b' })).toBe(true);
    expect(matches(labelSelectorFromObject({ matchLabels: {}, matchExpressions: [] }), {})).toBe(true);
    expect(labelSelectorToString(null)).toBe('');
    expect(labelSelectorToString({})).toBe('');
  });
  it('matchLabels and matchExpressions', () => {
    const ls = {
      matchLabels: { app: 'web' },
      matchExpressions: [
        { key: 'tier', operator: 'In', values: ['b', 'a'] },
        { key: 'canary', operator: 'DoesNotExist' },
        { key: 'env', operator: 'NotIn', values: ['dev'] },
        { key: 'zone', operator: 'Exists' },
      ],
    };
    const s = labelSelectorFromObject(ls);
    expect(labelSelectorToString(s)).toBe('app=web,!canary,env notin (dev),tier in (a,b),zone');
    expect(labelSelectorToString(ls)).toBe('app=web,!canary,env notin (dev),tier in (a,b),zone');
    expect(matches(s, { app: 'web', tier: 'a', zone: 'z1' })).toBe(true);
    expect(matches(s, { app: 'web', tier: 'c', zone: 'z1' })).toBe(false);
    expect(matches(s, { app: 'web', tier: 'a', zone: 'z1', canary: '1' })).toBe(false);
  });
  it('errors', () => {
    expect(err(() => labelSelectorFromObject({ matchExpressions: [{ key: 'a', operator: 'Foo' }] }))).toBe('"Foo" is not a valid label selector operator');
    expect(err(() => labelSelectorFromObject({ matchExpressions: [{ key: 'a', operator: 'In', values: [] }] }))).toBe(
      `values: Invalid value: []string{}: for 'in', 'notin' operators, values set can't be empty`,
    );
    expect(err(() => labelSelectorFromObject({ matchLabels: { 'bad key': 'v' } }))).toBe(`key: Invalid value: "bad key": ${NAME_PART}`);
    expect(err(() => labelSelectorFromObject({ matchExpressions: [{ key: 'a', operator: 'Exists', values: ['x'] }] }))).toBe(
      `values: Invalid value: []string{"x"}: values set must be empty for exists and does not exist`,
    );
  });
});

describe('field selectors', () => {
  const fields: Record<string, string> = { 'metadata.name': 'web-0', 'metadata.namespace': 'default', 'status.phase': 'Running', 'spec.nodeName': '' };
  const get = (f: string) => fields[f];
  const fm = (s: string) => matchesFields(parseFieldSelector(s), get);
  it('=, == and != with AND', () => {
    expect(fm('metadata.name=web-0')).toBe(true);
    expect(fm('metadata.name==web-0')).toBe(true);
    expect(fm('metadata.name!=web-0')).toBe(false);
    expect(fm('metadata.name=web-0,status.phase!=Pending')).toBe(true);
    expect(fm('metadata.name=web-0,status.phase=Pending')).toBe(false);
    expect(fm('')).toBe(true);
  });
  it('empty values and missing fields compare as ""', () => {
    expect(fm('spec.nodeName=')).toBe(true);
    expect(fm('involvedObject.namespace=')).toBe(true);
    expect(fm('status.phase=')).toBe(false);
  });
  it('backslash escapes', () => {
    const s = parseFieldSelector('a=x\\,y\\=z\\\\,b!=c');
    expect(s.requirements).toEqual([
      { field: 'a', operator: '=', value: 'x,y=z\\' },
      { field: 'b', operator: '!=', value: 'c' },
    ]);
    expect(fieldSelectorToString(s)).toBe('a=x\\,y\\=z\\\\,b!=c');
  });
  it('errors as upstream', () => {
    expect(err(() => parseFieldSelector('foo'))).toBe("invalid selector: 'foo'; can't understand 'foo'");
    expect(err(() => parseFieldSelector('a=b=c'))).toBe('invalid field selector: unescaped character in value: 61');
    expect(err(() => parseFieldSelector('a=b\\x'))).toBe('invalid field selector: invalid escape sequence: \\x');
    expect(err(() => parseFieldSelector('a=b\\'))).toBe('invalid field selector: invalid escape sequence: \\');
  });
  it('fields used, unsupported fields and exact match', () => {
    const s = parseFieldSelector('status.phase=Running,metadata.name=web-0,spec.foo!=x');
    expect(fieldSelectorFields(s)).toEqual(['metadata.name', 'spec.foo', 'status.phase']);
    expect(unsupportedField(s, ['metadata.name', 'status.phase'])).toBe('field label not supported: spec.foo');
    expect(unsupportedField(s, ['metadata.name', 'status.phase', 'spec.foo'])).toBeUndefined();
    expect(fieldSelectorExactValue(s, 'metadata.name')).toBe('web-0');
    expect(fieldSelectorExactValue(s, 'spec.foo')).toBeUndefined();
  });
});
