// The JSONPath dialect of kubectl / CRD printer columns, pinned to upstream's tests
// (staging/src/k8s.io/client-go/util/jsonpath/jsonpath_test.go, parser_test.go).
import { describe, expect, it } from 'vitest';
import { goFloatV, parseJSONPath } from '../../src/apiextensions/jsonpath.js';

function run(template: string, data: unknown, allowMissing = false): string {
  return parseJSONPath(template).allowMissingKeys(allowMissing).execute(data);
}

function fail(template: string, data: unknown, allowMissing = false): string {
  try {
    run(template, data, allowMissing);
  } catch (e) {
    return (e as Error).message;
  }
  return 'nil';
}

function parseError(template: string): string {
  try {
    parseJSONPath(template);
  } catch (e) {
    return (e as Error).message;
  }
  return 'nil';
}

const store = {
  Name: 'jsonpath',
  Book: [
    { Category: 'reference', Author: 'Nigel Rees', Title: 'Sayings of the Centurey', Price: 8.95 },
    { Category: 'fiction', Author: 'Evelyn Waugh', Title: 'Sword of Honour', Price: 12.99 },
    { Category: 'fiction', Author: 'Herman Melville', Title: 'Moby Dick', Price: 8.99 },
  ],
  Bicycle: [
    { Color: 'red', Price: 19.95, IsNew: true },
    { Color: 'green', Price: 20.01, IsNew: false },
  ],
  Labels: { engieer: 10, 'web/html': 15, 'k8s-app': 20 },
  Employees: { jason: 'manager', dan: 'clerk' },
};

const nodes = {
  kind: 'List',
  items: [
    {
      kind: 'None',
      metadata: { name: '127.0.0.1', labels: { 'kubernetes.io/hostname': '127.0.0.1' } },
      status: { capacity: { cpu: '4' }, ready: true, addresses: [{ type: 'LegacyHostIP', address: '127.0.0.1' }] },
    },
    {
      kind: 'None',
      metadata: { name: '127.0.0.2', labels: { 'kubernetes.io/hostname': '127.0.0.2' } },
      status: {
        capacity: { cpu: '8' },
        ready: false,
        addresses: [
          { type: 'LegacyHostIP', address: '127.0.0.2' },
          { type: 'another', address: '127.0.0.3' },
        ],
      },
    },
  ],
  users: [
    { name: 'myself', user: {} },
    { name: 'e2e', user: { username: 'admin', password: 'secret' } },
  ],
};

describe('jsonpath parse errors (parser_test.go TestFailParser)', () => {
  it.each([
    ['{.hello', 'unclosed action'],
    ['{*}', "unrecognized character in action: U+002A '*'"],
    ['{+12.3.0}', 'cannot parse number +12.3.0'],
    ['{[1}', 'unterminated array'],
    ['{[?(.price]}', 'unterminated filter'],
    ['{........}', 'invalid multiple recursive descent'],
    ['{.a\n}', 'unclosed action'],
    ['{[a:b]}', 'invalid array index a:b'],
    ['{[?(@.a=="x")}', 'unclosed array expect ]'],
    ['{"abc}', 'unterminated quoted string'],
    ["{'it\\\"s'}", `unquote string 'it\\"s' error invalid syntax`],
    ['{.a{.b}}', "unrecognized character in action: U+007B '{'"],
    ['{\t}', 'unrecognized character in action: U+0009'],
    ['{[1,a:b]}', 'invalid array index a:b'],
  ])('%j -> %s', (template, message) => {
    expect(parseError(template)).toBe(message);
  });

  it('accepts what upstream accepts (identifiers fail only when evaluated)', () => {
    for (const t of ['hello jsonpath', '{.jsonpath}', "{['jsonpath']}", '{"{"}', '{[1:3]}', '{..}', '{..price}', '{[-5:]}', '{[-1]}', '{[1:-1]}', '{range .items}{.name},{end}', '{spec.replicas}', '{.}']) {
      expect(parseError(t)).toBe('nil');
    }
    expect(fail('{hello}', store)).toBe('unrecognized identifier hello');
  });

  it('parses filters with quotes and parentheses in the literal', () => {
    const data = [{ status: { nodeInfo: { osImage: '()' } } }, { status: { nodeInfo: { osImage: '(\\"\\")' } } }];
    expect(run('{[?(@.status.nodeInfo.osImage == "()")].status.nodeInfo.osImage}', data)).toBe('()');
    expect(run('{[?(@.status.nodeInfo.osImage == \'{[()]}\')]}', [{ status: { nodeInfo: { osImage: '{[()]}' } } }])).toBe(
      '{"status":{"nodeInfo":{"osImage":"{[()]}"}}}',
    );
  });
});

