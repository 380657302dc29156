// PATCH for every kind and subresource (apiserver pkg/endpoints/handlers/patch.go): the patch is
// applied to the live object and the result goes through the same update path as PUT, with the
// live resourceVersion as precondition unless the patch names one itself.
import { requestUser } from '../auth/filters.js';
import type { FastifyRequest } from 'fastify';
import { yamlLib } from '../util/lazy.js';
import type { KObject, ResourceDef } from '../resources/types.js';
import type { Registry } from '../registry/registry.js';
import { badRequest, StatusError, unsupportedMediaType } from '../registry/errors.js';
import { parseFieldValidation } from '../registry/fieldvalidation.js';
import { applyJSONPatch, isPlainObject, jsonMergePatch } from './merge.js';
import { strategicMergePatch, StrategicMergePatchError } from './strategic.js';
import { fromUnstructuredError, patchConversionError, patchedDecodeError } from './strategic-errors.js';
import { serverSideApply } from './apply.js';
import { checkKindFields } from '../registry/fieldvalidation.js';
import { findDuplicateFields } from '../schema/duplicates.js';
import { queryBool } from '../server/query.js';
import { collectionKey, goSharpV } from '../server/negotiation.js';
import { goValue } from './deep.js';
import type { AdmissionChain } from '../admission/types.js';
import { admissionFor, admittedWrite, optionsObject } from '../admission/run.js';

export { goValue };

/** The patch type of a content type, refused (415) when the kind does not take it. */
export function checkPatchType(def: ResourceDef, contentType: string | undefined): PatchType {
  const type = patchTypeOf(contentType);
  if (def.patchTypes && !def.patchTypes.includes(type)) {
    // custom resources: no strategic merge patch (apiextensions-apiserver customresource_handler.go),
    // on the main resource and its status and scale subresources alike
    const accepted = PATCH_TYPES.filter((t) => def.patchTypes!.includes(patchTypeOf(t)));
    throw unsupportedMediaType(String(contentType ?? '').split(';')[0].trim(), accepted);
  }
  return type;
}

export const PATCH_TYPES = [
  'application/json-patch+json',
  'application/merge-patch+json',
  'application/strategic-merge-patch+json',
  'application/apply-patch+yaml',
];

export type { PatchType } from '../resources/types.js';
import type { PatchType } from '../resources/types.js';

export function patchTypeOf(contentType: string | undefined): PatchType {
  const t = (contentType ?? '').split(';')[0].trim().toLowerCase();
  switch (t) {
    case 'application/json-patch+json':
      return 'json';
    case 'application/merge-patch+json':
      return 'merge';
    case 'application/strategic-merge-patch+json':
      return 'strategic';
    case 'application/apply-patch+yaml':
      return 'apply';
    default:
      throw unsupportedMediaType(t, PATCH_TYPES);
  }
}

export function parsePatchBody(type: PatchType, body: Buffer | undefined): unknown {
  if (!body || body.length === 0) throw badRequest('the body of the request is empty');
  const text = body.toString('utf8');
  try {
    if (type !== 'apply') return JSON.parse(text);
    // kubectl and client-go send apply configurations as JSON, which is YAML: JSON.parse reads it
    // the same, at a fraction of the cost; duplicate keys (an error for the YAML parser) and
    // anything that is not plain JSON take the YAML path
    if (/^\s*\{/.test(text)) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = undefined;
      }
      if (parsed !== undefined && findDuplicateFields(text).length === 0) return parsed;
    }
    // goyaml.v2 (non-strict): a repeated key keeps its last value; a map or a sequence as a key is refused
    const doc = yamlLib().parseDocument(text, { uniqueKeys: false });
    if (doc.errors.length) throw doc.errors[0];
    const badKey = collectionKey(doc);
    if (badKey !== undefined) throw new Error(`error converting YAML to JSON: yaml: invalid map key: ${goSharpV(badKey)}`);
    return doc.toJS();
  } catch (err) {
    throw badRequest(`error decoding patch: ${(err as Error).message}`);
  }
}

