// Pod identity, ordinals, claims and pod predicates of the StatefulSet controller
// (upstream pkg/controller/statefulset/stateful_set_utils.go, pkg/api/v1/pod IsPodReady/IsPodAvailable,
// pkg/controller GetPodFromTemplate).
import type { KObject } from '../../resources/types.js';
import { controllerRef } from './revision.js';
import { controllerOf } from '../runtime/controllerref.js';
import { isPodAvailable, isPodReady, isPodTerminating, isRunningAndReady, phase } from '../runtime/podutil.js';

export const POD_NAME_LABEL = 'statefulset.kubernetes.io/pod-name';
export const POD_INDEX_LABEL = 'apps.kubernetes.io/pod-index';
export const REVISION_LABEL = 'controller-revision-hash';

const STATEFUL_POD_RE = /^(.*)-([0-9]+)$/;

/** getParentNameAndOrdinal: ordinal -1 when the name has none (or it overflows int32). */
export function parentAndOrdinal(name: string): { parent: string; ordinal: number } {
  const m = STATEFUL_POD_RE.exec(name ?? '');
  if (!m) return { parent: '', ordinal: -1 };
  const n = Number(m[2]);
  return { parent: m[1], ordinal: Number.isSafeInteger(n) && n <= 2147483647 ? n : -1 };
}

export function getOrdinal(pod: KObject): number {
  return parentAndOrdinal(pod.metadata?.name).ordinal;
}

export function startOrdinal(set: KObject): number {
  const s = set.spec?.ordinals?.start;
  return typeof s === 'number' ? s : 0;
}

export function specReplicas(set: KObject): number {
  return typeof set.spec?.replicas === 'number' ? set.spec.replicas : 1;
}

export function endOrdinal(set: KObject): number {
  return startOrdinal(set) + specReplicas(set) - 1;
}

export function inOrdinalRange(pod: KObject, set: KObject): boolean {
  const o = getOrdinal(pod);
  return o >= startOrdinal(set) && o <= endOrdinal(set);
}

export function podName(set: KObject, ordinal: number): string {
  return `${set.metadata.name}-${ordinal}`;
}

export function claimName(set: KObject, template: KObject, ordinal: number): string {
  return `${template?.metadata?.name ?? ''}-${set.metadata.name}-${ordinal}`;
}

export function isMemberOf(set: KObject, pod: KObject): boolean {
  return parentAndOrdinal(pod.metadata?.name).parent === set.metadata.name;
}

export function claimTemplates(set: KObject): KObject[] {
  // a null template stored by an older version is the zero PersistentVolumeClaim, as upstream decodes it
  return Array.isArray(set.spec?.volumeClaimTemplates)
    ? set.spec.volumeClaimTemplates.map((t: unknown) => (t !== null && typeof t === 'object' && !Array.isArray(t) ? t : {}))
    : [];
}

export function identityMatches(set: KObject, pod: KObject): boolean {
  const { parent, ordinal } = parentAndOrdinal(pod.metadata?.name);
  return (
    ordinal >= 0 &&
    parent === set.metadata.name &&
    pod.metadata.name === podName(set, ordinal) &&
    pod.metadata.namespace === set.metadata.namespace &&
    pod.metadata.labels?.[POD_NAME_LABEL] === pod.metadata.name
  );
}

export function storageMatches(set: KObject, pod: KObject): boolean {
  const ordinal = getOrdinal(pod);
  if (ordinal < 0) return false;
  const volumes = new Map<string, KObject>();
  for (const v of pod.spec?.volumes ?? []) volumes.set(v?.name, v);
  for (const t of claimTemplates(set)) {
    const v = volumes.get(t?.metadata?.name);
    if (!v || !v.persistentVolumeClaim || v.persistentVolumeClaim.claimName !== claimName(set, t, ordinal)) return false;
  }
  return true;
}

/** getPersistentVolumeClaims: template name -> the claim object for this pod's ordinal. */
export function podClaims(set: KObject, pod: KObject): Map<string, KObject> {
  const ordinal = getOrdinal(pod);
  const out = new Map<string, KObject>();
  for (const t of claimTemplates(set)) {
    const { apiVersion: _a, kind: _k, metadata, ...rest } = structuredClone(t) as KObject;
    const claim: KObject = { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: metadata ?? {}, ...rest };
    claim.metadata.name = claimName(set, t, ordinal);
    claim.metadata.namespace = set.metadata.namespace;
    claim.metadata.labels = { ...(claim.metadata.labels ?? {}), ...(set.spec?.selector?.matchLabels ?? {}) };
    if (claim.metadata.creationTimestamp === null) delete claim.metadata.creationTimestamp;
    out.set(t?.metadata?.name, claim);
  }
  return out;
}

