// OpenAPI v2 and v3 documents for one CRD version, and their merging, as the apiextensions
// OpenAPI controllers publish them.
// staging/src/k8s.io/apiextensions-apiserver/pkg/controller/openapi/builder/builder.go (routes,
// buildKubeNative, buildListSchema), .../openapi/builder/merge.go (MergeSpecs, MergeSpecsV3),
// .../openapi/v2/conversion.go (ToStructuralOpenAPIV2), pkg/apiserver/schema/kubeopenapi.go and
// unfold.go (ToKubeOpenAPI, Unfold), kube-openapi pkg/builder3 (operations, wrapRefs),
// apiserver pkg/endpoints/openapi GetOperationIDAndTags. Our own code.
//
// The meta.k8s.io and autoscaling/v1 schemas and the option parameters of each operation are
// taken from the published built-in documents (openapi/, via src/schema/openapi.ts), so a CRD's
// document carries the same shapes (and the same descriptions, when the build made the table).
import { openapiV2Json, openapiV3Document } from '../schema/openapi.js';

type Json = any;

const META = 'io.k8s.apimachinery.pkg.apis.meta.v1';
const OBJECT_META = `${META}.ObjectMeta`;
const LIST_META = `${META}.ListMeta`;
const STATUS = `${META}.Status`;
const DELETE_OPTIONS = `${META}.DeleteOptions`;
const PATCH = `${META}.Patch`;
const SCALE = 'io.k8s.api.autoscaling.v1.Scale';

// metav1.TypeMeta{}.SwaggerDoc(), metav1beta1.PartialObjectMetadata(List){}.SwaggerDoc()["metadata"]
const API_VERSION_DESCRIPTION =
  'APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#resources';
const KIND_DESCRIPTION =
  'Kind is a string value representing the REST resource this object represents. Servers may infer this from the endpoint the client submits requests to. Cannot be updated. In CamelCase. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds';
const OBJECT_METADATA_DESCRIPTION =
  "Standard object's metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata";
const LIST_METADATA_DESCRIPTION =
  'Standard list metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds';
// builder.go addEmbeddedProperties
const EMBEDDED_API_VERSION_DESCRIPTION =
  'apiVersion defines the versioned schema of this representation of an object. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#resources';
const EMBEDDED_KIND_DESCRIPTION =
  'kind is a string value representing the type of this object. In CamelCase. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds';

const V3_PREFIX = '#/components/schemas/';
const V2_PREFIX = '#/definitions/';

/** The CRD fields the builder reads (apiextensions/v1). */
export interface CRDLike {
  spec: {
    group: string;
    names: { kind: string; listKind?: string; plural: string; singular?: string };
    scope: 'Namespaced' | 'Cluster' | string;
    preserveUnknownFields?: boolean;
    versions: Array<{
      name: string;
      served?: boolean;
      storage?: boolean;
      schema?: { openAPIV3Schema?: Json };
      subresources?: { status?: Json; scale?: Json };
    }>;
  };
}

/** util.ToRESTFriendlyName of `group/version.Kind`: the reversed group, `com.example.stable.v1.CronTab`. */
export function definitionName(group: string, version: string, kind: string): string {
  const g = group.split('.').reverse().join('.');
  return `${g}.${version}.${kind}`;
}

function versionOf(crd: CRDLike, version: string) {
  const v = crd.spec.versions.find((x) => x.name === version);
  if (!v) throw new Error(`version ${version} not found in CustomResourceDefinition: ${(crd as Json).metadata?.name ?? ''}`);
  return v;
}

function listKindOf(crd: CRDLike): string {
  return crd.spec.names.listKind || `${crd.spec.names.kind}List`;
}

// ---- schemas -----------------------------------------------------------------------------

const VALUE_KEYS = [
  'format',
  'maximum',
  'exclusiveMaximum',
  'minimum',
  'exclusiveMinimum',
  'maxLength',
  'minLength',
  'pattern',
  'maxItems',
  'minItems',
  'uniqueItems',
  'multipleOf',
  'enum',
  'maxProperties',
  'minProperties',
  'required',
] as const;

/**
 * A JSONSchemaProps as its structural schema prints with ToKubeOpenAPI: generic fields, value
 * validations, junctors, properties/items/additionalProperties and the x-kubernetes extensions
 * (true flags only); `example`, `externalDocs`, `id`, `$schema`, `definitions` and the like are
 * not part of a structural schema and are dropped.
 */
