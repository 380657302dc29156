// The pod re-creation back-off after failures (upstream pkg/controller/job/backoff_utils.go):
// 10 s doubling to 10 min, counted from the last failure since the last success.
import type { KObject } from '../../resources/types.js';
import type { Clock } from '../runtime/index.js';
import { indexAbsoluteFailureCount } from './indexed.js';

export const DEFAULT_POD_FAILURE_BACKOFF_MS = 10_000;
export const MAX_POD_FAILURE_BACKOFF_MS = 10 * 60_000;

export interface BackoffRecord {
  key: string;
  failuresAfterLastSuccess: number;
  lastFailureTime?: number;
}

const arr = (v: unknown): KObject[] => (Array.isArray(v) ? v : []);
const ms = (t: unknown): number | undefined => {
  if (typeof t !== 'string' || !t) return undefined;
  const v = Date.parse(t);
  return Number.isNaN(v) ? undefined : v;
};

/** getFinishedTime: the last container finish, else Ready=False's transition, else deletion minus grace, else creation. */
export function finishedTime(p: KObject): number {
  let fromContainers: number | undefined;
  let all = true;
  for (const cs of arr(p.status?.containerStatuses)) {
    const at = ms(cs?.state?.terminated?.finishedAt);
    if (at === undefined) {
      all = false;
      break;
    }
    if (fromContainers === undefined || fromContainers < at) fromContainers = at;
  }
  if (all && fromContainers !== undefined) return fromContainers;
  const ready = arr(p.status?.conditions).find((c) => c?.type === 'Ready');
  const rt = ms(ready?.lastTransitionTime);
  if (ready?.status === 'False' && rt !== undefined) return rt;
  const del = ms(p.metadata?.deletionTimestamp);
  if (del !== undefined) return del - (p.metadata?.deletionGracePeriodSeconds ?? 0) * 1000;
  return ms(p.metadata?.creationTimestamp) ?? 0;
}

const byFinished = (pods: KObject[]) => pods.map((p) => [finishedTime(p), p] as const).sort((a, b) => a[0] - b[0]);

export class BackoffStore {
  private readonly store = new Map<string, BackoffRecord>();

  update(r: BackoffRecord): void {
    this.store.set(r.key, { ...r });
  }

  remove(key: string): void {
    this.store.delete(key);
  }

  /** newBackoffRecord: the record once the newly finished pods are taken into account. */
  next(key: string, newSucceeded: KObject[], newFailed: KObject[]): BackoffRecord {
    const old = this.store.get(key);
    const r: BackoffRecord = { key, failuresAfterLastSuccess: old?.failuresAfterLastSuccess ?? 0, lastFailureTime: old?.lastFailureTime };
    const failed = byFinished(newFailed);
    if (newSucceeded.length === 0) {
      if (failed.length === 0) return r;
      r.failuresAfterLastSuccess += failed.length;
      r.lastFailureTime = failed[failed.length - 1][0];
      return r;
    }
    const succeeded = byFinished(newSucceeded);
    r.failuresAfterLastSuccess = 0;
    r.lastFailureTime = undefined;
    const lastSuccess = succeeded[succeeded.length - 1][0];
    for (let i = failed.length - 1; i >= 0; i--) {
      if (!(failed[i][0] > lastSuccess)) break;
      if (r.lastFailureTime === undefined) r.lastFailureTime = failed[i][0];
      r.failuresAfterLastSuccess++;
    }
    return r;
  }
}

/** getRemainingTimeForFailuresCount, with the profile's scale (1, or less for zero-delay test clusters). */
export function remainingForFailures(clock: Clock, scale: number, failures: number, lastFailureTime: number | undefined): number {
  if (failures === 0 || lastFailureTime === undefined) return 0;
  const max = MAX_POD_FAILURE_BACKOFF_MS * scale;
  let backoff = DEFAULT_POD_FAILURE_BACKOFF_MS * scale;
  for (let i = 1; i < failures; i++) {
    backoff *= 2;
    if (backoff >= max) {
      backoff = max;
      break;
    }
  }
  const elapsed = clock.now() - lastFailureTime;
  return backoff < elapsed ? 0 : backoff - elapsed;
}

export function remainingForRecord(clock: Clock, scale: number, r: BackoffRecord): number {
  return remainingForFailures(clock, scale, r.failuresAfterLastSuccess, r.lastFailureTime);
}

/** getRemainingTimePerIndex: from the last failed pod of the index. */
export function remainingForIndex(clock: Clock, scale: number, lastFailedPod: KObject | undefined): number {
  if (!lastFailedPod) return 0;
  return remainingForFailures(clock, scale, indexAbsoluteFailureCount(lastFailedPod) + 1, finishedTime(lastFailedPod));
}
