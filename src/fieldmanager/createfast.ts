// The FieldsV1 of a plain create, computed in one walk. On create with no managedFields sent, the
// field manager's result is one Update entry whose set is compare(zero object, new object) without
// the reset fields and the strip set (managedfieldsupdater.go, stripmeta.go); the general path
// builds field sets, unions and differences before encoding them. This walk emits the same FieldsV1
// object directly (test/unit/fieldmanager-createfast.test.ts holds it to the general path).
import { comparePE, fieldPE, serializePE, type PathElement } from './fieldpath.js';
import { isObj, shapeOf, type Node, type Shape } from './schema.js';
import { deepEqual, itemPE } from './typed.js';

/** stripmeta.go: members never recorded, at the root and under metadata. */
const STRIP_ROOT = new Set(['apiVersion', 'kind', 'metadata']);
const STRIP_META = new Set(['name', 'namespace', 'creationTimestamp', 'selfLink', 'uid', 'clusterName', 'generation', 'managedFields', 'resourceVersion']);

interface Visit {
  member: boolean;
  fields: Record<string, unknown> | undefined;
}

/** A child's entry: its path element, FieldsV1 key and value (`{}` for a bare member). */
type Kid = [PathElement, string, Record<string, unknown>];

const isEmptyish = (v: unknown): boolean =>
  v === null || v === undefined || (Array.isArray(v) && v.length === 0) || (isObj(v) && Object.keys(v).length === 0);

function sameKind(l: unknown, r: unknown): boolean {
  if (l === undefined || l === null || r === undefined || r === null) return true;
  return Array.isArray(l) === Array.isArray(r) && isObj(l) === isObj(r);
}

const leaf = (l: unknown, r: unknown): Visit => ({ member: l === undefined || (r !== undefined && !deepEqual(l, r)), fields: undefined });

const byPE = (a: Kid, b: Kid): number => comparePE(a[0], b[0]);

/** The items of a list by path element, first occurrence wins (smd indexListPathElements). */
function listItems(shape: Extract<Shape, { t: 'list' }>, list: unknown): [PathElement, string, unknown][] {
  const out: [PathElement, string, unknown][] = [];
  if (!Array.isArray(list)) return out;
  const seen = new Set<string>();
  for (let i = 0; i < list.length; i++) {
    const pe = itemPE(shape, i, list[i]);
    const k = serializePE(pe);
    if (seen.has(k)) continue;
    seen.add(k);
    out.push([pe, k, list[i]]);
  }
  return out;
}

/** Past this many levels the walks below go on with an explicit stack (values may nest 10,000 levels). */
const RECURSION_LIMIT = 256;

/**
 * The FieldsV1 value of a position the live object does not have (compare's "added" subtree: the
 * position and everything under it): `{}` for a leaf, else "." and the children in order.
 */
function added(r: unknown, n: Node, depth: number): Record<string, unknown> {
  if (depth >= RECURSION_LIMIT) {
    const out: Record<string, unknown> = {};
    fillAdded(out, r, n);
    return out;
  }
  if (r === undefined || r === null) return {};
  const shape = shapeOf(n, r);
  if (shape.t === 'scalar') return {};
  if (shape.t === 'list') {
    if (shape.rel === 'atomic' || !Array.isArray(r) || r.length === 0) return {};
    const items = listItems(shape, r);
    if (items.length > 1) items.sort((a, b) => comparePE(a[0], b[0]));
    const out: Record<string, unknown> = { '.': {} };
    for (const [, k, item] of items) out[k] = added(item, shape.elem, depth + 1);
    return out;
  }
  if (shape.atomic || !isObj(r)) return {};
  const keys = Object.keys(r);
  if (keys.length === 0) return {};
  if (keys.length > 1) keys.sort(); // field elements order by name (UTF-16 code units, as cmpStr)
  const out: Record<string, unknown> = { '.': {} };
  for (const k of keys) out['f:' + k] = added(r[k], shape.child(k), depth + 1);
  return out;
}

/** added(r, n) written into `out` (an empty object), without recursion. */
function fillAdded(out0: Record<string, unknown>, r0: unknown, n0: Node): void {
  const work: [Record<string, unknown>, unknown, Node][] = [[out0, r0, n0]];
  while (work.length) {
    const [out, r, n] = work.pop()!;
    if (r === undefined || r === null) continue;
    const shape = shapeOf(n, r);
    if (shape.t === 'scalar') continue;
    if (shape.t === 'list') {
      if (shape.rel === 'atomic' || !Array.isArray(r) || r.length === 0) continue;
      const items = listItems(shape, r);
      if (items.length > 1) items.sort((a, b) => comparePE(a[0], b[0]));
      out['.'] = {};
      for (const [, k, item] of items) work.push([(out[k] = {}) as Record<string, unknown>, item, shape.elem]);
      continue;
    }
    if (shape.atomic || !isObj(r)) continue;
    const keys = Object.keys(r);
    if (keys.length === 0) continue;
    if (keys.length > 1) keys.sort();
    out['.'] = {};
    for (const k of keys) work.push([(out['f:' + k] = {}) as Record<string, unknown>, r[k], shape.child(k)]);
  }
}

