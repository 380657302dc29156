// Strategic merge patch (application/strategic-merge-patch+json) as kube-apiserver applies it:
// StrategicMergeMapPatch with MergeParallelList and IgnoreUnmatchedNulls, i.e. the server side of
// k8s.io/apimachinery/pkg/util/strategicpatch/patch.go, with patch strategies and merge keys taken
// from the OpenAPI definitions (x-kubernetes-patch-strategy, x-kubernetes-patch-merge-key).
import {
  SLICE_TYPE,
  MAP_TYPE,
  StrategicMergePatchError,
  errBadArgType,
  errBadJSONDoc,
  errBadPatchFormatForPrimitiveList,
  errBadPatchFormatForRetainKeys,
  errBadPatchFormatForSetElementOrderList,
  errBadPatchType,
  errNoMergeKey,
  goFmt,
  goType,
  isMap,
} from './strategic-errors.js';
import {
  extractToDeleteItems,
  findMapIndex,
  goEq,
  normalizeElementOrder,
  partitionByPresence,
  sliceElementKind,
  type Json,
} from './strategic-order.js';
import { PatchSchema, type PatchSchemaOptions } from './strategic-schema.js';
import { cloneDeep, discardNulls, removeDirectives as removeDirectivesDeep } from './deep.js';

export { StrategicMergePatchError, type StrategicMergePatchStatus } from './strategic-errors.js';
export { PatchSchema, type PatchSchemaOptions, type DefinitionLookup, type PatchFieldMeta } from './strategic-schema.js';

type JMap = Record<string, Json>;

const DIRECTIVE = '$patch';
const RETAIN_KEYS = '$retainKeys';
const DELETE_PRIMITIVE_PREFIX = '$deleteFromPrimitiveList';
const SET_ORDER_PREFIX = '$setElementOrder';

const has = (o: object, k: string) => Object.prototype.hasOwnProperty.call(o, k);

/**
 * Apply a strategic merge patch to `original`, an object of the named definition
 * (e.g. 'io.k8s.api.apps.v1.StatefulSet'). Returns a new object; the inputs are not modified.
 * Throws StrategicMergePatchError for malformed patches (see its `code`).
 */
export function strategicMergePatch(definition: string, original: object, patch: object, options: PatchSchemaOptions = {}): JMap {
  return applyStrategicMergePatch(PatchSchema.forDefinition(definition, options), original, patch);
}

/** The same, against an already resolved schema. */
export function applyStrategicMergePatch(schema: PatchSchema, original: object, patch: object): JMap {
  if (!isMap(patch)) throw errBadJSONDoc();
  const o = isMap(original) ? (cloneDeep(original) as JMap) : {};
  return mergeMap(o, cloneDeep(patch) as JMap, schema);
}

// Everything below mutates its (already cloned) arguments, like upstream's map code.

function mergeMap(original: JMap, patch: JMap, schema: PatchSchema): JMap {
  if (has(patch, DIRECTIVE)) return handleDirectiveInMergeMap(patch[DIRECTIVE], patch);
  applyRetainKeysDirective(original, patch);
  mergePatchIntoOriginal(original, patch, schema);

  for (const rawKey of Object.keys(patch)) {
    if (!has(patch, rawKey)) continue;
    const patchV = patch[rawKey];
    let k = rawKey;
    let isDeleteList = false;
    if (rawKey.startsWith(DELETE_PRIMITIVE_PREFIX)) {
      k = extractKey(rawKey, DELETE_PRIMITIVE_PREFIX);
      isDeleteList = true;
    }
    if (patchV === null) {
      delete original[k];
      continue;
    }
    if (!has(original, k) || goType(original[k]) !== goType(patchV)) {
      // not in the original (or a different type): take the patch value, minus nulls and directives
      if (!isDeleteList) setWithoutDirectives(original, k, patchV);
      continue;
    }
    const cur = original[k];
    if (isMap(cur)) {
      const meta = schema.lookupStruct(k);
      const strategy = extractRetainKeysPatchStrategy(meta.strategies)[1];
      original[k] = strategy !== 'replace' ? mergeMap(cur, patchV as JMap, meta.schema) : patchV;
    } else if (Array.isArray(cur)) {
      const meta = schema.lookupSlice(k);
      const strategy = extractRetainKeysPatchStrategy(meta.strategies)[1];
      original[k] = mergeSliceHandler(cur, patchV as Json[], meta.schema, strategy, meta.mergeKey, isDeleteList);
    } else {
      setWithoutDirectives(original, k, patchV);
    }
  }
  return original;
}

function setWithoutDirectives(target: JMap, k: string, v: Json): void {
  discardNullValuesFromPatch(v);
  const [value, keep] = removeDirectives(v);
  if (keep) target[k] = value;
  else delete target[k];
}

function handleDirectiveInMergeMap(directive: Json, patch: JMap): JMap {
  if (directive === 'replace') {
    delete patch[DIRECTIVE];
    return patch;
  }
  if (directive === 'delete') return {};
  throw errBadPatchType(directive, patch);
}

/** Drop null-valued keys everywhere below (IgnoreUnmatchedNulls for values new to the original). */
function discardNullValuesFromPatch(v: Json): void {
  discardNulls(v);
}