describe('jsonpath evaluation (jsonpath_test.go)', () => {
  it('types: slices, negative indexes, steps', () => {
    const types = {
      bools: [true, false, true, false],
      integers: [1, 2, 3, 4],
      floats: [1.0, 2.2, 3.3, 4.0],
      strings: ['one', 'two', 'three', 'four'],
      interfaces: [true, 'one', 1, 1.1],
      maps: [
        { name: 'one', value: 1 },
        { name: 'two', value: 2.02 },
        { name: 'three', value: 3.03 },
        { name: 'four', value: 4.04 },
      ],
    };
    expect(run('{ .bools }', types)).toBe('[true,false,true,false]');
    expect(run('{ .bools[-1] }', types)).toBe('false');
    expect(run('{ .bools[:4:2] }', types)).toBe('true true');
    expect(run('{ .integers[-2] }', types)).toBe('3');
    expect(run('{ .integers[:2] }', types)).toBe('1 2');
    expect(run('{ .floats }', types)).toBe('[1,2.2,3.3,4]');
    expect(run('{ .floats[-2] }', types)).toBe('3.3');
    expect(run('{ .strings }', types)).toBe('["one","two","three","four"]');
    expect(run('{ .strings[:4:2] }', types)).toBe('one three');
    expect(run('{ .interfaces[:4:2] }', types)).toBe('true 1');
    expect(run('{ .maps[1::2] }', types)).toBe('{"name":"two","value":2.02} {"name":"four","value":4.04}');
    expect(run('{ .maps[-2] }', types)).toBe('{"name":"three","value":3.03}');
  });

  it('store tests', () => {
    expect(run('hello jsonpath', null)).toBe('hello jsonpath');
    expect(run('{..}', [1, 2, 3])).toBe('[1,2,3]');
    expect(run('{[?(@<5)]}', [2, 6, 3, 7])).toBe('2 3');
    expect(run('{"{"}', null)).toBe('{');
    expect(run('{[1,3,4]}', [0, 1, 2, 3, 4])).toBe('1 3 4');
    expect(run('{[0:2]}', ['Monday', 'Tudesday'])).toBe('Monday Tudesday');
    expect(run('hello {.Name}', store)).toBe('hello jsonpath');
    expect(run('{$.Labels.web/html}', store)).toBe('15');
    expect(run('{.Labels.k8s-app}', store)).toBe('20');
    expect(run('{.Bicycle[*].Color}', store)).toBe('red green');
    expect(run('{.Book[*].Author}', store)).toBe('Nigel Rees Evelyn Waugh Herman Melville');
    expect(run('{range .Bicycle[*]}{ "{" }{ @.* }{ "} " }{end}', store)).toBe('{red 19.95 true} {green 20.01 false} ');
    expect(run('{..Price}', store)).toBe('8.95 12.99 8.99 19.95 20.01');
    expect(run('{...Price}', store)).toBe('8.95 12.99 8.99 19.95 20.01');
    expect(parseError('{............................................................Price}')).toBe('invalid multiple recursive descent');
    expect(run('{.Book[-1:]}', store)).toBe('{"Author":"Herman Melville","Category":"fiction","Price":8.99,"Title":"Moby Dick"}');
    expect(run('{..Book[2]}', store)).toBe('{"Author":"Herman Melville","Category":"fiction","Price":8.99,"Title":"Moby Dick"}');
    expect(run('{.Bicycle[?(@.IsNew==true)]}', store)).toBe('{"Color":"red","IsNew":true,"Price":19.95}');
  });

  it('AllowMissingKeys: a missing key gives nothing instead of an error', () => {
    expect(run('{.hello}', store, true)).toBe('');
    expect(run('before-{.hello}after', store, true)).toBe('before-after');
    expect(fail('{.hello}', store)).toBe('hello is not found');
    expect(parseJSONPath('{.hello}').allowMissingKeys(true).findResults(store)).toEqual([[]]);
  });

  it('evaluation errors as upstream words them', () => {
    expect(fail('{.Labels[0]}', store)).toBe('map[string]interface {} is not array or slice');
    expect(fail('{.Name[0]}', store)).toBe('string is not array or slice');
    expect(fail('{.Book[?(@.Price<>10)]}', store)).toBe('unrecognized filter operator <>');
    expect(fail('{range .Labels.*}{@}{end}{end}', store)).toBe('not in range, nothing to end');
    expect(fail('{.Book[5]}', store)).toBe('array index out of bounds: index 5, length 3');
    expect(fail('{.Book[1:9]}', store)).toBe('array index out of bounds: index 8, length 3');
    expect(fail('{.Book[2:1]}', store)).toBe('starting index 2 is greater than ending index 1');
    expect(fail('{.Book[0:3:0]}', store)).toBe('step must be > 0');
    expect(fail('{.Labels[?(@.a)]}', store)).toBe('map[engieer:10 k8s-app:20 web/html:15] is not array or slice and cannot be filtered');
    expect(fail('{.a[?(@.x)]}', { a: null })).toBe('<nil> is not array or slice and cannot be filtered');
    // an exists filter ignores the lookup error of items without the key
    expect(run('{[?(@.x)]}', [1, 'b', { x: 0 }])).toBe('{"x":0}');
    expect(fail('{.Book[?(@.Price=="x")]}', store)).toBe('incompatible types for comparison');
    expect(fail('{.Book[?(@.Price>1)]}', store)).toBe('incompatible types for comparison');
    expect(fail('{.Bicycle[?(@.IsNew<true)]}', store)).toBe('invalid type for comparison');
    expect(fail('{.Book[?(@..Price>1.5)]}', { Book: [{ a: { Price: 1.5 }, b: { Price: 2.5 } }] })).toBe(
      'can only compare one element at a time',
    );
  });

  it('JSON input: exists filter, bracket keys, nulls', () => {
    const points = [
      { id: 'i1', x: 4, y: -5 },
      { id: 'i2', x: -2, y: -5, z: 1 },
      { id: 'i3', x: 8, y: 3 },
      { id: 'i5', x: 0, y: 2, z: 1 },
      { id: 'i7', x: null, y: 4 },
    ];
    expect(run('{[?(@.z)].id}', points)).toBe('i2 i5');
    expect(run('{[0][\'id\']}', points)).toBe('i1');
    expect(run("{[-1]['x']}", points)).toBe('null');
    expect(run('{[?(@.x>=4)].id}', points.slice(0, 4))).toBe('i1 i3');
    expect(fail('{[?(@.x>=4)].id}', points)).toBe('invalid type for comparison');
    expect(run('{[?(@.x!=4)].id}', points.slice(0, 4))).toBe('i2 i3 i5');
    expect(run('{[?(@.x<=0)].id}', points.slice(0, 4))).toBe('i2 i5');
  });

  it('kubernetes use cases', () => {
    expect(run('{range .items[*]}{.metadata.name}, {end}{.kind}', nodes)).toBe('127.0.0.1, 127.0.0.2, List');
    expect(run('{range .items[*]}{.metadata.name}{"\\t"}{end}', nodes)).toBe('127.0.0.1\t127.0.0.2\t');
    expect(run('{.items[*].status.addresses[*].address}', nodes)).toBe('127.0.0.1 127.0.0.2 127.0.0.3');
    expect(run('{range .items[*]}{range .status.addresses[*]}{.address}, {end}{end}', nodes)).toBe('127.0.0.1, 127.0.0.2, 127.0.0.3, ');
    expect(run("{.items[*]['metadata.name', 'status.capacity']}", nodes)).toBe('127.0.0.1 127.0.0.2 {"cpu":"4"} {"cpu":"8"}');
    expect(run('{range .items[*]}[{.metadata.name}, {.status.capacity}] {end}', nodes)).toBe('[127.0.0.1, {"cpu":"4"}] [127.0.0.2, {"cpu":"8"}] ');
    expect(run('{.users[?(@.name=="e2e")].user.password}', nodes)).toBe('secret');
    expect(run('{.items[0].metadata.labels.kubernetes\\.io/hostname}', nodes)).toBe('127.0.0.1');
    expect(run('{.items[?(@.metadata.labels.kubernetes\\.io/hostname=="127.0.0.1")].kind}', nodes)).toBe('None');
    expect(run('{.items[?(@..ready==true)].metadata.name}', nodes)).toBe('127.0.0.1');
    expect(run('{..name}', nodes).split(' ').sort()).toEqual(['127.0.0.1', '127.0.0.2', 'e2e', 'myself']);
  });

  it("a quoted key is re-parsed as a dotted path: ['a.b'] is .a.b, ['a\\.b'] is the key a.b", () => {
    const data = { a: { b: 'nested' }, 'a.b': 'flat' };
    expect(run("{['a.b']}", data)).toBe('nested');
    expect(run("{['a\\.b']}", data)).toBe('flat');
  });

  it('empty and nested ranges', () => {
    expect(run('{range .items[*]}{.metadata.name}{end}', { items: [] }, true)).toBe('');
    expect(
      run('{range .items[*]}{.metadata.name}{":"}{range @.spec.containers[*]}{.name}{","}{end}{"+"}{end}', { items: [] }, true),
    ).toBe('');
    const pods = {
      items: [
        { metadata: { name: 'pod1' }, spec: { containers: [{ name: 'foo' }, { name: 'bar' }] } },
        { metadata: { name: 'pod2' }, spec: { containers: [{ name: 'baz' }] } },
      ],
    };
    expect(run('{range .items[*]}{.metadata.name}{":"}{range @.spec.containers[*]}{.name}{","}{end}{"+"}{end}', pods)).toBe(
      'pod1:foo,bar,+pod2:baz,+',
    );
    // a template runs the same on every call (parse once, evaluate per object)
    const jp = parseJSONPath('{range .items[*]}{.metadata.name} {end}');
    expect(jp.execute(pods)).toBe('pod1 pod2 ');
    expect(jp.execute(pods)).toBe('pod1 pod2 ');
  });

  it('filters tolerate missing keys only with AllowMissingKeys', () => {
    const data = {
      items: [
        { metadata: { name: 'pod1', annotations: { color: 'blue' } } },
        { metadata: { name: 'pod2' } },
        { metadata: { name: 'pod4', annotations: { color: 'blue' } } },
      ],
    };
    expect(run('{.items[?(@.metadata.annotations.color=="blue")].metadata.name}', data, true)).toBe('pod1 pod4');
    expect(fail('{.items[?(@.metadata.annotations.color=="blue")].metadata.name}', data)).toBe('annotations is not found');
  });

  it('negative indexes and zero-length slices', () => {
    const pod = { spec: { containers: [0, 1, 2, 3].map((i) => ({ name: `fake${i}` })) } };
    expect(run('{.spec.containers[0:0].name}', pod)).toBe('');
    expect(run('{.spec.containers[-1].name}', pod)).toBe('fake3');
    expect(run('{.spec.containers[-2:].name}', pod)).toBe('fake2 fake3');
    expect(run('{.spec.containers[1:-1].name}', pod)).toBe('fake1 fake2');
    expect(fail('{.spec.containers[-5].name}', pod)).toBe('array index out of bounds: index -1, length 4');
  });

  it('literals: ints, floats, bools', () => {
    expect(parseJSONPath('{1}{2.5}{true}').findResults({})).toEqual([[1], [2.5], [true]]);
    // a float literal compared with an integer is a type mismatch, as in Go
    expect(fail('{[?(@.x==2.0)]}', [{ x: 2 }])).toBe('incompatible types for comparison');
    expect(run('{[?(@.x==2.5)].x}', [{ x: 2.5 }, { x: 3 }].slice(0, 1))).toBe('2.5');
  });

  it('plain field paths: nulls, lists and missing keys as the walk treats them', () => {
    const jp = parseJSONPath('{.a.b}');
    expect(jp.findResults({ a: { b: null } })).toEqual([[null]]);
    expect(() => jp.findResults({ a: null })).toThrow('b is not found');
    expect(() => jp.findResults({ a: [{ b: 1 }] })).toThrow('b is not found');
    expect(() => jp.findResults('x')).toThrow('a is not found');
    jp.allowMissingKeys(true);
    expect(jp.findResults({ a: null })).toEqual([[]]);
    expect(jp.findResults({ a: { c: 1 } })).toEqual([[]]);
    expect(jp.findResults({ a: { b: { c: [1] } } })).toEqual([[{ c: [1] }]]);
    // the same path through the general walk (trailing text makes it more than one action)
    const walk = parseJSONPath('{.a.b}!');
    expect(walk.findResults({ a: { b: null } })).toEqual([[null], ['!']]);
    expect(() => walk.findResults({ a: null })).toThrow('b is not found');
    expect(() => walk.findResults({ a: [{ b: 1 }] })).toThrow('b is not found');
    walk.allowMissingKeys(true);
    expect(walk.findResults({ a: null })).toEqual([[], ['!']]);
  });

  it('findResults returns the lists of raw values', () => {
    expect(parseJSONPath('{.spec.replicas}').findResults({ spec: { replicas: 3 } })).toEqual([[3]]);
    expect(parseJSONPath('x{.a[*]}y').findResults({ a: [1, { b: 2 }] })).toEqual([['x'], [1, { b: 2 }], ['y']]);
  });
});

describe("Go's %v of a float64", () => {
  it.each([
    [8.95, '8.95'],
    [0.5, '0.5'],
    [1234567.5, '1.2345675e+06'],
    [123456.5, '123456.5'],
    [0.00001, '1e-05'],
    [0.0001, '0.0001'],
    [-2.25, '-2.25'],
  ])('%d -> %s', (x, s) => {
    expect(goFloatV(x)).toBe(s);
  });
});
