// The parts of a CRD version (and of the CRD's names) that upstream checks one by one
// (staging/src/k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/validation/validation.go:
// ValidateCustomResourceDefinitionNames, ValidateCustomResourceColumnDefinition,
// ValidateCustomResourceDefinitionSubresources, ValidateCustomResourceSelectableFields,
// validateDeprecationWarning, validateSimpleJSONPath).
import type { Cause, KObject } from '../types.js';
import { invalid, isDNS1035Label, required } from '../../registry/validation.js';
import { isMap } from './internal.js';
import { validFieldPath } from './schema-validation.js';

const PRINTER_COLUMN_TYPES = ['boolean', 'date', 'integer', 'number', 'string'];
const PRINTER_COLUMN_FORMATS = ['byte', 'date', 'date-time', 'double', 'float', 'int32', 'int64', 'password'];
export const MAX_SELECTABLE_FIELDS = 8;

const str = (v: unknown) => (typeof v === 'string' ? v : '');
const present = (v: unknown) => v !== undefined && v !== null;

/** ValidateCustomResourceDefinitionNames. */
export function validateNames(names: unknown, p: string): Cause[] {
  const n = isMap(names) ? names : {};
  const errs: Cause[] = [];
  const plural = str(n.plural);
  const singular = str(n.singular);
  const kind = str(n.kind);
  const listKind = str(n.listKind);
  let e: string[];
  if (plural && (e = isDNS1035Label(plural)).length) errs.push(invalid(`${p}.plural`, plural, e.join(',')));
  if (singular && (e = isDNS1035Label(singular)).length) errs.push(invalid(`${p}.singular`, singular, e.join(',')));
  if (kind && (e = isDNS1035Label(kind.toLowerCase())).length) errs.push(invalid(`${p}.kind`, kind, 'may have mixed case, but should otherwise match: ' + e.join(',')));
  if (listKind && (e = isDNS1035Label(listKind.toLowerCase())).length) errs.push(invalid(`${p}.listKind`, listKind, 'may have mixed case, but should otherwise match: ' + e.join(',')));
  (Array.isArray(n.shortNames) ? n.shortNames : []).forEach((s: unknown, i: number) => {
    if ((e = isDNS1035Label(str(s))).length) errs.push(invalid(`${p}.shortNames[${i}]`, str(s), e.join(',')));
  });
  if (kind && kind === listKind) errs.push(invalid(`${p}.listKind`, listKind, 'kind and listKind may not be the same'));
  (Array.isArray(n.categories) ? n.categories : []).forEach((c: unknown, i: number) => {
    if ((e = isDNS1035Label(str(c))).length) errs.push(invalid(`${p}.categories[${i}]`, str(c), e.join(',')));
  });
  return errs;
}

/** validateSimpleJSONPath. */
function validateSimpleJSONPath(s: string, p: string): Cause[] {
  if (s.length === 0) return [invalid(p, s, 'must not be empty')];
  if (s[0] !== '.') return [invalid(p, s, 'must be a simple json path starting with .')];
  return [];
}

/** ValidateCustomResourceColumnDefinition. */
export function validateColumn(col: unknown, p: string): Cause[] {
  const c = isMap(col) ? col : {};
  const errs: Cause[] = [];
  if (!str(c.name)) errs.push(required(`${p}.name`));
  const type = str(c.type);
  const typesMsg = `must be one of ${PRINTER_COLUMN_TYPES.join(',')}`;
  if (!type) errs.push(required(`${p}.type`, typesMsg));
  else if (!PRINTER_COLUMN_TYPES.includes(type)) errs.push(invalid(`${p}.type`, type, typesMsg));
  const format = str(c.format);
  if (format && !PRINTER_COLUMN_FORMATS.includes(format)) errs.push(invalid(`${p}.format`, format, `must be one of ${PRINTER_COLUMN_FORMATS.join(',')}`));
  const jsonPath = str(c.jsonPath);
  if (!jsonPath) errs.push(required(`${p}.JSONPath`));
  else errs.push(...validateSimpleJSONPath(jsonPath, `${p}.JSONPath`));
  return errs;
}

