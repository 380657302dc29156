// JSON merge patch (RFC 7386) and JSON patch (RFC 6902, via fast-json-patch), both depth-safe.
import type { Operation } from 'fast-json-patch';
import { jsonPatchLib } from '../util/lazy.js';
import { StatusError } from '../registry/errors.js';
import { cloneDeep, mergePatch } from './deep.js';

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** RFC 7386: objects merge recursively, null deletes, everything else replaces (at any depth). */
export function jsonMergePatch(target: unknown, patch: unknown): unknown {
  return mergePatch(target, patch);
}

// apiserver pkg/endpoints/handlers/patch.go maxJSONPatchOperations
export const MAX_JSON_PATCH_OPERATIONS = 10000;

/** The generic 422 of a JSON patch that does not apply (see applyJSONPatch). */
function notApplicable(): StatusError {
  // errors.NewGenericServerResponse(422, ..., isUnexpectedResponse=false) (apiserver patch.go):
  // only the generic message reaches the client; the patch error itself is dropped, so kubectl
  // prints "The request is invalid: the server rejected our request due to an error in our request"
  return new StatusError(422, 'Invalid', 'the server rejected our request due to an error in our request');
}

/**
 * fast-json-patch's own checks of one operation, with an object value stood in for by `{}`: the
 * library walks values recursively (looking for undefined, which JSON cannot hold), which a deep
 * value would overflow.
 */
function shallowValidator(op: Operation, index: number, document: unknown, existingPath: string): void {
  const o = op as Operation & { value?: unknown };
  const probe = o.value !== null && typeof o.value === 'object' ? { ...o, value: Array.isArray(o.value) ? [] : {} } : o;
  jsonPatchLib().validator(probe as Operation, index, document, existingPath);
}

/** RFC 6902 as evanphx/json-patch applies it; a failed `test` or a bad path is 422 as upstream answers it. */
export function applyJSONPatch(doc: unknown, ops: unknown): unknown {
  if (!Array.isArray(ops)) throw new StatusError(400, 'BadRequest', 'json: cannot unmarshal object into Go value of type jsonpatch.Patch');
  if (ops.length > MAX_JSON_PATCH_OPERATIONS)
    throw new StatusError(413, 'RequestEntityTooLarge', `Request entity too large: The allowed maximum operations in a JSON patch is ${MAX_JSON_PATCH_OPERATIONS}, got ${ops.length}`);
  // evanphx/json-patch finds no container for the root: every operation on path "" (or from "") fails
  for (const op of ops) {
    if (op === null || typeof op !== 'object') throw notApplicable();
    if (op.path === '' || ((op.op === 'move' || op.op === 'copy') && op.from === '')) throw notApplicable();
  }
  try {
    return jsonPatchLib().applyPatch(cloneDeep(doc), ops as Operation[], shallowValidator, true).newDocument;
  } catch {
    throw notApplicable();
  }
}
