// Matching a claim to a volume (the model: pkg/controller/volume/persistentvolume/index.go and
// staging/src/k8s.io/component-helpers/storage/volume/pv_helpers.go FindMatchingVolume).
import type { KObject } from '../../resources/types.js';
import { compareQuantity } from '../../resources/quantity.js';
import { labelSelectorFromObject, matches, SelectorParseError } from '../../registry/selectors.js';
import { BETA_STORAGE_CLASS_ANNOTATION } from '../../resources/core/storage-admission.js';

export const ANN_BOUND_BY_CONTROLLER = 'pv.kubernetes.io/bound-by-controller';
export const ANN_BIND_COMPLETED = 'pv.kubernetes.io/bind-completed';
export const ANN_PROVISIONED_BY = 'pv.kubernetes.io/provisioned-by';
export const ANN_STORAGE_PROVISIONER = 'volume.kubernetes.io/storage-provisioner';
export const ANN_BETA_STORAGE_PROVISIONER = 'volume.beta.kubernetes.io/storage-provisioner';
export const ANN_SELECTED_NODE = 'volume.kubernetes.io/selected-node';
export const ANN_MIGRATED_TO = 'pv.kubernetes.io/migrated-to';
export const PROVISIONER_FINALIZER = 'external-provisioner.volume.kubernetes.io/finalizer';
/** The provisioner name of the emulator's built-in hostPath provisioner. */
export const EMULATOR_PROVISIONER = 'kube-emulator.io/hostpath';

/** v1helper.GetAccessModesAsString order. */
const MODE_ORDER: Array<[string, string]> = [
  ['ReadWriteOnce', 'RWO'],
  ['ReadOnlyMany', 'ROX'],
  ['ReadWriteMany', 'RWX'],
  ['ReadWriteOncePod', 'RWOP'],
];

export function accessModesKey(modes: unknown): string {
  const set = new Set(Array.isArray(modes) ? modes : []);
  return MODE_ORDER.filter(([m]) => set.has(m))
    .map(([, s]) => s)
    .join(',');
}

function modesOfKey(key: string): string[] {
  const byShort = new Map(MODE_ORDER.map(([m, s]) => [s, m]));
  return key ? key.split(',').map((s) => byShort.get(s)!) : [];
}

/** util.ContainsAllAccessModes. */
export function containsAllModes(have: unknown, want: unknown): boolean {
  const h = new Set(Array.isArray(have) ? have : []);
  return (Array.isArray(want) ? want : []).every((m) => h.has(m));
}

export function annotations(obj: KObject | undefined): Record<string, string> {
  const a = obj?.metadata?.annotations;
  return a && typeof a === 'object' ? a : {};
}

export function hasAnnotation(obj: KObject | undefined, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(annotations(obj), key);
}

export function hasFinalizer(obj: KObject | undefined, f: string): boolean {
  const l = obj?.metadata?.finalizers;
  return Array.isArray(l) && l.includes(f);
}

/** storagehelpers.GetPersistentVolumeClaimClass: the beta annotation wins; nil and "" both mean "". */
export function claimClass(pvc: KObject): string {
  const ann = annotations(pvc);
  if (Object.prototype.hasOwnProperty.call(ann, BETA_STORAGE_CLASS_ANNOTATION)) return ann[BETA_STORAGE_CLASS_ANNOTATION];
  return typeof pvc?.spec?.storageClassName === 'string' ? pvc.spec.storageClassName : '';
}

/** storagehelpers.GetPersistentVolumeClass. */
export function volumeClass(pv: KObject): string {
  const ann = annotations(pv);
  if (Object.prototype.hasOwnProperty.call(ann, BETA_STORAGE_CLASS_ANNOTATION)) return ann[BETA_STORAGE_CLASS_ANNOTATION];
  return typeof pv?.spec?.storageClassName === 'string' ? pv.spec.storageClassName : '';
}

/** storagehelpers.IsVolumeBoundToClaim: claimRef names the claim and its uid (if set) is the claim's. */
export function isVolumeBoundToClaim(pv: KObject, pvc: KObject): boolean {
  const ref = pv?.spec?.claimRef;
  if (!ref) return false;
  if (ref.name !== pvc.metadata.name || (ref.namespace ?? '') !== pvc.metadata.namespace) return false;
  if (ref.uid && ref.uid !== pvc.metadata.uid) return false;
  return true;
}

export function requestedStorage(pvc: KObject): string {
  return String(pvc?.spec?.resources?.requests?.storage ?? '0');
}

export function volumeStorage(pv: KObject): string {
  return String(pv?.spec?.capacity?.storage ?? '0');
}

/** storagehelpers.CheckVolumeModeMismatches (nil = Filesystem). */
export function volumeModeMismatch(pvc: KObject, pv: KObject): boolean {
  return (pvc?.spec?.volumeMode ?? 'Filesystem') !== (pv?.spec?.volumeMode ?? 'Filesystem');
}

function vacMismatch(pvc: KObject, pv: KObject): boolean {
  return (pvc?.spec?.volumeAttributesClassName ?? '') !== (pv?.spec?.volumeAttributesClassName ?? '');
}

/** metav1.LabelSelectorAsSelector of the claim's selector; undefined for a nil selector. */
function claimSelector(pvc: KObject): ((labels: Record<string, string> | undefined) => boolean) | undefined {
  const s = pvc?.spec?.selector;
  if (s === undefined || s === null) return undefined;
  try {
    const sel = labelSelectorFromObject(s);
    return (labels) => matches(sel, labels);
  } catch (err) {
    if (err instanceof SelectorParseError) return () => false;
    throw err;
  }
}

