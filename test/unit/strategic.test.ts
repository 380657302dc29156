// Strategic merge patch semantics, as data: cases ported from upstream's
// k8s.io/apimachinery/pkg/util/strategicpatch/patch_test.go (the patch applications: twoWay on
// original -> modified, threeWay on current -> result) against a schema shaped like its MergeItem.
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { StrategicMergePatchError, strategicMergePatch } from '../../src/patch/strategic.js';
import type { DefinitionSchema } from '../../src/schema/model.js';

const mergeList = (ref: string, strategy = 'merge') => ({
  type: 'array',
  items: { $ref: ref },
  'x-kubernetes-patch-strategy': strategy,
  'x-kubernetes-patch-merge-key': 'name',
});
const DEFS: Record<string, DefinitionSchema> = {
  'test.MergeItem': {
    type: 'object',
    properties: {
      name: { type: 'string' },
      value: { type: 'string' },
      other: { type: 'string' },
      mergingList: mergeList('test.MergeItem'),
      nonMergingList: { type: 'array', items: { $ref: 'test.MergeItem' } },
      mergingIntList: { type: 'array', items: { type: 'integer' }, 'x-kubernetes-patch-strategy': 'merge' },
      nonMergingIntList: { type: 'array', items: { type: 'integer' } },
      mergeItemPtr: mergeList('test.MergeItem'),
      simpleMap: { type: 'object', additionalProperties: { type: 'string' } },
      replacingItem: { type: 'object', 'x-kubernetes-patch-strategy': 'replace' },
      retainKeysMap: { $ref: 'test.RetainKeysMergeItem', 'x-kubernetes-patch-strategy': 'retainKeys' },
      retainKeysMergingList: mergeList('test.MergeItem', 'merge,retainKeys'),
    },
  },
  'test.RetainKeysMergeItem': {
    type: 'object',
    properties: {
      name: { type: 'string' },
      value: { type: 'string' },
      other: { type: 'string' },
      simpleMap: { type: 'object', additionalProperties: { type: 'string' } },
      mergingIntList: { type: 'array', items: { type: 'integer' }, 'x-kubernetes-patch-strategy': 'merge' },
      mergingList: mergeList('test.MergeItem'),
      nonMergingList: { type: 'array', items: { $ref: 'test.MergeItem' } },
    },
  },
};
const apply = (original: object, patch: object) =>
  strategicMergePatch('test.MergeItem', original, patch, { definitions: (n) => DEFS[n] });

interface Case {
  description: string;
  original: object;
  patch: object;
  result?: object;
  error?: string;
}

