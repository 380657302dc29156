// Schedule arithmetic and Job construction of the CronJob controller: pkg/controller/cronjob/utils.go
// (mostRecentScheduleTime, nextScheduleTimeDuration, nextScheduleTime, getJobFromTemplate2,
// getTimeHashInMinutes, byJobStartTime, the active list helpers). Times are epoch milliseconds.
import type { KObject } from '../../resources/types.js';
import { newControllerRef } from '../runtime/index.js';
import { offsetAt, loadLocation, type CronSchedule } from './schedule.js';

/** client-go adds this to every requeue so an NTP skew does not miss the slot. */
export const NEXT_SCHEDULE_DELTA_MS = 100;
/**
 * The longest delay a timer can wait (Node's setTimeout fires at once past 2^31-1 ms): a CronJob due
 * later (@yearly, @monthly) is synced again after this long and requeued for the rest.
 */
export const MAX_REQUEUE_MS = 2 ** 31 - 1;
export const SCHEDULED_TIMESTAMP_ANNOTATION = 'batch.kubernetes.io/cronjob-scheduled-timestamp';

export type Missed = 'none' | 'few' | 'many';

const parseTime = (t: unknown): number | undefined => (typeof t === 'string' && t ? Date.parse(t) : undefined);

export class InvalidScheduleError extends Error {}

/**
 * mostRecentScheduleTime: the earliest time considered (last schedule or creation, or the starting
 * deadline), the most recent unmet schedule time at or before now (or undefined), and how many
 * were missed; throws when two consecutive times are less than a second apart (a schedule that
 * parses but never fires, such as Feb 31st).
 */
export function mostRecentScheduleTime(
  cj: KObject,
  now: number,
  schedule: CronSchedule,
  includeStartingDeadlineSeconds: boolean,
): { earliest: number; mostRecent?: number; missed: Missed } {
  let earliest = parseTime(cj.metadata?.creationTimestamp) ?? now;
  const last = parseTime(cj.status?.lastScheduleTime);
  if (last !== undefined) earliest = last;
  const sds = cj.spec?.startingDeadlineSeconds;
  if (includeStartingDeadlineSeconds && typeof sds === 'number') {
    const deadline = now - sds * 1000;
    if (deadline > earliest) earliest = deadline;
  }
  const t1 = schedule.next(earliest);
  const t2 = t1 === null ? null : schedule.next(t1);
  if (t1 !== null && now < t1) return { earliest, missed: 'none' };
  if (t1 !== null && t2 !== null && now < t2) return { earliest, mostRecent: t1, missed: 'none' };
  const between = t1 === null || t2 === null ? 0 : Math.round((t2 - t1) / 1000);
  if (between < 1) throw new InvalidScheduleError('time difference between two schedules is less than 1 second');
  const elapsed = Math.trunc((now - t1!) / 1000);
  const n = Math.trunc(elapsed / between) + 1;
  let mostRecent: number | undefined;
  // start a little before the estimated last slot and let the schedule find the exact times
  const potentialEarliest = t1! + (n - 1 - 1) * between * 1000;
  for (let t = schedule.next(potentialEarliest); t !== null && t <= now; t = schedule.next(t)) mostRecent = t;
  const missed: Missed = n > 100 ? 'many' : n > 0 ? 'few' : 'none';
  return { earliest, mostRecent, missed };
}

/** nextScheduleTimeDuration: how long until the next slot (plus 100 ms), from now. */
export function nextScheduleTimeDuration(cj: KObject, now: number, schedule: CronSchedule): number | undefined {
  let from: number;
  try {
    const r = mostRecentScheduleTime(cj, now, schedule, false);
    from = r.mostRecent ?? (r.missed === 'none' ? r.earliest : now);
  } catch {
    from = now;
  }
  const next = schedule.next(from);
  if (next === null) return undefined;
  return next + NEXT_SCHEDULE_DELTA_MS - now;
}

