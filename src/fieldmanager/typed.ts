// Schema-aware walks over JSON values, after structured-merge-diff typed/: ToFieldSet
// (tofieldset.go), Compare (compare.go), Merge (merge.go, rule "keep RHS"), RemoveItems (remove.go)
// and fieldpath.Set.EnsureNamedFieldsAreMembers.
import { FieldSet, fieldPE, keyPE, RECURSION_LIMIT, serializePE, type Path, type PathElement } from './fieldpath.js';
import { isObj, itemKey, shapeOf, type Node, type Shape } from './schema.js';
import { cloneJSON } from '../util/clone.js';
import { jsonEqual } from '../util/equal.js';

type ListShape = Extract<Shape, { t: 'list' }>;

/** Equality of JSON data (depth-safe: src/util/equal.ts). */
export const deepEqual = jsonEqual;

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
    if (path.length >= RECURSION_LIMIT) return toFieldSetDeep(set, path, v, n);
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

/** The walk of toFieldSet below `path`, without recursion: inserts into the set's node there, then drops the nodes left empty. */
function toFieldSetDeep(set: FieldSet, path: Path, v0: unknown, n0: Node): void {
  let base = set;
  for (let i = 0; i < path.length - 1; i++) base = base.descend(path[i]);
  const last = path[path.length - 1];
  // [node of the parent, path element of this position, value, schema]
  const work: [FieldSet, PathElement, unknown, Node][] = [[base, last, v0, n0]];
  const created: [FieldSet, string][] = [];
  const below = (parent: FieldSet, pe: PathElement): FieldSet => {
    const k = serializePE(pe);
    const had = parent.children.has(k);
    const c = parent.descend(pe);
    if (!had) created.push([parent, k]);
    return c;
  };
  while (work.length) {
    const [parent, pe, v, n] = work.pop()!;
    const member = () => parent.members.set(serializePE(pe), pe);
    const shape = shapeOf(n, v);
    if (shape.t === 'scalar') {
      member();
      continue;
    }
    if (shape.t === 'list') {
      if (shape.rel === 'atomic') {
        member();
        continue;
      }
      if (!Array.isArray(v)) continue;
      const here = below(parent, pe);
      v.forEach((item, i) => {
        const ipe = itemPE(shape, i, item);
        work.push([here, ipe, item, shape.elem]);
        here.members.set(serializePE(ipe), ipe);
      });
      continue;
    }
    if (shape.atomic) {
      member();
      continue;
    }
    if (!isObj(v)) continue;
    const here = below(parent, pe);
    for (const [k, child] of Object.entries(v)) {
      if (child === undefined) continue;
      const fpe = fieldPE(k);
      work.push([here, fpe, child, shape.child(k)]);
      if (!shape.isField(k)) here.members.set(serializePE(fpe), fpe);
    }
  }
  for (let i = created.length - 1; i >= 0; i--) {
    const [parent, k] = created[i];
    const c = parent.children.get(k)!.set;
    if (c.members.size === 0 && c.children.size === 0) parent.children.delete(k);
  }
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
  // the cursors up to the nearest one with a node, then their nodes created downwards
  const chain: Cursor[] = [];
  let c: Cursor | undefined = cur;
  while (c && !c.nodes[which]) {
    chain.push(c);
    c = c.parent;
  }
  let node = c ? c.nodes[which]! : undefined;
  for (let i = chain.length - 1; i >= 0; i--) {
    const k = chain[i];
    if (!node) node = k.nodes[which] = roots[which];
    else {
      let e = node.children.get(k.key);
      if (!e) node.children.set(k.key, (e = { pe: k.pe!, set: new FieldSet() }));
      node = k.nodes[which] = e.set;
    }
  }
  return node!;
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
  const walk = (cur: Cursor, l: unknown, r: unknown, n: Node, depth: number): void => {
    if (depth >= RECURSION_LIMIT) return compareDeep(cur, l, r, n, roots);
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
        walk(at(cur, pe, k), li.items.get(k), ri.items.has(k) ? ri.items.get(k) : undefined, shape.elem, depth + 1);
      }
      for (let i = 0; i < ri.order.length; i++) {
        const pe = ri.order[i], k = ri.keys[i];
        if (!li.items.has(k)) walk(at(cur, pe, k), undefined, ri.items.get(k), shape.elem, depth + 1);
      }
    } else {
      const lm = isObj(l) ? l : {}, rm = isObj(r) ? r : {};
      for (const k of Object.keys(lm)) walk(at(cur, fieldPE(k), 'f:' + k), lm[k], k in rm ? rm[k] : undefined, shape.child(k), depth + 1);
      for (const k of Object.keys(rm)) if (!(k in lm)) walk(at(cur, fieldPE(k), 'f:' + k), undefined, rm[k], shape.child(k), depth + 1);
    }
    if (l === undefined) insertAt(cur, ADDED, roots);
    else if (r === undefined) insertAt(cur, REMOVED, roots);
  };
  walk({ parent: undefined, pe: undefined, key: '', nodes: [undefined, undefined, undefined] }, lhs, rhs, node, 0);
  return c;
}

