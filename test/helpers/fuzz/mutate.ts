// Mutations of valid objects and the requests that carry them: every path of a seed object gets
// values of other types, loses required fields, gains unknown ones; bodies are also built from the
// schema; all of it goes through create, update, the three patch types and server-side apply.
import { resolveSchema, type SchemaNode } from '../../../src/schema/index.js';
import type { Rng } from './prng.js';
import { collectionPath, type FuzzKind } from './seeds.js';
import { generate, kindNode, nodeAt } from './schema-gen.js';
import { RawNumber, evilValue, toJSON, toYAML, yamlSpecial, type FuzzValue } from './values.js';

export type Path = (string | number)[];
const REMOVE = Symbol('remove');
type NewValue = FuzzValue | typeof REMOVE;

export const FUZZ_NS = 'fuzz';
export const baseName = (kindIndex: number) => `fz-base-${kindIndex}`;

export interface FuzzRequest {
  seq: number;
  /** index into the kinds */
  ki: number;
  /** the FuzzKind it targets, and how the body was made (for reports) */
  kind: string;
  op: string;
  mutation: string;
  method: 'POST' | 'PUT' | 'PATCH';
  path: string;
  contentType: string;
  body: string;
}

/** a deep copy that keeps RawNumbers (structuredClone would turn them into plain objects) */
function clone<T>(v: T): T {
  if (v === null || typeof v !== 'object' || v instanceof RawNumber) return v;
  if (Array.isArray(v)) return v.map(clone) as T;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) out[k] = clone(x);
  return out as T;
}

/** Every path of a value (objects and arrays included), root excluded. */
export function pathsOf(v: unknown, prefix: Path = [], out: Path[] = []): Path[] {
  if (v === null || typeof v !== 'object' || v instanceof RawNumber) return out;
  const entries: [string | number, unknown][] = Array.isArray(v) ? v.map((x, i) => [i, x]) : Object.entries(v);
  for (const [k, x] of entries) {
    const p = [...prefix, k];
    out.push(p);
    pathsOf(x, p, out);
  }
  return out;
}

export function getAt(v: any, path: Path): any {
  for (const seg of path) v = v?.[seg];
  return v;
}

/** `obj` with the value at `path` replaced (or removed); intermediate objects are created. */
export function setAt(obj: any, path: Path, value: NewValue): any {
  const out = clone(obj);
  let cur = out;
  for (let i = 0; i < path.length - 1; i++) {
    if (cur[path[i]] === null || typeof cur[path[i]] !== 'object') cur[path[i]] = typeof path[i + 1] === 'number' ? [] : {};
    cur = cur[path[i]];
  }
  const last = path[path.length - 1];
  if (value === REMOVE) {
    if (Array.isArray(cur) && typeof last === 'number') cur.splice(last, 1);
    else delete cur[last];
  } else cur[last] = value;
  return out;
}

