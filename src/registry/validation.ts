// Field-error helpers and the generic name/label checks, worded as upstream's
// staging/src/k8s.io/apimachinery/pkg/util/validation/{validation.go,field/errors.go}.
import { jsonEqual } from '../util/equal.js';
import { stringifyJSON } from '../util/json.js';
import type { Cause } from '../resources/types.js';

/** How upstream renders a value inside `Invalid value: ...` (Go %#v-ish for strings, plain for numbers). */
export function renderValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return stringifyJSON(value);
}

export function required(field: string, detail = ''): Cause {
  return { reason: 'FieldValueRequired', message: `Required value${detail ? ': ' + detail : ''}`, field };
}

export function invalid(field: string, value: unknown, detail: string): Cause {
  return { reason: 'FieldValueInvalid', message: `Invalid value: ${renderValue(value)}${detail ? ': ' + detail : ''}`, field };
}

export function notSupported(field: string, value: unknown, valid: string[]): Cause {
  const list = valid.map((v) => JSON.stringify(v)).join(', ');
  return { reason: 'FieldValueNotSupported', message: `Unsupported value: ${renderValue(value)}${valid.length ? ': supported values: ' + list : ''}`, field };
}

export function forbidden(field: string, detail: string): Cause {
  return { reason: 'FieldValueForbidden', message: `Forbidden: ${detail}`, field };
}

export function duplicate(field: string, value: unknown): Cause {
  return { reason: 'FieldValueDuplicate', message: `Duplicate value: ${renderValue(value)}`, field };
}

export function tooLong(field: string, value: unknown, max: number): Cause {
  return { reason: 'FieldValueTooLong', message: `Too long: may not be more than ${max} bytes`, field };
}

/** The message for an immutable field (apimachinery/pkg/api/validation ValidateImmutableField). */
export const FIELD_IMMUTABLE = 'field is immutable';
export function immutable(field: string, value: unknown): Cause {
  return invalid(field, value, FIELD_IMMUTABLE);
}

export function validateImmutable(newVal: unknown, oldVal: unknown, field: string): Cause[] {
  return deepEqual(newVal, oldVal) ? [] : [immutable(field, newVal)];
}

/** Equality of JSON data (depth-safe: src/util/equal.ts). */
export const deepEqual = jsonEqual;

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const QUALIFIED_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/** IsDNS1123Label: a list of error strings (empty = valid). */
export function isDNS1123Label(v: string): string[] {
  const errs: string[] = [];
  if (v.length > 63) errs.push('must be no more than 63 characters');
  if (!DNS1123_LABEL.test(v))
    errs.push(
      "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
    );
  return errs;
}

export function isDNS1123Subdomain(v: string): string[] {
  const errs: string[] = [];
  if (v.length > 253) errs.push('must be no more than 253 characters');
  if (!DNS1123_SUBDOMAIN.test(v))
    errs.push(
      "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
    );
  return errs;
}

export function isDNS1035Label(v: string): string[] {
  const errs: string[] = [];
  if (v.length > 63) errs.push('must be no more than 63 characters');
  if (!DNS1035_LABEL.test(v))
    errs.push(
      "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')",
    );
  return errs;
}

/** IsQualifiedName: [prefix/]name, as used for label and annotation keys. */
export function isQualifiedName(v: string): string[] {
  const errs: string[] = [];
  const parts = v.split('/');
  let name: string;
  if (parts.length === 1) name = parts[0];
  else if (parts.length === 2) {
    const [prefix, n] = parts;
    name = n;
    if (prefix.length === 0) errs.push('prefix part must be non-empty');
    else for (const e of isDNS1123Subdomain(prefix)) errs.push('prefix part ' + e);
  } else {
    return [
      "a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
    ];
  }
  if (name.length === 0) errs.push('name part must be non-empty');
  else if (name.length > 63) errs.push('name part must be no more than 63 characters');
  // the pattern is checked even for an empty name, which fails it too (IsQualifiedName)
  if (!QUALIFIED_NAME.test(name))
    errs.push(
      "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
    );
  return errs;
}

export function isValidLabelValue(v: string): string[] {
  const errs: string[] = [];
  if (v.length > 63) errs.push('must be no more than 63 characters');
  if (!LABEL_VALUE.test(v))
    errs.push(
      "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')",
    );
  return errs;
}

/** ValidateLabels (apimachinery/pkg/apis/meta/v1/validation). */
export function validateLabels(labels: unknown, field: string): Cause[] {
  const causes: Cause[] = [];
  if (labels === undefined || labels === null) return causes;
  if (typeof labels !== 'object' || Array.isArray(labels)) return [invalid(field, labels, 'must be a map of string to string')];
  for (const [k, v] of Object.entries(labels as Record<string, unknown>)) {
    for (const e of isQualifiedName(k)) causes.push(invalid(field, k, e));
    if (typeof v !== 'string') causes.push(invalid(`${field}`, v, 'label values must be strings'));
    else for (const e of isValidLabelValue(v)) causes.push(invalid(field, v, e));
  }
  return causes;
}

const TOTAL_ANNOTATION_SIZE_LIMIT = 256 * 1024;

/** ValidateAnnotations (apimachinery/pkg/api/validation/objectmeta.go). */
export function validateAnnotations(annotations: unknown, field: string): Cause[] {
  const causes: Cause[] = [];
  if (annotations === undefined || annotations === null) return causes;
  if (typeof annotations !== 'object' || Array.isArray(annotations)) return [invalid(field, annotations, 'must be a map of string to string')];
  let total = 0;
  for (const [k, v] of Object.entries(annotations as Record<string, unknown>)) {
    for (const e of isQualifiedName(k.toLowerCase())) causes.push(invalid(field, k, e));
    total += k.length + (typeof v === 'string' ? v.length : 0);
  }
  if (total > TOTAL_ANNOTATION_SIZE_LIMIT) causes.push(tooLong(field, '', TOTAL_ANNOTATION_SIZE_LIMIT));
  return causes;
}

/** How a kind's metadata.name is checked. */
export type NameValidator = (name: string) => string[];
