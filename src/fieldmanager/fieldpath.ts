// Field paths and field sets as structured-merge-diff models them (sigs.k8s.io/structured-merge-diff
// fieldpath/element.go, set.go, serialize.go, serialize-pe.go), and their FieldsV1 JSON form.

/** One step of a path: a struct/map field, an associative-list key, a set value or a list index. */
export type PathElement =
  | { kind: 'field'; name: string }
  | { kind: 'key'; fields: [string, unknown][] } // sorted by field name
  | { kind: 'value'; value: unknown }
  | { kind: 'index'; index: number };

export type Path = PathElement[];

export const fieldPE = (name: string): PathElement => ({ kind: 'field', name });

/** The key form of a list-map item; `fields` need not be sorted. */
export function keyPE(fields: [string, unknown][]): PathElement {
  return { kind: 'key', fields: [...fields].sort((a, b) => cmpStr(a[0], b[0])) };
}

function cmpStr(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Serialised forms of key and value elements, computed once per element (they are never mutated). */
const serialized = new WeakMap<PathElement, string>();

/** The serialised form (FieldsV1 key): `f:name`, `k:{"name":"c"}`, `v:"x"`, `i:0`. */
export function serializePE(pe: PathElement): string {
  switch (pe.kind) {
    case 'field':
      return 'f:' + pe.name;
    case 'index':
      return 'i:' + pe.index;
    case 'key': {
      let k = serialized.get(pe);
      if (k === undefined) serialized.set(pe, (k = `k:{${pe.fields.map(([n, v]) => `${JSON.stringify(n)}:${JSON.stringify(v)}`).join(',')}}`));
      return k;
    }
    case 'value': {
      let k = serialized.get(pe);
      if (k === undefined) serialized.set(pe, (k = `v:${JSON.stringify(pe.value)}`));
      return k;
    }
  }
}

/** Parse a FieldsV1 key; undefined for an unknown prefix (upstream ignores those). */
export function parsePE(s: string): PathElement | undefined {
  const body = s.slice(2);
  switch (s.slice(0, 2)) {
    case 'f:':
      return { kind: 'field', name: body };
    case 'k:': {
      const obj = JSON.parse(body) as Record<string, unknown>;
      if (!obj || typeof obj !== 'object' || Array.isArray(obj)) throw new Error(`invalid key path element ${s}`);
      return keyPE(Object.entries(obj));
    }
    case 'v:':
      return { kind: 'value', value: JSON.parse(body) };
    case 'i:': {
      const n = Number(body);
      if (!Number.isInteger(n)) throw new Error(`invalid index path element ${s}`);
      return { kind: 'index', index: n };
    }
    default:
      return undefined;
  }
}

const typeRank = (v: unknown): number =>
  typeof v === 'number' ? 0 : typeof v === 'string' ? 1 : typeof v === 'boolean' ? 2 : Array.isArray(v) ? 3 : v === null || v === undefined ? 5 : 4;

/** A total order on JSON values (smd value.Compare: numbers < strings < bools < lists < maps < null). */
export function compareValues(a: unknown, b: unknown): number {
  const ra = typeRank(a), rb = typeRank(b);
  if (ra !== rb) return ra < rb ? -1 : 1;
  switch (ra) {
    case 0:
      return (a as number) < (b as number) ? -1 : (a as number) > (b as number) ? 1 : 0;
    case 1:
      return cmpStr(a as string, b as string);
    case 2:
      return a === b ? 0 : a ? 1 : -1;
    case 3: {
      const la = a as unknown[], lb = b as unknown[];
      for (let i = 0; i < Math.min(la.length, lb.length); i++) {
        const c = compareValues(la[i], lb[i]);
        if (c) return c;
      }
      return la.length - lb.length < 0 ? -1 : la.length > lb.length ? 1 : 0;
    }
    case 4: {
      const ea = Object.entries(a as object).sort((x, y) => cmpStr(x[0], y[0]));
      const eb = Object.entries(b as object).sort((x, y) => cmpStr(x[0], y[0]));
      return compareFieldLists(ea, eb);
    }
    default:
      return 0;
  }
}

function compareFieldLists(a: [string, unknown][], b: [string, unknown][]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const c = cmpStr(a[i][0], b[i][0]) || compareValues(a[i][1], b[i][1]);
    if (c) return c;
  }
  return a.length < b.length ? -1 : a.length > b.length ? 1 : 0;
}