/** ValidateCustomResourceDefinitionSubresources. */
export function validateSubresources(sub: unknown, p: string): Cause[] {
  if (!isMap(sub) || !present(sub.scale)) return [];
  const scale = isMap(sub.scale) ? sub.scale : {};
  const errs: Cause[] = [];
  const specPath = str(scale.specReplicasPath);
  if (!specPath) errs.push(required(`${p}.scale.specReplicasPath`));
  else {
    const e = validateSimpleJSONPath(specPath, `${p}.scale.specReplicasPath`);
    if (e.length) errs.push(...e);
    else if (!specPath.startsWith('.spec.')) errs.push(invalid(`${p}.scale.specReplicasPath`, specPath, 'should be a json path under .spec'));
  }
  const statusPath = str(scale.statusReplicasPath);
  if (!statusPath) errs.push(required(`${p}.scale.statusReplicasPath`));
  else {
    const e = validateSimpleJSONPath(statusPath, `${p}.scale.statusReplicasPath`);
    if (e.length) errs.push(...e);
    else if (!statusPath.startsWith('.status.')) errs.push(invalid(`${p}.scale.statusReplicasPath`, statusPath, 'should be a json path under .status'));
  }
  const labelPath = str(scale.labelSelectorPath);
  if (labelPath) {
    const e = validateSimpleJSONPath(labelPath, `${p}.scale.labelSelectorPath`);
    if (e.length) errs.push(...e);
    else if (!labelPath.startsWith('.spec.') && !labelPath.startsWith('.status.')) errs.push(invalid(`${p}.scale.labelSelectorPath`, labelPath, 'should be a json path under either .spec or .status'));
  }
  return errs;
}

export const hasStatus = (sub: unknown) => isMap(sub) && present(sub.status);

/** ValidateCustomResourceSelectableFields (the schema given is the version's openAPIV3Schema). */
export function validateSelectableFields(fields: KObject[], schema: unknown, p: string, allowTooMany = false): Cause[] {
  const errs: Cause[] = [];
  const unique = new Set<string>();
  fields.forEach((f, i) => {
    const ip = `${p}[${i}].jsonPath`;
    const jsonPath = str(f?.jsonPath);
    if (!jsonPath) return void errs.push(required(ip));
    const r = validFieldPath(jsonPath, schema, false);
    if (typeof r === 'string') return void errs.push(invalid(ip, jsonPath, `is an invalid path: ${r}`));
    if (r.path[0] === 'metadata') errs.push(invalid(ip, jsonPath, 'must not point to fields in metadata'));
    if (!isMap(r.schema) || !['string', 'boolean', 'integer'].includes(r.schema.type))
      errs.push(invalid(ip, jsonPath, 'must point to a field of type string, boolean or integer. Enum string fields and strings with formats are allowed.'));
    const key = r.path.join('.');
    if (unique.has(key)) errs.push({ reason: 'FieldValueDuplicate', message: `Duplicate value: ${JSON.stringify(jsonPath)}`, field: ip });
    else unique.add(key);
  });
  if (unique.size > MAX_SELECTABLE_FIELDS && !allowTooMany) errs.push({ reason: 'FieldValueTooMany', message: `Too many: ${unique.size}: must have at most ${MAX_SELECTABLE_FIELDS} items`, field: p });
  return errs;
}

/** validateDeprecationWarning. */
export function deprecationWarningErrors(deprecated: boolean, warning: unknown): string[] {
  if (!deprecated && present(warning)) return ['can only be set for deprecated versions'];
  if (!present(warning)) return [];
  const w = str(warning);
  const errs: string[] = [];
  if (Buffer.byteLength(w) > 256) errs.push('must be <= 256 characters long');
  if (w.length === 0) errs.push('must not be an empty string');
  let byteIndex = 0;
  for (const ch of w) {
    const cp = ch.codePointAt(0)!;
    // unicode.IsPrint / IsControl
    if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0)) {
      errs.push(`must only contain printable UTF-8 characters; control character found at index ${byteIndex}`);
      break;
    }
    if (/[\p{Cf}\p{Zl}\p{Zp}\p{Cn}\p{Co}\p{Cs}]/u.test(ch) || (/\p{Zs}/u.test(ch) && ch !== ' ')) {
      errs.push(`must only contain printable UTF-8 characters; non-printable character found at index ${byteIndex}`);
      break;
    }
    byteIndex += Buffer.byteLength(ch);
  }
  return errs;
}
