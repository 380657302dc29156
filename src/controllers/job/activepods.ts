// controller.ActivePods ordering (upstream pkg/controller/controller_utils.go): the pods to delete
// first: unassigned < assigned, Pending < Unknown < Running, not ready < ready, ready for less
// time, more restarts, newer.
import type { KObject } from '../../resources/types.js';
import { isPodReady, podReadyCondition } from '../runtime/index.js';

const PHASE_ORDINAL: Record<string, number> = { Pending: 0, Unknown: 1, Running: 2 };
const t = (s: unknown): number | undefined => (typeof s === 'string' && s ? Date.parse(s) : undefined);

function maxRestarts(p: KObject): number {
  let m = 0;
  for (const c of Array.isArray(p.status?.containerStatuses) ? p.status.containerStatuses : []) m = Math.max(m, c?.restartCount ?? 0);
  return m;
}

/** afterOrZero: t1 is zero or after t2. */
function afterOrZero(a: number | undefined, b: number | undefined): boolean {
  if (a === undefined || b === undefined) return a === undefined;
  return a > b;
}

export function activePodsLess(a: KObject, b: KObject): boolean {
  const na = a.spec?.nodeName ?? '';
  const nb = b.spec?.nodeName ?? '';
  if (na !== nb && (!na || !nb)) return !na;
  const pa = PHASE_ORDINAL[a.status?.phase ?? ''] ?? 0;
  const pb = PHASE_ORDINAL[b.status?.phase ?? ''] ?? 0;
  if (pa !== pb) return pa < pb;
  const ra = isPodReady(a);
  const rb = isPodReady(b);
  if (ra !== rb) return !ra;
  if (ra && rb) {
    const ta = t(podReadyCondition(a)?.lastTransitionTime);
    const tb = t(podReadyCondition(b)?.lastTransitionTime);
    if (ta !== tb) return afterOrZero(ta, tb);
  }
  const ma = maxRestarts(a);
  const mb = maxRestarts(b);
  if (ma !== mb) return ma > mb;
  const ca = t(a.metadata?.creationTimestamp);
  const cb = t(b.metadata?.creationTimestamp);
  if (ca !== cb) return afterOrZero(ca, cb);
  return false;
}

/** sort.Sort(controller.ActivePods(pods)) on a copy. */
export function sortActivePods(pods: KObject[]): KObject[] {
  return [...pods].sort((a, b) => (activePodsLess(a, b) ? -1 : activePodsLess(b, a) ? 1 : 0));
}