/** removeDirectives: maps carrying `$patch` vanish (from their parent map or list). */
function removeDirectives(obj: Json): [Json, boolean] {
  return removeDirectivesDeep(obj, DIRECTIVE);
}

function extractKey(s: string, prefix: string): string {
  const slash = s.indexOf('/');
  if (slash < 0 || s.slice(0, slash) !== prefix) {
    if (prefix === DELETE_PRIMITIVE_PREFIX) throw errBadPatchFormatForPrimitiveList();
    throw errBadPatchFormatForSetElementOrderList();
  }
  return s.slice(slash + 1);
}

/** extractRetainKeysPatchStrategy: [has retainKeys, the other strategy]. */
function extractRetainKeysPatchStrategy(strategies: string[]): [boolean, string] {
  if (strategies.length === 0) return [false, ''];
  if (strategies.length === 1) return strategies[0] === 'retainKeys' ? [true, ''] : [false, strategies[0]];
  if (strategies.length === 2) {
    if (strategies[0] === 'retainKeys') return [true, strategies[1]];
    if (strategies[1] === 'retainKeys') return [true, strategies[0]];
  }
  throw new StrategicMergePatchError(`unexpected patch strategy: ${goFmt(strategies)}`);
}

/** `$retainKeys`: check the patch only sets listed keys, then clear unlisted keys from the original. */
function applyRetainKeysDirective(original: JMap, patch: JMap): void {
  if (!has(patch, RETAIN_KEYS)) return;
  const list = patch[RETAIN_KEYS];
  delete patch[RETAIN_KEYS];
  if (!Array.isArray(list)) throw errBadPatchFormatForRetainKeys();
  const keep = (k: string) => list.some((v) => goEq(v, k));
  for (const [k, v] of Object.entries(patch)) {
    if (v === null || k.startsWith(DELETE_PRIMITIVE_PREFIX) || k.startsWith(SET_ORDER_PREFIX)) continue;
    if (!keep(k)) throw errBadPatchFormatForRetainKeys();
  }
  for (const k of Object.keys(original)) if (!keep(k)) delete original[k];
}

/** validatePatchWithSetOrderList: patch items must appear in `$setElementOrder` in the same relative order. */
function validatePatchWithSetOrderList(patchList: Json[], setOrder: Json[], mergeKey: string): void {
  if (setOrder.length === 0 || patchList.length === 0) return;
  const nonDelete = mergeKey ? extractToDeleteItems(patchList)[0] : patchList;
  let pi = 0;
  let si = 0;
  while (pi < nonDelete.length && si < setOrder.length) {
    const item = nonDelete[pi];
    if (isMap(item) && has(item, DIRECTIVE)) {
      pi++;
      continue;
    }
    if (mergeKeyValueEqual(item, setOrder[si], mergeKey)) pi++;
    si++;
  }
  if (pi < nonDelete.length && si >= setOrder.length)
    throw new StrategicMergePatchError(
      `The order in patch list:\n${goFmt(patchList)}\n doesn't match ${SET_ORDER_PREFIX} list:\n${goFmt(setOrder)}\n`,
    );
}

function mergeKeyValueEqual(left: Json, right: Json, mergeKey: string): boolean {
  if (!mergeKey) return goEq(left, right);
  if (!isMap(left)) throw errBadArgType(MAP_TYPE, left);
  if (!isMap(right)) throw errBadArgType(MAP_TYPE, right);
  if (!has(left, mergeKey)) throw errNoMergeKey(left, mergeKey);
  if (!has(right, mergeKey)) throw errNoMergeKey(right, mergeKey);
  return goEq(left[mergeKey], right[mergeKey]);
}

/** mergePatchIntoOriginal: merge each `$setElementOrder/<list>` with its list and impose the order. */
function mergePatchIntoOriginal(original: JMap, patch: JMap, schema: PatchSchema): void {
  for (const key of Object.keys(patch)) {
    if (!key.startsWith(SET_ORDER_PREFIX)) continue;
    const setOrder = patch[key];
    delete patch[key];
    if (!Array.isArray(setOrder)) throw errBadArgType(SLICE_TYPE, setOrder);
    const listKey = extractKey(key, SET_ORDER_PREFIX);
    const foundOriginal = has(original, listKey);
    const foundPatch = has(patch, listKey);
    const originalList = original[listKey];
    const patchList = patch[listKey];
    if (foundOriginal && !Array.isArray(originalList)) throw errBadArgType(SLICE_TYPE, originalList);
    if (foundPatch && !Array.isArray(patchList)) throw errBadArgType(SLICE_TYPE, patchList);
    const originalValue = (originalList as Json[] | undefined) ?? [];
    const patchValue = (patchList as Json[] | undefined) ?? [];

    const meta = schema.lookupSlice(listKey);
    const strategy = extractRetainKeysPatchStrategy(meta.strategies)[1];
    validatePatchWithSetOrderList(patchValue, setOrder, meta.mergeKey);

    // `live` stands for the Go slice header upstream keeps here: merging may rewrite its backing array
    const live = originalValue.slice();
    let merged: Json[];
    if (foundOriginal && !foundPatch) merged = live;
    else if (!foundOriginal && foundPatch) merged = removeDirectives(patchValue)[0] as Json[];
    else if (foundOriginal && foundPatch) merged = mergeSliceHandler(live, patchValue, meta.schema, strategy, meta.mergeKey, false);
    else continue;

    const [patchItems, serverOnly] = partitionByPresence(merged, setOrder, meta.mergeKey);
    const kind = sliceElementKind(live, patchValue);
    original[listKey] = normalizeElementOrder(patchItems, serverOnly, setOrder, live, meta.mergeKey, kind);
    delete patch[listKey];
  }
}

