// CreateOptions / UpdateOptions / PatchOptions from the query, validated before the body is read
// (apiserver pkg/endpoints/handlers/{create,update,patch}.go; apimachinery
// pkg/apis/meta/v1/validation/validation.go ValidateCreateOptions / ValidateUpdateOptions /
// ValidatePatchOptions / ValidateFieldManager): a 422 on the options kind, all errors at once.
import type { Cause } from '../resources/types.js';
import { StatusError } from '../registry/errors.js';
import { forbidden, required, tooLong } from '../registry/validation.js';

export type OptionsKind = 'CreateOptions' | 'UpdateOptions' | 'PatchOptions';

/** metav1 validation.FieldManagerMaxLength */
const FIELD_MANAGER_MAX_LENGTH = 128;
/** Go's unicode.IsPrint: letters, marks, numbers, punctuation, symbols and the ASCII space. */
const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u;
const FIELD_VALIDATION_VALUES = ['', 'Ignore', 'Strict', 'Warn'];

/** Go's strconv.Quote (what `%q` prints): printable runes as they are, the rest escaped. */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const r = ch.codePointAt(0)!;
    if (ch === '"' || ch === '\\') out += '\\' + ch;
    else if (PRINTABLE.test(ch)) out += ch;
    else if (r === 7) out += '\\a';
    else if (r === 8) out += '\\b';
    else if (r === 12) out += '\\f';
    else if (r === 10) out += '\\n';
    else if (r === 13) out += '\\r';
    else if (r === 9) out += '\\t';
    else if (r === 11) out += '\\v';
    else if (r < 0x20 || r === 0x7f) out += '\\x' + r.toString(16).padStart(2, '0');
    else if (r < 0x10000) out += '\\u' + r.toString(16).padStart(4, '0');
    else out += '\\U' + r.toString(16).padStart(8, '0');
  }
  return out + '"';
}

/** ValidateFieldManager: at most 128 bytes, printable characters only. */
export function fieldManagerCauses(fieldManager: string): Cause[] {
  const causes: Cause[] = [];
  if (Buffer.byteLength(fieldManager) > FIELD_MANAGER_MAX_LENGTH) causes.push(tooLong('fieldManager', '', FIELD_MANAGER_MAX_LENGTH));
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
