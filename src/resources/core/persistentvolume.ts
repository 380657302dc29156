// PersistentVolume (core/v1, cluster-scoped): pkg/registry/core/persistentvolume/strategy.go,
// pkg/apis/core/v1/defaults.go (SetDefaults_PersistentVolume) and validation.go (ValidatePersistentVolume*).
import type { Cause, KObject, ResourceDef } from '../types.js';
import { canonicalizeResourceList } from '../quantity.js';
import { deepEqual, forbidden, invalid, isDNS1123Subdomain, notSupported, required, validateImmutable } from '../../registry/validation.js';
import {
  SUPPORTED_VOLUME_MODES,
  validateAccessModes,
  validateBasicQuantity,
  validateClassName,
  validatePositiveQuantity,
} from './persistentvolumeclaim.js';
import { persistentVolumePrinter } from '../../printers/storage.js';

/** The volume sources of a PersistentVolumeSpec, in upstream's check order (field name, path name). */
const PV_SOURCES: Array<[string, string]> = [
  ['hostPath', 'hostPath'],
  ['gcePersistentDisk', 'persistentDisk'],
  ['awsElasticBlockStore', 'awsElasticBlockStore'],
  ['glusterfs', 'glusterfs'],
  ['flocker', 'flocker'],
  ['nfs', 'nfs'],
  ['rbd', 'rbd'],
  ['quobyte', 'quobyte'],
  ['cephfs', 'cephfs'],
  ['iscsi', 'iscsi'],
  ['cinder', 'cinder'],
  ['fc', 'fc'],
  ['flexVolume', 'flexVolume'],
  ['azureFile', 'azureFile'],
  ['vsphereVolume', 'vsphereVolume'],
  ['photonPersistentDisk', 'photonPersistentDisk'],
  ['portworxVolume', 'portworxVolume'],
  ['azureDisk', 'azureDisk'],
  ['scaleIO', 'scaleIO'],
  ['local', 'local'],
  ['storageos', 'storageos'],
  ['csi', 'csi'],
];
const RECLAIM_POLICIES = ['Delete', 'Recycle', 'Retain'];
const HOST_PATH_TYPES = ['', 'BlockDevice', 'CharDevice', 'Directory', 'DirectoryOrCreate', 'File', 'FileOrCreate', 'Socket'];

function isMap(v: unknown): v is Record<string, any> {
  return !!v && typeof v === 'object' && !Array.isArray(v);
}

function nowRFC3339(): string {
  return new Date().toISOString().replace(/\.\d+Z$/, 'Z');
}

/** SetDefaults_PersistentVolume + the generated walk (capacity, hostPath type, rbd/iscsi/azureDisk/scaleIO). */
export function defaultPersistentVolume(obj: KObject): void {
  if (!isMap(obj.spec)) obj.spec = {};
  const spec = obj.spec;
  if (!isMap(obj.status)) obj.status = {};
  if (!obj.status.phase) obj.status.phase = 'Pending';
  if (!spec.persistentVolumeReclaimPolicy) spec.persistentVolumeReclaimPolicy = 'Retain';
  if (spec.volumeMode === undefined || spec.volumeMode === null) spec.volumeMode = 'Filesystem';
  canonicalizeResourceList(spec.capacity);
  if (isMap(spec.hostPath) && spec.hostPath.type === undefined) spec.hostPath.type = '';
  if (isMap(spec.rbd)) {
    if (!spec.rbd.pool) spec.rbd.pool = 'rbd';
    if (!spec.rbd.user) spec.rbd.user = 'admin';
    if (!spec.rbd.keyring) spec.rbd.keyring = '/etc/ceph/keyring';
  }
  if (isMap(spec.iscsi) && !spec.iscsi.iscsiInterface) spec.iscsi.iscsiInterface = 'default';
  if (isMap(spec.azureDisk)) {
    if (spec.azureDisk.cachingMode === undefined) spec.azureDisk.cachingMode = 'ReadWrite';
    if (spec.azureDisk.fsType === undefined) spec.azureDisk.fsType = 'ext4';
    if (spec.azureDisk.readOnly === undefined) spec.azureDisk.readOnly = false;
    if (spec.azureDisk.kind === undefined) spec.azureDisk.kind = 'Shared';
  }
  if (isMap(spec.scaleIO)) {
    if (!spec.scaleIO.storageMode) spec.scaleIO.storageMode = 'ThinProvisioned';
    if (!spec.scaleIO.fsType) spec.scaleIO.fsType = 'xfs';
  }
}

