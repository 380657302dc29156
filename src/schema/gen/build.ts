// Pure functions that turn upstream's OpenAPI v2 document (data) into what kube-emulator
// publishes: the compact schema model, the v2 document and one v3 document per group-version.
// Upstream's description texts are dropped everywhere. Used by scripts/gen-schemas.ts and by
// the test that checks the checked-in files are current.
import { EXTRA_DEFINITIONS, servedKinds, gvPath, servedGroupVersions } from './served.js';

export type Json = any;
export interface Swagger {
  swagger: string;
  info: Json;
  paths: Record<string, Json>;
  definitions: Record<string, Json>;
  parameters?: Record<string, Json>;
}

const DEF = '#/definitions/';
const PARAM = '#/parameters/';
const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch'];
const OP_KEYS = ['consumes', 'produces', 'operationId', 'schemes', 'tags', 'x-kubernetes-action', 'x-kubernetes-group-version-kind'];
const SCHEMA_KEYS = ['$ref', 'type', 'format', 'required', 'enum', 'default', 'properties', 'items', 'additionalProperties', 'allOf', 'oneOf', 'anyOf'];

/** Deep copy with object keys sorted (arrays keep their order). */
export function sortKeys(v: Json): Json {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === 'object') {
    const out: Json = {};
    for (const key of Object.keys(v).sort()) out[key] = sortKeys(v[key]);
    return out;
  }
  return v;
}

/** Deterministic pretty JSON (sorted keys, 2-space indent, trailing newline). */
export function stableJson(v: Json): string {
  return JSON.stringify(sortKeys(v), null, 2) + '\n';
}

/** A schema without descriptions; `$ref`s rewritten by mapRef. */
export function cleanSchema(s: Json, mapRef: (ref: string) => string): Json {
  if (!s || typeof s !== 'object') return s;
  const out: Json = {};
  for (const [key, val] of Object.entries<Json>(s)) {
    if (key === '$ref') out[key] = mapRef(val);
    else if (key === 'properties') {
      out.properties = {};
      for (const [pn, pv] of Object.entries<Json>(val)) out.properties[pn] = cleanSchema(pv, mapRef);
    } else if (key === 'items' || (key === 'additionalProperties' && typeof val === 'object')) out[key] = cleanSchema(val, mapRef);
    else if (key === 'allOf' || key === 'oneOf' || key === 'anyOf') out[key] = val.map((x: Json) => cleanSchema(x, mapRef));
    else if (SCHEMA_KEYS.includes(key) || key.startsWith('x-kubernetes-')) out[key] = val;
  }
  return out;
}

/** Every `$ref` string anywhere inside v. */
function collectRefs(v: Json, out: Set<string>): void {
  if (Array.isArray(v)) for (const x of v) collectRefs(x, out);
  else if (v && typeof v === 'object') {
    for (const [key, val] of Object.entries<Json>(v)) {
      if (key === '$ref' && typeof val === 'string') out.add(val);
      else collectRefs(val, out);
    }
  }
}

interface PathInfo {
  gv: string;
  plural?: string;
  sub?: string;
}

/** Which group-version / resource / subresource an upstream path belongs to. */
export function classifyPath(p: string): PathInfo | undefined {
  let gv: string;
  let rest: string;
  const core = /^\/api\/(v1)\/(.*)$/.exec(p);
  const named = /^\/apis\/([^/]+)\/([^/]+)\/(.*)$/.exec(p);
  if (core) [gv, rest] = [`api/${core[1]}`, core[2]];
  else if (named) [gv, rest] = [`apis/${named[1]}/${named[2]}`, named[3]];
  else return undefined;
  if (rest === '') return { gv };
  let segs = rest.split('/');
  if (segs[0] === 'watch') segs = segs.slice(1);
  if (segs[0] === 'namespaces' && segs[1] === '{namespace}' && segs.length >= 3) segs = segs.slice(2);
  if (segs.length > 3 || (segs.length >= 2 && segs[1] !== '{name}')) return undefined;
  return { gv, plural: segs[0], sub: segs[2] };
}

