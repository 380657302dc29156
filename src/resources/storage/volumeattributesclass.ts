// VolumeAttributesClass (storage.k8s.io/v1 from 1.34, cluster-scoped): pkg/apis/storage/validation
// ValidateVolumeAttributesClass / ValidateVolumeAttributesClassUpdate.
import type { Cause, KObject, ResourceDef, TablePrinter } from '../types.js';
import { deepEqual, forbidden } from '../../registry/validation.js';
import { AGE_COLUMN, NAME_COLUMN, age, col } from '../../printers/format.js';
import { validateParameters, validateProvisioner } from './csi-validation.js';

/** The first minor version serving storage.k8s.io/v1 VolumeAttributesClass (GA in 1.34). */
export const VOLUME_ATTRIBUTES_CLASS_V1_SINCE = 34;

export function validateVolumeAttributesClass(obj: KObject): Cause[] {
  return [...validateProvisioner(obj.driverName, 'driverName'), ...validateParameters(obj.parameters, false, 'parameters')];
}

export function validateVolumeAttributesClassUpdate(n: KObject, o: KObject): Cause[] {
  const causes: Cause[] = [];
  if ((n.driverName ?? '') !== (o.driverName ?? '')) causes.push(forbidden('driverName', 'updates to driverName are forbidden.'));
  if (!deepEqual(n.parameters ?? {}, o.parameters ?? {})) causes.push(forbidden('parameters', 'updates to parameters are forbidden.'));
  return causes;
}

// printers.go printVolumeAttributesClass
export const volumeAttributesClassPrinter: TablePrinter = {
  columns: [NAME_COLUMN, col('DriverName', 'The CSI driver the class is for.'), AGE_COLUMN],
  row(vac, now) {
    return [vac.metadata?.name ?? '', vac.driverName ?? '', age(vac, now)];
  },
};

export const volumeAttributesClassDef: ResourceDef = {
  group: 'storage.k8s.io',
  version: 'v1',
  kind: 'VolumeAttributesClass',
  listKind: 'VolumeAttributesClassList',
  plural: 'volumeattributesclasses',
  singular: 'volumeattributesclass',
  namespaced: false,
  shortNames: ['vac'],
  verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
  subresources: [],
  definition: 'io.k8s.api.storage.v1.VolumeAttributesClass',

  validate: validateVolumeAttributesClass,
  validateUpdate: validateVolumeAttributesClassUpdate,
  table: volumeAttributesClassPrinter,
};
