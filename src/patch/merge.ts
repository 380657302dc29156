// JSON merge patch (RFC 7386) and JSON patch (RFC 6902, via fast-json-patch).
import jsonpatch from 'fast-json-patch';
import { StatusError } from '../registry/errors.js';

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
    return jsonpatch.applyPatch(structuredClone(doc), ops as jsonpatch.Operation[], true, true).newDocument;
  } catch (err) {
    const e = err as { name?: string; message: string; operation?: { path?: string; op?: string } };
    let msg = e.message.split('\n')[0];
    if (e.name === 'TEST_OPERATION_FAILED') msg = `testing value ${e.operation?.path} failed: test failed`;
    else if (e.name === 'OPERATION_PATH_UNRESOLVABLE') msg = `${e.operation?.op} operation does not apply: doc is missing path: "${e.operation?.path}": missing value`;
    // errors.NewGenericServerResponse(422, ...): a generic message, the patch error as the cause
    throw new StatusError(422, 'Invalid', 'the server rejected our request due to an error in our request', {
      causes: [{ reason: 'UnexpectedServerResponse', message: msg }],
    });
  }
}