function toKubeOpenAPI(s: Json): Json {
  if (!s || typeof s !== 'object') return {};
  const out: Json = {};
  if (typeof s.description === 'string' && s.description !== '') out.description = s.description;
  if (typeof s.type === 'string' && s.type !== '') out.type = s.type;
  if (typeof s.title === 'string' && s.title !== '') out.title = s.title;
  if (s.default !== undefined) out.default = s.default;
  if (s.nullable === true) out.nullable = true;
  for (const k of VALUE_KEYS) {
    const v = s[k];
    if (v === undefined || v === null || v === false || v === '') continue;
    if ((k === 'required' || k === 'enum') && (!Array.isArray(v) || v.length === 0)) continue;
    out[k] = v;
  }
  for (const j of ['allOf', 'oneOf', 'anyOf'] as const) {
    if (Array.isArray(s[j]) && s[j].length > 0) out[j] = s[j].map(toKubeOpenAPI);
  }
  if (s.not && typeof s.not === 'object') out.not = toKubeOpenAPI(s.not);
  if (s.properties && typeof s.properties === 'object') {
    out.properties = {};
    for (const [k, v] of Object.entries(s.properties)) out.properties[k] = toKubeOpenAPI(v);
  }
  if (s.items && typeof s.items === 'object' && !Array.isArray(s.items)) out.items = toKubeOpenAPI(s.items);
  if (s.additionalProperties !== undefined && s.additionalProperties !== null) {
    out.additionalProperties = typeof s.additionalProperties === 'object' ? toKubeOpenAPI(s.additionalProperties) : !!s.additionalProperties;
  }
  if (s['x-kubernetes-preserve-unknown-fields'] === true) out['x-kubernetes-preserve-unknown-fields'] = true;
  if (s['x-kubernetes-embedded-resource'] === true) out['x-kubernetes-embedded-resource'] = true;
  if (s['x-kubernetes-int-or-string'] === true) out['x-kubernetes-int-or-string'] = true;
  if (Array.isArray(s['x-kubernetes-list-map-keys']) && s['x-kubernetes-list-map-keys'].length > 0) {
    out['x-kubernetes-list-map-keys'] = s['x-kubernetes-list-map-keys'];
  }
  for (const x of ['x-kubernetes-list-type', 'x-kubernetes-map-type'] as const) {
    if (typeof s[x] === 'string' && s[x] !== '') out[x] = s[x];
  }
  if (Array.isArray(s['x-kubernetes-validations']) && s['x-kubernetes-validations'].length > 0) {
    out['x-kubernetes-validations'] = s['x-kubernetes-validations'];
  }
  return out;
}

const isIntOrStringAnyOf = (anyOf: Json[] | undefined): boolean =>
  Array.isArray(anyOf) &&
  anyOf.length === 2 &&
  anyOf.every((a, i) => a && Object.keys(a).length === 1 && a.type === (i === 0 ? 'integer' : 'string'));

/** Walks a converted schema's structural nodes (not into junctors), parent before children. */
function visit(s: Json, fn: (s: Json) => void): void {
  if (!s || typeof s !== 'object') return;
  fn(s);
  if (s.items && typeof s.items === 'object') visit(s.items, fn);
  if (s.properties) for (const v of Object.values(s.properties)) visit(v, fn);
  if (s.additionalProperties && typeof s.additionalProperties === 'object') visit(s.additionalProperties, fn);
}

/** Unfold: x-kubernetes-int-or-string spelled out as anyOf integer|string. */
function unfold(s: Json): void {
  visit(s, (n) => {
    if (n['x-kubernetes-int-or-string'] !== true) return;
    const alt = [{ type: 'integer' }, { type: 'string' }];
    if (isIntOrStringAnyOf(n.anyOf)) return;
    if (Array.isArray(n.allOf) && n.allOf.length > 0 && isIntOrStringAnyOf(n.allOf[0]?.anyOf)) return;
    if (!n.anyOf) n.anyOf = alt;
    else n.allOf = [{ anyOf: alt }, ...(n.allOf ?? [])];
  });
}

