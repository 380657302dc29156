// Shared checks of the storage.k8s.io CSI kinds (pkg/apis/core/validation ValidateCSIDriverName,
// pkg/apis/storage/validation validateProvisioner / validateParameters).
import type { Cause } from '../types.js';
import { invalid, isDNS1123Subdomain, isQualifiedName, required, tooLong } from '../../registry/validation.js';

const MAX_PARAMETERS = 512;
const MAX_PARAMETERS_SIZE = 256 * 1024;

/** ValidateCSIDriverName: required, at most 63 characters, a DNS-1123 subdomain once lowercased. */
export function validateCSIDriverName(name: unknown, field: string): Cause[] {
  const s = typeof name === 'string' ? name : '';
  const causes: Cause[] = [];
  if (s.length === 0) causes.push(required(field));
  if (s.length > 63) causes.push(tooLong(field, s, 63));
  for (const m of isDNS1123Subdomain(s.toLowerCase())) causes.push(invalid(field, s, m));
  return causes;
}

/** validateProvisioner: required, a qualified name once lowercased. */
export function validateProvisioner(name: unknown, field: string): Cause[] {
  const s = typeof name === 'string' ? name : '';
  if (!s) return [required(field)];
  return isQualifiedName(s.toLowerCase()).map((m) => invalid(field, s.toLowerCase(), m));
}

/** validateParameters: key count and total size bounded, no empty key; allowEmpty false wants one pair. */
export function validateParameters(params: unknown, allowEmpty: boolean, field: string): Cause[] {
  const p = params && typeof params === 'object' && !Array.isArray(params) ? (params as Record<string, unknown>) : {};
  const keys = Object.keys(p);
  const causes: Cause[] = [];
  if (keys.length > MAX_PARAMETERS) return [{ reason: 'FieldValueTooLong', message: `Too long: may not be more than ${MAX_PARAMETERS} bytes`, field }];
  let size = 0;
  for (const k of keys) {
    if (k.length < 1) causes.push(invalid(field, k, 'field can not be empty.'));
    size += k.length + String(p[k] ?? '').length;
  }
  if (size > MAX_PARAMETERS_SIZE) causes.push(tooLong(field, '', MAX_PARAMETERS_SIZE));
  if (!allowEmpty && keys.length === 0) causes.push(required(field, 'must contain at least one key/value pair'));
  return causes;
}