// Each case: `patch` applied to `original` gives `result` (or fails with `error`, a substring).
const CASES: Case[] = YAML.parse(`
- description: unique scalars when merging lists
  original: {mergingIntList: [1, 2]}
  patch: {mergingIntList: [2, 3]}
  result: {mergingIntList: [1, 2, 3]}
- description: delete map from nested map
  original: {simpleMap: {key1: 1, key2: 1}}
  patch: {simpleMap: {$patch: delete}}
  result: {simpleMap: {}}
- description: delete all items from merging list
  original: {mergingList: [{name: 1}, {name: 2}]}
  patch: {mergingList: [{$patch: replace}]}
  result: {mergingList: []}
- description: merge empty merging lists
  original: {mergingList: []}
  patch: {mergingList: []}
  result: {mergingList: []}
- description: delete all keys from map
  original: {name: 1, value: 1}
  patch: {$patch: replace}
  result: {}
- description: add key and delete all keys from map
  original: {name: 1, value: 1}
  patch: {other: a, $patch: replace}
  result: {other: a}
- description: de-duplicate entries in a merging list
  original: {mergingList: [{name: 1}, {name: 1}, {name: 2, value: a}, {name: 3}, {name: 3}]}
  patch: {mergingList: [{name: 1, $patch: delete}, {name: 3, $patch: delete}]}
  result: {mergingList: [{name: 2, value: a}]}
- description: retainKeys map can delete a field when no retainKeys directive present
  original: {retainKeysMap: {name: foo, value: a}}
  patch: {retainKeysMap: {value: null}}
  result: {retainKeysMap: {name: foo}}
- description: retainKeys list can add a field when no retainKeys directive present
  original: {retainKeysMergingList: [{name: bar}, {name: foo}]}
  patch: {retainKeysMergingList: [{name: foo, value: a}]}
  result: {retainKeysMergingList: [{name: bar}, {name: foo, value: a}]}
- description: preserve the order from the patch in a merging list
  original: {mergingList: [{name: 1}, {name: 2, value: b}, {name: 3}]}
  patch: {mergingList: [{name: 3, value: c}, {name: 1, value: a}, {name: 2, other: x}]}
  result: {mergingList: [{name: 3, value: c}, {name: 1, value: a}, {name: 2, value: b, other: x}]}
- description: preserve the order from the patch in a merging list 2
  original: {mergingList: [{name: 1}, {name: 2, value: b}, {name: 3}]}
  patch: {mergingList: [{name: 3, value: c}, {name: 1, value: a}]}
  result: {mergingList: [{name: 2, value: b}, {name: 3, value: c}, {name: 1, value: a}]}
- description: preserve the order from the patch in a merging int list
  original: {mergingIntList: [1, 2, 3]}
  patch: {mergingIntList: [3, 1]}
  result: {mergingIntList: [2, 3, 1]}
- description: new items of a merge list without $setElementOrder go first
  original: {mergingList: [{name: 1}, {name: 2}]}
  patch: {mergingList: [{name: 3}]}
  result: {mergingList: [{name: 3}, {name: 1}, {name: 2}]}
- description: $setElementOrder contains item that is not present in the list to be merged
  original: {mergingList: [{name: 1}, {name: 3}]}
  patch:
    $setElementOrder/mergingList: [{name: 3}, {name: 2}, {name: 1}]
    mergingList: [{name: 3, value: 3}, {name: 1, value: 1}]
  result: {mergingList: [{name: 3, value: 3}, {name: 1, value: 1}]}
- description: $setElementOrder contains item that is not present in the int list to be merged
  original: {mergingIntList: [1, 3]}
  patch: {$setElementOrder/mergingIntList: [3, 2, 1]}
  result: {mergingIntList: [3, 1]}
- description: should check if order in $setElementOrder and patch list match
  original: {mergingList: [{name: 1}, {name: 3}, {name: 2}]}
  patch:
    $setElementOrder/mergingList: [{name: 1}, {name: 2}, {name: 3}]
    mergingList: [{name: 3, value: 3}, {name: 1, value: 1}]
  error: doesn't match
- description: should check if order in $setElementOrder and patch int list match
  original: {mergingIntList: [1, 3, 2]}
  patch: {$setElementOrder/mergingIntList: [1, 2, 3], mergingIntList: [3, 1]}
  error: doesn't match
- description: missing merge key should error out
  original: {mergingList: [{name: 1, value: a}]}
  patch: {mergingList: [{value: b}]}
  error: 'map: map[value:b] does not contain declared merge key: name'
- description: add field and delete field from map (threeWay)
  original: {name: 1, other: a}
  patch: {name: null, value: 1}
  result: {value: 1, other: a}
- description: delete field from nested map (threeWay)
  original: {simpleMap: {key1: 1, key2: 1, other: a}}
  patch: {simpleMap: {key2: null}}
  result: {simpleMap: {key1: 1, other: a}}
- description: replace list of scalars
  original: {nonMergingIntList: [1, 4]}
  patch: {nonMergingIntList: [2, 3]}
  result: {nonMergingIntList: [2, 3]}
- description: delete all maps from merging list with conflict (threeWay)
  original: {mergingList: [{name: 1, other: a}, {name: 2, other: b}]}
  patch: {mergingList: [{name: 1, $patch: delete}, {name: 2, $patch: delete}]}
  result: {mergingList: []}
- description: defined null values are not kept when absent from the original
  original: {name: a, other: a}
  patch: {name: 1, value: 1, other: null}
  result: {name: 1, value: 1}
- description: delete items in lists of scalars (threeWay)
  original: {mergingIntList: [1, 2, 3, 4]}
  patch: {$setElementOrder/mergingIntList: [1, 2], $deleteFromPrimitiveList/mergingIntList: [3]}
  result: {mergingIntList: [1, 2, 4]}
- description: delete all duplicate items in lists of scalars (threeWay)
  original: {mergingIntList: [1, 2, 3, 3, 4]}
  patch: {$setElementOrder/mergingIntList: [1, 2], $deleteFromPrimitiveList/mergingIntList: [3]}
  result: {mergingIntList: [1, 2, 4]}
- description: merge lists of maps (threeWay)
  original: {mergingList: [{name: 1, other: a}, {name: 2, value: 2, other: b}]}
  patch:
    $setElementOrder/mergingList: [{name: 4}, {name: 1}, {name: 2}, {name: 3}]
    mergingList: [{name: 4, value: 4}, {name: 3, value: 3}]
  result: {mergingList: [{name: 4, value: 4}, {name: 1, other: a}, {name: 2, value: 2, other: b}, {name: 3, value: 3}]}
- description: add field to map in merging list with conflict (threeWay)
  original: {mergingList: [{name: 1, other: a}, {name: 3, value: 2, other: b}]}
  patch:
    $setElementOrder/mergingList: [{name: 1}, {name: 2}]
    mergingList: [{name: 1, value: 1}, {name: 2, value: 2}]
  result: {mergingList: [{name: 1, value: 1, other: a}, {name: 2, value: 2}, {name: 3, value: 2, other: b}]}
- description: deleting a duplicated key removes every copy (checked against kubectl)
  original: {mergingList: [{name: 1}, {name: 1}]}
  patch: {$setElementOrder/mergingList: [{name: 1}], mergingList: [{$patch: delete, name: 1}]}
  result: {mergingList: []}
- description: delete duplicate field in merging list (type change replaces)
  original: {mergingList: [{name: 1}, {name: 1}]}
  patch: {mergingList: {}}
  result: {mergingList: {}}
- description: delete missing map from merging list with conflict (threeWay)
  original: {mergingList: [{name: 3, other: a}]}
  patch:
    $setElementOrder/mergingList: [{name: 2}]
    mergingList: [{name: 2}, {name: 1, $patch: delete}]
  result: {mergingList: [{name: 2}, {name: 3, other: a}]}
- description: add map and delete map from merging list (threeWay)
  original: {mergingList: [{name: 1}, {name: 2, other: b}, {name: 4, other: c}]}
  patch:
    $setElementOrder/mergingList: [{name: 2}, {name: 3}]
    mergingList: [{name: 3}, {name: 1, $patch: delete}]
  result: {mergingList: [{name: 2, other: b}, {name: 4, other: c}, {name: 3}]}
- description: add map and delete map from merging list with conflict (threeWay)
  original: {mergingList: [{name: 1, other: a}, {name: 4, other: c}]}
  patch:
    $setElementOrder/mergingList: [{name: 2}, {name: 3}]
    mergingList: [{name: 2}, {name: 3}, {name: 1, $patch: delete}]
  result: {mergingList: [{name: 4, other: c}, {name: 2}, {name: 3}]}
- description: replace non merging list nested in merging list (threeWay)
  original: {mergingList: [{name: 1, other: a, nonMergingList: [{name: 1}, {name: 2, value: 2}]}, {name: 2, other: b}]}
  patch:
    $setElementOrder/mergingList: [{name: 1}, {name: 2}]
    mergingList: [{name: 1, nonMergingList: [{name: 1, value: 1}]}]
  result: {mergingList: [{name: 1, other: a, nonMergingList: [{name: 1, value: 1}]}, {name: 2, other: b}]}
- description: add field to map in merging list nested in merging list with deletion conflict (threeWay)
  original: {mergingList: [{name: 1, other: a, mergingList: [{name: 2, value: 2, other: d}]}, {name: 2, other: b}]}
  patch:
    $setElementOrder/mergingList: [{name: 1}, {name: 2}]
    mergingList:
      - {$setElementOrder/mergingList: [{name: 2}, {name: 1}], name: 1, mergingList: [{name: 1, value: 1}]}
  result: {mergingList: [{name: 1, other: a, mergingList: [{name: 2, value: 2, other: d}, {name: 1, value: 1}]}, {name: 2, other: b}]}
- description: add map to merging list by pointer with conflict (threeWay)
  original: {mergeItemPtr: [{name: 3}]}
  patch: {$setElementOrder/mergeItemPtr: [{name: 1}, {name: 2}], mergeItemPtr: [{name: 1}, {name: 2}]}
  result: {mergeItemPtr: [{name: 1}, {name: 2}, {name: 3}]}
- description: merge lists of scalars (threeWay)
  original: {mergingIntList: [1, 2, 4]}
  patch: {$setElementOrder/mergingIntList: [1, 2, 3], mergingIntList: [3]}
  result: {mergingIntList: [1, 2, 3, 4]}
- description: add an item in a list of primitives and preserve order (threeWay)
  original: {mergingIntList: [1, 4, 2]}
  patch: {$setElementOrder/mergingIntList: [3, 1, 2], mergingIntList: [3]}
  result: {mergingIntList: [3, 1, 4, 2]}
- description: delete an item in a list of primitives and preserve order
  original: {mergingIntList: [1, 2, 3]}
  patch: {$setElementOrder/mergingIntList: [2, 1], $deleteFromPrimitiveList/mergingIntList: [3]}
  result: {mergingIntList: [2, 1]}
- description: add and delete an item in a int list and preserve order
  original: {mergingIntList: [1, 2, 3]}
  patch: {$setElementOrder/mergingIntList: [4, 2, 1], mergingIntList: [4], $deleteFromPrimitiveList/mergingIntList: [3]}
  result: {mergingIntList: [4, 2, 1]}
- description: delete an item in a list and preserve order (threeWay)
  original: {mergingList: [{name: 1, other: a}, {name: 2, value: 2, other: b}, {name: 3, value: 3}]}
  patch: {$setElementOrder/mergingList: [{name: 2}, {name: 1}], mergingList: [{name: 3, $patch: delete}]}
  result: {mergingList: [{name: 2, value: 2, other: b}, {name: 1, other: a}]}
- description: add and delete an item in a list and preserve order (threeWay)
  original: {mergingList: [{name: 1, other: a}, {name: 2, value: 2, other: b}, {name: 3, value: 3}]}
  patch:
    $setElementOrder/mergingList: [{name: 4}, {name: 2}, {name: 1}]
    mergingList: [{name: 4, value: 4}, {name: 3, $patch: delete}]
  result: {mergingList: [{name: 4, value: 4}, {name: 2, value: 2, other: b}, {name: 1, other: a}]}
- description: set elements order in a list with server-only items 3 (threeWay)
  original: {mergingList: [{name: 1, other: a}, {name: 2, value: 2}, {name: 7}, {name: 9}, {name: 8}, {name: 3, value: 3}, {name: 4, value: 4}]}
  patch: {$setElementOrder/mergingList: [{name: 2}, {name: 1}, {name: 4}, {name: 3}]}
  result: {mergingList: [{name: 2, value: 2}, {name: 1, other: a}, {name: 7}, {name: 9}, {name: 8}, {name: 4, value: 4}, {name: 3, value: 3}]}
- description: set elements order in a int list with server-only items 2 (threeWay)
  original: {mergingIntList: [1, 2, 9, 3, 4]}
  patch: {$setElementOrder/mergingIntList: [2, 1, 4, 3]}
  result: {mergingIntList: [2, 1, 9, 4, 3]}
- description: behavior of set element order for a merging list with duplicate
  original: {mergingList: [{name: 1}, {name: 2, value: dup1}, {name: 3}, {name: 2, value: dup2}, {name: 4}]}
  patch: {$setElementOrder/mergingList: [{name: 2}, {name: 1}, {name: 4}, {name: 3}, {name: 2}]}
  result: {mergingList: [{name: 2, value: dup1}, {name: 2, value: dup2}, {name: 1}, {name: 4}, {name: 3}]}
- description: behavior of set element order for a merging int list with duplicate
  original: {mergingIntList: [1, 2, 3, 2, 4]}
  patch: {$setElementOrder/mergingIntList: [2, 1, 4, 3, 2]}
  result: {mergingIntList: [2, 2, 1, 4, 3]}
- description: retainKeys map should clear defaulted field (threeWay)
  original: {retainKeysMap: {value: foo}}
  patch: {retainKeysMap: {$retainKeys: [other], other: bar}}
  result: {retainKeysMap: {other: bar}}
- description: retainKeys map should clear defaulted field with conflict (discriminated union)
  original: {retainKeysMap: {name: type1, value: foo}}
  patch: {retainKeysMap: {$retainKeys: [name, other], name: type2, other: bar}}
  result: {retainKeysMap: {name: type2, other: bar}}
- description: retainKeys map deletes a field and clears a field (threeWay)
  original: {retainKeysMap: {name: foo, value: bar, other: a}}
  patch: {retainKeysMap: {$retainKeys: [name], value: null}}
  result: {retainKeysMap: {name: foo}}
- description: retainKeys map adds a field in a nested map (threeWay)
  original: {retainKeysMap: {name: foo, value: bar, simpleMap: {key1: a, key3: c}}}
  patch: {retainKeysMap: {$retainKeys: [name, simpleMap, value], simpleMap: {key2: b}}}
  result: {retainKeysMap: {name: foo, value: bar, simpleMap: {key1: a, key2: b, key3: c}}}
- description: retainKeys with a patched key missing from the list is rejected
  original: {retainKeysMap: {name: foo}}
  patch: {retainKeysMap: {$retainKeys: [name], value: x}}
  error: invalid patch format of retainKeys
- description: retainKeys merging list item clears unlisted fields
  original: {retainKeysMergingList: [{name: foo, value: a, other: b}]}
  patch: {retainKeysMergingList: [{name: foo, $retainKeys: [name, other], other: c}]}
  result: {retainKeysMergingList: [{name: foo, other: c}]}
- description: replace strategy on a map replaces it whole, directives included
  original: {replacingItem: {a: 1, b: 2}}
  patch: {replacingItem: {c: 3}}
  result: {replacingItem: {c: 3}}
- description: new values lose nulls and directive maps
  original: {}
  patch: {simpleMap: {a: x, b: null}, mergingList: [{name: 1, $patch: delete}, {name: 2}]}
  result: {simpleMap: {a: x}, mergingList: [{name: 2}]}
- description: "$patch: merge in a list"
  original: {mergingList: [{name: 1}]}
  patch: {mergingList: [{name: 1, $patch: merge}]}
  error: merging lists cannot yet be specified in the patch
- description: unknown map directive
  original: {simpleMap: {a: x}}
  patch: {simpleMap: {$patch: bogus}}
  error: 'unknown patch type: bogus in map: map[$patch:bogus]'
- description: malformed $deleteFromPrimitiveList key
  original: {mergingIntList: [1]}
  patch: {$deleteFromPrimitiveListmergingIntList: [1]}
  error: invalid patch format of primitive list
- description: lists of lists
  original: {mergingIntList: []}
  patch: {mergingIntList: [[1]]}
  error: lists of lists are not supported
- description: mixed element types
  original: {mergingIntList: [1]}
  patch: {mergingIntList: [a]}
  error: 'list element types are not identical: [[1] [a]]'
`);