/** ToStructuralOpenAPIV2: what kubectl's v2 reader cannot take is removed. */
function toStructuralOpenAPIV2(s: Json): void {
  visit(s, (n) => {
    delete n.allOf;
    delete n.oneOf;
    delete n.anyOf;
    delete n.not;
    const props = n.properties ? Object.entries<Json>(n.properties) : [];
    if (n.nullable) {
      delete n.type;
      delete n.nullable;
      delete n.items;
      delete n.properties;
    }
    if (n['x-kubernetes-preserve-unknown-fields']) {
      delete n.items;
      delete n.properties;
    }
    if (!n.items && n.type === 'array') delete n.type;
    if (n['x-kubernetes-preserve-unknown-fields'] && n.type === 'object') delete n.type;
    for (const [f, fs] of props) {
      if (fs?.nullable && Array.isArray(n.required)) {
        n.required = n.required.filter((r: string) => r !== f);
        if (n.required.length === 0) delete n.required;
      }
    }
    if (n.additionalProperties && typeof n.additionalProperties === 'object' && n.additionalProperties.nullable) delete n.required;
  });
}

function refSchema(name: string, v2: boolean, description: string): Json {
  const $ref = (v2 ? V2_PREFIX : V3_PREFIX) + name;
  // kube-openapi builder3 wrapRefs: in v3 a $ref with siblings becomes allOf: [{$ref}]
  return v2 ? { $ref, description } : { allOf: [{ $ref }], description };
}

/** addEmbeddedProperties: apiVersion, kind and metadata for x-kubernetes-embedded-resource nodes. */
function addEmbeddedProperties(s: Json, v2: boolean): void {
  if (!s || typeof s !== 'object') return;
  if (s.properties) for (const v of Object.values(s.properties)) addEmbeddedProperties(v, v2);
  if (s.items && typeof s.items === 'object') addEmbeddedProperties(s.items, v2);
  if (s.additionalProperties && typeof s.additionalProperties === 'object') addEmbeddedProperties(s.additionalProperties, v2);
  if (s['x-kubernetes-preserve-unknown-fields'] === true && v2) return;
  if (s['x-kubernetes-embedded-resource'] === true) {
    s.properties ??= {};
    s.properties.apiVersion = { description: EMBEDDED_API_VERSION_DESCRIPTION, type: 'string' };
    s.properties.kind = { description: EMBEDDED_KIND_DESCRIPTION, type: 'string' };
    s.properties.metadata = refSchema(OBJECT_META, v2, OBJECT_METADATA_DESCRIPTION);
    const req: string[] = Array.isArray(s.required) ? [...s.required] : [];
    if (!req.includes('kind')) req.push('kind');
    if (!req.includes('apiVersion')) req.push('apiVersion');
    s.required = req;
  }
}

function stripDefaults(s: Json): void {
  if (!s || typeof s !== 'object') return;
  if (Array.isArray(s)) {
    for (const e of s) stripDefaults(e);
    return;
  }
  delete s.default;
  for (const [k, v] of Object.entries(s)) if (k !== 'enum' && k !== 'x-kubernetes-validations') stripDefaults(v);
}

/** buildKubeNative: the kind's schema with TypeMeta, ObjectMeta and the group-version-kind extension. */
export function kindSchema(crd: CRDLike, version: string, v2: boolean): Json {
  const v = versionOf(crd, version);
  const raw = v.schema?.openAPIV3Schema;
  const gvk = [{ group: crd.spec.group, kind: crd.spec.names.kind, version }];
  // kubectl would take an object with only some properties as closed, so without a schema (or
  // in v2 with unknown fields preserved at the root) the kind is a bare object
  if (!raw || typeof raw !== 'object' || (v2 && (raw['x-kubernetes-preserve-unknown-fields'] === true || crd.spec.preserveUnknownFields))) {
    return { type: 'object', 'x-kubernetes-group-version-kind': gvk };
  }
  const s = toKubeOpenAPI(raw);
  unfold(s);
  if (v2) {
    toStructuralOpenAPIV2(s);
    // the v2 controller prunes defaults so the documents merge with the static one
    stripDefaults(s);
  }
  s.properties ??= {};
  s.properties.metadata = refSchema(OBJECT_META, v2, OBJECT_METADATA_DESCRIPTION);
  s.properties.apiVersion = { description: API_VERSION_DESCRIPTION, type: 'string' };
  s.properties.kind = { description: KIND_DESCRIPTION, type: 'string' };
  addEmbeddedProperties(s, v2);
  s['x-kubernetes-group-version-kind'] = gvk;
  return s;
}

