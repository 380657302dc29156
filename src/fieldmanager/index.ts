// Server-side apply and metadata.managedFields, as kube-apiserver does them with
// sigs.k8s.io/structured-merge-diff and k8s.io/apimachinery/pkg/util/managedfields.
import type { KObject } from '../resources/types.js';
import { FieldSet } from './fieldpath.js';
import { rootNode } from './schema.js';
import { toFieldSet } from './typed.js';

export { FieldSet, parsePE, serializePE, pathString, peString, comparePE, type Path, type PathElement } from './fieldpath.js';
export { formatConflictMessage, printManager, type Conflict } from './conflict.js';
export {
  apply,
  updateManagedFields,
  managerFromUserAgent,
  managerOrUserAgent,
  defaultResetFields,
  toRFC3339,
  FieldManagerError,
  type ApplyArgs,
  type ApplyResult,
  type UpdateArgs,
} from './fieldmanager.js';
export { managerIdentifier, decodeManagedFields, encodeManagedFields, STRIP_SET, type ManagedFieldsEntry } from './managed.js';
export { LAST_APPLIED_ANNOTATION, buildLastApplied, goJSON } from './lastapplied.js';
export { undeclaredFields, validationErrorsMessage, objectGVKNN } from './validate.js';
export { compare as compareObjects, merge as mergeObjects } from './typed.js';

/** The fields an object sets, as upstream's TypedValue.ToFieldSet (list items and map entries included). */
export function fieldSetOf(definition: string, obj: KObject): FieldSet {
  return toFieldSet(obj, rootNode(definition));
}

/** Parse a FieldsV1 object (or its JSON text). */
export function parseFieldsV1(v: unknown): FieldSet {
  return FieldSet.fromFieldsV1(typeof v === 'string' ? JSON.parse(v) : v);
}

/** A set's FieldsV1 object. */
export function serializeFieldsV1(s: FieldSet): Record<string, unknown> {
  return s.toFieldsV1();
}
