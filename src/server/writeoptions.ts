// CreateOptions / UpdateOptions / PatchOptions from the query, validated before the body is read
// (apiserver pkg/endpoints/handlers/{create,update,patch}.go; apimachinery
// pkg/apis/meta/v1/validation/validation.go ValidateCreateOptions / ValidateUpdateOptions /
// ValidatePatchOptions / ValidateFieldManager): a 422 on the options kind, all errors at once.
import type { Cause } from '../resources/types.js';
import { StatusError } from '../registry/errors.js';
import { forbidden, required, tooLong } from '../registry/validation.js';
import { goQuote, PRINTABLE } from '../util/goquote.js';

export type OptionsKind = 'CreateOptions' | 'UpdateOptions' | 'PatchOptions';

/** metav1 validation.FieldManagerMaxLength */
const FIELD_MANAGER_MAX_LENGTH = 128;
const FIELD_VALIDATION_VALUES = ['', 'Ignore', 'Strict', 'Warn'];

/** ValidateFieldManager: at most 128 bytes, printable characters only. */
export function fieldManagerCauses(fieldManager: string): Cause[] {
  const causes: Cause[] = [];
  if (Buffer.byteLength(fieldManager) > FIELD_MANAGER_MAX_LENGTH) causes.push(tooLong('fieldManager', '', FIELD_MANAGER_MAX_LENGTH));
  if (/^[\x20-\x7e]*$/.test(fieldManager)) return causes; // printable ASCII: the usual case
  let at = 0; // Go ranges over a string by byte offset
  for (const ch of fieldManager) {
    if (!PRINTABLE.test(ch)) {
      const u = 'U+' + ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0');
      causes.push({ reason: 'FieldValueInvalid', field: 'fieldManager', message: `Invalid value: ${goQuote(fieldManager)}: invalid character ${u} (at position ${at})` });
    }
    at += Buffer.byteLength(ch);
  }
  return causes;
}

function all(raw: unknown): string[] {
  if (raw === undefined) return [];
  return (Array.isArray(raw) ? raw : [raw]).map(String);
}

/**
 * Validates the write options in a request's query (the raw, repeated form); throws the 422.
 * patchType is the patch's kind for PatchOptions ('apply' for server-side apply).
 */
export function validateWriteOptions(kind: OptionsKind, query: unknown, patchType?: string): void {
  const q = (query ?? {}) as Record<string, unknown>;
  const last = (k: string) => {
    const v = all(q[k]);
    return v.length ? v[v.length - 1] : undefined;
  };
  const causes: Cause[] = [];
  const fieldManager = last('fieldManager') ?? '';
  if (kind === 'PatchOptions') {
    if (patchType === 'apply') {
      if (fieldManager === '') causes.push(required('fieldManager', 'is required for apply patch'));
    } else if (q.force !== undefined) causes.push(forbidden('force', 'may not be specified for non-apply patch'));
  }
  causes.push(...fieldManagerCauses(fieldManager));
  const dryRun = all(q.dryRun);
  if (dryRun.some((d) => d !== 'All'))
    causes.push({ reason: 'FieldValueNotSupported', field: 'dryRun', message: `Unsupported value: ${JSON.stringify(dryRun)}: supported values: "All"` });
  const fv = last('fieldValidation') ?? '';
  if (!FIELD_VALIDATION_VALUES.includes(fv))
    causes.push({
      reason: 'FieldValueNotSupported',
      field: 'fieldValidation',
      message: `Unsupported value: ${goQuote(fv)}: supported values: ${FIELD_VALIDATION_VALUES.map((v) => JSON.stringify(v)).join(', ')}`,
    });
  if (!causes.length) return;
  const rendered = causes.map((c) => `${c.field}: ${c.message}`);
  const agg = rendered.length === 1 ? rendered[0] : `[${rendered.join(', ')}]`;
  throw new StatusError(422, 'Invalid', `${kind}.meta.k8s.io "" is invalid: ${agg}`, { group: 'meta.k8s.io', kind, causes });
}
