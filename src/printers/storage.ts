// PersistentVolumes, PersistentVolumeClaims and StorageClasses
// (pkg/printers/internalversion/printers.go; class lookup as pkg/apis/core/helper and
// pkg/apis/storage/util IsDefaultAnnotation).
import type { KObject, TablePrinter } from '../resources/types.js';
import { AGE_COLUMN, NAME_COLUMN, accessModesString, age, col, formatQuantity } from './format.js';

const BETA_STORAGE_CLASS_ANNOTATION = 'volume.beta.kubernetes.io/storage-class';
const DEFAULT_CLASS_ANNOTATION = 'storageclass.kubernetes.io/is-default-class';
const BETA_DEFAULT_CLASS_ANNOTATION = 'storageclass.beta.kubernetes.io/is-default-class';

/** GetPersistentVolumeClass: the legacy beta annotation wins over spec.storageClassName. */
export function persistentVolumeClass(pv: KObject): string {
  const ann = pv.metadata?.annotations;
  if (ann && typeof ann[BETA_STORAGE_CLASS_ANNOTATION] === 'string') return ann[BETA_STORAGE_CLASS_ANNOTATION];
  return pv.spec?.storageClassName ?? '';
}

/** GetPersistentVolumeClaimClass: same lookup for claims. */
export function persistentVolumeClaimClass(pvc: KObject): string {
  const ann = pvc.metadata?.annotations;
  if (ann && typeof ann[BETA_STORAGE_CLASS_ANNOTATION] === 'string') return ann[BETA_STORAGE_CLASS_ANNOTATION];
  return pvc.spec?.storageClassName ?? '';
}

const phaseOf = (obj: KObject): string => (obj.metadata?.deletionTimestamp ? 'Terminating' : (obj.status?.phase ?? ''));
const unset = (v: unknown): string => (typeof v === 'string' ? v : '<unset>');

// the VolumeAttributesClass columns arrived with the VolumeAttributesClass API in 1.29
const VAC_SINCE = { VolumeAttributesClass: 29 };

export const persistentVolumePrinter: TablePrinter = {
  columnsSince: VAC_SINCE,
  columns: [
    NAME_COLUMN,
    col('Capacity', 'The storage size of the volume.'),
    col('Access Modes', 'How the volume can be mounted (RWO, ROX, RWX, RWOP).'),
    col('Reclaim Policy', 'What happens to the volume once its claim is released.'),
    col('Status', 'The binding phase of the volume.'),
    col('Claim', 'The namespace/name of the claim bound to this volume.'),
    col('StorageClass', 'The storage class the volume belongs to.'),
    col('VolumeAttributesClass', 'The volume attributes class of the volume.'),
    col('Reason', 'Why the volume is in its current phase, when known.'),
    AGE_COLUMN,
    col('VolumeMode', 'Filesystem or Block.', { priority: 1 }),
  ],
  row(pv, now) {
    const spec = pv.spec ?? {};
    const claim = spec.claimRef ? `${spec.claimRef.namespace ?? ''}/${spec.claimRef.name ?? ''}` : '';
    return [
      pv.metadata?.name ?? '',
      formatQuantity(spec.capacity?.storage),
      accessModesString(spec.accessModes),
      spec.persistentVolumeReclaimPolicy ?? '',
      phaseOf(pv),
      claim,
      persistentVolumeClass(pv),
      unset(spec.volumeAttributesClassName),
      pv.status?.reason ?? '',
      age(pv, now),
      unset(spec.volumeMode),
    ];
  },
};

export const persistentVolumeClaimPrinter: TablePrinter = {
  columnsSince: VAC_SINCE,
  columns: [
    NAME_COLUMN,
    col('Status', 'The binding phase of the claim.'),
    col('Volume', 'The volume bound to this claim.'),
    col('Capacity', 'The storage size actually provided, once bound.'),
    col('Access Modes', 'The access modes actually provided, once bound.'),
    col('StorageClass', 'The storage class requested by the claim.'),
    col('VolumeAttributesClass', 'The volume attributes class requested by the claim.'),
    AGE_COLUMN,
    col('VolumeMode', 'Filesystem or Block.', { priority: 1 }),
  ],
  row(pvc, now) {
    const spec = pvc.spec ?? {};
    const bound = typeof spec.volumeName === 'string' && spec.volumeName !== '';
    return [
      pvc.metadata?.name ?? '',
      phaseOf(pvc),
      spec.volumeName ?? '',
      bound ? formatQuantity(pvc.status?.capacity?.storage) : '',
      bound ? accessModesString(pvc.status?.accessModes) : '',
      persistentVolumeClaimClass(pvc),
      unset(spec.volumeAttributesClassName),
      age(pvc, now),
      unset(spec.volumeMode),
    ];
  },
};

/** IsDefaultAnnotation: the GA or beta is-default-class annotation set to "true". */
export function isDefaultStorageClass(sc: KObject): boolean {
  const ann = sc.metadata?.annotations ?? {};
  return ann[DEFAULT_CLASS_ANNOTATION] === 'true' || ann[BETA_DEFAULT_CLASS_ANNOTATION] === 'true';
}

export const storageClassPrinter: TablePrinter = {
  columns: [
    NAME_COLUMN,
    col('Provisioner', 'The driver that provisions volumes of this class.'),
    col('ReclaimPolicy', 'The reclaim policy given to volumes of this class.'),
    col('VolumeBindingMode', 'When volumes are bound: at once or when a pod needs them.'),
    col('AllowVolumeExpansion', 'Whether claims of this class may grow.'),
    AGE_COLUMN,
  ],
  row(sc, now) {
    const name = (sc.metadata?.name ?? '') + (isDefaultStorageClass(sc) ? ' (default)' : '');
    return [
      name,
      sc.provisioner ?? '',
      sc.reclaimPolicy ?? 'Delete',
      sc.volumeBindingMode ?? 'Immediate',
      sc.allowVolumeExpansion === true,
      age(sc, now),
    ];
  },
};
