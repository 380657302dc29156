// The compact schema model (src/schema/generated/definitions.json, made by scripts/gen-schemas.ts
// from upstream's OpenAPI v2 data) and typed accessors for it: lookups by GVK, the resolved shape
// of a field, and the patch metadata strategic merge patch / server-side apply need.
import { join } from 'node:path';
import { SCHEMA_DIR, packageRoot, readFirst } from './root.js';

export interface GroupVersionKind {
  group: string;
  version: string;
  kind: string;
}

/** One property (or items / additionalProperties) schema in the compact model. `$ref` is a bare definition name. */
export interface PropSchema {
  $ref?: string;
  type?: string;
  format?: string;
  enum?: unknown[];
  items?: PropSchema;
  additionalProperties?: PropSchema | boolean;
  'x-kubernetes-list-type'?: 'atomic' | 'set' | 'map';
  'x-kubernetes-list-map-keys'?: string[];
  'x-kubernetes-patch-strategy'?: string;
  'x-kubernetes-patch-merge-key'?: string;
  'x-kubernetes-map-type'?: 'atomic' | 'granular';
  'x-kubernetes-int-or-string'?: boolean;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
}

/** A named definition (io.k8s.api.apps.v1.StatefulSet, ...). */
export interface DefinitionSchema extends PropSchema {
  properties?: Record<string, PropSchema>;
  required?: string[];
  'x-kubernetes-group-version-kind'?: GroupVersionKind[];
  'x-kubernetes-unions'?: unknown[];
  /** a definition registered at run time for objects that are not Go types (custom resources): its zero object is `{}` */
  unstructured?: boolean;
}

let defs: Record<string, DefinitionSchema> | undefined;

/** All definitions, loaded once on first use. */
export function allDefinitions(): Record<string, DefinitionSchema> {
  if (!defs) {
    const rel = 'generated/definitions.json';
    defs = JSON.parse(readFirst([join(SCHEMA_DIR, rel), join(packageRoot(), 'src/schema', rel)]).toString('utf8'));
  }
  return defs!;
}

/** Definitions registered while the server runs (custom resources' schemas), by name. */
const dynamic = new Map<string, DefinitionSchema>();

export function getDefinition(name: string): DefinitionSchema | undefined {
  const d = dynamic.get(name);
  if (d) return d;
  return Object.prototype.hasOwnProperty.call(allDefinitions(), name) ? allDefinitions()[name] : undefined;
}

/**
 * Adds (or replaces) definitions, e.g. a CustomResourceDefinition version's schema: lookups by name
 * and by GVK see them at once. Names must not collide with built-in ones.
 */
export function registerDefinitions(defs: Record<string, DefinitionSchema>): void {
  for (const [name, d] of Object.entries(defs)) dynamic.set(name, d);
  byGvk = undefined;
  for (const name of Object.keys(defs)) byName.delete(name);
}

export function unregisterDefinitions(names: string[]): void {
  for (const name of names) {
    dynamic.delete(name);
    byName.delete(name);
  }
  byGvk = undefined;
}

let byGvk: Map<string, string> | undefined;

/** The definition name for a GVK, e.g. ('apps','v1','StatefulSet') -> 'io.k8s.api.apps.v1.StatefulSet'. */
export function definitionFor(group: string, version: string, kind: string): string | undefined {
  if (!byGvk) {
    byGvk = new Map();
    for (const [name, d] of [...dynamic, ...Object.entries(allDefinitions())]) {
      for (const g of d['x-kubernetes-group-version-kind'] ?? []) {
        const key = `${g.group}/${g.version}/${g.kind}`;
        // meta types (DeleteOptions, Status...) list many GVKs; the first claimant wins
        if (!byGvk.has(key)) byGvk.set(key, name);
      }
    }
  }
  return byGvk.get(`${group}/${version}/${kind}`);
}

export type NodeKind = 'struct' | 'map' | 'list' | 'scalar' | 'any';

/** A schema resolved to its shape, with the list/map/patch metadata that applies at this position. */
export interface SchemaNode {
  kind: NodeKind;
  /** the named definition this node is (structs, and specials such as Quantity) */
  definition?: string;
  /** scalars: JSON type (string, integer, number, boolean) and format (int32, int64, double, byte, date-time...) */
  type?: string;
  format?: string;
  /** scalars with a special decoder */
  special?: 'int-or-string' | 'quantity' | 'time';
  /** `merge`, `retainKeys`, `merge,retainKeys` (x-kubernetes-patch-strategy) */
  patchStrategy?: string;
  patchMergeKey?: string;
  listType?: 'atomic' | 'set' | 'map';
  listMapKeys?: string[];
  mapType?: 'atomic' | 'granular';
  /** structs */
  properties?: Record<string, PropSchema>;
  /** structs that keep fields they do not declare (x-kubernetes-preserve-unknown-fields) */
  open?: boolean;
  required?: string[];
  /** lists and maps: the element schema (use elementNode) */
  elem?: PropSchema;
}

