// StorageClass (storage.k8s.io/v1, cluster-scoped): pkg/apis/storage/v1/defaults.go,
// pkg/apis/storage/validation/validation.go (ValidateStorageClass / ValidateStorageClassUpdate).
import type { Cause, KObject, ResourceDef } from '../types.js';
import { deepEqual, forbidden, invalid, isQualifiedName, notSupported, required, tooLong, validateImmutable } from '../../registry/validation.js';
import { storageClassPrinter } from '../../printers/storage.js';

const RECLAIM_POLICIES = ['Delete', 'Retain'];
const BINDING_MODES = ['Immediate', 'WaitForFirstConsumer'];
const MAX_PARAMETERS = 512;
const MAX_PARAMETERS_SIZE = 256 * 1024;

function isMap(v: unknown): v is Record<string, any> {
  return !!v && typeof v === 'object' && !Array.isArray(v);
}

/** SetDefaults_StorageClass. */
export function defaultStorageClass(obj: KObject): void {
  if (!obj.reclaimPolicy) obj.reclaimPolicy = 'Delete';
  if (!obj.volumeBindingMode) obj.volumeBindingMode = 'Immediate';
}

/** ValidateStorageClass. */
export function validateStorageClass(obj: KObject): Cause[] {
  const causes: Cause[] = [];
  const provisioner = typeof obj.provisioner === 'string' ? obj.provisioner : '';
  if (!provisioner) causes.push(required('provisioner'));
  else for (const m of isQualifiedName(provisioner.toLowerCase())) causes.push(invalid('provisioner', provisioner.toLowerCase(), m));
  const params = isMap(obj.parameters) ? obj.parameters : {};
  const keys = Object.keys(params);
  if (keys.length > MAX_PARAMETERS) {
    causes.push({ reason: 'FieldValueTooLong', message: `Too long: may not be more than ${MAX_PARAMETERS} bytes`, field: 'parameters' });
  } else {
    let size = 0;
    for (const k of keys) {
      if (k.length < 1) causes.push(invalid('parameters', k, 'field can not be empty.'));
      size += k.length + String(params[k] ?? '').length;
    }
    if (size > MAX_PARAMETERS_SIZE) causes.push(tooLong('parameters', '', MAX_PARAMETERS_SIZE));
  }
  if (obj.reclaimPolicy && !RECLAIM_POLICIES.includes(obj.reclaimPolicy)) causes.push(notSupported('reclaimPolicy', obj.reclaimPolicy, RECLAIM_POLICIES));
  if (!obj.volumeBindingMode) causes.push(required('volumeBindingMode'));
  else if (!BINDING_MODES.includes(obj.volumeBindingMode)) causes.push(notSupported('volumeBindingMode', obj.volumeBindingMode, BINDING_MODES));
  const topologies = Array.isArray(obj.allowedTopologies) ? obj.allowedTopologies : [];
  topologies.forEach((term: any, i: number) => {
    const exprs = isMap(term) && Array.isArray(term.matchLabelExpressions) ? term.matchLabelExpressions : [];
    if (exprs.length === 0) causes.push(required(`allowedTopologies[${i}].matchLabelExpressions`, 'must have at least one label selector'));
    exprs.forEach((e: any, j: number) => {
      const p = `allowedTopologies[${i}].matchLabelExpressions[${j}]`;
      const key = isMap(e) && typeof e.key === 'string' ? e.key : '';
      for (const m of isQualifiedName(key)) causes.push(invalid(`${p}.key`, key, m));
      const values = isMap(e) && Array.isArray(e.values) ? e.values : [];
      if (values.length === 0) causes.push(required(`${p}.values`, 'must specify as least one value'));
    });
  });
  return causes;
}

/** ValidateStorageClassUpdate: parameters, provisioner, reclaimPolicy and volumeBindingMode are fixed. */
export function validateStorageClassUpdate(newObj: KObject, oldObj: KObject): Cause[] {
  const causes: Cause[] = [];
  const np = isMap(newObj.parameters) && Object.keys(newObj.parameters).length ? newObj.parameters : undefined;
  const op = isMap(oldObj.parameters) && Object.keys(oldObj.parameters).length ? oldObj.parameters : undefined;
  if (!deepEqual(np, op)) causes.push(forbidden('parameters', 'updates to parameters are forbidden.'));
  if ((newObj.provisioner ?? '') !== (oldObj.provisioner ?? '')) causes.push(forbidden('provisioner', 'updates to provisioner are forbidden.'));
  if ((newObj.reclaimPolicy ?? '') !== (oldObj.reclaimPolicy ?? '')) causes.push(forbidden('reclaimPolicy', 'updates to reclaimPolicy are forbidden.'));
  causes.push(...validateImmutable(newObj.volumeBindingMode, oldObj.volumeBindingMode, 'volumeBindingMode'));
  return causes;
}

export const storageClassDef: ResourceDef = {
  group: 'storage.k8s.io',
  version: 'v1',
  kind: 'StorageClass',
  listKind: 'StorageClassList',
  plural: 'storageclasses',
  singular: 'storageclass',
  namespaced: false,
  shortNames: ['sc'],
  verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
  subresources: [],
  definition: 'io.k8s.api.storage.v1.StorageClass',
  table: storageClassPrinter,

  defaults: defaultStorageClass,
  validate: validateStorageClass,
  validateUpdate: validateStorageClassUpdate,
};