/** The upstream paths that belong to what we serve, sorted. */
export function selectPaths(sw: Swagger): string[] {
  const gvs = servedGroupVersions();
  return Object.keys(sw.paths)
    .filter((p) => {
      const info = classifyPath(p);
      if (!info || !gvs.includes(info.gv)) return false;
      if (!info.plural) return true; // the group-version's resource list
      const kind = servedKinds().find((s) => gvPath(s.group, s.version) === info.gv && s.plural === info.plural);
      return !!kind && (!info.sub || kind.subresources.includes(info.sub));
    })
    .sort();
}

function cleanParam(p: Json): Json {
  if (p.$ref) return { $ref: p.$ref };
  const out: Json = {};
  for (const [key, val] of Object.entries<Json>(p)) {
    if (key === 'description') continue;
    out[key] = key === 'schema' ? cleanSchema(val, (r) => r) : val;
  }
  return out;
}

function cleanOperation(op: Json): Json {
  const out: Json = {};
  for (const key of OP_KEYS) if (op[key] !== undefined) out[key] = op[key];
  if (op.parameters) out.parameters = op.parameters.map(cleanParam);
  out.responses = {};
  for (const [code, r] of Object.entries<Json>(op.responses ?? {})) {
    out.responses[code] = { description: r.description };
    if (r.schema) out.responses[code].schema = cleanSchema(r.schema, (x) => x);
  }
  return out;
}

function cleanPathItem(item: Json): Json {
  const out: Json = {};
  if (item.parameters) out.parameters = item.parameters.map(cleanParam);
  for (const m of METHODS) if (item[m]) out[m] = cleanOperation(item[m]);
  return out;
}

/** Names of all definitions reachable from the given roots (`#/definitions/...` refs or bare names). */
function definitionClosure(sw: Swagger, roots: Iterable<string>): string[] {
  const seen = new Set<string>();
  const queue = [...roots].map((r) => (r.startsWith(DEF) ? r.slice(DEF.length) : r)).filter((n) => sw.definitions[n]);
  while (queue.length) {
    const name = queue.pop()!;
    if (seen.has(name)) continue;
    seen.add(name);
    const refs = new Set<string>();
    collectRefs(sw.definitions[name], refs);
    for (const r of refs) if (r.startsWith(DEF) && !seen.has(r.slice(DEF.length))) queue.push(r.slice(DEF.length));
  }
  return [...seen].sort();
}

/** Refs used by some paths, with `#/parameters/...` references followed. */
function pathRefs(sw: Swagger, paths: Record<string, Json>): { defs: Set<string>; params: string[] } {
  const refs = new Set<string>();
  collectRefs(paths, refs);
  const params = [...refs].filter((r) => r.startsWith(PARAM)).map((r) => r.slice(PARAM.length)).sort();
  for (const p of params) collectRefs(sw.parameters?.[p], refs);
  return { defs: new Set([...refs].filter((r) => r.startsWith(DEF))), params };
}

/** Markers our runtime relies on that upstream's v2 document states only in prose. */
const MARKERS: Record<string, Json> = {
  'io.k8s.apimachinery.pkg.util.intstr.IntOrString': { 'x-kubernetes-int-or-string': true },
  'io.k8s.apimachinery.pkg.runtime.RawExtension': { 'x-kubernetes-preserve-unknown-fields': true },
  'io.k8s.apimachinery.pkg.apis.meta.v1.FieldsV1': { 'x-kubernetes-preserve-unknown-fields': true },
};

/** The compact model (src/schema/generated/definitions.json): `$ref`s are bare definition names. */
export function buildDefinitionsModel(sw: Swagger): Record<string, Json> {
  const paths: Record<string, Json> = {};
  for (const p of selectPaths(sw)) paths[p] = sw.paths[p];
  const { defs } = pathRefs(sw, paths);
  const names = definitionClosure(sw, [...defs, ...EXTRA_DEFINITIONS]);
  const out: Record<string, Json> = {};
  for (const n of names) out[n] = { ...cleanSchema(sw.definitions[n], (r) => r.slice(DEF.length)), ...MARKERS[n] };
  return sortKeys(out);
}