/**
 * compare's walk below a cursor, without recursion. The order of insertions does not matter (a
 * set is a set), and an equal subtree inserts nothing, so the equality shortcut is left out here
 * (it would cost a pass over the rest of a deep value at every level).
 */
function compareDeep(cur0: Cursor, l0: unknown, r0: unknown, n0: Node, roots: FieldSet[]): void {
  const work: [Cursor, unknown, unknown, Node][] = [[cur0, l0, r0, n0]];
  const leaf = (cur: Cursor, l: unknown, r: unknown): void => {
    if (l === undefined) insertAt(cur, ADDED, roots);
    else if (r === undefined) insertAt(cur, REMOVED, roots);
    else if (!deepEqual(l, r)) insertAt(cur, MODIFIED, roots);
  };
  while (work.length) {
    const [cur, l, r, n] = work.pop()!;
    if (l !== undefined && l === r) continue;
    const sample = l === undefined || l === null ? r : l;
    const shape = shapeOf(n, sample);
    if (shape.t !== 'scalar' && !sameKind(l, r)) {
      leaf(cur, l, r);
      continue;
    }
    if (shape.t === 'scalar' || (shape.t === 'list' && shape.rel === 'atomic') || (shape.t === 'map' && shape.atomic) || (isEmptyish(l) && isEmptyish(r))) {
      leaf(cur, l, r);
      continue;
    }
    if (shape.t === 'list') {
      const li = indexList(shape, l), ri = indexList(shape, r);
      for (let i = 0; i < li.order.length; i++) {
        const pe = li.order[i], k = li.keys[i];
        work.push([at(cur, pe, k), li.items.get(k), ri.items.has(k) ? ri.items.get(k) : undefined, shape.elem]);
      }
      for (let i = 0; i < ri.order.length; i++) {
        const pe = ri.order[i], k = ri.keys[i];
        if (!li.items.has(k)) work.push([at(cur, pe, k), undefined, ri.items.get(k), shape.elem]);
      }
    } else {
      const lm = isObj(l) ? l : {}, rm = isObj(r) ? r : {};
      for (const k of Object.keys(lm)) work.push([at(cur, fieldPE(k), 'f:' + k), lm[k], k in rm ? rm[k] : undefined, shape.child(k)]);
      for (const k of Object.keys(rm)) if (!(k in lm)) work.push([at(cur, fieldPE(k), 'f:' + k), undefined, rm[k], shape.child(k)]);
    }
    if (l === undefined) insertAt(cur, ADDED, roots);
    else if (r === undefined) insertAt(cur, REMOVED, roots);
  }
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
export function merge(lhs: unknown, rhs: unknown, node: Node, depth = 0): unknown {
  if (depth >= RECURSION_LIMIT) return mergeDeep(lhs, rhs, node);
  if (rhs === undefined) return clone(lhs);
  if (lhs === undefined) return clone(rhs);
  const shape = shapeOf(node, lhs === null ? rhs : lhs);
  if (shape.t === 'scalar' || !sameKind(lhs, rhs)) return clone(rhs);
  if ((shape.t === 'list' && shape.rel === 'atomic') || (shape.t === 'map' && shape.atomic)) return clone(rhs);
  if (isEmptyish(lhs) && isEmptyish(rhs)) return clone(rhs);
  if (shape.t === 'list') {
    const out: unknown[] = [];
    for (const [l, r] of mergePlan(shape, lhs, rhs)) {
      const v = merge(l, r, shape.elem, depth + 1);
      if (v !== undefined) out.push(v);
    }
    return out.length ? out : null;
  }
  const lm = isObj(lhs) ? lhs : {}, rm = isObj(rhs) ? rhs : {};
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(lm)) {
    const v = merge(lm[k], k in rm ? rm[k] : undefined, shape.child(k), depth + 1);
    if (v !== undefined) out[k] = v;
  }
  for (const k of Object.keys(rm)) {
    if (k in lm) continue;
    const v = merge(undefined, rm[k], shape.child(k), depth + 1);
    if (v !== undefined) out[k] = v;
  }
  return Object.keys(out).length ? out : null;
}

/**
 * merge without recursion. Each position's result is placed in its parent as soon as its kind is
 * known (a new map or list, filled later); the positions whose map or list ends up empty become
 * null, and undefined results are dropped, bottom-up afterwards, as the recursive form returns them.
 */