/** nextScheduleTime: the unmet schedule time to start now (undefined: none), and whether too many were missed. */
export function nextScheduleTime(cj: KObject, now: number, schedule: CronSchedule): { time?: number; tooMany: boolean } {
  const r = mostRecentScheduleTime(cj, now, schedule, true);
  if (r.mostRecent === undefined || r.mostRecent > now) return { tooMany: false };
  return { time: r.mostRecent, tooMany: r.missed === 'many' };
}

/** getJobName: `<cronjob>-<scheduled time in minutes since the epoch>`. */
export function getJobName(cj: KObject, scheduledMs: number): string {
  return `${cj.metadata.name}-${Math.floor(Math.floor(scheduledMs / 1000) / 60)}`;
}

/** time.Time.In(loc).Format(time.RFC3339). */
export function formatRFC3339In(ms: number, tz: string): string {
  const off = offsetAt(ms, tz);
  const local = new Date(Math.floor(ms / 1000) * 1000 + off).toISOString().replace(/\.\d+Z$/, '');
  if (off === 0) return `${local}Z`;
  const sign = off < 0 ? '-' : '+';
  const m = Math.abs(off) / 60_000;
  return `${local}${sign}${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
}

/** getJobFromTemplate2: the Job a CronJob starts for a scheduled time. */
export function getJobFromTemplate(cj: KObject, scheduledMs: number): KObject {
  const tpl = cj.spec?.jobTemplate ?? {};
  const labels = { ...(tpl.metadata?.labels ?? {}) };
  const annotations: Record<string, string> = { ...(tpl.metadata?.annotations ?? {}) };
  const tz = loadLocation(cj.spec?.timeZone ?? '');
  annotations[SCHEDULED_TIMESTAMP_ANNOTATION] = formatRFC3339In(scheduledMs, tz);
  const metadata: KObject = {
    name: getJobName(cj, scheduledMs),
    namespace: cj.metadata.namespace,
    annotations,
    ownerReferences: [newControllerRef(cj, 'batch/v1', 'CronJob')],
  };
  if (Object.keys(labels).length) metadata.labels = labels;
  return { apiVersion: 'batch/v1', kind: 'Job', metadata, spec: structuredClone(tpl.spec ?? {}) };
}

/** ref.GetReference of a Job (the entries of status.active). */
export function jobReference(job: KObject): KObject {
  return {
    kind: 'Job',
    namespace: job.metadata.namespace,
    name: job.metadata.name,
    uid: job.metadata.uid,
    apiVersion: 'batch/v1',
    resourceVersion: job.metadata.resourceVersion,
  };
}

export const inActiveList = (cj: KObject, uid: string): boolean => (cj.status?.active ?? []).some((r: KObject) => r.uid === uid);
export const inActiveListByName = (cj: KObject, ns: string, name: string): boolean => (cj.status?.active ?? []).some((r: KObject) => r.name === name && r.namespace === ns);

export function deleteFromActiveList(cj: KObject, uid: string): void {
  if (!cj.status) cj.status = {};
  cj.status.active = (cj.status.active ?? []).filter((r: KObject) => r.uid !== uid);
}

/** The Complete or Failed condition that is True, if any (jobutil.FinishedCondition). */
export function finishedCondition(job: KObject): KObject | undefined {
  return (job.status?.conditions ?? []).find((c: KObject) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True');
}

/** byJobStartTime: started before not started, earlier start first, then by name. */
export function byJobStartTime(a: KObject, b: KObject): number {
  const sa = parseTime(a.status?.startTime);
  const sb = parseTime(b.status?.startTime);
  if (sa === undefined && sb !== undefined) return 1;
  if (sa !== undefined && sb === undefined) return -1;
  if (sa === sb) return a.metadata.name < b.metadata.name ? -1 : a.metadata.name > b.metadata.name ? 1 : 0;
  return sa! - sb!;
}
