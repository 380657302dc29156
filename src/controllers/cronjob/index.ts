// The CronJob controller: pkg/controller/cronjob/cronjob_controllerv2.go (sync, syncCronJob,
// cleanupFinishedJobs, removeOldestJobs, deleteJob, formatSchedule) on the shared runtime. It
// starts the Job of each scheduled time (named after the time in minutes since the epoch), keeps
// status.active / lastScheduleTime / lastSuccessfulTime, applies the concurrency policy, the
// starting deadline and suspend, trims finished Jobs to the history limits, and requeues itself
// for the next scheduled time on the controllers' clock.
import type { KObject, ResourceDef } from '../../resources/types.js';
import { StatusError } from '../../registry/errors.js';
import { WRITE, controllerClient, controllerOf, defineController, rfc3339, splitObjectKey, type ControllerClient, type Runtime } from '../runtime/index.js';
import { formatSchedule, loadLocation, parseStandard, type CronSchedule } from './schedule.js';
import {
  byJobStartTime,
  deleteFromActiveList,
  finishedCondition,
  getJobFromTemplate,
  getJobName,
  inActiveList,
  inActiveListByName,
  jobReference,
  MAX_REQUEUE_MS,
  nextScheduleTime,
  nextScheduleTimeDuration,
} from './utils.js';

interface State {
  cronJobDef: ResourceDef;
  jobDef: ResourceDef;
  record: (obj: KObject, type: 'Normal' | 'Warning', reason: string, message: string) => void;
  /** the schedule and time zone each CronJob had at its last sync (updateCronJob's old object) */
  seen: Map<string, string>;
  /** writes as upstream's cronjob-controller service account, through admission */
  client: ControllerClient;
}

type Rt = Runtime<State>;

const isNotFound = (e: unknown) => e instanceof StatusError && e.code === 404;
const errText = (e: unknown) => (e instanceof Error ? e.message : String(e));

/** time.RFC1123Z in UTC: `Mon, 02 Jan 2006 15:04:05 +0000`. */
function rfc1123z(ms: number): string {
  const d = new Date(ms);
  const days = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const p = (n: number) => String(n).padStart(2, '0');
  return `${days[d.getUTCDay()]}, ${p(d.getUTCDate())} ${months[d.getUTCMonth()]} ${d.getUTCFullYear()} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000`;
}

/** Jobs filed by namespace and the name their controllerRef gives. */
const BY_CONTROLLER_NAME = 'cronjob-controller-name';
const byControllerName = (j: KObject): string[] => {
  const ref = controllerOf(j);
  return ref && typeof ref.name === 'string' ? [`${j.metadata?.namespace ?? ''}/${ref.name}`] : [];
};

/** Jobs whose controllerRef names the CronJob (getJobsToBeReconciled: upstream compares the name only). */
function jobsOf(rt: Rt, cj: KObject): KObject[] {
  return rt.informer('batch', 'jobs').byIndex(BY_CONTROLLER_NAME, `${cj.metadata.namespace}/${cj.metadata.name}`);
}

/** deleteJob: deletes the Job (background propagation) and drops it from the active list. */
async function deleteJob(rt: Rt, cj: KObject, job: KObject): Promise<boolean> {
  try {
    await rt.state.client.delete(rt.state.jobDef, job.metadata.namespace, job.metadata.name, { propagationPolicy: 'Background' });
  } catch (e) {
    rt.state.record(cj, 'Warning', 'FailedDelete', `Deleted job: ${errText(e)}`);
    rt.logger.error({ err: errText(e), job: job.metadata.name, cronjob: cj.metadata.name }, 'Error deleting job from cronjob');
    return false;
  }
  deleteFromActiveList(cj, job.metadata.uid);
  rt.state.record(cj, 'Normal', 'SuccessfulDelete', `Deleted job ${job.metadata.name}`);
  return true;
}

