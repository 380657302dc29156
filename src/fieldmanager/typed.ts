// Schema-aware walks over JSON values, after structured-merge-diff typed/: ToFieldSet
// (tofieldset.go), Compare (compare.go), Merge (merge.go, rule "keep RHS"), RemoveItems (remove.go)
// and fieldpath.Set.EnsureNamedFieldsAreMembers.
import { FieldSet, fieldPE, keyPE, serializePE, type Path, type PathElement } from './fieldpath.js';
import { isObj, itemKey, shapeOf, type Node, type Shape } from './schema.js';
import { cloneJSON } from '../util/clone.js';

type ListShape = Extract<Shape, { t: 'list' }>;

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    return a.every((x, i) => deepEqual(x, b[i]));
  }
  if (isObj(a)) {
    if (!isObj(b)) return false;
    const ka = Object.keys(a);
    if (ka.length !== Object.keys(b).length) return false;
    return ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && deepEqual(a[k], b[k]));
  }
  return false;
}

export function clone<T>(v: T): T {
  return v === undefined ? v : cloneJSON(v);
}

/** The path element of a list item: key for list-maps, value for sets, index otherwise. */
export function itemPE(shape: ListShape, index: number, item: unknown): PathElement {
  if (shape.rel === 'map') {
    const key = itemKey(shape.keys, item);
    if (key) return keyPE(key);
  } else if (shape.rel === 'set' && !isObj(item) && !Array.isArray(item)) {
    return { kind: 'value', value: item };
  }
  return { kind: 'index', index };
}

/** Items of a list indexed by path element, first occurrence wins (as smd's indexListPathElements). */
function indexList(shape: ListShape, list: unknown): { order: PathElement[]; keys: string[]; items: Map<string, unknown> } {
  const order: PathElement[] = [];
  const keys: string[] = [];
  const items = new Map<string, unknown>();
  if (Array.isArray(list)) {
    list.forEach((item, i) => {
      const pe = itemPE(shape, i, item);
      const k = serializePE(pe);
      if (items.has(k)) return;
      items.set(k, item);
      order.push(pe);
      keys.push(k);
    });
  }
  return { order, keys, items };
}

const isEmptyish = (v: unknown): boolean =>
  v === null || v === undefined || (Array.isArray(v) && v.length === 0) || (isObj(v) && Object.keys(v).length === 0);

/** Every leaf field and every list/map item the value sets (TypedValue.ToFieldSet). */
export function toFieldSet(value: unknown, node: Node): FieldSet {
  const set = new FieldSet();
  const walk = (path: Path, v: unknown, n: Node): void => {
    const shape = shapeOf(n, v);
    if (shape.t === 'scalar') return set.insert(path);
    if (shape.t === 'list') {
      if (shape.rel === 'atomic') return set.insert(path);
      if (!Array.isArray(v)) return;
      v.forEach((item, i) => {
        const p = [...path, itemPE(shape, i, item)];
        walk(p, item, shape.elem);
        set.insert(p);
      });
      return;
    }
    if (shape.atomic) return set.insert(path);
    if (!isObj(v)) return;
    for (const [k, child] of Object.entries(v)) {
      if (child === undefined) continue;
      const p = [...path, fieldPE(k)];
      walk(p, child, shape.child(k));
      if (!shape.isField(k)) set.insert(p);
    }
  };
  walk([], value, node);
  return set;
}

export interface Comparison {
  added: FieldSet;
  modified: FieldSet;
  removed: FieldSet;
}

/**
 * A position in a walk: its path element and serialised key, and the field-set nodes reached so far
 * (created on first insert below it), so that inserting does not walk down from the root again.
 */
interface Cursor {
  parent: Cursor | undefined;
  pe: PathElement | undefined;
  key: string;
  nodes: (FieldSet | undefined)[];
}

const at = (parent: Cursor, pe: PathElement, key: string): Cursor => ({ parent, pe, key, nodes: [undefined, undefined, undefined] });

function nodeAt(cur: Cursor, which: number, roots: FieldSet[]): FieldSet {
  const have = cur.nodes[which];
  if (have) return have;
  if (!cur.parent) return (cur.nodes[which] = roots[which]);
  const p = nodeAt(cur.parent, which, roots);
  let c = p.children.get(cur.key);
  if (!c) p.children.set(cur.key, (c = { pe: cur.pe!, set: new FieldSet() }));
  return (cur.nodes[which] = c.set);
}

