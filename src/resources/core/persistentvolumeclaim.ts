// PersistentVolumeClaim (core/v1): pkg/registry/core/persistentvolumeclaim/strategy.go,
import { installStorageAdmission } from './storage-admission.js';
// pkg/apis/core/v1/defaults.go and pkg/apis/core/validation/validation.go (ValidatePersistentVolumeClaim*).
import type { Cause, KObject, ResourceDef } from '../types.js';
import { canonicalizeResourceList, compareQuantity, isQuantity, parseQuantity, QUANTITY_FORMAT_ERROR } from '../quantity.js';
import {
  deepEqual,
  forbidden,
  invalid,
  isDNS1123Subdomain,
  notSupported,
  required,
  validateImmutable,
} from '../../registry/validation.js';
import { validateLabelSelector } from '../labelselector.js';
import { persistentVolumeClaimPrinter } from '../../printers/storage.js';
import { PVC_SPEC_VALUE_FIELDS } from '../podspec.js';

export const SUPPORTED_ACCESS_MODES = ['ReadOnlyMany', 'ReadWriteMany', 'ReadWriteOnce', 'ReadWriteOncePod'];
export const SUPPORTED_VOLUME_MODES = ['Block', 'Filesystem'];
const BETA_STORAGE_CLASS_ANNOTATION = 'volume.beta.kubernetes.io/storage-class';

function isMap(v: unknown): v is Record<string, any> {
  return !!v && typeof v === 'object' && !Array.isArray(v);
}

/** SetDefaults_PersistentVolumeClaimSpec + the ResourceList walk (pkg/apis/core/v1/defaults.go, zz_generated.defaults.go). */
export function defaultPersistentVolumeClaimSpec(spec: KObject | undefined): void {
  if (!isMap(spec)) return;
  if (spec.volumeMode === undefined || spec.volumeMode === null) spec.volumeMode = 'Filesystem';
  if (isMap(spec.resources)) {
    canonicalizeResourceList(spec.resources.limits);
    canonicalizeResourceList(spec.resources.requests);
  }
}

/** SetDefaults_PersistentVolumeClaim (status.phase Pending) and the spec/status walk. */
export function defaultPersistentVolumeClaim(obj: KObject): void {
  if (!isMap(obj.spec)) obj.spec = {};
  defaultPersistentVolumeClaimSpec(obj.spec);
  if (!isMap(obj.status)) obj.status = {};
  if (!obj.status.phase) obj.status.phase = 'Pending';
  canonicalizeResourceList(obj.status.capacity);
  canonicalizeResourceList(obj.status.allocatedResources);
}

/** validation.go validateBasicResource: a quantity must not be negative. */
export function validateBasicQuantity(value: unknown, field: string): Cause[] {
  if (!isQuantity(value)) return [invalid(field, value, QUANTITY_FORMAT_ERROR)];
  const p = parseQuantity(value as string)!;
  if (p.value < 0) return [invalid(field, Math.ceil(p.value), 'must be a valid resource quantity')];
  return [];
}

/** ValidatePositiveQuantityValue. */
export function validatePositiveQuantity(value: unknown, field: string): Cause[] {
  if (!isQuantity(value)) return [invalid(field, value, QUANTITY_FORMAT_ERROR)];
  if (compareQuantity(value as string, '0') <= 0) return [invalid(field, parseQuantity(value as string)!.canonical, 'must be greater than zero')];
  return [];
}

/** ValidateClassName (NameIsDNSSubdomain), one cause per message. */
export function validateClassName(name: string, field: string): Cause[] {
  return isDNS1123Subdomain(name).map((m) => invalid(field, name, m));
}

/** validation.go accessModes checks shared by PV and PVC specs. */
export function validateAccessModes(modes: unknown, field: string): Cause[] {
  const causes: Cause[] = [];
  let rwop = false;
  let other = false;
  for (const mode of Array.isArray(modes) ? modes : []) {
    if (!SUPPORTED_ACCESS_MODES.includes(mode)) causes.push(notSupported(field, mode, SUPPORTED_ACCESS_MODES));
    if (mode === 'ReadWriteOncePod') rwop = true;
    else if (SUPPORTED_ACCESS_MODES.includes(mode)) other = true;
  }
  if (rwop && other) causes.push(forbidden(field, 'may not use ReadWriteOncePod with other access modes'));
  return causes;
}

function validateDataSource(ds: KObject, field: string): Cause[] {
  const causes: Cause[] = [];
  if (!ds.name) causes.push(required(`${field}.name`));
  if (!ds.kind) causes.push(required(`${field}.kind`));
  const apiGroup = typeof ds.apiGroup === 'string' ? ds.apiGroup : '';
  if (!apiGroup && ds.kind !== 'PersistentVolumeClaim')
    causes.push(invalid(field, ds.kind ?? '', "must be 'PersistentVolumeClaim' when referencing the default apiGroup"));
  if (apiGroup) for (const m of isDNS1123Subdomain(apiGroup)) causes.push(invalid(`${field}.apiGroup`, apiGroup, m));
  return causes;
}