async function removeOldestJobs(rt: Rt, cj: KObject, jobs: KObject[], max: number): Promise<boolean> {
  const n = jobs.length - max;
  if (n <= 0) return false;
  let updated = false;
  const sorted = [...jobs].sort(byJobStartTime);
  for (let i = 0; i < n; i++) if (await deleteJob(rt, cj, sorted[i])) updated = true;
  return updated;
}

/** cleanupFinishedJobs: keeps the newest successfulJobsHistoryLimit / failedJobsHistoryLimit finished Jobs. */
async function cleanupFinishedJobs(rt: Rt, cj: KObject, jobs: KObject[]): Promise<boolean> {
  const sl = cj.spec?.successfulJobsHistoryLimit;
  const fl = cj.spec?.failedJobsHistoryLimit;
  if (typeof sl !== 'number' && typeof fl !== 'number') return false;
  const succeeded: KObject[] = [];
  const failed: KObject[] = [];
  for (const j of jobs) {
    const c = finishedCondition(j);
    if (c?.type === 'Complete') succeeded.push(j);
    else if (c?.type === 'Failed') failed.push(j);
  }
  let updated = false;
  if (typeof sl === 'number' && (await removeOldestJobs(rt, cj, succeeded, sl))) updated = true;
  if (typeof fl === 'number' && (await removeOldestJobs(rt, cj, failed, fl))) updated = true;
  return updated;
}

interface SyncResult {
  requeueAfterMs?: number;
  updateStatus: boolean;
  error?: unknown;
}

