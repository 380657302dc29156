// Which pods a controller deletes first (upstream pkg/controller/controller_utils.go: ActivePods,
// ActivePodsWithRanks with the PodDeletionCost and LogarithmicScaleDown gates on, as in 1.33;
// pkg/apis/core/helper GetDeletionCostFromPodAnnotations; pkg/controller/replicaset/replica_set.go
// getPodsToDelete, getPodsRankedByRelatedPodsOnSameNode). Sorting puts the pods to delete first.
import type { KObject } from '../../resources/types.js';
import { isPodActive, isPodReady, podReadyCondition } from './podutil.js';

/** core.PodDeletionCost */
export const POD_DELETION_COST_ANNOTATION = 'controller.kubernetes.io/pod-deletion-cost';

const PHASE_ORDINAL: Record<string, number> = { Pending: 0, Unknown: 1, Running: 2 };
const phaseOrdinal = (pod: KObject): number => PHASE_ORDINAL[pod.status?.phase ?? ''] ?? 0;
const nodeName = (pod: KObject): string => pod.spec?.nodeName ?? '';

/** A metav1.Time as ms since the epoch; 0 for the zero time (absent or unparsable). */
function timeMs(v: unknown): number {
  if (typeof v !== 'string' || !v) return 0;
  const t = Date.parse(v);
  return Number.isNaN(t) ? 0 : t;
}

/** GetDeletionCostFromPodAnnotations: an int32 in decimal without a plus sign or leading zeros, else 0. */
export function podDeletionCost(pod: KObject): number {
  const v = pod.metadata?.annotations?.[POD_DELETION_COST_ANNOTATION];
  if (typeof v !== 'string' || !/^(0|[1-9][0-9]*|-[0-9]+)$/.test(v)) return 0;
  const n = Number(v);
  return Number.isInteger(n) && n >= -2147483648 && n <= 2147483647 ? n : 0;
}

/** The Ready condition's transition time when the pod is Ready, else the zero time. */
function podReadyTime(pod: KObject): number {
  return isPodReady(pod) ? timeMs(podReadyCondition(pod)?.lastTransitionTime) : 0;
}

export function maxContainerRestarts(pod: KObject): number {
  let max = 0;
  for (const c of pod.status?.containerStatuses ?? []) if (typeof c?.restartCount === 'number' && c.restartCount > max) max = c.restartCount;
  return max;
}

/** afterOrZero: the zero time first, else the later time first. */
function afterOrZero(t1: number, t2: number): boolean {
  if (t1 === 0 || t2 === 0) return t1 === 0;
  return t1 > t2;
}

/** logarithmicRankDiff: floor(log2) of the ages in nanoseconds, compared. */
function logarithmicRankDiff(t1: number, t2: number, now: number): number {
  const d1 = (now - t1) * 1e6;
  const d2 = (now - t2) * 1e6;
  const r1 = d1 > 0 ? Math.floor(Math.log2(d1)) : -1;
  const r2 = d2 > 0 ? Math.floor(Math.log2(d2)) : -1;
  return r1 - r2;
}

const uidOf = (pod: KObject): string => pod.metadata?.uid ?? '';

/** A time comparison in the logarithmic scale (equal ranks ordered by uid), or plain without `now`. */
function timeLess(a: KObject, b: KObject, ta: number, tb: number, now: number): boolean {
  if (!now || ta === 0 || tb === 0) return afterOrZero(ta, tb);
  const diff = logarithmicRankDiff(ta, tb, now);
  if (diff === 0) return uidOf(a) < uidOf(b);
  return diff < 0;
}

/**
 * ActivePodsWithRanks.Less: whether pod a should be deleted before pod b. `rankA`/`rankB`: how many
 * related active pods share each pod's node (more = delete first); `now` (ms): the reference for the
 * logarithmic time comparisons (0 compares times plainly).
 */