/** One position of compare(l, r): whether it is added or modified, and its children's FieldsV1. */
function visit(l: unknown, r: unknown, n: Node, depth: number, inMetadata: boolean, drop: Set<string> | undefined): Visit {
  if (l === undefined) {
    const a = added(r, n, depth);
    return { member: true, fields: '.' in a ? a : undefined };
  }
  const sample = l === null ? r : l;
  const shape = shapeOf(n, sample);
  if (shape.t === 'scalar') return leaf(l, r);
  if (!sameKind(l, r)) return leaf(l, r);
  if ((shape.t === 'list' && shape.rel === 'atomic') || (shape.t === 'map' && shape.atomic)) return leaf(l, r);
  if (isEmptyish(l) && isEmptyish(r)) return leaf(l, r);
  const kids: Kid[] = [];
  if (shape.t === 'list') {
    const li = listItems(shape, l);
    const ri = new Map<string, unknown>();
    const rOrder = listItems(shape, r);
    for (const [, k, item] of rOrder) ri.set(k, item);
    const inL = new Set<string>();
    for (const [pe, k, item] of li) {
      inL.add(k);
      pushKid(kids, pe, k, visit(item, ri.has(k) ? ri.get(k) : undefined, shape.elem, depth + 1, false, undefined), false);
    }
    for (const [pe, k, item] of rOrder) if (!inL.has(k)) pushKid(kids, pe, k, visit(undefined, item, shape.elem, depth + 1, false, undefined), false);
  } else {
    const lm = isObj(l) ? l : {}, rm = isObj(r) ? r : {};
    for (const k of Object.keys(lm)) fieldKid(kids, k, lm[k], k in rm ? rm[k] : undefined, shape, depth, inMetadata, drop);
    for (const k of Object.keys(rm)) if (!(k in lm)) fieldKid(kids, k, undefined, rm[k], shape, depth, inMetadata, drop);
  }
  if (!kids.length) return { member: false, fields: undefined };
  if (kids.length > 1) kids.sort(byPE);
  const fields: Record<string, unknown> = {};
  for (const [, k, v] of kids) fields[k] = v;
  return { member: false, fields };
}

function fieldKid(kids: Kid[], k: string, lv: unknown, rv: unknown, shape: Extract<Shape, { t: 'map' }>, depth: number, inMetadata: boolean, drop: Set<string> | undefined): void {
  if (depth === 0 && drop?.has(k)) return; // reset fields: the whole subtree is never owned
  const strip = (depth === 0 && STRIP_ROOT.has(k)) || (inMetadata && STRIP_META.has(k));
  pushKid(kids, fieldPE(k), 'f:' + k, visit(lv, rv, shape.child(k), depth + 1, depth === 0 && k === 'metadata', undefined), strip);
}

function pushKid(kids: Kid[], pe: PathElement, key: string, v: Visit, strip: boolean): void {
  const member = v.member && !strip;
  if (!member && !v.fields) return;
  let value: Record<string, unknown>;
  if (!v.fields) value = {};
  else if (!member) {
    // an added subtree carries its own "." (see added); a stripped member must lose it
    if ('.' in v.fields) {
      const { '.': _self, ...rest } = v.fields;
      if (!Object.keys(rest).length) return;
      value = rest;
    } else value = v.fields;
  } else value = '.' in v.fields ? v.fields : { '.': {}, ...v.fields };
  kids.push([pe, key, value]);
}

/**
 * The FieldsV1 an Update manager owns after creating `next` from the kind's zero object, without
 * the root fields in `drop` (the strategy's reset fields); undefined when it owns nothing.
 */
export function createFieldsV1(zero: unknown, next: unknown, node: Node, drop: string[]): Record<string, unknown> | undefined {
  // stripmeta holds below metadata whatever the root's schema: a zero object without metadata (a
  // root that is not a struct, as a custom resource whose root preserves unknown fields) starts
  // from an empty one, so that the walk reaches metadata's members and strips them
  const z = isObj(zero) && !('metadata' in zero) && isObj(next) && isObj(next.metadata) ? { ...zero, metadata: {} } : zero;
  return visit(z, next, node, 0, false, drop.length ? new Set(drop) : undefined).fields;
}
