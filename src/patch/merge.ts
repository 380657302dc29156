// JSON merge patch (RFC 7386) and JSON patch (RFC 6902, via fast-json-patch).
import type { Operation } from 'fast-json-patch';
import { jsonPatchLib } from '../util/lazy.js';
import { StatusError } from '../registry/errors.js';
import { cloneJSON } from '../util/clone.js';

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** RFC 7386: objects merge recursively, null deletes, everything else replaces. */
export function jsonMergePatch(target: unknown, patch: unknown): unknown {
  if (!isPlainObject(patch)) return patch;
  const out: Record<string, unknown> = isPlainObject(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = jsonMergePatch(out[k], v);
  }
  return out;
}

/** RFC 6902; a failed `test` or a bad path is 422 as upstream answers it. */
export function applyJSONPatch(doc: unknown, ops: unknown): unknown {
  if (!Array.isArray(ops)) throw new StatusError(400, 'BadRequest', 'json: cannot unmarshal object into Go value of type jsonpatch.Patch');
  try {
    return jsonPatchLib().applyPatch(cloneJSON(doc), ops as Operation[], true, true).newDocument;
  } catch {
    // errors.NewGenericServerResponse(422, ..., isUnexpectedResponse=false) (apiserver patch.go):
    // only the generic message reaches the client; the patch error itself is dropped, so kubectl
    // prints "The request is invalid: the server rejected our request due to an error in our request"
    throw new StatusError(422, 'Invalid', 'the server rejected our request due to an error in our request');
  }
}