const peRank = { field: 0, key: 1, value: 2, index: 3 } as const;

/** PathElement.Compare: fields < keys < values < indexes, then by content. */
export function comparePE(a: PathElement, b: PathElement): number {
  if (a.kind !== b.kind) return peRank[a.kind] < peRank[b.kind] ? -1 : 1;
  switch (a.kind) {
    case 'field':
      return cmpStr(a.name, (b as typeof a).name);
    case 'key':
      return compareFieldLists(a.fields, (b as typeof a).fields);
    case 'value':
      return compareValues(a.value, (b as typeof a).value);
    case 'index':
      return a.index - (b as typeof a).index < 0 ? -1 : a.index > (b as typeof a).index ? 1 : 0;
  }
}

/** smd value.ToString: strings quoted, numbers and bools bare. */
function valueString(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'string') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(valueString).join(',')}]`;
  if (typeof v === 'object') return `{${Object.entries(v).map(([k, x]) => `${k}=${valueString(x)}`).join(',')}}`;
  return String(v);
}

/** PathElement.String: `.name`, `[name="c"]`, `[="x"]`, `[0]`. */
export function peString(pe: PathElement): string {
  switch (pe.kind) {
    case 'field':
      return `.${pe.name}`;
    case 'key':
      return `[${pe.fields.map(([n, v]) => `${n}=${valueString(v)}`).join(',')}]`;
    case 'value':
      return `[=${valueString(pe.value)}]`;
    case 'index':
      return `[${pe.index}]`;
  }
}

/** Path.String, e.g. `.spec.template.spec.containers[name="nginx"].image`. */
export function pathString(p: Path): string {
  return p.map(peString).join('');
}

interface Child {
  pe: PathElement;
  set: FieldSet;
}

/**
 * Sets of a deep value nest as deeply (a value may nest 10,000 levels, Go's JSON limit): the
 * operations below recurse for the first levels and go on with an explicit stack past this.
 */
export const RECURSION_LIMIT = 256;

type BinaryOp = 'union' | 'intersection' | 'difference' | 'recursiveDifference';

const bare = (s: FieldSet): boolean => s.members.size === 0 && s.children.size === 0;

/** The operand an operation returns as it is, if any (the early returns of union and difference). */
function shortcut(op: BinaryOp, a: FieldSet, b: FieldSet): FieldSet | undefined {
  if (op === 'union') return bare(b) ? a : bare(a) ? b : undefined;
  if (op === 'intersection') return undefined;
  return bare(b) ? a : undefined;
}

/**
 * A set of paths stored as a tree: members end at this node, children continue below it.
 * The set operations (union, intersection, difference, ...) return new sets that may share
 * subtrees with their operands: build a set with insert/descend, then treat it as immutable.
 */
export class FieldSet {
  readonly members = new Map<string, PathElement>();
  readonly children = new Map<string, Child>();

  static of(...paths: Path[]): FieldSet {
    const s = new FieldSet();
    for (const p of paths) s.insert(p);
    return s;
  }

  insert(path: Path): void {
    if (path.length === 0) return; // the empty path is not addressable (as upstream)
    let s: FieldSet = this;
    for (let i = 0; i < path.length - 1; i++) s = s.descend(path[i]);
    s.members.set(serializePE(path[path.length - 1]), path[path.length - 1]);
  }

  /** The child set under pe, created when missing. */
  descend(pe: PathElement): FieldSet {
    const k = serializePE(pe);
    let c = this.children.get(k);
    if (!c) this.children.set(k, (c = { pe, set: new FieldSet() }));
    return c.set;
  }

  has(path: Path): boolean {
    if (path.length === 0) return false;
    let s: FieldSet | undefined = this;
    for (let i = 0; i < path.length - 1 && s; i++) s = s.children.get(serializePE(path[i]))?.set;
    return !!s && s.members.has(serializePE(path[path.length - 1]));
  }

  /** The subtree below pe (WithPrefix), or undefined. */
  withPrefix(pe: PathElement): FieldSet | undefined {
    return this.children.get(serializePE(pe))?.set;
  }

  empty(depth = 0): boolean {
    if (this.members.size) return false;
    if (depth >= RECURSION_LIMIT) return emptyDeep(this);
    for (const c of this.children.values()) if (!c.set.empty(depth + 1)) return false;
    return true;
  }

  size(): number {
    let n = 0;
    const work: FieldSet[] = [this];
    while (work.length) {
      const s = work.pop()!;
      n += s.members.size;
      for (const c of s.children.values()) work.push(c.set);
    }
    return n;
  }

  clone(depth = 0): FieldSet {
    if (depth >= RECURSION_LIMIT) return binaryDeep('union', this, new FieldSet(), true);
    const out = new FieldSet();
    for (const [k, pe] of this.members) out.members.set(k, pe);
    for (const [k, c] of this.children) {
      const cs = c.set.clone(depth + 1);
      if (!cs.empty()) out.children.set(k, { pe: c.pe, set: cs });
    }
    return out;
  }

  union(o: FieldSet, depth = 0): FieldSet {
    if (o.members.size === 0 && o.children.size === 0) return this;
    if (this.members.size === 0 && this.children.size === 0) return o;
    if (depth >= RECURSION_LIMIT) return binaryDeep('union', this, o, false);
    const out = new FieldSet();
    for (const [k, pe] of this.members) out.members.set(k, pe);
    for (const [k, pe] of o.members) out.members.set(k, pe);
    for (const [k, c] of this.children) {
      const oc = o.children.get(k);
      out.putChild(k, c.pe, oc ? c.set.union(oc.set, depth + 1) : c.set);
    }
    for (const [k, c] of o.children) if (!this.children.has(k)) out.putChild(k, c.pe, c.set);
    return out;
  }

  intersection(o: FieldSet, depth = 0): FieldSet {
    if (depth >= RECURSION_LIMIT) return binaryDeep('intersection', this, o, false);
    const out = new FieldSet();
    for (const [k, pe] of this.members) if (o.members.has(k)) out.members.set(k, pe);
    for (const [k, c] of this.children) {
      const oc = o.children.get(k);
      if (oc) out.putChild(k, c.pe, c.set.intersection(oc.set, depth + 1));
    }
    return out;
  }

  difference(o: FieldSet, depth = 0): FieldSet {
    if (o.members.size === 0 && o.children.size === 0) return this;
    if (depth >= RECURSION_LIMIT) return binaryDeep('difference', this, o, false);
    const out = new FieldSet();
    for (const [k, pe] of this.members) if (!o.members.has(k)) out.members.set(k, pe);
    for (const [k, c] of this.children) {
      const oc = o.children.get(k);
      out.putChild(k, c.pe, oc ? c.set.difference(oc.set, depth + 1) : c.set);
    }
    return out;
  }

  /** Difference that also drops everything below a member of o. */
  recursiveDifference(o: FieldSet, depth = 0): FieldSet {
    if (o.members.size === 0 && o.children.size === 0) return this;
    if (depth >= RECURSION_LIMIT) return binaryDeep('recursiveDifference', this, o, false);
    const out = new FieldSet();
    for (const [k, pe] of this.members) if (!o.members.has(k)) out.members.set(k, pe);
    for (const [k, c] of this.children) {
      if (o.members.has(k)) continue;
      const oc = o.children.get(k);
      out.putChild(k, c.pe, oc ? c.set.recursiveDifference(oc.set, depth + 1) : c.set);
    }
    return out;
  }

  private putChild(k: string, pe: PathElement, set: FieldSet): void {
    if (!set.empty()) this.children.set(k, { pe, set });
  }

  private sortedMembers(): PathElement[] {
    return [...this.members.values()].sort(comparePE);
  }

  private sortedChildren(): Child[] {
    return [...this.children.values()].filter((c) => !c.set.empty()).sort((a, b) => comparePE(a.pe, b.pe));
  }

  /** Every path, members of a node before its children, each in path-element order (Set.Iterate). */
  iterate(fn: (p: Path) => void, prefix: Path = []): void {
    if (prefix.length >= RECURSION_LIMIT) return this.iterateDeep(fn, prefix);
    for (const pe of this.sortedMembers()) fn([...prefix, pe]);
    for (const c of this.sortedChildren()) c.set.iterate(fn, [...prefix, c.pe]);
  }

  private iterateDeep(fn: (p: Path) => void, prefix0: Path): void {
    const work: [FieldSet, Path][] = [[this, prefix0]];
    while (work.length) {
      const [s, prefix] = work.pop()!;
      for (const pe of s.sortedMembers()) fn([...prefix, pe]);
      const kids = s.sortedChildren();
      for (let i = kids.length - 1; i >= 0; i--) work.push([kids[i].set, [...prefix, kids[i].pe]]);
    }
  }

  paths(): Path[] {
    const out: Path[] = [];
    this.iterate((p) => out.push(p));
    return out;
  }

  /** The FieldsV1 object: `"."` first for a member with children, then keys in path-element order. */
  toFieldsV1(): Record<string, unknown> {
    return this.emit(false, 0);
  }

  private emit(includeSelf: boolean, depth: number): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    if (depth >= RECURSION_LIMIT) {
      emitDeep(this, includeSelf, out);
      return out;
    }
    const entries = this.entries();
    if (includeSelf && (this.members.size || entries.hasChildEntries)) out['.'] = {};
    for (const e of entries.list) out[e.key] = e.child ? e.child.emit(this.members.has(e.key), depth + 1) : {};
    return out;
  }

  /** One entry per FieldsV1 key in order: a non-empty child (its subtree, with "." when also a member) or a bare member. */
  entries(): { list: { pe: PathElement; key: string; child?: FieldSet }[]; hasChildEntries: boolean } {
    const list: { pe: PathElement; key: string; child?: FieldSet }[] = [];
    for (const [k, c] of this.children) if (!c.set.empty()) list.push({ pe: c.pe, key: k, child: c.set });
    const hasChildEntries = list.length > 0;
    for (const [k, pe] of this.members) if (!hasChildEntries || !this.hasNonEmptyChild(k)) list.push({ pe, key: k });
    if (list.length > 1) list.sort((a, b) => comparePE(a.pe, b.pe));
    return { list, hasChildEntries };
  }

  private hasNonEmptyChild(k: string): boolean {
    const c = this.children.get(k);
    return !!c && !c.set.empty();
  }

  /** Parse a FieldsV1 object (unknown key kinds are dropped, as upstream does). */
  static fromFieldsV1(obj: unknown): FieldSet {
    const s = new FieldSet();
    if (obj && typeof obj === 'object' && !Array.isArray(obj)) s.read(obj as Record<string, unknown>, 0);
    return s;
  }

  /** Reads the entries of one FieldsV1 object into this set; returns whether it carried ".". */
  private read(obj: Record<string, unknown>, depth: number): boolean {
    if (depth >= RECURSION_LIMIT) return readDeep(this, obj);
    let self = false;
    for (const [k, v] of Object.entries(obj)) {
      if (k === '.') {
        self = true;
        continue;
      }
      const pe = parsePE(k);
      if (!pe) continue;
      const key = serializePE(pe);
      const child = new FieldSet();
      const sub = v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
      const childSelf = child.read(sub, depth + 1);
      const hasChildren = !child.empty();
      if (childSelf || !hasChildren) this.members.set(key, pe);
      if (hasChildren) this.children.set(key, { pe, set: child });
    }
    return self;
  }
}

function emptyDeep(root: FieldSet): boolean {
  const work: FieldSet[] = [root];
  while (work.length) {
    const s = work.pop()!;
    if (s.members.size) return false;
    for (const c of s.children.values()) work.push(c.set);
  }
  return true;
}

/**
 * A binary set operation without recursion: the result's nodes are built top-down (sharing the
 * subtrees the recursive form shares), then the ones left empty are dropped bottom-up, as the
 * recursive form's putChild drops them. `copy` clones a (the union with an empty set, unshared).
 */
function binaryDeep(op: BinaryOp, a0: FieldSet, b0: FieldSet, copy: boolean): FieldSet {
  const root = new FieldSet();
  const created: [FieldSet, FieldSet, string][] = [];
  const work: [FieldSet, FieldSet, FieldSet][] = [[a0, b0, root]];
  const put = (out: FieldSet, k: string, pe: PathElement, set: FieldSet): void => {
    if (copy) {
      const child = new FieldSet();
      out.children.set(k, { pe, set: child });
      created.push([child, out, k]);
      work.push([set, b0, child]);
    } else if (!set.empty()) out.children.set(k, { pe, set });
  };
  while (work.length) {
    const [a, b, out] = work.pop()!;
    if (op === 'union') {
      for (const [k, pe] of a.members) out.members.set(k, pe);
      for (const [k, pe] of b.members) out.members.set(k, pe);
    } else if (op === 'intersection') {
      for (const [k, pe] of a.members) if (b.members.has(k)) out.members.set(k, pe);
    } else for (const [k, pe] of a.members) if (!b.members.has(k)) out.members.set(k, pe);
    for (const [k, c] of a.children) {
      if (op === 'recursiveDifference' && b.members.has(k)) continue;
      const oc = copy ? undefined : b.children.get(k);
      if (!oc) {
        if (op !== 'intersection') put(out, k, c.pe, c.set);
        continue;
      }
      const same = shortcut(op, c.set, oc.set);
      if (same) {
        put(out, k, c.pe, same);
        continue;
      }
      const child = new FieldSet();
      out.children.set(k, { pe: c.pe, set: child });
      created.push([child, out, k]);
      work.push([c.set, oc.set, child]);
    }
    if (op === 'union' && !copy) for (const [k, c] of b.children) if (!a.children.has(k)) put(out, k, c.pe, c.set);
  }
  for (let i = created.length - 1; i >= 0; i--) {
    const [n, parent, k] = created[i];
    if (bare(n)) parent.children.delete(k);
  }
  return root;
}

/** FieldSet.emit without recursion: each child object is placed first and filled when its turn comes. */
function emitDeep(root: FieldSet, includeSelf0: boolean, out0: Record<string, unknown>): void {
  const work: [FieldSet, boolean, Record<string, unknown>][] = [[root, includeSelf0, out0]];
  while (work.length) {
    const [s, includeSelf, out] = work.pop()!;
    const entries = s.entries();
    if (includeSelf && (s.members.size || entries.hasChildEntries)) out['.'] = {};
    for (const e of entries.list) {
      const o: Record<string, unknown> = (out[e.key] = {});
      if (e.child) work.push([e.child, s.members.has(e.key), o]);
    }
  }
}

/**
 * FieldSet.read without recursion. Entries are placed in both maps as they are met (keeping their
 * order), then settled bottom-up: a member when it carried "." or has no children, a child when
 * it has any.
 */
function readDeep(root: FieldSet, obj0: Record<string, unknown>): boolean {
  let rootSelf = false;
  const placed: [FieldSet, string, FieldSet, boolean][] = []; // parent, key, child, child carried "."
  const work: [FieldSet, Record<string, unknown>, number][] = [[root, obj0, -1]];
  while (work.length) {
    const [set, obj, at] = work.pop()!;
    for (const [k, v] of Object.entries(obj)) {
      if (k === '.') {
        if (at < 0) rootSelf = true;
        else placed[at][3] = true;
        continue;
      }
      const pe = parsePE(k);
      if (!pe) continue;
      const key = serializePE(pe);
      const child = new FieldSet();
      set.members.set(key, pe);
      set.children.set(key, { pe, set: child });
      placed.push([set, key, child, false]);
      const sub = v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
      work.push([child, sub, placed.length - 1]);
    }
  }
  for (let i = placed.length - 1; i >= 0; i--) {
    const [parent, key, child, self] = placed[i];
    const hasChildren = !bare(child);
    if (!self && hasChildren) parent.members.delete(key);
    if (!hasChildren) parent.children.delete(key);
  }
  return rootSelf;
}
