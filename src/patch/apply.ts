// Server-side apply (application/apply-patch+yaml): the structured merge in src/fieldmanager
// computes the object and its managedFields; the result then takes the normal create/update path
// (defaults, strategy, validation, admission) as upstream's applyPatcher does
// (apiserver pkg/endpoints/handlers/patch.go).
import type { KObject, ResourceDef } from '../resources/types.js';
import { apiVersionOf } from '../resources/types.js';
import type { Registry, WriteOptions } from '../registry/registry.js';
import { badRequest, conflict, StatusError } from '../registry/errors.js';
import { nowRFC3339 } from '../registry/meta.js';
import { apply, FieldManagerError, formatConflictMessage, managerOrUserAgent, objectGVKNN, undeclaredFields, validationErrorsMessage } from '../fieldmanager/index.js';
import { fieldValidation } from '../registry/fieldvalidation.js';
import type { PatchResult } from './index.js';
import { fieldPE, pathString, type Path } from '../fieldmanager/fieldpath.js';
import { isObj, rootNode, shapeOf, type Node } from '../fieldmanager/schema.js';
import { itemPE } from '../fieldmanager/typed.js';

/**
 * A null element of an associative list in an applied configuration: the typed conversion refuses
 * it (structured-merge-diff typed/helpers.go keyedAssociativeListItemToPathElement,
 * setItemToPathElement), reported at the list with the element's index; the rest of that list is
 * not looked at. Iterative: configurations may nest deeply where the schema leaves them open.
 */
export function nullListElements(definition: string, config: unknown): string[] {
  const out: string[] = [];
  const stack: [Path, unknown, Node][] = [[[], config, rootNode(definition)]];
  while (stack.length) {
    const [path, v, n] = stack.pop()!;
    if (v === null || typeof v !== 'object' || !n) continue; // no schema: nothing is associative below
    if (n.kind === 'struct' && !Object.keys(n.properties ?? {}).length) continue;
    const shape = shapeOf(n, v);
    if (shape.t === 'list') {
      if (!Array.isArray(v)) continue;
      const i = shape.rel === 'atomic' ? -1 : v.findIndex((item) => item === null);
      if (i >= 0) {
        const what = shape.rel === 'map' && shape.keys.length ? 'associative list with keys may not have a null element' : "associative list without keys has an element that's an explicit null";
        out.push(`${pathString(path)}: element ${i}: ${what}`);
        continue;
      }
      v.forEach((item, j) => stack.push([[...path, itemPE(shape, j, item)], item, shape.elem]));
      continue;
    }
    if (shape.t !== 'map' || !isObj(v)) continue;
    for (const [k, child] of Object.entries(v)) if (!shape.struct || shape.isField(k)) stack.push([[...path, fieldPE(k)], child, shape.child(k)]);
  }
  return out;
}

export function serverSideApply(
  registry: Registry,
  def: ResourceDef,
  namespace: string,
  name: string,
  config: KObject,
  opts: WriteOptions & { force: boolean },
): PatchResult {
  const apiVersion = apiVersionOf(def);
  if (config.apiVersion !== apiVersion || config.kind !== def.kind)
    throw badRequest(`invalid object type: ${apiVersion}, Kind=${config.kind ?? ''}`);
  config.metadata ??= {};
  if (config.metadata.name !== undefined && config.metadata.name !== name)
    throw badRequest(`the name of the object (${config.metadata.name}) does not match the name on the URL (${name})`);
  if (def.namespaced && config.metadata.namespace && config.metadata.namespace !== namespace)
    throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
  // a field the schema does not declare fails the typed conversion of the applied object before
  // any field validation: 500 without a reason, whatever fieldValidation says
  // (managedfields/internal/structuredmerge.go Apply, "failed to create typed patch object")
  const undeclared = [...undeclaredFields(def.definition, config), ...nullListElements(def.definition, config)].sort();
  if (undeclared.length)
    throw new StatusError(500, '', `failed to create typed patch object (${objectGVKNN(config)}): ${validationErrorsMessage(undeclared)}`);
  // type errors fail as decoding does upstream
  const warnings = fieldValidation(def, config, opts.fieldValidation);
  const live = registry.tryGet(def, namespace, name);
  const manager = managerOrUserAgent(opts.fieldManager, opts.userAgent);
  let r;
  try {
    r = apply({ definition: def.definition, apiVersion, live, config, manager, force: opts.force, subresource: opts.subresource, resetFields: def.resetFields?.(opts.subresource), now: nowRFC3339() });
  } catch (err) {
    if (err instanceof FieldManagerError) throw new StatusError(err.code, err.code === 400 ? 'BadRequest' : 'InternalError', err.message);
    throw err;
  }
  if (r.conflicts?.length) {
    const { message, causes } = formatConflictMessage(r.conflicts);
    const e = conflict(def, name);
    throw new StatusError(409, 'Conflict', message, { ...e.details, causes });
  }
  // the config was checked above and the live object was valid: the merge needs no second walk
  const wopts: WriteOptions = { ...opts, managedFieldsComputed: true, fieldValidation: 'Ignore', fieldsChecked: true };
  if (!live) {
    const c = registry.create(def, namespace, r.object, wopts);
    return { object: c.object, json: c.json, warnings: [...warnings, ...c.warnings], created: true };
  }
  r.object.metadata.resourceVersion = live.metadata.resourceVersion;
  const u = registry.update(def, namespace, name, r.object, wopts);
  return { object: u.object, json: u.json, warnings: [...warnings, ...u.warnings], created: false };
}