describe('strategic merge patch (upstream patch_test.go cases)', () => {
  for (const c of CASES) {
    it(c.description, () => {
      if (c.error) {
        expect(() => apply(c.original, c.patch)).toThrow(StrategicMergePatchError);
        expect(() => apply(c.original, c.patch)).toThrow(c.error);
      } else {
        expect(apply(c.original, c.patch)).toEqual(c.result);
      }
    });
  }

  it('never mutates its inputs', () => {
    const original = { mergingList: [{ name: 1, value: 'a' }], simpleMap: { a: 'b' } };
    const patch = { mergingList: [{ name: 1, value: null }, { name: 2 }], simpleMap: { $patch: 'replace', c: 'd' } };
    const o = structuredClone(original);
    const p = structuredClone(patch);
    apply(original, patch);
    expect(original).toEqual(o);
    expect(patch).toEqual(p);
  });

  it('maps error kinds to the status codes kube-apiserver answers with', () => {
    const err = (patch: object, original: object = { mergingIntList: [1], mergingList: [{ name: 1 }], retainKeysMap: { name: 'x' } }) => {
      try {
        apply(original, patch);
      } catch (e) {
        return e as StrategicMergePatchError;
      }
      throw new Error('no error');
    };
    expect(err({ $setElementOrder: [] }).code).toBe(400);
    expect(err({ retainKeysMap: { $retainKeys: 'x' } }).toStatus()).toMatchObject({ code: 400, reason: 'BadRequest' });
    const lol = err({ mergingIntList: [[1]] }, { mergingIntList: [] }).toStatus();
    // NewGenericServerResponse(422, ..., isUnexpectedResponse=false) sends no causes
    expect(lol).toEqual({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', code: 422, reason: 'Invalid', message: 'the server rejected our request due to an error in our request' });
    expect(err({ mergingList: [{ value: 1 }] }).toStatus()).toMatchObject({ code: 500, message: 'map: map[value:1] does not contain declared merge key: name' });
  });

  it('strictFields reports fields the type does not declare, as upstream does', () => {
    const opts = { definitions: (n: string) => DEFS[n], strictFields: true };
    expect(() => strategicMergePatch('test.MergeItem', { foo: { a: 1 } }, { foo: { b: 2 } }, opts)).toThrow(
      'unable to find api field in struct MergeItem for the json field "foo"',
    );
    // lenient default: schemaless merge
    expect(apply({ foo: { a: 1 } }, { foo: { b: 2 } })).toEqual({ foo: { a: 1, b: 2 } });
  });
});
