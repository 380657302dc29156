// core/v1 ConfigMap: pkg/registry/core/configmap/strategy.go, ValidateConfigMap /
// ValidateConfigMapUpdate (pkg/apis/core/validation/validation.go).
import type { Cause, KObject, ResourceDef } from '../types.js';
import { invalid, forbidden, tooLong, deepEqual } from '../../registry/validation.js';
import { configMapPrinter } from '../../printers/core.js';

const isObj = (v: unknown): v is KObject => typeof v === 'object' && v !== null && !Array.isArray(v);
const CONFIG_KEY_RE = /^[-._a-zA-Z0-9]+$/;
/** core.MaxSecretSize, also the ConfigMap limit */
export const MAX_DATA_SIZE = 1024 * 1024;

/** validation.IsConfigMapKey */
export function configMapKeyErrors(key: string): string[] {
  const errs: string[] = [];
  if (key.length > 253) errs.push('must be no more than 253 characters');
  if (!CONFIG_KEY_RE.test(key))
    errs.push(
      "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')",
    );
  if (key === '.') errs.push("must not be '.'");
  else if (key === '..') errs.push("must not be '..'");
  else if (key.startsWith('..')) errs.push("must not start with '..'");
  return errs;
}

/**
 * []byte values are decoded on the way in and encoded on the way out upstream, so what is stored
 * and served is the canonical base64 of the bytes (newlines dropped, trailing bits zeroed). The
 * decoder has already refused text that Go's base64.StdEncoding cannot decode (src/schema/base64.ts).
 */
export function canonicalBase64(map: unknown): void {
  if (!isObj(map)) return;
  for (const [k, v] of Object.entries(map)) {
    if (typeof v !== 'string') continue;
    const canon = Buffer.from(v, 'base64').toString('base64');
    if (canon !== v) map[k] = canon;
  }
}

/** The `immutable: true` rules shared by ConfigMaps and Secrets. */
export function validateImmutableData(newObj: KObject, oldObj: KObject, fields: string[]): Cause[] {
  const errs: Cause[] = [];
  if (oldObj.immutable !== true) return errs;
  if (newObj.immutable !== true) errs.push(forbidden('immutable', 'field is immutable when `immutable` is set'));
  for (const f of fields) {
    if (!deepEqual(newObj[f] ?? {}, oldObj[f] ?? {})) errs.push(forbidden(f, 'field is immutable when `immutable` is set'));
  }
  return errs;
}

function validateConfigMap(cm: KObject): Cause[] {
  const errs: Cause[] = [];
  const data = isObj(cm.data) ? cm.data : {};
  const bin = isObj(cm.binaryData) ? cm.binaryData : {};
  let total = 0;
  for (const [k, v] of Object.entries(data)) {
    for (const m of configMapKeyErrors(k)) errs.push(invalid(`data[${k}]`, k, m));
    if (k in bin) errs.push(invalid(`data[${k}]`, k, 'duplicate of key present in binaryData'));
    total += typeof v === 'string' ? Buffer.byteLength(v) : 0;
  }
  for (const [k, v] of Object.entries(bin)) {
    for (const m of configMapKeyErrors(k)) errs.push(invalid(`binaryData[${k}]`, k, m));
    total += typeof v === 'string' ? Buffer.from(v, 'base64').length : 0;
  }
  if (total > MAX_DATA_SIZE) errs.push(tooLong('', '', MAX_DATA_SIZE));
  return errs;
}

export const configMapDef: ResourceDef = {
  group: '',
  version: 'v1',
  kind: 'ConfigMap',
  listKind: 'ConfigMapList',
  plural: 'configmaps',
  singular: 'configmap',
  namespaced: true,
  shortNames: ['cm'],
  verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
  subresources: [],
  definition: 'io.k8s.api.core.v1.ConfigMap',
  table: configMapPrinter,
  defaults(obj) {
    canonicalBase64(obj.binaryData);
  },
  validate: validateConfigMap,
  validateUpdate(newObj, oldObj) {
    return [...validateImmutableData(newObj, oldObj, ['data', 'binaryData']), ...validateConfigMap(newObj)];
  },
  // ConfigMaps have no spec: no metadata.generation
  generationChanged: () => false,
};
