// Storage admission that kube-apiserver runs by default: DefaultStorageClass
// (plugin/pkg/admission/storage/storageclass/setdefault) and StorageObjectInUseProtection
// (plugin/pkg/admission/storage/storageobjectinuseprotection). Both act on create only.
import type { KObject } from '../types.js';
import type { Registry } from '../../registry/registry.js';

export const IS_DEFAULT_CLASS_ANNOTATION = 'storageclass.kubernetes.io/is-default-class';
export const BETA_IS_DEFAULT_CLASS_ANNOTATION = 'storageclass.beta.kubernetes.io/is-default-class';
export const BETA_STORAGE_CLASS_ANNOTATION = 'volume.beta.kubernetes.io/storage-class';
export const PVC_PROTECTION_FINALIZER = 'kubernetes.io/pvc-protection';
export const PV_PROTECTION_FINALIZER = 'kubernetes.io/pv-protection';

/** storageutil.IsDefaultAnnotation (pkg/apis/storage/util/helpers.go). */
export function isDefaultStorageClass(sc: KObject): boolean {
  const ann = sc?.metadata?.annotations ?? {};
  return ann[IS_DEFAULT_CLASS_ANNOTATION] === 'true' || ann[BETA_IS_DEFAULT_CLASS_ANNOTATION] === 'true';
}

/**
 * pkg/volume/util GetDefaultClass: among the classes marked default, the newest
 * (creationTimestamp), ties broken by name ascending; undefined when none.
 */
export function pickDefaultClass(classes: Iterable<KObject>): KObject | undefined {
  const defaults = [...classes].filter(isDefaultStorageClass);
  defaults.sort((a, b) => {
    const ta = Date.parse(a.metadata?.creationTimestamp ?? '') || 0;
    const tb = Date.parse(b.metadata?.creationTimestamp ?? '') || 0;
    if (ta !== tb) return tb - ta;
    const na = String(a.metadata?.name ?? '');
    const nb = String(b.metadata?.name ?? '');
    return na < nb ? -1 : na > nb ? 1 : 0;
  });
  return defaults[0];
}

/** storagehelpers.PersistentVolumeClaimHasClass: the beta annotation or a non-nil spec.storageClassName. */
export function claimHasClass(pvc: KObject): boolean {
  const ann = pvc?.metadata?.annotations ?? {};
  if (Object.prototype.hasOwnProperty.call(ann, BETA_STORAGE_CLASS_ANNOTATION)) return true;
  const sc = pvc?.spec?.storageClassName;
  return sc !== undefined && sc !== null;
}

function addFinalizer(obj: KObject, f: string): void {
  const list: string[] = Array.isArray(obj.metadata.finalizers) ? obj.metadata.finalizers : [];
  if (!list.includes(f)) obj.metadata.finalizers = [...list, f];
}

/** Installs the storage admission hooks on PVCs and PVs. */
export function installStorageAdmission(registry: Registry): void {
  const pvcDef = registry.def('', 'persistentvolumeclaims');
  const pvDef = registry.def('', 'persistentvolumes');
  const scDef = registry.def('storage.k8s.io', 'storageclasses');
  if (pvcDef) {
    registry.addAdmission(pvcDef, (op, obj) => {
      if (op !== 'create') return;
      // DefaultStorageClass: a claim without any class gets the default one, when there is one
      // (admission runs before validation: a claim without a spec is validation's to refuse)
      if (scDef && obj.spec && typeof obj.spec === 'object' && !Array.isArray(obj.spec) && !claimHasClass(obj)) {
        const classes = registry.list(scDef, undefined).items as KObject[];
        const def = pickDefaultClass(classes);
        if (def) obj.spec.storageClassName = def.metadata.name;
      }
      addFinalizer(obj, PVC_PROTECTION_FINALIZER);
    });
  }
  if (pvDef) {
    registry.addAdmission(pvDef, (op, obj) => {
      if (op !== 'create') return;
      addFinalizer(obj, PV_PROTECTION_FINALIZER);
    });
  }
}