function mergeDeep(lhs0: unknown, rhs0: unknown, node0: Node): unknown {
  const root: { v: unknown } = { v: undefined };
  // [lhs, rhs, schema, container, key in it]
  const work: [unknown, unknown, Node, Record<string, unknown> | unknown[], string | number][] = [[lhs0, rhs0, node0, root as unknown as Record<string, unknown>, 'v']];
  const made: [Record<string, unknown> | unknown[], Record<string, unknown> | unknown[], string | number][] = []; // container, its parent, key
  while (work.length) {
    const [lhs, rhs, node, parent, key] = work.pop()!;
    const set = (v: unknown) => ((parent as Record<string, unknown>)[key] = v);
    if (rhs === undefined) {
      set(clone(lhs));
      continue;
    }
    if (lhs === undefined) {
      set(clone(rhs));
      continue;
    }
    const shape = shapeOf(node, lhs === null ? rhs : lhs);
    if (shape.t === 'scalar' || !sameKind(lhs, rhs) || (shape.t === 'list' && shape.rel === 'atomic') || (shape.t === 'map' && shape.atomic) || (isEmptyish(lhs) && isEmptyish(rhs))) {
      set(clone(rhs));
      continue;
    }
    if (shape.t === 'list') {
      const plan = mergePlan(shape, lhs, rhs);
      const out: unknown[] = new Array(plan.length);
      set(out);
      made.push([out, parent, key]);
      for (let i = plan.length - 1; i >= 0; i--) work.push([plan[i][0], plan[i][1], shape.elem, out, i]);
      continue;
    }
    const lm = isObj(lhs) ? lhs : {}, rm = isObj(rhs) ? rhs : {};
    const out: Record<string, unknown> = {};
    set(out);
    made.push([out, parent, key]);
    const keys = Object.keys(lm);
    for (const k of Object.keys(rm)) if (!(k in lm)) keys.push(k);
    for (const k of keys) out[k] = undefined; // the recursive form's key order
    for (let i = keys.length - 1; i >= 0; i--) {
      const k = keys[i];
      work.push([k in lm ? lm[k] : undefined, k in rm ? rm[k] : undefined, shape.child(k), out, k]);
    }
  }
  for (let i = made.length - 1; i >= 0; i--) {
    const [c, parent, key] = made[i];
    let n: number;
    if (Array.isArray(c)) {
      const kept = c.filter((v) => v !== undefined);
      if (kept.length !== c.length) {
        c.length = 0;
        c.push(...kept);
      }
      n = c.length;
    } else {
      for (const k of Object.keys(c)) if (c[k] === undefined) delete c[k];
      n = Object.keys(c).length;
    }
    if (!n) (parent as Record<string, unknown>)[key] = null;
  }
  return root.v;
}

/** The pairs of items a list merge combines, in the order of the result. */
function mergePlan(shape: ListShape, lhs: unknown, rhs: unknown): [unknown, unknown][] {
  const L = indexList(shape, lhs), R = indexList(shape, rhs);
  const out: [unknown, unknown][] = [];
  const key = serializePE;
  const shared = R.order.filter((pe) => L.items.has(key(pe)));
  let next = shared.shift();
  const take = (_pe: PathElement, l: unknown, r: unknown): void => {
    out.push([l, r]);
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
export function removeItems(value: unknown, set: FieldSet, node: Node, depth = 0): unknown {
  if (depth >= RECURSION_LIMIT) return removeItemsDeep(value, set, node);
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
      out.push(sub ? removeItems(item, sub, shape.elem, depth + 1) : item);
    });
    return out.length ? out : undefined;
  }
  if (shape.atomic || !isObj(value) || !Object.keys(value).length) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    const pe = fieldPE(k);
    if (set.members.has(serializePE(pe))) continue;
    const sub = set.withPrefix(pe);
    const nv = sub ? removeItems(v, sub, shape.child(k), depth + 1) : v;
    if (nv !== undefined) out[k] = nv;
  }
  return Object.keys(out).length ? out : undefined;
}

/**
 * removeItems without recursion: the new maps and lists are placed in their parents first and
 * filled later; the ones left empty are dropped bottom-up afterwards (undefined, as the recursive
 * form returns them, which its parent leaves out).
 */
