// List ordering for strategic merge patch, following upstream's
// k8s.io/apimachinery/pkg/util/strategicpatch/patch.go (normalizeElementOrder, mergeSortedSlice,
// normalizeSliceOrder, partition*ByPresentInList): the order precedence is
// $setElementOrder > order in the patch list > order in the live list.
import {
  MAP_TYPE,
  StrategicMergePatchError,
  errBadArgType,
  errNoListOfLists,
  errNoMergeKey,
  goFmt,
  goType,
  isMap,
} from './strategic-errors.js';

export type Json = unknown;
/** reflect.Kind of list elements as the merge code distinguishes them. */
export type ElemKind = 'map' | 'scalar';

/** Go `==` on two interface values holding decoded JSON scalars. */
export function goEq(a: Json, b: Json): boolean {
  if (a === undefined) a = null;
  if (b === undefined) b = null;
  if (typeof a === 'object' && a !== null) return false;
  return a === b && goType(a) === goType(b);
}

/** sliceElementType: the common element type of the lists, or an error. */
export function sliceElementKind(...lists: Json[][]): ElemKind {
  let prev: string | undefined;
  for (const l of lists) {
    for (const v of l) {
      const t = goType(v);
      if (prev === undefined) {
        prev = t;
        if (Array.isArray(v)) throw errNoListOfLists();
      } else if (prev !== t) {
        throw new StrategicMergePatchError(`list element types are not identical: ${goFmt(lists)}`);
      }
    }
  }
  if (prev === undefined) throw new StrategicMergePatchError('no elements in any of the given slices');
  return prev === MAP_TYPE ? 'map' : 'scalar';
}

/** findMapInSliceBasedOnKeyValue: index of the first map whose `key` equals `value`, or -1. */
export function findMapIndex(list: Json[], key: string, value: Json): number {
  for (let i = 0; i < list.length; i++) {
    const v = list[i];
    if (!isMap(v)) throw new StrategicMergePatchError(`value for key ${i} is not a map.`);
    if (Object.prototype.hasOwnProperty.call(v, key) && goEq(v[key], value)) return i;
  }
  return -1;
}

function indexOf(list: Json[], val: Json, mergeKey: string, kind: ElemKind): number {
  const get = kind === 'map' ? (item: Json) => (isMap(item) ? (item[mergeKey] ?? null) : null) : (item: Json) => item;
  const want = get(val);
  for (let i = 0; i < list.length; i++) if (goEq(get(list[i]), want)) return i;
  return -1;
}

/** extractToDeleteItems: split map items into kept ones and `$patch: delete` ones. */
export function extractToDeleteItems(list: Json[]): [Json[], Json[]] {
  const keep: Json[] = [];
  const del: Json[] = [];
  for (const v of list) {
    if (!isMap(v)) throw errBadArgType(MAP_TYPE, v);
    if (Object.prototype.hasOwnProperty.call(v, '$patch') && v.$patch === 'delete') del.push(v);
    else keep.push(v);
  }
  return [keep, del];
}

function validateMergeKeyInLists(mergeKey: string, ...lists: Json[][]): void {
  for (const l of lists)
    for (const item of l) {
      if (!isMap(item)) throw errBadArgType(MAP_TYPE, item);
      if (!Object.prototype.hasOwnProperty.call(item, mergeKey)) throw errNoMergeKey(item, mergeKey);
    }
}

/** sort.SliceStable for the lists at hand: a stable insertion sort with the same comparator. */
function stableSort<T>(a: T[], less: (x: T, y: T) => boolean): T[] {
  const s = a.slice();
  for (let i = 1; i < s.length; i++)
    for (let j = i; j > 0 && less(s[j], s[j - 1]); j--) [s[j], s[j - 1]] = [s[j - 1], s[j]];
  return s;
}

/** normalizeSliceOrder: sort `toSort` by the positions in `order`, delete directives last. */
function normalizeSliceOrder(toSort: Json[], order: Json[], mergeKey: string, kind: ElemKind): Json[] {
  let del: Json[] = [];
  if (kind === 'map') {
    validateMergeKeyInLists(mergeKey, toSort, order);
    [toSort, del] = extractToDeleteItems(toSort);
  }
  const sorted = stableSort(toSort, (x, y) => {
    const ix = indexOf(order, x, mergeKey, kind);
    if (ix >= 0) {
      const iy = indexOf(order, y, mergeKey, kind);
      if (iy >= 0) return ix < iy;
    }
    return true;
  });
  return sorted.concat(del);
}

/** mergeSortedSlice: interleave server-only items (left) into patch items (right) by the live order. */
function mergeSortedSlice(left: Json[], right: Json[], serverOrder: Json[], mergeKey: string, kind: ElemKind): Json[] {
  const out: Json[] = [];
  let i = 0;
  let j = 0;
  while (i < left.length || j < right.length) {
    if (i >= left.length) out.push(right[j++]);
    else if (j >= right.length) out.push(left[i++]);
    else {
      const li = indexOf(serverOrder, left[i], mergeKey, kind);
      const ri = indexOf(serverOrder, right[j], mergeKey, kind);
      if (li >= 0 && ri >= 0 && li < ri) out.push(left[i++]);
      else out.push(right[j++]);
    }
  }
  return out;
}

/** normalizeElementOrder: order patch items by `patchOrder`, server-only ones by `serverOrder`, then merge. */
export function normalizeElementOrder(
  patch: Json[],
  serverOnly: Json[],
  patchOrder: Json[],
  serverOrder: Json[],
  mergeKey: string,
  kind: ElemKind,
): Json[] {
  const p = normalizeSliceOrder(patch, patchOrder, mergeKey, kind);
  const s = normalizeSliceOrder(serverOnly, serverOrder, mergeKey, kind);
  return mergeSortedSlice(s, p, serverOrder, mergeKey, kind);
}

/** Split `list` into items present in `by` and the rest (scalars by value, maps by merge key). */
export function partitionByPresence(list: Json[], by: Json[], mergeKey: string): [Json[], Json[]] {
  const inPatch: Json[] = [];
  const serverOnly: Json[] = [];
  if (!mergeKey) {
    for (const v of list) (by.some((b) => goEq(b, v)) ? inPatch : serverOnly).push(v);
    return [inPatch, serverOnly];
  }
  for (const v of list) {
    if (!isMap(v)) throw errBadArgType(MAP_TYPE, v);
    if (!Object.prototype.hasOwnProperty.call(v, mergeKey)) throw errNoMergeKey(v, mergeKey);
    (findMapIndex(by, mergeKey, v[mergeKey]) >= 0 ? inPatch : serverOnly).push(v);
  }
  return [inPatch, serverOnly];
}