/** buildListSchema. */
export function listSchema(crd: CRDLike, version: string, v2: boolean): Json {
  const { group, names } = crd.spec;
  const prefix = v2 ? V2_PREFIX : V3_PREFIX;
  const listKind = listKindOf(crd);
  return {
    description: `${listKind} is a list of ${names.kind}`,
    properties: {
      apiVersion: { description: API_VERSION_DESCRIPTION, type: 'string' },
      items: {
        description: `List of ${names.plural}. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md`,
        items: { $ref: prefix + definitionName(group, version, names.kind) },
        type: 'array',
      },
      kind: { description: KIND_DESCRIPTION, type: 'string' },
      metadata: refSchema(LIST_META, v2, LIST_METADATA_DESCRIPTION),
    },
    required: ['items'],
    type: 'object',
    'x-kubernetes-group-version-kind': [{ group, kind: listKind, version }],
  };
}

// ---- the built-in documents we take shapes from --------------------------------------------

interface Harvest {
  schemas: Record<string, Json>;
  /** parameter lists of a built-in namespaced resource with status and scale, by action */
  params: Record<string, Json[]>;
  /** path-level parameters: name, namespace, pretty */
  pathParams: Record<'name' | 'namespace' | 'pretty', Json>;
}

let v3Harvest: Harvest | undefined;
let v2Harvest: Harvest | undefined;

const ACTION_OPS: Array<[string, 'collection' | 'item', string]> = [
  ['list', 'collection', 'get'],
  ['post', 'collection', 'post'],
  ['deletecollection', 'collection', 'delete'],
  ['get', 'item', 'get'],
  ['put', 'item', 'put'],
  ['patch', 'item', 'patch'],
  ['delete', 'item', 'delete'],
];

function harvest(paths: Json, schemas: Record<string, Json>, resolve: (p: Json) => Json, root: string): Harvest {
  const coll = paths[`${root}/namespaces/{namespace}/statefulsets`];
  const item = paths[`${root}/namespaces/{namespace}/statefulsets/{name}`];
  const params: Record<string, Json[]> = {};
  for (const [action, where, method] of ACTION_OPS) {
    const op = (where === 'collection' ? coll : item)?.[method];
    params[action] = ((op?.parameters ?? []) as Json[]).map(resolve).filter((p) => p && p.in !== 'body');
  }
  // the CRD builder's parameter sets differ from the built-in installer's in two places:
  // deletecollection takes ListOptions only, and get takes GetOptions (resourceVersion)
  params.deletecollection = params.list.map((p) => structuredClone(p));
  const rv = params.list.find((p) => p?.name === 'resourceVersion');
  params.get = rv ? [structuredClone(rv)] : [];
  const common = ((item?.parameters ?? []) as Json[]).map(resolve);
  const byName = (n: string) => structuredClone(common.find((p) => p?.name === n) ?? { in: n === 'pretty' ? 'query' : 'path', name: n });
  return { schemas, params, pathParams: { name: byName('name'), namespace: byName('namespace'), pretty: byName('pretty') } };
}

function v3Source(): Harvest {
  if (v3Harvest) return v3Harvest;
  const doc = JSON.parse(openapiV3Document('apis/apps/v1')!.body.toString('utf8'));
  v3Harvest = harvest(doc.paths ?? {}, doc.components?.schemas ?? {}, (p) => p, '/apis/apps/v1');
  return v3Harvest;
}

function v2Source(): Harvest {
  if (v2Harvest) return v2Harvest;
  const doc = JSON.parse(openapiV2Json().toString('utf8'));
  const shared = doc.parameters ?? {};
  const resolve = (p: Json) => (typeof p?.$ref === 'string' ? shared[p.$ref.replace('#/parameters/', '')] : p);
  v2Harvest = harvest(doc.paths ?? {}, doc.definitions ?? {}, resolve, '/apis/apps/v1');
  return v2Harvest;
}