/** syncCronJob: one pass over a CronJob and its Jobs (cj is a copy this mutates). */
async function syncCronJob(rt: Rt, cj: KObject, jobs: KObject[]): Promise<SyncResult> {
  const now = rt.clock.now();
  const { jobDef, cronJobDef, record } = rt.state;
  let updateStatus = false;
  const ns = cj.metadata.namespace;
  if (!cj.status) cj.status = {};

  const children = new Set<string>();
  for (const j of jobs) {
    children.add(j.metadata.uid);
    const found = inActiveList(cj, j.metadata.uid);
    const cond = finishedCondition(j);
    if (!found && !cond) {
      let fresh: KObject;
      try {
        fresh = rt.registry.get(cronJobDef, ns, cj.metadata.name);
      } catch (e) {
        return { updateStatus, error: e };
      }
      if (inActiveList(fresh, j.metadata.uid)) {
        // our own status is older than the Job list: take the fresh status
        for (const k of Object.keys(cj)) delete cj[k];
        Object.assign(cj, structuredClone(fresh));
        if (!cj.status) cj.status = {};
        continue;
      }
      record(cj, 'Warning', 'UnexpectedJob', `Saw a job that the controller did not create or forgot: ${j.metadata.name}`);
    } else if (cond) {
      if (found) {
        deleteFromActiveList(cj, j.metadata.uid);
        record(cj, 'Normal', 'SawCompletedJob', `Saw completed job: ${j.metadata.name}, condition: ${cond.type}`);
        updateStatus = true;
      }
      if (cond.type === 'Complete') {
        const ct = j.status?.completionTime;
        if (!cj.status.lastSuccessfulTime && ct) {
          cj.status.lastSuccessfulTime = ct;
          updateStatus = true;
        }
        if (ct && Date.parse(ct) > Date.parse(cj.status.lastSuccessfulTime)) {
          cj.status.lastSuccessfulTime = ct;
          updateStatus = true;
        }
      }
    }
  }

  // an active Job that no longer exists is dropped (read through the API, not the cache)
  for (const ref of [...(cj.status.active ?? [])]) {
    if (children.has(ref.uid)) continue;
    try {
      rt.registry.get(jobDef, ref.namespace, ref.name);
    } catch (e) {
      if (!isNotFound(e)) return { updateStatus, error: e };
      record(cj, 'Normal', 'MissingJob', `Active job went missing: ${ref.name}`);
      deleteFromActiveList(cj, ref.uid);
      updateStatus = true;
    }
  }

  if (cj.metadata.deletionTimestamp) return { updateStatus };

  if (cj.spec?.timeZone !== undefined && cj.spec?.timeZone !== null) {
    try {
      loadLocation(cj.spec.timeZone);
    } catch (e) {
      record(cj, 'Warning', 'UnknownTimeZone', `invalid timeZone: ${JSON.stringify(cj.spec.timeZone)}: ${errText(e)}`);
      return { updateStatus };
    }
  }

  if (cj.spec?.suspend === true) return { updateStatus };

  const spec = String(cj.spec?.schedule ?? '');
  if (spec.includes('TZ'))
    record(
      cj,
      'Warning',
      'UnsupportedSchedule',
      `CRON_TZ or TZ used in schedule ${JSON.stringify(spec)} is not officially supported, see https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/ for more details`,
    );
  let sched: CronSchedule;
  try {
    sched = parseStandard(formatSchedule(spec, cj.spec?.timeZone));
  } catch (e) {
    record(cj, 'Warning', 'UnparseableSchedule', `unparseable schedule: ${JSON.stringify(spec)} : ${errText(e)}`);
    return { updateStatus };
  }

  let next: { time?: number; tooMany: boolean };
  try {
    next = nextScheduleTime(cj, now, sched);
  } catch (e) {
    record(cj, 'Warning', 'InvalidSchedule', `invalid schedule: ${spec} : ${errText(e)}`);
    return { updateStatus };
  }
  if (next.tooMany) {
    record(cj, 'Warning', 'TooManyMissedTimes', 'too many missed start times. Set or decrease .spec.startingDeadlineSeconds or check clock skew');
    rt.logger.info({ cronjob: `${ns}/${cj.metadata.name}` }, 'too many missed times');
  }
  const requeue = () => nextScheduleTimeDuration(cj, now, sched);
  const scheduled = next.time;
  if (scheduled === undefined) return { requeueAfterMs: requeue(), updateStatus };

  const sds = cj.spec?.startingDeadlineSeconds;
  if (typeof sds === 'number' && scheduled + sds * 1000 < now) {
    record(cj, 'Warning', 'MissSchedule', `Missed scheduled time to start a job: ${rfc1123z(scheduled)}`);
    return { requeueAfterMs: requeue(), updateStatus };
  }
  const last = cj.status.lastScheduleTime ? Date.parse(cj.status.lastScheduleTime) : undefined;
  if (inActiveListByName(cj, ns, getJobName(cj, scheduled)) || last === Math.floor(scheduled / 1000) * 1000) {
    return { requeueAfterMs: requeue(), updateStatus };
  }
  const active: KObject[] = cj.status.active ?? [];
  if (cj.spec?.concurrencyPolicy === 'Forbid' && active.length > 0) {
    record(cj, 'Normal', 'JobAlreadyActive', 'Not starting job because prior execution is running and concurrency policy is Forbid');
    return { requeueAfterMs: requeue(), updateStatus };
  }
  if (cj.spec?.concurrencyPolicy === 'Replace') {
    for (const ref of [...active]) {
      let job: KObject;
      try {
        job = rt.registry.get(jobDef, ref.namespace, ref.name);
      } catch (e) {
        record(cj, 'Warning', 'FailedGet', `Get job: ${errText(e)}`);
        return { updateStatus, error: e };
      }
      if (!(await deleteJob(rt, cj, job))) return { updateStatus, error: new Error(`could not replace job ${job.metadata.namespace}/${job.metadata.name}`) };
      updateStatus = true;
    }
  }

  const req = getJobFromTemplate(cj, scheduled);
  let created: KObject;
  let alreadyExisted = false;
  try {
    created = (await rt.state.client.create(jobDef, ns, req, WRITE)).object;
  } catch (e) {
    if (e instanceof StatusError && e.details?.causes?.some((c) => c.reason === 'NamespaceTerminating')) return { updateStatus, error: e };
    if (e instanceof StatusError && e.code === 409 && e.reason === 'AlreadyExists') {
      alreadyExisted = true;
      try {
        created = rt.registry.get(jobDef, ns, req.metadata.name);
      } catch (e2) {
        return { updateStatus, error: e2 };
      }
      // a Job of that name someone else controls: they keep the status
      if (controllerOf(created)?.uid !== cj.metadata.uid) return { updateStatus };
      if (inActiveList(cj, created.metadata.uid)) return { updateStatus };
    } else {
      record(cj, 'Warning', 'FailedCreate', `Error creating job: ${errText(e)}`);
      return { updateStatus, error: e };
    }
  }
  if (alreadyExisted) rt.logger.info({ cronjob: `${ns}/${cj.metadata.name}`, job: req.metadata.name }, 'Job already exists');
  else record(cj, 'Normal', 'SuccessfulCreate', `Created job ${created.metadata.name}`);

  cj.status.active = [...(cj.status.active ?? []), jobReference(created)];
  cj.status.lastScheduleTime = rfc3339(scheduled);
  updateStatus = true;
  return { requeueAfterMs: requeue(), updateStatus };
}