/** Node affinity of a PV against node labels (storagehelpers.CheckNodeAffinity, matchExpressions only). */
export function nodeAffinityMatches(pv: KObject, nodeLabels: Record<string, string>): boolean {
  const terms = pv?.spec?.nodeAffinity?.required?.nodeSelectorTerms;
  if (!Array.isArray(terms)) return true;
  return terms.some((t: KObject) =>
    (t?.matchExpressions ?? []).every((e: KObject) => {
      const v = nodeLabels[e.key];
      const vals: string[] = e.values ?? [];
      switch (e.operator) {
        case 'In':
          return v !== undefined && vals.includes(v);
        case 'NotIn':
          return v === undefined || !vals.includes(v);
        case 'Exists':
          return v !== undefined;
        case 'DoesNotExist':
          return v === undefined;
        case 'Gt':
          return v !== undefined && Number(v) > Number(vals[0]);
        case 'Lt':
          return v !== undefined && Number(v) < Number(vals[0]);
        default:
          return false;
      }
    }),
  );
}

/**
 * FindMatchingVolume over one access-mode group: a volume pre-bound to the claim wins at once;
 * otherwise (not for delayed binding without a node) the smallest Available volume of the claim's
 * class whose labels match the claim's selector.
 */
export function findMatchingVolume(pvc: KObject, volumes: KObject[], delayBinding: boolean, nodeLabels?: Record<string, string>): KObject | undefined {
  let smallest: KObject | undefined;
  const requested = requestedStorage(pvc);
  const cls = claimClass(pvc);
  const selector = claimSelector(pvc);
  for (const pv of volumes) {
    if (pv.spec?.claimRef && !isVolumeBoundToClaim(pv, pvc)) continue;
    const qty = volumeStorage(pv);
    if (compareQuantity(qty, requested) < 0) continue;
    if (volumeModeMismatch(pvc, pv)) continue;
    if (vacMismatch(pvc, pv)) continue;
    if (pv.metadata?.deletionTimestamp) continue;
    const nodeOk = !nodeLabels || nodeAffinityMatches(pv, nodeLabels);
    if (isVolumeBoundToClaim(pv, pvc)) return nodeOk ? pv : undefined;
    if (!nodeLabels && delayBinding) continue;
    if (pv.status?.phase !== 'Available') continue;
    if (selector && !selector(pv.metadata?.labels)) continue;
    if (volumeClass(pv) !== cls) continue;
    if (!nodeOk) continue;
    if (nodeLabels && !containsAllModes(pv.spec?.accessModes, pvc.spec?.accessModes)) continue;
    if (!smallest || compareQuantity(volumeStorage(smallest), qty) > 0) smallest = pv;
  }
  return smallest;
}

/**
 * index.go findByClaim: volumes grouped by their access-mode set; the groups holding every
 * requested mode are tried from the fewest modes up.
 */
export function findBestMatchForClaim(pvc: KObject, volumes: KObject[], delayBinding: boolean, nodeLabels?: Record<string, string>): KObject | undefined {
  const groups = new Map<string, KObject[]>();
  for (const pv of [...volumes].sort((a, b) => (a.metadata.name < b.metadata.name ? -1 : 1))) {
    const k = accessModesKey(pv.spec?.accessModes);
    let g = groups.get(k);
    if (!g) groups.set(k, (g = []));
    g.push(pv);
  }
  const keys = [...groups.keys()]
    .filter((k) => containsAllModes(modesOfKey(k), pvc.spec?.accessModes))
    .sort((a, b) => modesOfKey(a).length - modesOfKey(b).length || (a < b ? -1 : a > b ? 1 : 0));
  for (const k of keys) {
    const pv = findMatchingVolume(pvc, groups.get(k)!, delayBinding, nodeLabels);
    if (pv) return pv;
  }
  return undefined;
}

/** checkVolumeSatisfyClaim (pv_controller.go): why an explicitly requested volume does not fit. */
export function volumeSatisfiesClaim(pv: KObject, pvc: KObject): string | undefined {
  if (pv.metadata?.deletionTimestamp) return `the volume is marked for deletion ${JSON.stringify(pv.metadata.name)}`;
  if (compareQuantity(volumeStorage(pv), requestedStorage(pvc)) < 0) return 'requested PV is too small';
  if (volumeClass(pv) !== claimClass(pvc)) return 'storageClassName does not match';
  if (vacMismatch(pvc, pv)) return 'volumeAttributesClassName does not match';
  if (volumeModeMismatch(pvc, pv)) return 'incompatible volumeMode';
  if (!containsAllModes(pv.spec?.accessModes, pvc.spec?.accessModes)) return 'incompatible accessMode';
  return undefined;
}

/** The claim reference a bound PV carries (ref.GetReference of the claim). */
export function claimRefOf(pvc: KObject): KObject {
  return {
    kind: 'PersistentVolumeClaim',
    namespace: pvc.metadata.namespace,
    name: pvc.metadata.name,
    uid: pvc.metadata.uid,
    apiVersion: 'v1',
    resourceVersion: pvc.metadata.resourceVersion,
  };
}

/** Pods (same namespace) whose volumes reference the claim (directly or as a generic ephemeral volume). */
export function podUsesClaim(pod: KObject, claimName: string): boolean {
  for (const v of pod?.spec?.volumes ?? []) {
    if (v?.persistentVolumeClaim?.claimName === claimName) return true;
    if (v?.ephemeral && `${pod.metadata.name}-${v.name}` === claimName) return true;
  }
  return false;
}