/** Applies a json / merge / strategic patch document to `live` (a fresh copy; not mutated). */
export function applyPatchDocument(def: ResourceDef, definition: string, live: KObject, type: Exclude<PatchType, 'apply'>, patch: unknown): KObject {
  let out: unknown;
  if (type === 'json') out = applyJSONPatch(live, patch);
  else {
    if (!isPlainObject(patch)) throw badRequest('the patch must be a JSON object');
    if (type === 'merge') out = jsonMergePatch(live, patch);
    else {
      try {
        out = strategicMergePatch(definition, live, patch);
      } catch (err) {
        if (err instanceof StrategicMergePatchError) {
          const st = err.toStatus();
          throw new StatusError(st.code, st.reason ?? '', st.message, st.details);
        }
        throw err;
      }
    }
  }
  if (!isPlainObject(out)) throw badRequest('the patched object is not a JSON object');
  return out as KObject;
}

/**
 * checkName (apiserver pkg/endpoints/handlers/rest.go) on a patched object: a patch that removed
 * the name (`remove /metadata`, `{"metadata": null}`) or changed it or the namespace is refused.
 */
function checkName(obj: KObject, name: string, namespace: string): void {
  const meta = obj.metadata;
  if (meta !== undefined && meta !== null && (typeof meta !== 'object' || Array.isArray(meta))) return; // a decoding error, reported on update
  const objName = meta?.name;
  if (objName === undefined || objName === null || objName === '')
    throw badRequest(`the name of the object (${name} based on URL) was undeterminable: name must be provided`);
  if (typeof objName !== 'string') return;
  if (objName !== name) throw badRequest(`the name of the object (${objName}) does not match the name on the URL (${name})`);
  const objNs = meta?.namespace;
  if (namespace && typeof objNs === 'string' && objNs && objNs !== namespace)
    throw badRequest(`the namespace of the object (${objNs}) does not match the namespace on the request (${namespace})`);
}

export interface PatchResult {
  object: KObject;
  /** the stored JSON when written (answers reuse it) */
  json?: string;
  warnings: string[];
  created: boolean;
}

export function patchObject(
  registry: Registry,
  def: ResourceDef,
  namespace: string,
  name: string,
  req: FastifyRequest,
  q: Record<string, string | undefined>,
  subresource?: string,
): PatchResult {
  const type = checkPatchType(def, req.headers['content-type']);
  const patch = parsePatchBody(type, req.body as Buffer | undefined);
  const opts = {
    dryRun: q.dryRun === 'All',
    fieldManager: q.fieldManager,
    fieldValidation: parseFieldValidation(q.fieldValidation),
    subresource,
    userAgent: String(req.headers['user-agent'] ?? ''),
    user: requestUser(req),
  };
  if (q.dryRun !== undefined && q.dryRun !== '' && q.dryRun !== 'All') throw badRequest(`dryRun: Unsupported value: "${q.dryRun}": supported values: "All"`);
  if (type === 'apply') {
    if (!isPlainObject(patch)) throw badRequest('the apply configuration must be an object');
    if (!q.fieldManager) throw badRequest('PATCH, application/apply-patch+yaml: fieldManager: Required value: is required for apply patch');
    return serverSideApply(registry, def, namespace, name, patch as KObject, { ...opts, force: queryBool(q.force) === true });
  }
  if (q.force !== undefined) throw badRequest('force: Forbidden: may not be specified for non-apply patch');
  const live = registry.get(def, namespace, name);
  const patchedRV = isPlainObject(patch) && isPlainObject((patch as KObject).metadata) ? (patch as KObject).metadata.resourceVersion : undefined;
  const next = applyPatchDocument(def, def.definition, live, type, patch);
  checkName(next, name, namespace);
  // a resourceVersion in the patch is a precondition; otherwise the live one is (no retry needed: writes are serialised)
  if (next.metadata && typeof next.metadata === 'object') {
    if (type === 'json') {
      // a JSON patch may replace metadata.resourceVersion: that is the precondition
    } else if (patchedRV === undefined) next.metadata.resourceVersion = live.metadata.resourceVersion;
  }
  if (type === 'strategic') {
    // the patched map converts into the Go type first: a wrong type is its 422 (applyPatchToObject)
    const bad = fromUnstructuredError(def.definition, next);
    if (bad) throw patchConversionError(patch, bad);
  } else {
    // JSON / merge: the patched JSON is decoded; the decoder's error is the 422 (jsonPatcher)
    const bad = checkKindFields(def, next).causes[0];
    if (bad) throw patchedDecodeError(next, bad.message);
  }
  if (opts.fieldValidation === 'Strict') {
    // unknown fields in a patched object (apiserver handlers/patch.go applyPatchToObject): 422
    // with the patch as Go prints a map
    const unknown = checkKindFields(def, next).unknown;
    if (unknown.length) {
      const detail = `strict decoding error: ${unknown.map((u) => `unknown field "${u}"`).join(', ')}`;
      const rendered = JSON.stringify(goValue(patch));
      throw new StatusError(422, 'Invalid', ` "" is invalid: patch: Invalid value: ${rendered}: ${detail}`, {
        name: '',
        kind: '',
        causes: [{ reason: 'FieldValueInvalid', message: `Invalid value: ${rendered}: ${detail}`, field: 'patch' }],
      });
    }
  }
  const r = registry.update(def, namespace, name, next, opts);
  return { object: r.object, json: r.json, warnings: r.warnings, created: false };
}