export const cronJobController = defineController<State>({
  name: 'cronjob',
  primary: { group: 'batch', plural: 'cronjobs' },
  owns: [{ group: 'batch', plural: 'jobs' }],
  // a CronJob adopts nothing by labels
  selector: () => undefined,
  workers: 5,
  setup: (rt) => {
    rt.informer('batch', 'jobs').addIndex(BY_CONTROLLER_NAME, byControllerName);
    return {
      cronJobDef: rt.registry.mustDef('batch', 'cronjobs'),
      jobDef: rt.registry.mustDef('batch', 'jobs'),
      record: rt.recorder.for({ component: 'cronjob-controller' }),
      seen: new Map(),
      client: controllerClient(rt.registry, 'cronjob-controller'),
    };
  },
  onPrimaryDelete: (obj, rt) => void rt.state.seen.delete(rt.keyOf(obj)),
  async reconcile(key, rt) {
    const { namespace: ns, name } = splitObjectKey(key);
    const cached = rt.primary.get(ns, name);
    if (!cached) return;
    // updateCronJob: a changed schedule or time zone only moves the requeue to the new schedule's
    // next time (the sync then runs at that time, not now)
    const sig = JSON.stringify([cached.spec?.schedule ?? '', cached.spec?.timeZone ?? null]);
    const before = rt.state.seen.get(key);
    rt.state.seen.set(key, sig);
    if (before !== undefined && before !== sig) {
      let sched: CronSchedule;
      try {
        sched = parseStandard(formatSchedule(String(cached.spec?.schedule ?? ''), cached.spec?.timeZone));
      } catch {
        rt.state.record(cached, 'Warning', 'UnParseableCronJobSchedule', `unparseable schedule for cronjob: ${cached.spec?.schedule ?? ''}`);
        return;
      }
      const d = nextScheduleTimeDuration(cached, rt.clock.now(), sched);
      return d === undefined ? undefined : { requeueAfterMs: Math.min(MAX_REQUEUE_MS, Math.max(0, d)) };
    }
    const jobs = jobsOf(rt, cached);
    const cj = structuredClone(cached);
    const cleaned = await cleanupFinishedJobs(rt, cj, jobs);
    const r = await syncCronJob(rt, cj, jobs);
    if (r.error) rt.logger.debug({ cronjob: key, err: errText(r.error) }, 'Error reconciling cronjob');
    if (cleaned || r.updateStatus) {
      // UpdateStatus: the whole status, at the resourceVersion read (a conflict retries the sync);
      // an empty active list is omitted (omitempty)
      if (Array.isArray(cj.status?.active) && cj.status.active.length === 0) delete cj.status.active;
      await rt.state.client.update(rt.state.cronJobDef, ns, name, cj, { ...WRITE, subresource: 'status' });
    }
    if (r.requeueAfterMs !== undefined) return { requeueAfterMs: Math.min(MAX_REQUEUE_MS, Math.max(0, r.requeueAfterMs)) };
    if (r.error) throw r.error;
  },
});