/** ValidatePersistentVolumeClaimSpec (validation.go). */
export function validatePersistentVolumeClaimSpec(spec: KObject | undefined, path: string): Cause[] {
  const causes: Cause[] = [];
  const s: KObject = isMap(spec) ? spec : {};
  const modes = Array.isArray(s.accessModes) ? s.accessModes : [];
  if (modes.length === 0) causes.push(required(`${path}.accessModes`, 'at least 1 access mode is required'));
  if (s.selector !== undefined && s.selector !== null) causes.push(...validateLabelSelector(s.selector, `${path}.selector`));
  causes.push(...validateAccessModes(modes, `${path}.accessModes`));
  const requests = isMap(s.resources) && isMap(s.resources.requests) ? s.resources.requests : {};
  const storageField = `${path}.resources[storage]`;
  if (!Object.prototype.hasOwnProperty.call(requests, 'storage')) causes.push(required(storageField));
  else causes.push(...validatePositiveQuantity(requests.storage, storageField));
  if (typeof s.storageClassName === 'string' && s.storageClassName.length > 0)
    causes.push(...validateClassName(s.storageClassName, `${path}.storageClassName`));
  if (s.volumeMode !== undefined && s.volumeMode !== null && !SUPPORTED_VOLUME_MODES.includes(s.volumeMode))
    causes.push(notSupported(`${path}.volumeMode`, s.volumeMode, SUPPORTED_VOLUME_MODES));
  if (isMap(s.dataSource)) causes.push(...validateDataSource(s.dataSource, `${path}.dataSource`));
  if (isMap(s.dataSourceRef)) causes.push(...validateDataSource(s.dataSourceRef, `${path}.dataSourceRef`));
  const refNs = isMap(s.dataSourceRef) ? s.dataSourceRef.namespace : undefined;
  if (typeof refNs === 'string' && refNs.length > 0) {
    if (isMap(s.dataSource)) causes.push(invalid(path, `${path}.dataSource`, 'may not be specified when dataSourceRef.namespace is specified'));
  } else if (isMap(s.dataSource) && isMap(s.dataSourceRef)) {
    const a = s.dataSource;
    const b = s.dataSourceRef;
    if ((a.apiGroup ?? null) !== (b.apiGroup ?? null) || a.kind !== b.kind || a.name !== b.name)
      causes.push(invalid(path, `${path}.dataSource`, 'must match dataSourceRef'));
  }
  if (typeof s.volumeAttributesClassName === 'string' && s.volumeAttributesClassName.length > 0)
    causes.push(...validateClassName(s.volumeAttributesClassName, `${path}.volumeAttributesClassName`));
  for (const key of ['limits', 'requests'] as const) {
    const list = isMap(s.resources) && isMap(s.resources[key]) ? s.resources[key] : {};
    for (const [k, v] of Object.entries(list))
      if (k !== 'storage' && !isQuantity(v)) causes.push(invalid(`${path}.resources.${key}[${k}]`, v, QUANTITY_FORMAT_ERROR));
  }
  return causes;
}

