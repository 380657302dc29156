// How structured-merge-diff sees a schema position: scalar, map (struct or granular/atomic map) or
// list (atomic, set, or associative by keys). Built on src/schema/model.ts, following kube-openapi's
// pkg/schemaconv (patch-strategy `merge` with a merge key = associative list, without = set;
// otherwise lists are atomic unless x-kubernetes-list-type says more). Positions without a schema
// are "deduced" as smd does: objects are granular maps, arrays atomic lists.
import { childNode, elementNode, getDefinition, schemaNode, type SchemaNode } from '../schema/model.js';

/** A schema position; undefined means "no schema, deduce from the value". */
export type Node = SchemaNode | undefined;

export type Shape =
  | { t: 'scalar' }
  | { t: 'map'; atomic: boolean; struct: boolean; open?: boolean; isField(name: string): boolean; child(name: string): Node }
  | { t: 'list'; rel: 'atomic' | 'set' | 'map'; keys: string[]; elem: Node };

const SCALAR: Shape = { t: 'scalar' };
const DEDUCED_MAP: Shape = { t: 'map', atomic: false, struct: false, isField: () => false, child: () => undefined };
const DEDUCED_LIST: Shape = { t: 'list', rel: 'atomic', keys: [], elem: undefined };

export const isObj = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);

function deduce(v: unknown): Shape {
  return Array.isArray(v) ? DEDUCED_LIST : isObj(v) ? DEDUCED_MAP : SCALAR;
}

const shapeCache = new WeakMap<SchemaNode, Shape>();

function shapeFromSchema(node: SchemaNode): Shape | undefined {
  const cached = shapeCache.get(node);
  if (cached) return cached;
  let s: Shape | undefined;
  switch (node.kind) {
    case 'scalar':
      s = SCALAR;
      break;
    case 'struct': {
      const props = node.properties ?? {};
      const kids = new Map<string, Node>();
      s = {
        t: 'map',
        atomic: node.mapType === 'atomic',
        struct: true,
        open: node.open,
        isField: (n) => Object.prototype.hasOwnProperty.call(props, n),
        child: (n) => {
          if (!kids.has(n)) kids.set(n, childNode(node, n));
          return kids.get(n);
        },
      };
      break;
    }
    case 'map': {
      let elem: Node | null = null;
      s = {
        t: 'map',
        atomic: node.mapType === 'atomic',
        struct: false,
        isField: () => false,
        child: () => (elem === null ? (elem = elementNode(node)) : elem),
      };
      break;
    }
    case 'list': {
      let rel: 'atomic' | 'set' | 'map' = 'atomic';
      let keys: string[] = [];
      if (node.listType) {
        rel = node.listType;
        if (rel === 'map') keys = node.listMapKeys ?? (node.patchMergeKey ? [node.patchMergeKey] : []);
      } else if (node.patchStrategy?.split(',').includes('merge')) {
        if (node.patchMergeKey) {
          rel = 'map';
          keys = [node.patchMergeKey];
        } else rel = 'set';
      }
      s = { t: 'list', rel, keys, elem: elementNode(node) };
      break;
    }
    default:
      s = undefined;
  }
  if (s) shapeCache.set(node, s);
  return s;
}

/** The shape at a position, given a sample value (used when there is no schema or it does not fit). */
export function shapeOf(node: Node, sample: unknown): Shape {
  const s = node ? shapeFromSchema(node) : undefined;
  if (!s) return deduce(sample);
  if (sample === null || sample === undefined) return s;
  // a value that does not fit the schema is treated as smd treats untyped data
  if (s.t === 'map' && !isObj(sample)) return deduce(sample);
  if (s.t === 'list' && !Array.isArray(sample)) return deduce(sample);
  if (s.t === 'scalar' && (isObj(sample) || Array.isArray(sample))) return SCALAR;
  return s;
}

const rootCache = new Map<string, Node>();

/** The root node of a definition (undefined when unknown: everything is deduced). */
export function rootNode(definition: string): Node {
  if (!rootCache.has(definition)) rootCache.set(definition, schemaNode(definition));
  return rootCache.get(definition);
}

// Defaults of list-map key fields that may be omitted (the OpenAPI `default` smd uses for keys).
const KEY_DEFAULTS: Record<string, unknown> = { protocol: 'TCP' };

/** The key of one associative-list item, sorted by field name; undefined when the item is not a map. */
export function itemKey(keys: string[], item: unknown): [string, unknown][] | undefined {
  if (!isObj(item)) return undefined;
  const out: [string, unknown][] = [];
  for (const k of keys) {
    const v = item[k] ?? KEY_DEFAULTS[k];
    if (v !== undefined && v !== null) out.push([k, v]);
  }
  return out;
}

// Go value-typed (non-pointer) struct fields: a zero Go object serialises them as `{}`, so on
// create they already "exist" in the empty live object and get no "." entry (upstream compares the
// new object against runtime.ObjectCreater.New()). Lists listed under `nulls` lack omitempty.
const zeroCache = new Map<string, Record<string, unknown>>();
const VALUE_FIELDS: Record<string, { structs?: string[]; nulls?: string[] }> = {};

/** Adds the value fields a kind declares (ResourceDef.valueFields); the same facts may come from several kinds. */
export function registerValueFields(fields: Record<string, { structs?: string[]; nulls?: string[] }>): void {
  for (const [def, f] of Object.entries(fields)) {
    if (VALUE_FIELDS[def]) continue;
    VALUE_FIELDS[def] = f;
    zeroCache.clear();
  }
}


/** The JSON form of a zero Go object of a kind (top-level metadata/spec/status are value structs). */
export function zeroObject(definition: string, top = true): Record<string, unknown> {
  const key = top ? definition : `-${definition}`;
  let z = zeroCache.get(key);
  if (!z) zeroCache.set(key, (z = buildZero(definition, top)));
  return copyZero(z);
}

/** A copy of a zero object (plain objects and nulls only). */
function copyZero(z: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k in z) {
    const v = z[k];
    out[k] = v !== null && typeof v === 'object' ? copyZero(v as Record<string, unknown>) : v;
  }
  return out;
}

function buildZero(definition: string, top: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const node = rootNode(definition);
  if (!node || node.kind !== 'struct') return out;
  const spec = VALUE_FIELDS[definition] ?? {};
  const structs = new Set(spec.structs ?? []);
  // a Go object's metadata, spec and status are value structs; a custom resource's zero object is empty
  if (top && !getDefinition(definition)?.unstructured) for (const f of ['metadata', 'spec', 'status']) structs.add(f);
  for (const f of structs) {
    const child = childNode(node, f);
    if (child?.kind === 'struct' && child.definition) out[f] = buildZero(child.definition, false);
  }
  for (const f of spec.nulls ?? []) if (node.properties?.[f]) out[f] = null;
  return out;
}