/** set.insert(path of cur); the empty path is not addressable. */
function insertAt(cur: Cursor, which: number, roots: FieldSet[]): void {
  if (cur.parent) nodeAt(cur.parent, which, roots).members.set(cur.key, cur.pe!);
}

const ADDED = 0, MODIFIED = 1, REMOVED = 2;

/** What changed from lhs to rhs (TypedValue.Compare). Non-leaf nodes appear when added or removed whole. */
export function compare(lhs: unknown, rhs: unknown, node: Node): Comparison {
  const roots = [new FieldSet(), new FieldSet(), new FieldSet()];
  const c: Comparison = { added: roots[ADDED], modified: roots[MODIFIED], removed: roots[REMOVED] };
  const leaf = (cur: Cursor, l: unknown, r: unknown): void => {
    if (l === undefined) insertAt(cur, ADDED, roots);
    else if (r === undefined) insertAt(cur, REMOVED, roots);
    else if (!deepEqual(l, r)) insertAt(cur, MODIFIED, roots);
  };
  const walk = (cur: Cursor, l: unknown, r: unknown, n: Node): void => {
    // an unchanged subtree adds, modifies and removes nothing below it: one equality pass
    // (no allocation) instead of the walk (most of an update's object is unchanged)
    if (l !== undefined && r !== undefined && (l === r || (typeof l === 'object' && deepEqual(l, r)))) return;
    const sample = l === undefined || l === null ? r : l;
    const shape = shapeOf(n, sample);
    if (shape.t !== 'scalar' && !sameKind(l, r)) return leaf(cur, l, r);
    if (shape.t === 'scalar') return leaf(cur, l, r);
    if ((shape.t === 'list' && shape.rel === 'atomic') || (shape.t === 'map' && shape.atomic)) return leaf(cur, l, r);
    if (isEmptyish(l) && isEmptyish(r)) return leaf(cur, l, r);
    if (shape.t === 'list') {
      const li = indexList(shape, l), ri = indexList(shape, r);
      for (let i = 0; i < li.order.length; i++) {
        const pe = li.order[i], k = li.keys[i];
        walk(at(cur, pe, k), li.items.get(k), ri.items.has(k) ? ri.items.get(k) : undefined, shape.elem);
      }
      for (let i = 0; i < ri.order.length; i++) {
        const pe = ri.order[i], k = ri.keys[i];
        if (!li.items.has(k)) walk(at(cur, pe, k), undefined, ri.items.get(k), shape.elem);
      }
    } else {
      const lm = isObj(l) ? l : {}, rm = isObj(r) ? r : {};
      for (const k of Object.keys(lm)) walk(at(cur, fieldPE(k), 'f:' + k), lm[k], k in rm ? rm[k] : undefined, shape.child(k));
      for (const k of Object.keys(rm)) if (!(k in lm)) walk(at(cur, fieldPE(k), 'f:' + k), undefined, rm[k], shape.child(k));
    }
    if (l === undefined) insertAt(cur, ADDED, roots);
    else if (r === undefined) insertAt(cur, REMOVED, roots);
  };
  walk({ parent: undefined, pe: undefined, key: '', nodes: [undefined, undefined, undefined] }, lhs, rhs, node);
  return c;
}

/** Both sides (when present and not null) hold the same JSON kind (map, list or scalar). */
function sameKind(l: unknown, r: unknown): boolean {
  if (l === undefined || l === null || r === undefined || r === null) return true;
  return Array.isArray(l) === Array.isArray(r) && isObj(l) === isObj(r);
}

/**
 * Merge a partial object into a live one (TypedValue.Merge): rhs wins on leaves, maps merge by key,
 * associative lists by key and sets by value (ordering as smd: shared items follow rhs order, lhs-only
 * items keep their place), atomic lists and maps are replaced.
 */
export function merge(lhs: unknown, rhs: unknown, node: Node): unknown {
  if (rhs === undefined) return clone(lhs);
  if (lhs === undefined) return clone(rhs);
  const shape = shapeOf(node, lhs === null ? rhs : lhs);
  if (shape.t === 'scalar' || !sameKind(lhs, rhs)) return clone(rhs);
  if ((shape.t === 'list' && shape.rel === 'atomic') || (shape.t === 'map' && shape.atomic)) return clone(rhs);
  if (isEmptyish(lhs) && isEmptyish(rhs)) return clone(rhs);
  if (shape.t === 'list') {
    const out = mergeList(shape, lhs, rhs);
    return out.length ? out : null;
  }
  const lm = isObj(lhs) ? lhs : {}, rm = isObj(rhs) ? rhs : {};
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(lm)) {
    const v = merge(lm[k], k in rm ? rm[k] : undefined, shape.child(k));
    if (v !== undefined) out[k] = v;
  }
  for (const k of Object.keys(rm)) {
    if (k in lm) continue;
    const v = merge(undefined, rm[k], shape.child(k));
    if (v !== undefined) out[k] = v;
  }
  return Object.keys(out).length ? out : null;
}