function mergeSliceHandler(
  original: Json[],
  patch: Json[],
  schema: PatchSchema,
  strategy: string,
  mergeKey: string,
  isDeleteList: boolean,
): Json[] {
  // delete lists are handled the same way whatever the field's strategy
  if (strategy === 'merge' || isDeleteList) return mergeSlice(original, patch, schema, mergeKey, isDeleteList);
  return patch;
}

/**
 * mergeSlice. `original` is mutated in place the way upstream's Go slice operations mutate the
 * backing array its caller still holds: deletions shift items left and later appends reuse the
 * freed tail. mergePatchIntoOriginal then reads that array as the "live order", which decides
 * where server-only items land (e.g. [1,2,4] with `1` deleted and `3` added orders as 2,4,3).
 */
function mergeSlice(original: Json[], patch: Json[], schema: PatchSchema, mergeKey: string, isDeleteList: boolean): Json[] {
  if (original.length === 0 && patch.length === 0) return original;
  const kind = sliceElementKind(original, patch);
  let merged: Json[];
  let serverOrder: Json[];
  if (kind !== 'map') {
    if (isDeleteList) return original.filter((v) => !patch.some((d) => goEq(d, v)));
    merged = deduplicateScalars([...original, ...patch]);
    serverOrder = original;
  } else {
    if (!mergeKey) throw new StrategicMergePatchError(`cannot merge lists without merge key for ${schema.kindName}`);
    let cur = new GoSlice(original);
    const [plain, replace] = mergeSliceWithSpecialElements(cur, patch, mergeKey);
    if (replace) {
      cur = new GoSlice(plain.slice());
      patch = [];
    } else {
      patch = plain;
    }
    serverOrder = cur.items();
    for (const v of patch as JMap[]) {
      if (!has(v, mergeKey)) throw errNoMergeKey(v, mergeKey);
      const i = findMapIndex(cur.items(), mergeKey, v[mergeKey]);
      if (i >= 0) cur.arr[i] = mergeMap(cur.arr[i] as JMap, v, schema);
      else cur.append(v);
    }
    merged = cur.items();
  }
  const [patchItems, serverOnly] = partitionByPresence(merged, patch, mergeKey);
  return normalizeElementOrder(patchItems, serverOnly, patch, serverOrder, mergeKey, kind);
}

/** A Go slice over a backing array (capacity = the array's length) for the in-place edits above. */
class GoSlice {
  len: number;
  constructor(public arr: Json[]) {
    this.len = arr.length;
  }
  items(): Json[] {
    return this.arr.slice(0, this.len);
  }
  /** append(s[:i], s[i+1:]...) */
  deleteAt(i: number): void {
    this.arr.copyWithin(i, i + 1, this.len);
    this.len--;
  }
  /** append(s, v): in place while capacity lasts, else onto a fresh array */
  append(v: Json): void {
    if (this.len >= this.arr.length) this.arr = this.arr.slice(0, this.len);
    this.arr[this.len++] = v;
  }
}

/** Handle `$patch` items: delete by merge key (in place), `replace` (the other items become the list). */
function mergeSliceWithSpecialElements(original: GoSlice, patch: Json[], mergeKey: string): [Json[], boolean] {
  const plain: Json[] = [];
  let replace = false;
  for (const v of patch as JMap[]) {
    if (!has(v, DIRECTIVE)) {
      plain.push(v);
      continue;
    }
    const directive = v[DIRECTIVE];
    if (directive === 'delete') {
      if (!has(v, mergeKey)) throw errNoMergeKey(v, mergeKey);
      const value = v[mergeKey];
      for (let i = findMapIndex(original.items(), mergeKey, value); i >= 0; i = findMapIndex(original.items(), mergeKey, value))
        original.deleteAt(i);
    } else if (directive === 'replace') {
      replace = true;
    } else if (directive === 'merge') {
      throw new StrategicMergePatchError('merging lists cannot yet be specified in the patch');
    } else {
      throw errBadPatchType(directive, v);
    }
  }
  return [plain, replace];
}

/** deduplicateScalars, keeping upstream's swap-with-last order (normalization reorders afterwards). */
function deduplicateScalars(s: Json[]): Json[] {
  let length = s.length - 1;
  for (let i = 0; i < length; i++) {
    for (let j = i + 1; j <= length; j++) {
      if (goEq(s[i], s[j])) {
        s[j] = s[length];
        s = s.slice(0, length);
        length--;
        j--;
      }
    }
  }
  return s;
}