/** The named schemas and every schema they reference, from the published documents. */
function closure(roots: string[], schemas: Record<string, Json>, prefix: string): Record<string, Json> {
  const out: Record<string, Json> = {};
  const todo = [...roots];
  while (todo.length > 0) {
    const name = todo.pop()!;
    if (out[name] || !schemas[name]) continue;
    out[name] = structuredClone(schemas[name]);
    const walk = (x: Json) => {
      if (!x || typeof x !== 'object') return;
      if (Array.isArray(x)) return x.forEach(walk);
      for (const [k, v] of Object.entries(x)) {
        if (k === '$ref' && typeof v === 'string' && v.startsWith(prefix)) todo.push(v.slice(prefix.length));
        else walk(v);
      }
    };
    walk(out[name]);
  }
  return out;
}

// ---- routes --------------------------------------------------------------------------------

type Sample = 'kind' | 'list' | 'status' | 'scale';

interface Route {
  path: string;
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  action: string; // x-kubernetes-action: list, post, deletecollection, get, put, patch, delete
  verb: string; // operation verb: list, create, deletecollection, read, replace, patch, delete
  sub: string; // '', 'status', 'scale'
  sample: Sample;
  body?: 'kind' | 'scale' | 'patch' | 'delete';
  operation: string;
}

function isVowel(c: string): boolean {
  return 'aeiou'.includes(c.toLowerCase());
}

/** endpoints.GetArticleForNoun. */
function articleFor(noun: string, padding: string): string {
  if (!noun.endsWith('ss') && noun.endsWith('s')) return padding;
  return `${padding}${noun && isVowel(noun[0]) ? 'an' : 'a'}${padding}`;
}

/** builder.descriptionFor. */
function descriptionFor(kind: string, sub: string, verb: string): string {
  let article = '';
  if (verb === 'list') article = ' objects of kind ';
  else if (verb === 'read' || verb === 'replace' || verb === 'patch') article = ' the specified ';
  else if (verb === 'create' || verb === 'delete') article = articleFor(kind, ' ');
  let s = sub ? ` ${sub} of` : '';
  if (verb === 'patch') return `partially update${s}${article}${kind}`;
  if (verb === 'deletecollection') {
    if (s) s += ' a';
    return `delete collection of${s} ${kind}`;
  }
  return `${verb}${s}${article}${kind}`;
}

function title(s: string): string {
  return s ? s[0].toUpperCase() + s.slice(1) : s;
}

function routesFor(crd: CRDLike, version: string): Route[] {
  const { group, names } = crd.spec;
  const kind = names.kind;
  const namespaced = crd.spec.scope === 'Namespaced';
  const ns = namespaced ? 'Namespaced' : '';
  const out: Route[] = [];
  const add = (r: Omit<Route, 'operation'>, operation?: string) =>
    out.push({ ...r, operation: operation ?? `${r.verb}${ns}${kind}${title(r.sub)}` });
  let root = `/apis/${group}/${version}/${names.plural}`;
  if (namespaced) {
    add({ path: root, method: 'get', action: 'list', verb: 'list', sub: '', sample: 'list' }, `list${kind}ForAllNamespaces`);
    root = `/apis/${group}/${version}/namespaces/{namespace}/${names.plural}`;
  }
  add({ path: root, method: 'get', action: 'list', verb: 'list', sub: '', sample: 'list' });
  add({ path: root, method: 'post', action: 'post', verb: 'create', sub: '', sample: 'kind', body: 'kind' });
  add({ path: root, method: 'delete', action: 'deletecollection', verb: 'deletecollection', sub: '', sample: 'status' });
  const item = `${root}/{name}`;
  add({ path: item, method: 'get', action: 'get', verb: 'read', sub: '', sample: 'kind' });
  add({ path: item, method: 'put', action: 'put', verb: 'replace', sub: '', sample: 'kind', body: 'kind' });
  add({ path: item, method: 'delete', action: 'delete', verb: 'delete', sub: '', sample: 'status', body: 'delete' });
  add({ path: item, method: 'patch', action: 'patch', verb: 'patch', sub: '', sample: 'kind', body: 'patch' });
  const subs = versionOf(crd, version).subresources;
  for (const sub of ['status', 'scale'] as const) {
    if (!subs?.[sub]) continue;
    const sample: Sample = sub === 'scale' ? 'scale' : 'kind';
    const p = `${item}/${sub}`;
    add({ path: p, method: 'get', action: 'get', verb: 'read', sub, sample });
    add({ path: p, method: 'put', action: 'put', verb: 'replace', sub, sample, body: sample === 'scale' ? 'scale' : 'kind' });
    add({ path: p, method: 'patch', action: 'patch', verb: 'patch', sub, sample, body: 'patch' });
  }
  return out;
}

