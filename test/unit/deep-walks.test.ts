// The walks over request values recurse for the first levels and go on with an explicit stack past
// them (bodies may nest 10,000 levels, Go's JSON limit). Both halves must give the same answers:
// a value wrapped in a deep chain of maps gives the chain-wrapped answer of the shallow value, and
// the create fast path still matches the general field-manager path for a deep value.
import { describe, expect, it, afterEach } from 'vitest';
import { stringifyIterative, stringifyJSON } from '../../src/util/json.js';
import { jsonEqual } from '../../src/util/equal.js';
import { FieldSet } from '../../src/fieldmanager/fieldpath.js';
import { compare, dropNulls, merge, removeItems, toFieldSet } from '../../src/fieldmanager/typed.js';
import { goJSON } from '../../src/fieldmanager/lastapplied.js';
import { updateManagedFields } from '../../src/fieldmanager/index.js';
import { createFast } from '../../src/fieldmanager/fieldmanager.js';
import { toYAML } from '../../src/util/yamltext.js';
import { findDuplicateFields } from '../../src/schema/duplicates.js';
import { stringify } from 'yaml';

const DEPTHS = [10, 300, 10_000];

/** `inner` under `depth` levels of {"a": ...}. */
function chain(depth: number, inner: unknown): unknown {
  let v = inner;
  for (let i = 0; i < depth; i++) v = { a: v };
  return v;
}
/** FieldsV1 `inner` under `depth` levels of a deduced map field: {"f:a": {".": {}, ...}} (a member with children). */
function memberChain(depth: number, inner: Record<string, unknown>): Record<string, unknown> {
  let v = inner;
  for (let i = 0; i < depth; i++) v = { 'f:a': { '.': {}, ...v } };
  return v;
}
/** FieldsV1 `inner` under `depth` levels of path only (not members): {"f:a": ...}. */
function pathChain(depth: number, inner: Record<string, unknown>): Record<string, unknown> {
  let v = inner;
  for (let i = 0; i < depth; i++) v = { 'f:a': v };
  return v;
}
const text = stringifyJSON;

const L = { x: 1, keep: { y: [1, 2] }, gone: null, list: [{ n: 1 }], z: { deeper: { q: 'a' } } };
const R = { x: 2, keep: { y: [1, 2] }, added: { b: true }, list: [{ n: 2 }], z: { deeper: { q: 'b', r: null } } };

describe('JSON text of deep values', () => {
  it('is what JSON.stringify writes', () => {
    const samples: unknown[] = [1, 'a<>&\u2028"\\', null, true, [1, undefined, () => 1, null, NaN, -0, 1e21], { a: undefined, b: 1, c: [{}], d: { e: [] }, f: new Date(0), '2': 1, '10': 2 }, [], {}, { toJSON: () => ({ z: 1 }) }, chain(3_000, [1, { b: 'c' }])];
    for (const s of samples) expect(stringifyIterative(s)).toBe(JSON.stringify(s));
  });

  it('past the native limit', () => {
    const t = '{"a":'.repeat(9_999) + '[1,{"b":"c"}]' + '}'.repeat(9_999);
    expect(() => JSON.stringify(JSON.parse(t))).toThrow(RangeError);
    expect(stringifyJSON(JSON.parse(t))).toBe(t);
    expect(stringifyJSON(JSON.parse('['.repeat(100_000) + ']'.repeat(100_000))).length).toBe(200_000);
  });

  it('goJSON sorts keys and escapes HTML at any depth', () => {
    const v = { b: '<', a: 1 };
    expect(goJSON(chain(10_000, v))).toBe('{"a":'.repeat(10_000) + '{"a":1,"b":"\\u003c"}' + '}'.repeat(10_000));
  });
});

describe('equality of deep values', () => {
  it('finds a difference at the bottom and equality all the way down', () => {
    for (const d of DEPTHS) {
      expect(jsonEqual(chain(d, { x: [1, { y: 2 }] }), chain(d, { x: [1, { y: 2 }] }))).toBe(true);
      expect(jsonEqual(chain(d, { x: [1, { y: 2 }] }), chain(d, { x: [1, { y: 3 }] }))).toBe(false);
      expect(jsonEqual(chain(d, [1]), chain(d, { 0: 1 }))).toBe(false);
      expect(jsonEqual(chain(d, {}), chain(d + 1, {}))).toBe(false);
    }
  });
});