function mergeList(shape: ListShape, lhs: unknown, rhs: unknown): unknown[] {
  const L = indexList(shape, lhs), R = indexList(shape, rhs);
  const out: unknown[] = [];
  const key = serializePE;
  const shared = R.order.filter((pe) => L.items.has(key(pe)));
  let next = shared.shift();
  const take = (_pe: PathElement, l: unknown, r: unknown): void => {
    const v = merge(l, r, shape.elem);
    if (v !== undefined) out.push(v);
  };
  let li = 0, ri = 0;
  while (li < L.order.length || ri < R.order.length) {
    if (li < L.order.length && ri < R.order.length) {
      const pe = L.order[li];
      if (key(pe) === key(R.order[ri])) {
        take(pe, L.items.get(key(pe)), R.items.get(key(pe)));
        li++;
        ri++;
        next = shared.shift();
        continue;
      }
      if (R.items.has(key(pe)) && next && key(next) !== key(pe)) {
        li++; // a shared item, but not the one due now: it comes with the rhs order
        continue;
      }
    }
    if (li < L.order.length) {
      const pe = L.order[li];
      if (!R.items.has(key(pe))) {
        take(pe, L.items.get(key(pe)), undefined);
        li++;
        continue;
      }
    }
    if (ri < R.order.length) {
      const pe = R.order[ri];
      take(pe, L.items.has(key(pe)) ? L.items.get(key(pe)) : undefined, R.items.get(key(pe)));
      ri++;
      if (next && key(next) === key(pe)) next = shared.shift();
    } else {
      li++; // only shared lhs items remain whose rhs partner was already taken
    }
  }
  return out;
}

/** Remove every member of `set` (with its subtree) from the value (TypedValue.RemoveItems). */
export function removeItems(value: unknown, set: FieldSet, node: Node): unknown {
  if (set.empty()) return value;
  const shape = shapeOf(node, value);
  if (shape.t === 'scalar') return value;
  if (shape.t === 'list') {
    if (shape.rel === 'atomic' || !Array.isArray(value) || !value.length) return value;
    const out: unknown[] = [];
    value.forEach((item, i) => {
      const pe = itemPE(shape, i, item);
      if (set.members.has(serializePE(pe))) return;
      const sub = set.withPrefix(pe);
      out.push(sub ? removeItems(item, sub, shape.elem) : item);
    });
    return out.length ? out : undefined;
  }
  if (shape.atomic || !isObj(value) || !Object.keys(value).length) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    const pe = fieldPE(k);
    if (set.members.has(serializePE(pe))) continue;
    const sub = set.withPrefix(pe);
    const nv = sub ? removeItems(v, sub, shape.child(k)) : v;
    if (nv !== undefined) out[k] = nv;
  }
  return Object.keys(out).length ? out : undefined;
}

/** Add as members the struct fields that only appear as parents (Set.EnsureNamedFieldsAreMembers). */
export function ensureNamedFieldsAreMembers(set: FieldSet, node: Node): FieldSet {
  const out = new FieldSet();
  const walk = (src: FieldSet, dst: FieldSet, n: Node): void => {
    const shape = shapeOf(n, undefined);
    for (const [k, pe] of src.members) dst.members.set(k, pe);
    for (const c of src.children.values()) {
      if (c.set.empty()) continue;
      let childNode: Node = undefined;
      if (shape.t === 'map') {
        if (c.pe.kind === 'field' && shape.struct && shape.isField(c.pe.name)) dst.members.set(serializePE(c.pe), c.pe);
        childNode = c.pe.kind === 'field' ? shape.child(c.pe.name) : undefined;
      } else if (shape.t === 'list') childNode = shape.elem;
      walk(c.set, dst.descend(c.pe), childNode);
    }
  };
  walk(set, out, node);
  return out;
}

/** Drop null-valued map entries (a null in an applied configuration clears a scalar). */
export function dropNulls(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(dropNulls);
  if (!isObj(v)) return v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) if (x !== null) out[k] = dropNulls(x);
  return out;
}