/** ToValidOperationID. */
function toValidOperationID(s: string, capitalizeFirst: boolean): string {
  let out = '';
  let capitalize = capitalizeFirst;
  let i = 0;
  for (const r of s) {
    if (/\p{L}/u.test(r) || r === '_' || (i !== 0 && /\p{Nd}/u.test(r))) {
      out += capitalize ? r.toUpperCase() : r;
      capitalize = false;
    } else capitalize = true;
    i += r.length;
  }
  return out;
}

const VERB_PREFIXES = ['get', 'log', 'read', 'replace', 'patch', 'delete', 'deletecollection', 'watch', 'connect', 'proxy', 'list', 'create'];

/** GetOperationIDAndTags: `listStableExampleComV1NamespacedCronTab`, tag `stableExampleCom_v1`. */
function operationIDAndTag(operation: string, path: string): [string, string] {
  // the shortest verb prefix, as the verb trie finds it (deletecollection... -> delete + Collection...)
  const prefix = VERB_PREFIXES.filter((v) => operation.startsWith(v)).sort((a, b) => a.length - b.length)[0] ?? '';
  const rest = operation.slice(prefix.length);
  const parts = path.replace(/^\/+|\/+$/g, '').split('/');
  const trimmed = parts[1].replace(/\.k8s\.io$/, '');
  const id = prefix + toValidOperationID(trimmed, prefix !== '') + toValidOperationID(parts[2], prefix !== '') + toValidOperationID(rest, prefix !== '');
  const tag = `${toValidOperationID(trimmed, false)}_${toValidOperationID(parts[2], false)}`;
  return [id, tag];
}

const PRODUCES = ['application/json', 'application/yaml'];
const CONSUMES = ['application/json', 'application/yaml'];
const PATCH_CONSUMES = ['application/json-patch+json', 'application/merge-patch+json', 'application/apply-patch+yaml'];

function sampleName(crd: CRDLike, version: string, s: Sample | 'delete' | 'patch'): string {
  const { group, names } = crd.spec;
  switch (s) {
    case 'kind':
      return definitionName(group, version, names.kind);
    case 'list':
      return definitionName(group, version, listKindOf(crd));
    case 'status':
      return STATUS;
    case 'scale':
      return SCALE;
    case 'delete':
      return DELETE_OPTIONS;
    case 'patch':
      return PATCH;
  }
}

/** The status codes of a route: 200 always, 201/202 as the builder adds them, 401 from the common responses. */
function statusCodes(r: Route): Array<[string, string]> {
  const codes: Array<[string, string]> = [['200', 'OK']];
  if (r.action === 'post') codes.push(['201', 'Created'], ['202', 'Accepted']);
  if (r.action === 'delete') codes.push(['202', 'Accepted']);
  if (r.action === 'put') codes.push(['201', 'Created']);
  return codes;
}

function pathParamsFor(path: string, h: Harvest): Json[] {
  const out: Json[] = [];
  if (path.includes('{name}')) out.push(h.pathParams.name);
  if (path.includes('{namespace}')) out.push(h.pathParams.namespace);
  out.push(h.pathParams.pretty);
  return out.map((p) => structuredClone(p));
}

function gvkOf(crd: CRDLike, version: string) {
  return { group: crd.spec.group, kind: crd.spec.names.kind, version };
}

function metaRoots(crd: CRDLike, version: string): string[] {
  const roots = [OBJECT_META, LIST_META, STATUS, DELETE_OPTIONS, PATCH];
  if (versionOf(crd, version).subresources?.scale) roots.push(SCALE);
  return roots;
}

/** Deep copy with object keys sorted, as the published documents are written. */
function sorted(x: Json): Json {
  if (Array.isArray(x)) return x.map(sorted);
  if (x && typeof x === 'object') {
    const out: Json = {};
    for (const k of Object.keys(x).sort()) out[k] = sorted(x[k]);
    return out;
  }
  return x;
}

/** The same entries with the keys in order (values shared, not copied). */
function keysSorted(o: Record<string, Json>): Record<string, Json> {
  const out: Record<string, Json> = {};
  for (const k of Object.keys(o).sort()) out[k] = o[k];
  return out;
}

// ---- v3 ------------------------------------------------------------------------------------