/** updateStorage: claim volumes first, then the pod's other volumes. */
export function updateStorage(set: KObject, pod: KObject): void {
  const claims = podClaims(set, pod);
  const volumes: KObject[] = [];
  for (const [name, claim] of claims) volumes.push({ name, persistentVolumeClaim: { claimName: claim.metadata.name } });
  for (const v of pod.spec?.volumes ?? []) if (!claims.has(v?.name)) volumes.push(v);
  pod.spec = pod.spec ?? {};
  if (volumes.length) pod.spec.volumes = volumes;
  else delete pod.spec.volumes;
}

/** updateIdentity: name, namespace, pod-name label and (PodIndexLabel, 1.28+) pod-index label. */
export function updateIdentity(set: KObject, pod: KObject, podIndexLabel: boolean): void {
  const ordinal = getOrdinal(pod);
  pod.metadata.name = podName(set, ordinal);
  pod.metadata.namespace = set.metadata.namespace;
  pod.metadata.labels = pod.metadata.labels ?? {};
  pod.metadata.labels[POD_NAME_LABEL] = pod.metadata.name;
  if (podIndexLabel) pod.metadata.labels[POD_INDEX_LABEL] = String(ordinal);
}

/** newStatefulSetPod: GetPodFromTemplate + identity (hostname/subdomain only at creation) + storage. */
export function newStatefulSetPod(set: KObject, ordinal: number, podIndexLabel: boolean): KObject {
  const tpl = set.spec?.template ?? {};
  const tmeta = tpl.metadata ?? {};
  const meta: KObject = { name: podName(set, ordinal), generateName: `${set.metadata.name}-`, namespace: set.metadata.namespace };
  meta.labels = { ...(tmeta.labels ?? {}) };
  if (tmeta.annotations && Object.keys(tmeta.annotations).length) meta.annotations = { ...tmeta.annotations };
  if (Array.isArray(tmeta.finalizers) && tmeta.finalizers.length) meta.finalizers = [...tmeta.finalizers];
  meta.ownerReferences = [controllerRef(set)];
  const pod: KObject = { apiVersion: 'v1', kind: 'Pod', metadata: meta, spec: structuredClone(tpl.spec ?? {}) };
  updateIdentity(set, pod, podIndexLabel);
  pod.spec.hostname = pod.metadata.name;
  if (set.spec?.serviceName) pod.spec.subdomain = set.spec.serviceName;
  updateStorage(set, pod);
  return pod;
}

/** newVersionedStatefulSetPod (the operator precedence of upstream's condition is kept). */
export function newVersionedPod(currentSet: KObject, updateSet: KObject, currentRevision: string, updateRevision: string, ordinal: number, podIndexLabel: boolean): KObject {
  const us = currentSet.spec?.updateStrategy ?? {};
  const ru = us.rollingUpdate;
  const start = startOrdinal(currentSet);
  const useCurrent =
    (us.type === 'RollingUpdate' && (ru === undefined || ru === null) && ordinal < start + (currentSet.status?.currentReplicas ?? 0)) ||
    (ru !== undefined && ru !== null && ordinal < start + (ru.partition ?? 0));
  const pod = newStatefulSetPod(useCurrent ? currentSet : updateSet, ordinal, podIndexLabel);
  pod.metadata.labels[REVISION_LABEL] = useCurrent ? currentRevision : updateRevision;
  return pod;
}

export function podRevision(pod: KObject): string {
  return pod.metadata?.labels?.[REVISION_LABEL] ?? '';
}

export { phase, isPodReady, isRunningAndReady, controllerOf };
export const isCreated = (pod: KObject): boolean => phase(pod) !== '';
export const isPending = (pod: KObject): boolean => phase(pod) === 'Pending';
export const isFailed = (pod: KObject): boolean => phase(pod) === 'Failed';
export const isSucceeded = (pod: KObject): boolean => phase(pod) === 'Succeeded';
export const isTerminating = isPodTerminating;

/** IsPodAvailable for a running pod. */
export function isRunningAndAvailable(pod: KObject, minReadySeconds: number, now = Date.now()): boolean {
  return isPodAvailable(pod, minReadySeconds, now);
}

export function isHealthy(pod: KObject): boolean {
  return isRunningAndReady(pod) && !isTerminating(pod);
}