/**
 * A PATCH through the admission chain (handlers/patch.go: the patched object goes through mutating
 * admission, validation and validating admission). When an admitter applies, the patch is first
 * applied as a dry run to get the patched, defaulted object; a mutated result is then written as
 * an update of that object (with the live resourceVersion as its precondition).
 */
export async function admittedPatch(
  ctx: { registry: Registry; admission?: AdmissionChain },
  req: FastifyRequest,
  def: ResourceDef,
  namespace: string,
  name: string,
  q: Record<string, string | undefined>,
  subresource?: string,
): Promise<PatchResult> {
  const { registry } = ctx;
  const need = admissionFor(ctx.admission, def, 'UPDATE', subresource);
  if (!need.mutating && !need.validating) return patchObject(registry, def, namespace, name, req, q, subresource);
  const dryQ = { ...q, dryRun: 'All' };
  const applied = patchTypeOf(req.headers['content-type']) === 'apply';
  const existed = !!registry.getEntry(def, namespace, name);
  let created = false;
  const opts = {
    fieldManager: q.fieldManager,
    fieldValidation: parseFieldValidation(q.fieldValidation),
    subresource,
    userAgent: String(req.headers['user-agent'] ?? ''),
    user: requestUser(req),
  };
  const r = await admittedWrite(ctx.admission, req, {
    operation: existed ? 'UPDATE' : 'CREATE',
    def,
    namespace,
    name,
    subresource,
    dryRun: q.dryRun === 'All',
    options: optionsObject('PatchOptions', q),
    object: () => structuredClone(patchObject(registry, def, namespace, name, req, dryQ, subresource).object),
    oldObject: () => registry.tryGet(def, namespace, name),
    write: (o, dry) => {
      if (!o) {
        const p = patchObject(registry, def, namespace, name, req, dry ? dryQ : q, subresource);
        created = p.created;
        return p;
      }
      if (!existed) {
        created = true;
        return registry.create(def, namespace, o, { ...opts, dryRun: dry, managedFieldsComputed: applied });
      }
      const live = registry.get(def, namespace, name);
      o.metadata ??= {};
      o.metadata.resourceVersion = live.metadata.resourceVersion;
      // an apply's managedFields were computed by the dry run (the Apply entry stays the manager's)
      return registry.update(def, namespace, name, o, { ...opts, dryRun: dry, managedFieldsComputed: applied });
    },
  });
  return { object: r.object, json: r.json, warnings: r.warnings, created };
}