/**
 * BuildOpenAPIV3: the /openapi/v3/apis/<group>/<version> document for one CRD version: its
 * paths (collection, item, status and scale subresources when enabled; no watch paths, as
 * upstream's CRD builder has none) and components.schemas (kind, list, and the meta.k8s.io and
 * autoscaling/v1 types they reference).
 */
export function buildV3(crd: CRDLike, version: string): Json {
  const h = v3Source();
  const kind = crd.spec.names.kind;
  const ref = (name: string) => ({ $ref: V3_PREFIX + name });
  const paths: Record<string, Json> = {};
  for (const r of routesFor(crd, version)) {
    const item = (paths[r.path] ??= { parameters: pathParamsFor(r.path, h) });
    const [operationId, tag] = operationIDAndTag(r.operation, r.path);
    const responses: Json = {};
    for (const [code, description] of statusCodes(r)) {
      const content: Json = {};
      for (const ct of PRODUCES) content[ct] = { schema: ref(sampleName(crd, version, r.sample)) };
      responses[code] = { content, description };
    }
    responses['401'] = { description: 'Unauthorized' };
    const op: Json = {
      description: descriptionFor(kind, r.sub, r.verb),
      operationId,
      parameters: structuredClone(h.params[r.action] ?? []),
      responses,
      tags: [tag],
      'x-kubernetes-action': r.action,
      'x-kubernetes-group-version-kind': gvkOf(crd, version),
    };
    if (op.parameters.length === 0) delete op.parameters;
    if (r.body) {
      const content: Json = {};
      for (const ct of r.body === 'patch' ? PATCH_CONSUMES : CONSUMES) content[ct] = { schema: ref(sampleName(crd, version, r.body)) };
      op.requestBody = r.body === 'delete' ? { content } : { content, required: true };
    }
    item[r.method] = op;
  }
  const { group, names } = crd.spec;
  const schemas: Record<string, Json> = {
    ...closure(metaRoots(crd, version), h.schemas, V3_PREFIX),
    [definitionName(group, version, names.kind)]: kindSchema(crd, version, false),
    [definitionName(group, version, listKindOf(crd))]: listSchema(crd, version, false),
  };
  return sorted({
    components: { schemas },
    info: { title: 'Kubernetes CRD Swagger', version: 'v0.1.0' },
    openapi: '3.0.0',
    paths,
  });
}

/**
 * MergeSpecsV3: one document for a group-version served by several CRDs. meta.k8s.io and
 * autoscaling/v1 schemas repeat in each and are kept once; any other repeated schema is an error.
 */
export function mergeV3(docs: Json[]): Json {
  const out: Json = { components: { schemas: {} }, info: docs[0]?.info, openapi: docs[0]?.openapi, paths: {} };
  for (const d of docs) {
    for (const [k, v] of Object.entries<Json>(d?.components?.schemas ?? {})) {
      if (out.components.schemas[k] !== undefined) {
        if (k.startsWith(META) || k.startsWith('io.k8s.api.autoscaling.v1')) continue;
        throw new Error(`OpenAPI V3 merge schema conflict on ${k}`);
      }
      out.components.schemas[k] = v;
    }
    Object.assign(out.paths, d?.paths ?? {});
  }
  return sorted(out);
}

/** The v3 document of a group-version from every CRD serving it (each CRD's served versions matching). */
export function buildV3ForGroupVersion(crds: CRDLike[], group: string, version: string): Json | undefined {
  const docs = crds
    .filter((c) => c.spec.group === group && c.spec.versions.some((v) => v.name === version && v.served !== false))
    .map((c) => buildV3(c, version));
  return docs.length > 0 ? mergeV3(docs) : undefined;
}

// ---- v2 ------------------------------------------------------------------------------------

/**
 * BuildOpenAPIV2: the definitions (kind, list, and the meta.k8s.io/autoscaling types they use)
 * and swagger 2.0 paths of one CRD version, to merge into /openapi/v2 with mergeV2.
 */
