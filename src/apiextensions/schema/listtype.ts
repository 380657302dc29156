// x-kubernetes-list-type set/map uniqueness: staging/src/k8s.io/apiextensions-apiserver/pkg/apiserver/schema/listtype/validation.go
import type { Cause } from '../../resources/types.js';
import { fe, goJSON } from './fielderr.js';
import type { Structural } from './structural.js';

function isObj(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Whether any node of s has a set or map list type (so the walk can be skipped). */
export function hasListSetOrMap(s: Structural | undefined, seen = new Set<Structural>()): boolean {
  if (!s || seen.has(s)) return false;
  seen.add(s);
  if (s.xListType === 'set' || s.xListType === 'map') return true;
  if (hasListSetOrMap(s.items, seen) || hasListSetOrMap(s.additionalProperties?.structural, seen)) return true;
  if (s.properties) for (const p of s.properties.values()) if (hasListSetOrMap(p, seen)) return true;
  return false;
}

/** ValidateListSetsAndMaps: duplicates in list-type=set lists and duplicate keys in list-type=map lists. */
export function validateListSetMapKeys(obj: unknown, s: Structural | undefined, fldPath = ''): Cause[] {
  if (!s || !isObj(obj)) return [];
  const errs: Cause[] = [];
  walkObject(fldPath, s, obj, errs);
  return errs;
}

function walkObject(p: string, s: Structural, obj: Record<string, unknown>, errs: Cause[]): void {
  const ap = s.additionalProperties?.structural;
  if (ap) for (const k of Object.keys(obj)) walkValue(p + '[' + k + ']', ap, obj[k], errs);
  if (s.properties) {
    for (const k of Object.keys(obj)) {
      const sub = s.properties.get(k);
      if (sub) walkValue(p ? p + '.' + k : k, sub, obj[k], errs);
    }
  }
}

const subtree = new WeakMap<Structural, boolean>();
function hasLists(s: Structural): boolean {
  let h = subtree.get(s);
  if (h === undefined) {
    h = hasListSetOrMap(s);
    subtree.set(s, h);
  }
  return h;
}

function walkValue(p: string, s: Structural, v: unknown, errs: Cause[]): void {
  if (!hasLists(s)) return;
  if (Array.isArray(v)) walkArray(p, s, v, errs);
  else if (isObj(v)) walkObject(p, s, v, errs);
}

function walkArray(p: string, s: Structural, a: unknown[], errs: Cause[]): void {
  if (s.xListType === 'set') {
    for (const i of nonUnique(a)) errs.push(fe.duplicate(p + '[' + i + ']', a[i]));
  } else if (s.xListType === 'map') {
    errs.push(...validateListMap(p, s, a));
  }
  if (s.items) for (let i = 0; i < a.length; i++) walkValue(p + '[' + i + ']', s.items, a[i], errs);
}

const UNSPECIFIED = Symbol('unspecified');

/** validateListSet: the index of each value's second appearance. */
function nonUnique(a: unknown[]): number[] {
  if (a.length <= 1) return [];
  const seen = new Map<unknown, number>();
  const out: number[] = [];
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    const k = x !== null && typeof x === 'object' ? 'c:' + goJSON(x) : typeof x === 'string' ? 's:' + x : x;
    const times = seen.get(k);
    if (times === undefined) seen.set(k, 1);
    else {
      seen.set(k, times + 1);
      if (times === 1) out.push(i);
    }
  }
  return out;
}

function validateListMap(p: string, s: Structural, a: unknown[]): Cause[] {
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    if (x !== null && x !== undefined && !isObj(x)) return [fe.invalid(p + '[' + i + ']', x, 'must be an object for an array of list-type map')];
  }
  if (a.length <= 1) return [];
  const keys = s.xListMapKeys ?? [];
  const errs: Cause[] = [];
  if (keys.length === 1) {
    const kf = keys[0];
    const vals: unknown[] = a.map((x) => (isObj(x) && Object.prototype.hasOwnProperty.call(x, kf) ? x[kf] : UNSPECIFIED));
    const scalarKeys = vals.map((v) => (v === UNSPECIFIED ? v : v !== null && typeof v === 'object' ? 'c:' + goJSON(v) : typeof v === 'string' ? 's:' + v : v));
    for (const i of nonUniqueKeys(scalarKeys)) errs.push(fe.duplicate(p + '[' + i + ']', vals[i] === UNSPECIFIED ? {} : { [kf]: vals[i] }));
    return errs;
  }
  const composite = a.map((x) => {
    const k: Record<string, unknown> = {};
    if (isObj(x)) for (const f of keys) if (Object.prototype.hasOwnProperty.call(x, f)) k[f] = x[f];
    return k;
  });
  for (const i of nonUnique(composite)) errs.push(fe.duplicate(p + '[' + i + ']', composite[i]));
  return errs;
}

function nonUniqueKeys(ks: unknown[]): number[] {
  const seen = new Map<unknown, number>();
  const out: number[] = [];
  ks.forEach((k, i) => {
    const t = seen.get(k);
    if (t === undefined) seen.set(k, 1);
    else {
      seen.set(k, t + 1);
      if (t === 1) out.push(i);
    }
  });
  return out;
}