function validatePathNoBacksteps(p: string, field: string): Cause[] {
  return p.split('/').includes('..') ? [invalid(field, p, "must not contain '..'")] : [];
}

function validateSource(key: string, src: KObject, path: string): Cause[] {
  const causes: Cause[] = [];
  switch (key) {
    case 'hostPath': {
      if (!src.path) return [required(`${path}.path`)];
      causes.push(...validatePathNoBacksteps(src.path, `${path}.path`));
      if (src.type !== undefined && src.type !== null && !HOST_PATH_TYPES.includes(src.type))
        causes.push(notSupported(`${path}.type`, src.type, HOST_PATH_TYPES));
      break;
    }
    case 'nfs': {
      if (!src.server) causes.push(required(`${path}.server`));
      if (!src.path) causes.push(required(`${path}.path`));
      if (typeof src.path !== 'string' || !src.path.startsWith('/')) causes.push(invalid(`${path}.path`, src.path ?? '', 'must be an absolute path'));
      break;
    }
    case 'local': {
      if (!src.path) return [required(`${path}.path`)];
      causes.push(...validatePathNoBacksteps(src.path, `${path}.path`));
      break;
    }
    case 'csi': {
      const driver = typeof src.driver === 'string' ? src.driver : '';
      if (!driver) causes.push(required(`${path}.driver`));
      else {
        if (driver.length > 63) causes.push({ reason: 'FieldValueTooLong', message: 'Too long: may not be more than 63 bytes', field: `${path}.driver` });
        for (const m of isDNS1123Subdomain(driver.toLowerCase())) causes.push(invalid(`${path}.driver`, driver, m));
      }
      if (!src.volumeHandle) causes.push(required(`${path}.volumeHandle`));
      break;
    }
    case 'iscsi': {
      if (!src.targetPortal) causes.push(required(`${path}.targetPortal`));
      if (!src.iqn) causes.push(required(`${path}.iqn`));
      break;
    }
    case 'rbd': {
      if (!Array.isArray(src.monitors) || src.monitors.length === 0) causes.push(required(`${path}.monitors`));
      if (!src.image) causes.push(required(`${path}.image`));
      break;
    }
    case 'cephfs': {
      if (!Array.isArray(src.monitors) || src.monitors.length === 0) causes.push(required(`${path}.monitors`));
      break;
    }
    case 'glusterfs': {
      if (!src.endpoints) causes.push(required(`${path}.endpoints`));
      if (!src.path) causes.push(required(`${path}.path`));
      break;
    }
    case 'gcePersistentDisk':
      if (!src.pdName) causes.push(required(`${path}.pdName`));
      break;
    case 'awsElasticBlockStore':
      if (!src.volumeID) causes.push(required(`${path}.volumeID`));
      break;
    case 'flexVolume':
      if (!src.driver) causes.push(required(`${path}.driver`));
      break;
    case 'azureFile':
      if (!src.secretName) causes.push(required(`${path}.secretName`));
      if (!src.shareName) causes.push(required(`${path}.shareName`));
      break;
    case 'azureDisk':
      if (!src.diskName) causes.push(required(`${path}.diskName`));
      if (!src.diskURI) causes.push(required(`${path}.diskURI`));
      break;
  }
  return causes;
}