function removeItemsDeep(value0: unknown, set0: FieldSet, node0: Node): unknown {
  const root: Record<string, unknown> = { v: value0 };
  const work: [unknown, FieldSet, Node, Record<string, unknown> | unknown[], string | number][] = [[value0, set0, node0, root, 'v']];
  const made: [Record<string, unknown> | unknown[], Record<string, unknown> | unknown[], string | number][] = [];
  while (work.length) {
    const [value, set, node, parent, key] = work.pop()!;
    if (set.empty()) continue; // the value stays as placed
    const shape = shapeOf(node, value);
    if (shape.t === 'scalar') continue;
    if (shape.t === 'list') {
      if (shape.rel === 'atomic' || !Array.isArray(value) || !value.length) continue;
      const out: unknown[] = [];
      value.forEach((item, i) => {
        const pe = itemPE(shape, i, item);
        if (set.members.has(serializePE(pe))) return;
        const sub = set.withPrefix(pe);
        out.push(item);
        if (sub) work.push([item, sub, shape.elem, out, out.length - 1]);
      });
      (parent as Record<string, unknown>)[key] = out;
      made.push([out, parent, key]);
      continue;
    }
    if (shape.atomic || !isObj(value) || !Object.keys(value).length) continue;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      const pe = fieldPE(k);
      if (set.members.has(serializePE(pe))) continue;
      const sub = set.withPrefix(pe);
      out[k] = v;
      if (sub) work.push([v, sub, shape.child(k), out, k]);
    }
    (parent as Record<string, unknown>)[key] = out;
    made.push([out, parent, key]);
  }
  for (let i = made.length - 1; i >= 0; i--) {
    const [c, parent, key] = made[i];
    let n: number;
    if (Array.isArray(c)) n = c.length; // an item left undefined stays, as the recursive form pushes it
    else {
      for (const k of Object.keys(c)) if (c[k] === undefined) delete c[k];
      n = Object.keys(c).length;
    }
    if (!n) (parent as Record<string, unknown>)[key] = undefined;
  }
  return root.v;
}

/** Add as members the struct fields that only appear as parents (Set.EnsureNamedFieldsAreMembers). */
export function ensureNamedFieldsAreMembers(set: FieldSet, node: Node): FieldSet {
  const out = new FieldSet();
  const walk = (src: FieldSet, dst: FieldSet, n: Node, depth: number): void => {
    if (depth >= RECURSION_LIMIT) return ensureNamedDeep(src, dst, n);
    for (const [s2, d2, n2] of ensureNamedStep(src, dst, n)) walk(s2, d2, n2, depth + 1);
  };
  walk(set, out, node, 0);
  return out;
}

/** One level of ensureNamedFieldsAreMembers: the members copied, the children still to visit. */
function ensureNamedStep(src: FieldSet, dst: FieldSet, n: Node): [FieldSet, FieldSet, Node][] {
  const shape = shapeOf(n, undefined);
  for (const [k, pe] of src.members) dst.members.set(k, pe);
  const next: [FieldSet, FieldSet, Node][] = [];
  for (const c of src.children.values()) {
    if (c.set.empty()) continue;
    let childNode: Node = undefined;
    if (shape.t === 'map') {
      if (c.pe.kind === 'field' && shape.struct && shape.isField(c.pe.name)) dst.members.set(serializePE(c.pe), c.pe);
      childNode = c.pe.kind === 'field' ? shape.child(c.pe.name) : undefined;
    } else if (shape.t === 'list') childNode = shape.elem;
    next.push([c.set, dst.descend(c.pe), childNode]);
  }
  return next;
}

function ensureNamedDeep(src0: FieldSet, dst0: FieldSet, n0: Node): void {
  const work: [FieldSet, FieldSet, Node][] = [[src0, dst0, n0]];
  while (work.length) {
    const [src, dst, n] = work.pop()!;
    const next = ensureNamedStep(src, dst, n);
    for (let i = next.length - 1; i >= 0; i--) work.push(next[i]);
  }
}

/** Drop null-valued map entries (a null in an applied configuration clears a scalar). */
export function dropNulls(v: unknown, depth = 0): unknown {
  if (depth >= RECURSION_LIMIT) return dropNullsDeep(v);
  if (Array.isArray(v)) return v.map((x) => dropNulls(x, depth + 1));
  if (!isObj(v)) return v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) if (x !== null) out[k] = dropNulls(x, depth + 1);
  return out;
}

function dropNullsDeep(v0: unknown): unknown {
  const root: Record<string, unknown> = {};
  const work: [unknown, Record<string, unknown> | unknown[], string | number][] = [[v0, root, 'v']];
  while (work.length) {
    const [v, parent, key] = work.pop()!;
    if (Array.isArray(v)) {
      const out: unknown[] = new Array(v.length);
      (parent as Record<string, unknown>)[key] = out;
      for (let i = 0; i < v.length; i++) work.push([v[i], out, i]);
    } else if (isObj(v)) {
      const out: Record<string, unknown> = {};
      (parent as Record<string, unknown>)[key] = out;
      for (const [k, x] of Object.entries(v)) if (x !== null) {
          out[k] = undefined; // keeps the key order
          work.push([x, out, k]);
        }
    } else (parent as Record<string, unknown>)[key] = v;
  }
  return root.v;
}
