// Pod state helpers every workload controller reads (upstream pkg/api/v1/pod/util.go:
// IsPodReady, IsPodAvailable, GetPodReadyCondition; pkg/controller/controller_utils.go:
// IsPodActive, IsPodTerminating).
import type { KObject } from '../../resources/types.js';

export function phase(pod: KObject): string {
  return pod.status?.phase ?? '';
}

export function podReadyCondition(pod: KObject): KObject | undefined {
  const c = pod.status?.conditions;
  return Array.isArray(c) ? c.find((x: KObject) => x?.type === 'Ready') : undefined;
}

export function isPodReady(pod: KObject): boolean {
  return podReadyCondition(pod)?.status === 'True';
}

export function isRunningAndReady(pod: KObject): boolean {
  return phase(pod) === 'Running' && isPodReady(pod);
}

/** IsPodAvailable: Ready for at least minReadySeconds (judged from the Ready condition's transition time). */
export function isPodAvailable(pod: KObject, minReadySeconds: number, nowMs: number): boolean {
  if (!isPodReady(pod)) return false;
  if (!minReadySeconds) return true;
  const t = Date.parse(podReadyCondition(pod)?.lastTransitionTime ?? '');
  return !Number.isNaN(t) && t + minReadySeconds * 1000 < nowMs;
}

/** IsPodActive: not finished and not being deleted. */
export function isPodActive(pod: KObject): boolean {
  const p = phase(pod);
  return p !== 'Succeeded' && p !== 'Failed' && !pod.metadata?.deletionTimestamp;
}

export function isPodTerminating(pod: KObject): boolean {
  return !!pod.metadata?.deletionTimestamp;
}