describe('typed walks over deduced maps, across the recursion limit', () => {
  it('merge', () => {
    const shallow = text(merge(L, R, undefined));
    for (const d of DEPTHS) expect(text(merge(chain(d, L), chain(d, R), undefined))).toBe(text(chain(d, JSON.parse(shallow))));
    // a map left empty merges to null, as the recursive form gives
    for (const d of DEPTHS) expect(text(merge(chain(d, {}), chain(d, { k: {} }), undefined))).toBe(text(chain(d, { k: {} })));
  });

  it('toFieldSet and the FieldsV1 round trip', () => {
    const shallow = toFieldSet(L, undefined).toFieldsV1();
    for (const d of DEPTHS) {
      const f = toFieldSet(chain(d, L), undefined).toFieldsV1();
      expect(text(f)).toBe(text(memberChain(d, shallow)));
      expect(text(FieldSet.fromFieldsV1(f).toFieldsV1())).toBe(text(f));
    }
  });

  it('compare', () => {
    const c = compare(L, R, undefined);
    for (const d of DEPTHS) {
      const cd = compare(chain(d, L), chain(d, R), undefined);
      expect(text(cd.added.toFieldsV1())).toBe(text(pathChain(d, c.added.toFieldsV1())));
      expect(text(cd.modified.toFieldsV1())).toBe(text(pathChain(d, c.modified.toFieldsV1())));
      expect(text(cd.removed.toFieldsV1())).toBe(text(pathChain(d, c.removed.toFieldsV1())));
      expect(cd.added.paths().map((p) => p.length)).toEqual(c.added.paths().map((p) => p.length + d));
    }
  });

  it('set operations', () => {
    const a = toFieldSet(L, undefined), b = toFieldSet(R, undefined);
    for (const d of DEPTHS) {
      const ad = toFieldSet(chain(d, L), undefined), bd = toFieldSet(chain(d, R), undefined);
      const wrap = (s: FieldSet) => text(memberChain(d, s.toFieldsV1()));
      expect(text(ad.union(bd).toFieldsV1())).toBe(wrap(a.union(b)));
      expect(text(ad.intersection(bd).toFieldsV1())).toBe(wrap(a.intersection(b)));
      expect(text(ad.difference(bd).toFieldsV1())).toBe(text(pathChain(d, a.difference(b).toFieldsV1())));
      expect(text(ad.clone().toFieldsV1())).toBe(text(ad.toFieldsV1()));
      expect(ad.difference(ad).empty()).toBe(true);
      expect(ad.size()).toBe(a.size() + d);
    }
  });

  it('removeItems and dropNulls', () => {
    const set = toFieldSet({ keep: { y: 0 }, z: { deeper: { q: 0 } } }, undefined);
    const shallow = text(removeItems(L, set, undefined));
    for (const d of DEPTHS) {
      const sd = FieldSet.fromFieldsV1(pathChain(d, set.toFieldsV1())); // the chain's maps themselves stay
      expect(text(removeItems(chain(d, L), sd, undefined))).toBe(text(chain(d, JSON.parse(shallow))));
      expect(text(dropNulls(chain(d, R)))).toBe(text(chain(d, dropNulls(R))));
    }
  });
});

describe('create fast path for a deep ControllerRevision', () => {
  afterEach(() => {
    createFast.disabled = false;
  });

  it('gives the general path\'s managedFields', () => {
    for (const d of DEPTHS) {
      const o = { apiVersion: 'apps/v1', kind: 'ControllerRevision', metadata: { name: 'r', namespace: 'default' }, revision: 1, data: chain(d, { ...L, arr: chain(50, [1]) }) };
      const run = (fast: boolean) => {
        createFast.disabled = !fast;
        return text(updateManagedFields({ definition: 'io.k8s.api.apps.v1.ControllerRevision', apiVersion: 'apps/v1', live: undefined, next: JSON.parse(text(o)), manager: 'm', operation: 'Update', now: '2024-01-01T00:00:00Z' }));
      };
      expect(run(true)).toBe(run(false));
    }
  });
});

describe('YAML text of deep values', () => {
  it('is the YAML library\'s when it manages, and reads back the same past its limit', () => {
    const shallow = { kind: 'X', list: [chain(200, { b: [1, 'x: y', null] })], m: {} };
    expect(toYAML(shallow)).toBe(stringify(shallow));
    const inner = { q: ['a', { r: 1 }], s: 'x: "y"' };
    const mid = { kind: 'X', data: chain(1_500, inner) };
    expect(() => stringify(mid)).toThrow(RangeError);
    const lines = toYAML(mid).split('\n');
    expect(lines.slice(0, 3)).toEqual(['kind: X', 'data:', '  a:']);
    // block mappings down to the cut, then the rest as JSON (a YAML flow mapping) on one line
    const flowAt = lines.findIndex((l) => l.includes('{'));
    const [, indent, flow] = /^( *)a: (.*)$/.exec(lines[flowAt])!;
    expect(indent.length).toBe(2 * (flowAt - 1));
    expect(text(JSON.parse(flow))).toBe(text(chain(1_500 - (flowAt - 1), inner)));
    expect(lines.slice(flowAt + 1)).toEqual(['']);
  });
});

describe('duplicate fields in deep JSON text', () => {
  it('are found below and after a deep value', () => {
    for (const d of DEPTHS) {
      const body = `{"x":${'{"a":'.repeat(d)}[{"k":1,"k":2},[{"m":1,"m":1}]]${'}'.repeat(d)},"data":{"k":"v","k":"w"}}`;
      const at = 'x' + '.a'.repeat(d);
      expect(findDuplicateFields(body)).toEqual([`${at}[0].k`, `${at}[1][0].m`, 'data.k']);
    }
    expect(findDuplicateFields('{"a":' + '['.repeat(10_000) + ']'.repeat(10_000) + ',"a":1}')).toEqual(['a']);
    expect(findDuplicateFields('{"a":' + '['.repeat(10_000) + ']'.repeat(9_999) + ',"a":1}')).toEqual([]); // not JSON
  });
});