/** ValidatePersistentVolumeSpec (validation.go), the non-inline form. */
export function validatePersistentVolumeSpec(spec: KObject | undefined, path = 'spec'): Cause[] {
  const causes: Cause[] = [];
  const s: KObject = isMap(spec) ? spec : {};
  const modes = Array.isArray(s.accessModes) ? s.accessModes : [];
  if (modes.length === 0) causes.push(required(`${path}.accessModes`));
  causes.push(...validateAccessModes(modes, `${path}.accessModes`));
  const capacity = isMap(s.capacity) ? s.capacity : {};
  const keys = Object.keys(capacity);
  if (keys.length === 0) causes.push(required(`${path}.capacity`));
  if (!keys.includes('storage') || keys.length > 1) {
    // Go's %#v of a core.ResourceList
    const rendered = !isMap(s.capacity)
      ? 'core.ResourceList(nil)'
      : `core.ResourceList{${keys.map((k) => `${JSON.stringify(k)}:resource.Quantity{${JSON.stringify(String(capacity[k]))}}`).join(', ')}}`;
    causes.push({ reason: 'FieldValueNotSupported', message: `Unsupported value: ${rendered}: supported values: "storage"`, field: `${path}.capacity` });
  }
  for (const k of keys) {
    const f = `${path}.capacity[${k}]`;
    const basic = validateBasicQuantity(capacity[k], f);
    causes.push(...basic);
    if (basic.length === 0) causes.push(...validatePositiveQuantity(capacity[k], f));
  }
  if (s.persistentVolumeReclaimPolicy && !RECLAIM_POLICIES.includes(s.persistentVolumeReclaimPolicy))
    causes.push(notSupported(`${path}.persistentVolumeReclaimPolicy`, s.persistentVolumeReclaimPolicy, RECLAIM_POLICIES));
  let numVolumes = 0;
  for (const [key, pathName] of PV_SOURCES) {
    const src = s[key];
    if (src === undefined || src === null) continue;
    if (numVolumes > 0 && key !== 'flexVolume') {
      causes.push(forbidden(`${path}.${key}`, 'may not specify more than 1 volume type'));
      continue;
    }
    numVolumes++;
    causes.push(...validateSource(key, isMap(src) ? src : {}, `${path}.${pathName}`));
  }
  if (isMap(s.local) && !isMap(s.nodeAffinity)) causes.push(required(`${path}.nodeAffinity`, 'Local volume requires node affinity'));
  if (numVolumes === 0) causes.push(required(path, 'must specify a volume type'));
  if (isMap(s.hostPath) && typeof s.hostPath.path === 'string' && s.hostPath.path.replace(/\/+$/, '') === '' && s.hostPath.path.startsWith('/') && s.persistentVolumeReclaimPolicy === 'Recycle')
    causes.push(forbidden(`${path}.persistentVolumeReclaimPolicy`, "may not be 'recycle' for a hostPath mount of '/'"));
  if (typeof s.storageClassName === 'string' && s.storageClassName.length > 0)
    causes.push(...validateClassName(s.storageClassName, `${path}.storageClassName`));
  if (s.volumeMode !== undefined && s.volumeMode !== null && !SUPPORTED_VOLUME_MODES.includes(s.volumeMode))
    causes.push(notSupported(`${path}.volumeMode`, s.volumeMode, SUPPORTED_VOLUME_MODES));
  if (s.volumeAttributesClassName !== undefined && s.volumeAttributesClassName !== null) {
    if (s.volumeAttributesClassName === '') causes.push(required(`${path}.volumeAttributesClassName`, 'an empty string is disallowed'));
    else causes.push(...validateClassName(s.volumeAttributesClassName, `${path}.volumeAttributesClassName`));
    if (!isMap(s.csi)) causes.push(required(`${path}.csi`, 'has to be specified when using volumeAttributesClassName'));
  }
  return causes;
}

function volumeSource(spec: KObject | undefined): KObject {
  const out: KObject = {};
  if (!isMap(spec)) return out;
  for (const [key] of PV_SOURCES) if (spec[key] !== undefined && spec[key] !== null) out[key] = spec[key];
  return out;
}