export function buildV2(crd: CRDLike, version: string): { definitions: Record<string, Json>; paths: Record<string, Json> } {
  const h = v2Source();
  const kind = crd.spec.names.kind;
  const ref = (name: string) => ({ $ref: V2_PREFIX + name });
  const paths: Record<string, Json> = {};
  for (const r of routesFor(crd, version)) {
    const item = (paths[r.path] ??= { parameters: pathParamsFor(r.path, h) });
    const [operationId, tag] = operationIDAndTag(r.operation, r.path);
    const responses: Json = {};
    for (const [code, description] of statusCodes(r)) responses[code] = { description, schema: ref(sampleName(crd, version, r.sample)) };
    responses['401'] = { description: 'Unauthorized' };
    const parameters: Json[] = [];
    if (r.body) {
      const body: Json = { in: 'body', name: 'body', schema: ref(sampleName(crd, version, r.body)) };
      if (r.body !== 'delete') body.required = true;
      parameters.push(body);
    }
    parameters.push(...structuredClone(h.params[r.action] ?? []));
    const op: Json = {
      consumes: r.method === 'patch' ? PATCH_CONSUMES : CONSUMES,
      description: descriptionFor(kind, r.sub, r.verb),
      operationId,
      parameters,
      produces: PRODUCES,
      responses,
      schemes: ['https'],
      tags: [tag],
      'x-kubernetes-action': r.action,
      'x-kubernetes-group-version-kind': gvkOf(crd, version),
    };
    if (parameters.length === 0) delete op.parameters;
    item[r.method] = op;
  }
  const { group, names } = crd.spec;
  const definitions: Record<string, Json> = {
    ...closure(metaRoots(crd, version), h.schemas, V2_PREFIX),
    [definitionName(group, version, names.kind)]: kindSchema(crd, version, true),
    [definitionName(group, version, listKindOf(crd))]: listSchema(crd, version, true),
  };
  return { definitions: sorted(definitions), paths: sorted(paths) };
}

function deepEqual(a: Json, b: Json): boolean {
  return JSON.stringify(sorted(a)) === JSON.stringify(sorted(b));
}

function renameRefs(x: Json, from: string, to: string): Json {
  if (Array.isArray(x)) return x.map((e) => renameRefs(e, from, to));
  if (x && typeof x === 'object') {
    const out: Json = {};
    for (const [k, v] of Object.entries(x)) out[k] = k === '$ref' && v === V2_PREFIX + from ? V2_PREFIX + to : renameRefs(v, from, to);
    return out;
  }
  return x;
}

/**
 * MergeSpecs: the static /openapi/v2 document with CRD definitions and paths beside the
 * built-ins. The static document wins: a CRD path it already has is dropped, a CRD definition
 * whose name it has with a different schema is renamed `<name>_v2` (`_v3`, ...) and referenced
 * so. The base is not changed.
 */
export function mergeV2(base: Json, extra: Array<{ definitions: Record<string, Json>; paths: Record<string, Json> }>): Json {
  let crdDefs: Record<string, Json> = {};
  let crdPaths: Record<string, Json> = {};
  for (const e of extra) {
    Object.assign(crdDefs, e.definitions);
    Object.assign(crdPaths, e.paths);
  }
  const definitions: Record<string, Json> = { ...(base.definitions ?? {}) };
  const paths: Record<string, Json> = { ...(base.paths ?? {}) };
  for (const name of Object.keys(crdDefs)) {
    if (definitions[name] === undefined || deepEqual(definitions[name], crdDefs[name])) continue;
    // the meta and autoscaling types come from the static document itself (possibly without its
    // descriptions): the base's copy serves, as upstream's identical copies do
    if (name.startsWith(META) || name.startsWith('io.k8s.api.autoscaling.v1')) continue;
    let n = 2;
    while (definitions[`${name}_v${n}`] !== undefined || crdDefs[`${name}_v${n}`] !== undefined) n++;
    const to = `${name}_v${n}`;
    const renamed = renameRefs({ d: crdDefs, p: crdPaths }, name, to);
    crdDefs = renamed.d;
    crdPaths = renamed.p;
    crdDefs[to] = crdDefs[name];
    delete crdDefs[name];
  }
  for (const [k, v] of Object.entries(crdDefs)) if (definitions[k] === undefined) definitions[k] = v;
  for (const [k, v] of Object.entries(crdPaths)) if (paths[k] === undefined) paths[k] = v;
  return { ...base, definitions: keysSorted(definitions), paths: keysSorted(paths) };
}

/** For tests: read the built-in documents afresh. */
export function resetOpenAPIBuilderCache(): void {
  v3Harvest = undefined;
  v2Harvest = undefined;
}