/** Our OpenAPI v2 document: upstream's structure for our resources, without descriptions. */
export function buildV2(sw: Swagger): Json {
  const paths: Record<string, Json> = {};
  for (const p of selectPaths(sw)) paths[p] = cleanPathItem(sw.paths[p]);
  const { defs, params } = pathRefs(sw, paths);
  const definitions: Record<string, Json> = {};
  for (const n of definitionClosure(sw, [...defs, ...EXTRA_DEFINITIONS])) definitions[n] = cleanSchema(sw.definitions[n], (r) => r);
  const parameters: Record<string, Json> = {};
  for (const p of params) parameters[p] = cleanParam(sw.parameters![p]);
  return sortKeys({
    swagger: '2.0',
    info: { title: 'Kubernetes', version: 'unversioned' },
    paths,
    definitions,
    parameters,
    security: [{ BearerToken: [] }],
    securityDefinitions: { BearerToken: { type: 'apiKey', name: 'authorization', in: 'header' } },
  });
}

/** Definitions whose v3 form differs from v2 (upstream's v3 documents state both JSON types). */
const V3_OVERRIDES: Record<string, Json> = {
  'io.k8s.apimachinery.pkg.util.intstr.IntOrString': { format: 'int-or-string', oneOf: [{ type: 'integer' }, { type: 'string' }] },
  'io.k8s.apimachinery.pkg.api.resource.Quantity': { oneOf: [{ type: 'string' }, { type: 'number' }] },
};

const toV3Ref = (r: string) => (r.startsWith(DEF) ? '#/components/schemas/' + r.slice(DEF.length) : r);

function v3Param(p: Json): Json {
  const schema: Json = { type: p.type };
  for (const key of ['format', 'items', 'uniqueItems']) if (p[key] !== undefined) schema[key] = p[key];
  const out: Json = { in: p.in, name: p.name, schema };
  if (p.required) out.required = true;
  return out;
}

function v3Operation(op: Json, resolve: (p: Json) => Json): Json {
  const out: Json = {};
  for (const key of ['operationId', 'tags', 'x-kubernetes-action', 'x-kubernetes-group-version-kind']) if (op[key] !== undefined) out[key] = op[key];
  const params = (op.parameters ?? []).map(resolve);
  const nonBody = params.filter((p: Json) => p.in !== 'body');
  if (nonBody.length) out.parameters = nonBody.map(v3Param);
  const body = params.find((p: Json) => p.in === 'body');
  if (body) {
    const schema = cleanSchema(body.schema, toV3Ref);
    out.requestBody = { content: Object.fromEntries((op.consumes ?? ['*/*']).map((mt: string) => [mt, { schema }])) };
    if (body.required) out.requestBody.required = true;
  }
  out.responses = {};
  for (const [code, r] of Object.entries<Json>(op.responses ?? {})) {
    const resp: Json = { description: r.description };
    if (r.schema) {
      const schema = cleanSchema(r.schema, toV3Ref);
      resp.content = Object.fromEntries((op.produces ?? ['application/json']).map((mt: string) => [mt, { schema }]));
    }
    out.responses[code] = resp;
  }
  return out;
}

/** The OpenAPI 3.0 document of one group-version (`api/v1`, `apis/apps/v1`, ...). */
export function buildV3(sw: Swagger, gv: string): Json {
  const resolve = (p: Json) => (p.$ref ? sw.parameters![p.$ref.slice(PARAM.length)] : p);
  const selected: Record<string, Json> = {};
  for (const p of selectPaths(sw)) if (classifyPath(p)!.gv === gv) selected[p] = sw.paths[p];
  const paths: Record<string, Json> = {};
  for (const [p, item] of Object.entries<Json>(selected)) {
    const out: Json = {};
    if (item.parameters) out.parameters = item.parameters.map(resolve).filter((x: Json) => x.in !== 'body').map(v3Param);
    for (const m of METHODS) if (item[m]) out[m] = v3Operation(item[m], resolve);
    paths[p] = out;
  }
  const { defs } = pathRefs(sw, selected);
  const schemas: Record<string, Json> = {};
  for (const n of definitionClosure(sw, defs)) schemas[n] = V3_OVERRIDES[n] ?? cleanSchema(sw.definitions[n], toV3Ref);
  return sortKeys({
    openapi: '3.0.0',
    info: { title: 'Kubernetes', version: 'unversioned' },
    paths,
    components: {
      schemas,
      securitySchemes: { BearerToken: { type: 'apiKey', name: 'authorization', in: 'header' } },
    },
    security: [{ BearerToken: [] }],
  });
}

/** All v3 documents keyed by group-version path. */
export function buildV3All(sw: Swagger): Record<string, Json> {
  const out: Record<string, Json> = {};
  for (const gv of servedGroupVersions()) out[gv] = buildV3(sw, gv);
  return out;
}