/** ValidatePersistentVolumeUpdate (validation.go): the volume source, volumeMode and a set nodeAffinity are immutable. */
export function validatePersistentVolumeUpdate(newObj: KObject, oldObj: KObject): Cause[] {
  const causes: Cause[] = [];
  const newSrc = structuredClone(volumeSource(newObj.spec));
  const oldSrc = volumeSource(oldObj.spec);
  // a CSI controllerExpandSecretRef may be added later
  if (isMap(oldSrc.csi) && oldSrc.csi.controllerExpandSecretRef === undefined && isMap(newSrc.csi)) delete newSrc.csi.controllerExpandSecretRef;
  if (!deepEqual(newSrc, oldSrc)) causes.push(forbidden('spec.persistentvolumesource', 'spec.persistentvolumesource is immutable after creation'));
  causes.push(...validateImmutable(newObj.spec?.volumeMode, oldObj.spec?.volumeMode, 'volumeMode'));
  if (isMap(oldObj.spec?.nodeAffinity) && !deepEqual(newObj.spec?.nodeAffinity, oldObj.spec.nodeAffinity))
    causes.push(invalid('nodeAffinity', newObj.spec?.nodeAffinity ?? null, 'field is immutable'));
  const oldVac = oldObj.spec?.volumeAttributesClassName;
  const newVac = newObj.spec?.volumeAttributesClassName;
  if (oldVac !== undefined && oldVac !== null && (newVac === undefined || newVac === null))
    causes.push(forbidden('spec.volumeAttributesClassName', 'update from non-nil value to nil is forbidden'));
  return causes;
}

export const persistentVolumeDef: ResourceDef = {
  group: '',
  version: 'v1',
  kind: 'PersistentVolume',
  listKind: 'PersistentVolumeList',
  plural: 'persistentvolumes',
  singular: 'persistentvolume',
  namespaced: false,
  shortNames: ['pv'],
  verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
  subresources: [{ name: 'status', kind: 'PersistentVolume', verbs: ['get', 'patch', 'update'] }],
  definition: 'io.k8s.api.core.v1.PersistentVolume',
  table: persistentVolumePrinter,

  defaults: defaultPersistentVolume,
  prepareForCreate(obj) {
    // strategy.go PrepareForCreate: status reset to Pending with lastPhaseTransitionTime (GA 1.31)
    obj.status = { phase: 'Pending', lastPhaseTransitionTime: nowRFC3339() };
  },
  prepareForUpdate(newObj, oldObj) {
    newObj.status = structuredClone(oldObj.status ?? { phase: 'Pending' });
  },
  prepareForStatusUpdate(newObj, oldObj) {
    newObj.spec = structuredClone(oldObj.spec ?? {});
    if (!isMap(newObj.status)) newObj.status = {};
    const oldStatus: KObject = isMap(oldObj.status) ? oldObj.status : {};
    const st = newObj.status;
    const newPhase = st.phase || 'Pending';
    const oldPhase = oldStatus.phase || 'Pending';
    if (newPhase === oldPhase && !st.lastPhaseTransitionTime) {
      if (oldStatus.lastPhaseTransitionTime !== undefined) st.lastPhaseTransitionTime = oldStatus.lastPhaseTransitionTime;
    } else if (newPhase !== oldPhase && (!st.lastPhaseTransitionTime || st.lastPhaseTransitionTime === oldStatus.lastPhaseTransitionTime)) {
      st.lastPhaseTransitionTime = nowRFC3339();
    }
  },
  validate(obj) {
    return validatePersistentVolumeSpec(obj.spec);
  },
  validateUpdate(newObj, oldObj) {
    return validatePersistentVolumeUpdate(newObj, oldObj);
  },
  validateStatusUpdate(newObj) {
    const causes: Cause[] = [];
    if (!newObj.metadata?.resourceVersion) causes.push(required('resourceVersion'));
    return causes;
  },
};