/** ValidatePersistentVolumeClaimUpdate (validation.go): the spec is immutable except a few fields. */
export function validatePersistentVolumeClaimUpdate(newObj: KObject, oldObj: KObject): Cause[] {
  const causes: Cause[] = [];
  const newSpec: KObject = structuredClone(isMap(newObj.spec) ? newObj.spec : {});
  const oldSpec: KObject = structuredClone(isMap(oldObj.spec) ? oldObj.spec : {});
  // volumeName may be set once (the PV controller binds the claim)
  if (!oldSpec.volumeName) {
    if (newSpec.volumeName === undefined) delete oldSpec.volumeName;
    else oldSpec.volumeName = newSpec.volumeName;
  }
  const oldAnn = isMap(oldObj.metadata?.annotations) ? oldObj.metadata.annotations : {};
  const newAnn = isMap(newObj.metadata?.annotations) ? newObj.metadata.annotations : {};
  const oldSc = oldAnn[BETA_STORAGE_CLASS_ANNOTATION];
  const upgradeFromAnnotation =
    oldSc !== undefined &&
    (oldSpec.storageClassName === undefined || oldSpec.storageClassName === null) &&
    typeof newSpec.storageClassName === 'string' &&
    newSpec.storageClassName === oldSc &&
    (newAnn[BETA_STORAGE_CLASS_ANNOTATION] === undefined || newAnn[BETA_STORAGE_CLASS_ANNOTATION] === oldSc);
  if (upgradeFromAnnotation) {
    delete newSpec.storageClassName;
  } else {
    if ((newAnn[BETA_STORAGE_CLASS_ANNOTATION] ?? '') !== (oldAnn[BETA_STORAGE_CLASS_ANNOTATION] ?? ''))
      causes.push(
        invalid(`metadata.annotations[${BETA_STORAGE_CLASS_ANNOTATION}]`, newAnn[BETA_STORAGE_CLASS_ANNOTATION] ?? '', 'field is immutable'),
      );
    // a nil class may be set once (DefaultStorageClass retroactive assignment)
    const fromNil =
      typeof newSpec.storageClassName === 'string' &&
      (oldSpec.storageClassName === undefined || oldSpec.storageClassName === null) &&
      (oldSc === undefined || newSpec.storageClassName === oldSc);
    if (fromNil) {
      if (oldSpec.storageClassName === undefined) delete newSpec.storageClassName;
      else newSpec.storageClassName = oldSpec.storageClassName;
    }
  }
  // resources.requests.storage may change while the claim is Bound (expansion)
  if (newObj.status?.phase === 'Bound' && isMap(newSpec.resources) && isMap(newSpec.resources.requests)) {
    const oldStorage = oldSpec.resources?.requests?.storage;
    if (oldStorage === undefined) delete newSpec.resources.requests.storage;
    else newSpec.resources.requests.storage = oldStorage;
  }
  if (oldSpec.volumeAttributesClassName === undefined) delete newSpec.volumeAttributesClassName;
  else newSpec.volumeAttributesClassName = oldSpec.volumeAttributesClassName;
  if (!deepEqual(newSpec, oldSpec))
    causes.push(forbidden('spec', 'spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims'));
  const newSize = newObj.spec?.resources?.requests?.storage;
  const oldSize = oldObj.spec?.resources?.requests?.storage;
  if (isQuantity(newSize) && isQuantity(oldSize) && compareQuantity(newSize, oldSize) < 0) {
    // RecoverVolumeExpansionFailure is on by default in 1.33 (beta): shrinking is allowed down to status.capacity
    const statusSize = oldObj.status?.capacity?.storage ?? '0';
    if (compareQuantity(newSize, statusSize) <= 0)
      causes.push(forbidden('spec.resources.requests.storage', 'field can not be less than status.capacity'));
  }
  causes.push(...validateImmutable(newObj.spec?.volumeMode, oldObj.spec?.volumeMode, 'volumeMode'));
  const oldVac = oldObj.spec?.volumeAttributesClassName;
  const newVac = newObj.spec?.volumeAttributesClassName;
  if (oldVac !== undefined && oldVac !== null && oldVac !== newVac) {
    if (newVac === undefined || newVac === null) causes.push(forbidden('spec.volumeAttributesClassName', 'update from non-nil value to nil is forbidden'));
    else if (newVac === '') causes.push(forbidden('spec.volumeAttributesClassName', 'update from non-nil value to an empty string is forbidden'));
  }
  return causes;
}

/** ValidatePersistentVolumeClaimStatusUpdate (validation.go). */
export function validatePersistentVolumeClaimStatusUpdate(newObj: KObject): Cause[] {
  const causes: Cause[] = [];
  const modes = newObj.spec?.accessModes;
  if (!Array.isArray(modes) || modes.length === 0) causes.push(required('Spec.accessModes'));
  const capacity = isMap(newObj.status?.capacity) ? newObj.status.capacity : {};
  for (const [k, v] of Object.entries(capacity)) causes.push(...validateBasicQuantity(v, `status.capacity[${k}]`));
  const allocated = isMap(newObj.status?.allocatedResources) ? newObj.status.allocatedResources : {};
  for (const [k, v] of Object.entries(allocated)) causes.push(...validateBasicQuantity(v, `status.allocatedResources[${k}]`));
  return causes;
}

export const persistentVolumeClaimDef: ResourceDef = {
  group: '',
  install: (registry) => installStorageAdmission(registry),
  version: 'v1',
  kind: 'PersistentVolumeClaim',
  listKind: 'PersistentVolumeClaimList',
  plural: 'persistentvolumeclaims',
  singular: 'persistentvolumeclaim',
  namespaced: true,
  shortNames: ['pvc'],
  verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
  subresources: [{ name: 'status', kind: 'PersistentVolumeClaim', verbs: ['get', 'patch', 'update'] }],
  definition: 'io.k8s.api.core.v1.PersistentVolumeClaim',
  valueFields: PVC_SPEC_VALUE_FIELDS,
  table: persistentVolumeClaimPrinter,

  defaults: defaultPersistentVolumeClaim,
  prepareForCreate(obj) {
    // status is reset; the read-path default makes it Pending (strategy.go PrepareForCreate + SetDefaults_PersistentVolumeClaim)
    obj.status = { phase: 'Pending' };
  },
  prepareForUpdate(newObj, oldObj) {
    newObj.status = structuredClone(oldObj.status ?? { phase: 'Pending' });
  },
  prepareForStatusUpdate(newObj, oldObj) {
    newObj.spec = structuredClone(oldObj.spec ?? {});
  },
  validate(obj) {
    return validatePersistentVolumeClaimSpec(obj.spec, 'spec');
  },
  validateUpdate(newObj, oldObj) {
    // the registry has already run validate(newObj)
    return validatePersistentVolumeClaimUpdate(newObj, oldObj);
  },
  validateStatusUpdate(newObj) {
    return validatePersistentVolumeClaimStatusUpdate(newObj);
  },
};