const SPECIAL: Record<string, SchemaNode['special']> = {
  'io.k8s.apimachinery.pkg.util.intstr.IntOrString': 'int-or-string',
  'io.k8s.apimachinery.pkg.api.resource.Quantity': 'quantity',
  'io.k8s.apimachinery.pkg.apis.meta.v1.Time': 'time',
  'io.k8s.apimachinery.pkg.apis.meta.v1.MicroTime': 'time',
};

/** Resolved nodes, one per property schema object (built-in schemas never change; a changed custom schema is new objects). */
const resolved = new WeakMap<PropSchema, SchemaNode>();

/**
 * Resolve a property schema (following $ref) into a node; property-level metadata wins over the
 * definition's. The node is cached per schema object and shared: treat it as read-only.
 */
export function resolveSchema(s: PropSchema): SchemaNode {
  let node = resolved.get(s);
  if (!node) resolved.set(s, (node = resolveUncached(s)));
  return node;
}

function resolveUncached(s: PropSchema): SchemaNode {
  const name = s.$ref;
  const d: DefinitionSchema = name ? (getDefinition(name) ?? {}) : s;
  const node: SchemaNode = { kind: 'any' };
  if (name) node.definition = name;
  const special = name ? SPECIAL[name] : undefined;
  if (special || d['x-kubernetes-int-or-string']) {
    Object.assign(node, { kind: 'scalar', type: 'string', special: special ?? 'int-or-string' });
  } else if (d['x-kubernetes-preserve-unknown-fields'] && !(d.type === 'object' && (d as DefinitionSchema).properties)) {
    node.kind = 'any';
  } else if (d['x-kubernetes-preserve-unknown-fields']) {
    // an object that keeps unknown fields beside its declared ones (custom resources): a struct
    // whose other fields are deduced from their values (structured-merge-diff's map with fields)
    Object.assign(node, { kind: 'struct', properties: (d as DefinitionSchema).properties, required: (d as DefinitionSchema).required, open: true });
  } else if (d.type === 'array') {
    Object.assign(node, { kind: 'list', elem: d.items ?? {} });
  } else if (d.type === 'object' && d.properties) {
    Object.assign(node, { kind: 'struct', properties: d.properties, required: d.required });
  } else if (d.type === 'object' && typeof d.additionalProperties === 'object') {
    Object.assign(node, { kind: 'map', elem: d.additionalProperties });
  } else if (d.type && d.type !== 'object') {
    Object.assign(node, { kind: 'scalar', type: d.type });
  }
  if (d.format && node.kind === 'scalar') node.format = d.format;
  for (const src of [d, s]) {
    if (src['x-kubernetes-patch-strategy']) node.patchStrategy = src['x-kubernetes-patch-strategy'];
    if (src['x-kubernetes-patch-merge-key']) node.patchMergeKey = src['x-kubernetes-patch-merge-key'];
    if (src['x-kubernetes-list-type']) node.listType = src['x-kubernetes-list-type'];
    if (src['x-kubernetes-list-map-keys']) node.listMapKeys = src['x-kubernetes-list-map-keys'];
    if (src['x-kubernetes-map-type']) node.mapType = src['x-kubernetes-map-type'];
  }
  return node;
}

/** The node of a named definition (undefined if unknown). */
const byName = new Map<string, SchemaNode>();

export function schemaNode(definition: string): SchemaNode | undefined {
  let node = byName.get(definition);
  if (!node && getDefinition(definition)) byName.set(definition, (node = resolveUncached({ $ref: definition })));
  return node;
}

const ANY: SchemaNode = { kind: 'any' };

/** A struct's property (with its metadata), or a map's value node for any key. */
export function childNode(node: SchemaNode, name: string): SchemaNode | undefined {
  if (node.kind === 'struct') {
    const p = node.properties?.[name];
    return p ? resolveSchema(p) : undefined;
  }
  if (node.kind === 'map') return resolveSchema(node.elem!);
  if (node.kind === 'any') return ANY;
  return undefined;
}

/** The element node of a list or map. */
export function elementNode(node: SchemaNode): SchemaNode | undefined {
  if (node.kind === 'list' || node.kind === 'map') return resolveSchema(node.elem!);
  if (node.kind === 'any') return ANY;
  return undefined;
}

/** Patch metadata of one property of a definition, as SMP / SSA use it. */
export interface FieldMeta {
  kind: NodeKind;
  patchStrategy?: string;
  patchMergeKey?: string;
  listType?: 'atomic' | 'set' | 'map';
  listMapKeys?: string[];
  mapType?: 'atomic' | 'granular';
  /** the child definition: the property's own for structs, the element's for lists and maps */
  definition?: string;
}

export function fieldMeta(definition: string, property: string): FieldMeta | undefined {
  const parent = schemaNode(definition);
  const node = parent && childNode(parent, property);
  if (!node) return undefined;
  const { kind, patchStrategy, patchMergeKey, listType, listMapKeys, mapType } = node;
  const child = node.kind === 'list' || node.kind === 'map' ? elementNode(node)?.definition : node.definition;
  const out: FieldMeta = { kind };
  for (const [k, v] of Object.entries({ patchStrategy, patchMergeKey, listType, listMapKeys, mapType, definition: child }))
    if (v !== undefined) (out as any)[k] = v;
  return out;
}