export function podDeletionLess(a: KObject, b: KObject, rankA: number, rankB: number, now: number): boolean {
  // 1. unassigned < assigned
  const na = nodeName(a);
  const nb = nodeName(b);
  if (na !== nb && (na === '' || nb === '')) return na === '';
  // 2. Pending < Unknown < Running
  const pa = phaseOrdinal(a);
  const pb = phaseOrdinal(b);
  if (pa !== pb) return pa < pb;
  // 3. not ready < ready
  const ra = isPodReady(a);
  const rb = isPodReady(b);
  if (ra !== rb) return !ra;
  // 4. lower pod-deletion-cost < higher
  const ca = podDeletionCost(a);
  const cb = podDeletionCost(b);
  if (ca !== cb) return ca < cb;
  // 5. doubled up < not doubled up
  if (rankA !== rankB) return rankA > rankB;
  // 6. ready for a shorter time < longer
  if (ra && rb) {
    const ta = podReadyTime(a);
    const tb = podReadyTime(b);
    if (ta !== tb) return timeLess(a, b, ta, tb, now);
  }
  // 7. more container restarts < fewer
  const xa = maxContainerRestarts(a);
  const xb = maxContainerRestarts(b);
  if (xa !== xb) return xa > xb;
  // 8. newer < older (no creation time first)
  const ta = timeMs(a.metadata?.creationTimestamp);
  const tb = timeMs(b.metadata?.creationTimestamp);
  if (ta !== tb) return timeLess(a, b, ta, tb, now);
  return false;
}

/** ActivePods.Less (no ranks, no cost, plain times): the order the DaemonSet and Job controllers use. */
export function activePodsLess(a: KObject, b: KObject): boolean {
  const na = nodeName(a);
  const nb = nodeName(b);
  if (na !== nb && (na === '' || nb === '')) return na === '';
  const pa = phaseOrdinal(a);
  const pb = phaseOrdinal(b);
  if (pa !== pb) return pa < pb;
  const ra = isPodReady(a);
  const rb = isPodReady(b);
  if (ra !== rb) return !ra;
  if (ra && rb) {
    const ta = podReadyTime(a);
    const tb = podReadyTime(b);
    if (ta !== tb) return afterOrZero(ta, tb);
  }
  const xa = maxContainerRestarts(a);
  const xb = maxContainerRestarts(b);
  if (xa !== xb) return xa > xb;
  const ta = timeMs(a.metadata?.creationTimestamp);
  const tb = timeMs(b.metadata?.creationTimestamp);
  if (ta !== tb) return afterOrZero(ta, tb);
  return false;
}

/** A sorted copy of pods, deletion candidates first, by ActivePods.Less. */
export function sortActivePods(pods: KObject[]): KObject[] {
  return [...pods].sort((a, b) => (activePodsLess(a, b) ? -1 : activePodsLess(b, a) ? 1 : 0));
}

/** A sorted copy of pods (with their ranks), deletion candidates first, by ActivePodsWithRanks.Less. */
export function sortActivePodsWithRanks(pods: KObject[], ranks: number[], now: number): KObject[] {
  const idx = pods.map((_, i) => i);
  idx.sort((i, j) => (podDeletionLess(pods[i], pods[j], ranks[i], ranks[j], now) ? -1 : podDeletionLess(pods[j], pods[i], ranks[j], ranks[i], now) ? 1 : 0));
  return idx.map((i) => pods[i]);
}

/** getPodsRankedByRelatedPodsOnSameNode: each pod's rank is the number of active related pods on its node. */
export function ranksByRelatedPodsOnSameNode(podsToRank: KObject[], relatedPods: KObject[]): number[] {
  const onNode = new Map<string, number>();
  for (const p of relatedPods) if (isPodActive(p)) onNode.set(nodeName(p), (onNode.get(nodeName(p)) ?? 0) + 1);
  return podsToRank.map((p) => onNode.get(nodeName(p)) ?? 0);
}

/** getPodsToDelete: the `diff` pods to delete first (all of them, unsorted, when diff covers them all). */
export function getPodsToDelete(filteredPods: KObject[], relatedPods: KObject[], diff: number, now: number): KObject[] {
  if (diff >= filteredPods.length) return filteredPods.slice(0, diff);
  return sortActivePodsWithRanks(filteredPods, ranksByRelatedPodsOnSameNode(filteredPods, relatedPods), now).slice(0, diff);
}