const pointer = (path: Path) => path.map((s) => '/' + String(s).replace(/~/g, '~0').replace(/\//g, '~1')).join('');
const show = (path: Path) => path.map(String).join('.') || '<root>';

/** One change of a seed object: where, and to what. */
export interface Mutation {
  path: Path;
  value: NewValue;
  desc: string;
}

export class Mutator {
  /** (kind, path) pairs in a fixed shuffled order: a run of N requests visits the first N */
  private readonly sweep: [number, Path][] = [];
  private sweepAt = 0;
  private readonly roots: (SchemaNode | undefined)[];

  constructor(
    private readonly rng: Rng,
    readonly kinds: FuzzKind[],
  ) {
    this.roots = kinds.map((k) => kindNode(k.group, k.version, k.kind));
    kinds.forEach((k, i) => {
      for (const p of pathsOf(k.make(baseName(i), FUZZ_NS))) this.sweep.push([i, p]);
    });
    rng.shuffle(this.sweep);
  }

  get sweepSize(): number {
    return this.sweep.length;
  }

  /** the next (kind, path) of the sweep */
  nextSweep(): [number, Path] {
    const s = this.sweep[this.sweepAt % this.sweep.length];
    this.sweepAt++;
    return s;
  }

  /** A mutation of kind `ki`'s seed `obj`, at `path` when given. */
  mutation(ki: number, obj: any, path?: Path): Mutation {
    const rng = this.rng;
    const all = pathsOf(obj);
    const root = this.roots[ki];
    const r = rng.next();
    if (path || r < 0.45) {
      const p = path ?? rng.pick(all);
      if (rng.chance(0.75)) {
        const v = evilValue(rng);
        return { path: p, value: v.value, desc: `${show(p)} = <${v.name}>` };
      }
      if (rng.chance(0.5)) return { path: p, value: REMOVE, desc: `remove ${show(p)}` };
      const v = generate(rng, nodeAt(root, p), { maxDepth: 3 }, 0, String(p[p.length - 1]));
      return { path: p, value: v, desc: `${show(p)} = <schema-typed ${toJSON(v).slice(0, 80)}>` };
    }
    if (r < 0.6) {
      // a required field removed (the struct's own list), or any leaf
      const req = all.filter((p) => {
        const parent = nodeAt(root, p.slice(0, -1));
        return parent?.kind === 'struct' && parent.required?.includes(String(p[p.length - 1]));
      });
      const p = req.length && rng.chance(0.7) ? rng.pick(req) : rng.pick(all);
      return { path: p, value: REMOVE, desc: `remove ${show(p)}` };
    }
    if (r < 0.75) {
      // an unknown field beside known ones
      const objs = [[], ...all.filter((p) => { const v = getAt(obj, p); return v && typeof v === 'object' && !Array.isArray(v); })];
      const p = [...rng.pick(objs), rng.pick(['fuzzUnknown', 'Name', 'metadata', '$patch', '', 'x'.repeat(300)])];
      const v = rng.chance(0.5) ? evilValue(rng).value : rng.word();
      return { path: p, value: v, desc: `add unknown ${show(p)}` };
    }
    // a field of the schema the seed does not set, with a value of its type
    const structs: [Path, SchemaNode][] = [];
    for (const p of [[], ...all]) {
      const n = nodeAt(root, p);
      if (n?.kind === 'struct' && getAt(obj, p) && typeof getAt(obj, p) === 'object') structs.push([p, n]);
    }
    const [p, n] = rng.pick(structs);
    const names = Object.keys(n.properties ?? {}).filter((x) => !(p.length === 0 && x === 'status'));
    const name = rng.pick(names);
    const v = generate(rng, resolveSchema(n.properties![name]), { maxDepth: 4 }, 1, name);
    return { path: [...p, name], value: v, desc: `set ${show([...p, name])} = <schema ${toJSON(v).slice(0, 80)}>` };
  }

  private fieldValidation(): string {
    const r = this.rng.next();
    if (r < 0.3) return 'Strict';
    if (r < 0.55) return 'Warn';
    if (r < 0.8) return 'Ignore';
    if (r < 0.82) return this.rng.pick(['strict', 'bogus', '']);
    return '';
  }

  private query(extra: Record<string, string> = {}): string {
    const q = new URLSearchParams();
    const fv = this.fieldValidation();
    if (fv || this.rng.chance(0.1)) q.set('fieldValidation', fv);
    if (this.rng.chance(0.08)) q.set('dryRun', 'All');
    if (this.rng.chance(0.05)) q.set('fieldManager', this.rng.pick(['x'.repeat(129), 'fuzz-manager', '', 'kubectl-client-side-apply']));
    for (const [k, v] of Object.entries(extra)) q.set(k, v);
    const s = q.toString();
    return s ? `?${s}` : '';
  }

  private encodeObject(obj: unknown, yamlHead?: string): { contentType: string; body: string; note: string } {
    const rng = this.rng;
    if (rng.chance(0.6)) return { contentType: 'application/json', body: toJSON(obj), note: '' };
    if (yamlHead && rng.chance(0.05)) {
      const s = yamlSpecial(rng, yamlHead);
      return { contentType: 'application/yaml', body: s.text, note: ` yaml:${s.name}` };
    }
    return { contentType: 'application/yaml', body: toYAML(obj, rng), note: '' };
  }

  /** The next request. */
  next(seq: number): FuzzRequest {
    const rng = this.rng;
    const [ki, sweepPath] = this.nextSweep();
    const k = this.kinds[ki];
    const base = baseName(ki);
    const coll = collectionPath(k, FUZZ_NS);
    const label = `${k.kind}#${ki}`;
    const r = rng.next();
    const yamlHead = (name: string) => `apiVersion: ${k.group ? `${k.group}/${k.version}` : k.version}\nkind: ${k.kind}\nmetadata:\n  name: ${name}${k.namespaced ? `\n  namespace: ${FUZZ_NS}` : ''}`;
    // one or a few mutations, the first at the sweep's path
    const mutate = (seed: any): { obj: any; muts: Mutation[] } => {
      const muts = [this.mutation(ki, seed, sweepPath)];
      while (rng.chance(0.25) && muts.length < 4) muts.push(this.mutation(ki, seed));
      let obj = seed;
      for (const m of muts) obj = setAt(obj, m.path, m.value);
      return { obj, muts };
    };
    const describe = (muts: Mutation[]) => muts.map((m) => m.desc).join('; ');

    if (k.createOnly || r < 0.2) {
      const name = `fz-c${seq}`;
      const wholeSchema = rng.chance(0.15);
      let obj: any;
      let desc: string;
      if (wholeSchema) {
        obj = generate(rng, this.roots[ki], { maxDepth: 5 });
        obj.apiVersion = k.group ? `${k.group}/${k.version}` : k.version;
        obj.kind = k.kind;
        obj.metadata = { ...(obj.metadata ?? {}), name, ...(k.namespaced ? { namespace: FUZZ_NS } : {}) };
        delete obj.metadata.generateName;
        desc = 'schema-generated object';
      } else {
        const m = mutate(k.make(name, FUZZ_NS));
        obj = m.obj;
        desc = describe(m.muts);
      }
      const e = this.encodeObject(obj, yamlHead(name));
      return { seq, ki, kind: label, op: 'create', mutation: desc + e.note, method: 'POST', path: coll + this.query(), ...e };
    }
    if (r < 0.36) {
      const m = mutate(k.make(base, FUZZ_NS));
      const e = this.encodeObject(m.obj, yamlHead(base));
      return { seq, ki, kind: label, op: 'update', mutation: describe(m.muts) + e.note, method: 'PUT', path: `${coll}/${base}${this.query()}`, ...e };
    }
    if (r < 0.52) return this.jsonPatch(seq, ki, label, `${coll}/${base}`, sweepPath);
    if (r < 0.66) return this.mergePatch(seq, ki, label, `${coll}/${base}`, sweepPath, false);
    if (r < 0.8) return this.mergePatch(seq, ki, label, `${coll}/${base}`, sweepPath, true);
    if (r < 0.93) {
      const name = rng.chance(0.6) ? base : `fz-a${seq}`;
      const m = mutate(k.make(name, FUZZ_NS));
      const yaml = rng.chance(0.5);
      const body = yaml && rng.chance(0.05) ? yamlSpecial(rng, yamlHead(name)).text : yaml ? toYAML(m.obj, rng) : toJSON(m.obj);
      const extra: Record<string, string> = { fieldManager: rng.chance(0.9) ? 'fuzz' : rng.pick(['', 'x'.repeat(129)]) };
      if (rng.chance(0.3)) extra.force = 'true';
      return { seq, ki, kind: label, op: 'apply', mutation: describe(m.muts), method: 'PATCH', path: `${coll}/${name}${this.query(extra)}`, contentType: 'application/apply-patch+yaml', body };
    }
    return this.subresource(seq, ki, label, `${coll}/${base}`, sweepPath);
  }

  private jsonPatch(seq: number, ki: number, label: string, target: string, sweepPath: Path): FuzzRequest {
    const rng = this.rng;
    const seed = this.kinds[ki].make(baseName(ki), FUZZ_NS);
    const all = pathsOf(seed);
    const ops: unknown[] = [];
    const descs: string[] = [];
    const n = 1 + (rng.chance(0.3) ? rng.int(3) : 0);
    for (let i = 0; i < n; i++) {
      const m = this.mutation(ki, seed, i === 0 ? sweepPath : undefined);
      const ptr = pointer(m.path);
      const r = rng.next();
      if (m.value === REMOVE) ops.push({ op: 'remove', path: ptr });
      else if (r < 0.5) ops.push({ op: 'replace', path: ptr, value: m.value });
      else if (r < 0.75) ops.push({ op: 'add', path: rng.chance(0.2) && Array.isArray(getAt(seed, m.path.slice(0, -1))) ? pointer(m.path.slice(0, -1)) + '/-' : ptr, value: m.value });
      else if (r < 0.85) ops.push({ op: 'test', path: ptr, value: m.value });
      else ops.push({ op: rng.pick(['move', 'copy']), from: pointer(rng.pick(all)), path: ptr });
      descs.push(`${(ops[ops.length - 1] as any).op} ${m.desc}`);
    }
    if (rng.chance(0.05)) {
      // documents that are not lists of operations, and operations that are not
      const odd = rng.pick<[string, unknown]>([
        ['object body', { op: 'add', path: '/x', value: 1 }],
        ['null op', [null]],
        ['unknown op', [{ op: 'frobnicate', path: '/metadata' }]],
        ['remove /metadata', [{ op: 'remove', path: '/metadata' }]],
        ['replace root', [{ op: 'replace', path: '', value: {} }]],
        ['bad pointer', [{ op: 'add', path: 'metadata', value: 1 }]],
        ['missing value', [{ op: 'add', path: '/metadata/labels/x' }]],
        ['index past end', [{ op: 'add', path: '/metadata/finalizers/99', value: 'x' }]],
        ['numeric path to object', [{ op: 'add', path: '/metadata/0', value: 'x' }]],
      ]);
      return { seq, ki, kind: label, op: 'json-patch', mutation: odd[0], method: 'PATCH', path: target + this.query(), contentType: 'application/json-patch+json', body: toJSON(odd[1]) };
    }
    return { seq, ki, kind: label, op: 'json-patch', mutation: descs.join('; '), method: 'PATCH', path: target + this.query(), contentType: 'application/json-patch+json', body: toJSON(ops) };
  }

  /** A sparse object that sets (or deletes, with null) the value at `path`: a merge patch, or a strategic one. */
  private sparse(ki: number, seed: any, m: Mutation, strategic: boolean): FuzzValue {
    const rng = this.rng;
    const root = this.roots[ki];
    const build = (cur: any, node: SchemaNode | undefined, i: number): FuzzValue => {
      if (i === m.path.length) return m.value === REMOVE ? null : m.value;
      const seg = m.path[i];
      const child = typeof seg === 'number' ? undefined : node && nodeAtOne(node, seg);
      if (typeof seg === 'number') {
        const list = Array.isArray(cur) ? cur : [];
        const elemNode = node && nodeAtOne(node, 0);
        const key = node?.patchMergeKey;
        const elem = list[seg];
        if (strategic && key && elem && typeof elem === 'object' && i + 1 < m.path.length) {
          // a merge-keyed element: name it and patch only the changed field
          const inner = build(elem, elemNode, i + 1) as Record<string, FuzzValue>;
          return [{ [key]: elem[key], ...(inner && typeof inner === 'object' && !Array.isArray(inner) ? inner : {}) }];
        }
        // merge patch (and atomic lists): the whole list, changed
        const copy = clone(list);
        const v = build(elem, elemNode, i + 1);
        if (i + 1 === m.path.length && m.value === REMOVE) copy.splice(seg, 1);
        else copy[seg] = i + 1 < m.path.length && elem && typeof elem === 'object' && v && typeof v === 'object' && !Array.isArray(v) ? { ...elem, ...v } : v;
        return copy;
      }
      const out: Record<string, FuzzValue> = { [seg]: build(cur?.[seg], child, i + 1) };
      if (strategic && rng.chance(0.1)) addDirective(rng, out, String(seg), cur?.[seg]);
      return out;
    };
    return build(seed, root, 0);
  }

  private mergePatch(seq: number, ki: number, label: string, target: string, sweepPath: Path, strategic: boolean): FuzzRequest {
    const rng = this.rng;
    const seed = this.kinds[ki].make(baseName(ki), FUZZ_NS);
    const m = this.mutation(ki, seed, sweepPath);
    let patch = this.sparse(ki, seed, m, strategic) as any;
    let desc = m.desc;
    if (rng.chance(0.2)) {
      const m2 = this.mutation(ki, seed);
      patch = deepMerge(patch, this.sparse(ki, seed, m2, strategic));
      desc += `; ${m2.desc}`;
    }
    if (strategic && rng.chance(0.08)) {
      patch = rng.pick<any>([{ $patch: 'replace' }, { $patch: 'delete' }, { $patch: 'bogus' }, { metadata: { $patch: 'delete' } }, { spec: { $retainKeys: [1, null] } }, [patch], 'x']);
      desc = `directive ${toJSON(patch)}`;
    }
    const type = strategic ? 'application/strategic-merge-patch+json' : 'application/merge-patch+json';
    return { seq, ki, kind: label, op: strategic ? 'strategic-patch' : 'merge-patch', mutation: desc, method: 'PATCH', path: target + this.query(), contentType: type, body: toJSON(patch) };
  }

  private subresource(seq: number, ki: number, label: string, target: string, sweepPath: Path): FuzzRequest {
    const rng = this.rng;
    const k = this.kinds[ki];
    const subs = k.subresources ?? [];
    if (!subs.length) return this.mergePatch(seq, ki, label, target, sweepPath, false);
    const sub = rng.pick(subs);
    const root = this.roots[ki];
    if (sub === 'status') {
      const status = generate(rng, nodeAt(root, ['status']), { maxDepth: 4 }, 1, 'status');
      const mutated = rng.chance(0.5) ? setAt({ status }, ['status', ...pickPath(rng, status)], evilValue(rng).value) : { status };
      if (rng.chance(0.5)) {
        const body = { ...k.make(baseName(ki), FUZZ_NS), ...mutated };
        return { seq, ki, kind: label, op: 'status-update', mutation: 'status body', method: 'PUT', path: `${target}/status${this.query()}`, contentType: 'application/json', body: toJSON(body) };
      }
      const type = rng.pick(['application/merge-patch+json', 'application/strategic-merge-patch+json']);
      return { seq, ki, kind: label, op: 'status-patch', mutation: 'status patch', method: 'PATCH', path: `${target}/status${this.query()}`, contentType: type, body: toJSON(mutated) };
    }
    const v = rng.chance(0.7) ? evilValue(rng).value : rng.int(3);
    if (rng.chance(0.5)) {
      const scale = { apiVersion: 'autoscaling/v1', kind: 'Scale', metadata: { name: baseName(ki), namespace: FUZZ_NS }, spec: { replicas: 1 } };
      const p = rng.pick<Path>([['spec', 'replicas'], ['spec'], ['metadata'], ['metadata', 'name'], ['kind'], ['apiVersion'], ['status']]);
      const body = setAt(scale, p, v);
      return { seq, ki, kind: label, op: 'scale-update', mutation: `${show(p)} = ${toJSON(v).slice(0, 60)}`, method: 'PUT', path: `${target}/scale${this.query()}`, contentType: 'application/json', body: toJSON(body) };
    }
    return { seq, ki, kind: label, op: 'scale-patch', mutation: `spec.replicas = ${toJSON(v).slice(0, 60)}`, method: 'PATCH', path: `${target}/scale${this.query()}`, contentType: 'application/merge-patch+json', body: toJSON({ spec: { replicas: v } }) };
  }
}

function nodeAtOne(node: SchemaNode, seg: string | number): SchemaNode | undefined {
  return nodeAt(node, [seg]);
}

function pickPath(rng: Rng, v: unknown): Path {
  const all = pathsOf(v);
  return all.length ? rng.pick(all) : ['fuzzUnknown'];
}

function addDirective(rng: Rng, out: Record<string, FuzzValue>, field: string, cur: unknown): void {
  const d = rng.int(4);
  if (d === 0) out[`$setElementOrder/${field}`] = Array.isArray(cur) ? cur.map((e) => (e && typeof e === 'object' ? { name: (e as any).name ?? null } : e)) : [null];
  else if (d === 1) out.$retainKeys = [field, 'nope'];
  else if (d === 2) out[`$deleteFromPrimitiveList/${field}`] = Array.isArray(cur) ? cur.slice(0, 1) : ['x'];
  else out.$patch = rng.pick(['merge', 'replace', 'delete', 'retainKeys']);
}

function deepMerge(a: any, b: any): any {
  if (!a || !b || typeof a !== 'object' || typeof b !== 'object' || Array.isArray(a) || Array.isArray(b)) return b;
  const out = { ...a };
  for (const [k, v] of Object.entries(b)) out[k] = k in out ? deepMerge(out[k], v) : v;
  return out;
}
