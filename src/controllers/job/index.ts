// The Job controller as kube-controller-manager 1.33 runs it (upstream pkg/controller/job/job_controller.go,
// with indexed_job_utils.go, pod_failure_policy.go, success_policy.go, backoff_utils.go and tracking_utils.go
// beside it): pods created from the template with the batch.kubernetes.io/job-tracking finalizer, counted
// through status.uncountedTerminatedPods before the finalizer is removed, NonIndexed and Indexed
// completions, backoffLimit with the exponential re-creation back-off, backoffLimitPerIndex /
// maxFailedIndexes, podFailurePolicy, successPolicy, activeDeadlineSeconds, suspend and
// podReplacementPolicy; the interim SuccessCriteriaMet / FailureTarget conditions come before
// Complete / Failed (JobManagedBy and JobPodReplacementPolicy on), as upstream's reasons and events say.
// Differences: pod events enqueue the Job at once (no 1 s batching), and with the zero-delay pod
// stages ('fast') the pod failure back-off is scaled by 1/100 as the kubelet's crash back-off is.
import type { KObject, ResourceDef } from '../../resources/types.js';
import { StatusError } from '../../registry/errors.js';
import { labelSelectorFromObject, type LabelSelector } from '../../registry/selectors.js';
import { splitObjectKey } from '../informer.js';
import {
  controllerClient,
  ControllerExpectations,
  claimObjects,
  controllerOf,
  defineController,
  isPodReady,
  newControllerRef,
  recheckDeletionTimestamp,
  rfc3339,
  WRITE,
  type Runtime,
} from '../runtime/index.js';
import { isJobFinished } from '../../resources/batch/job.js';
import { sortActivePods } from './activepods.js';
import { BackoffStore, finishedTime, remainingForIndex, remainingForRecord, type BackoffRecord } from './backoff.js';
import {
  COMPLETION_INDEX_ANNOTATION,
  INDEX_FAILURE_COUNT_ANNOTATION,
  INDEX_IGNORED_FAILURE_COUNT_ANNOTATION,
  OrderedIntervals,
  UNKNOWN_INDEX,
  addCompletionIndexEnv,
  completionIndex,
  generateNameWithIndex,
  indexAbsoluteFailureCount,
  indexFailureCount,
  indexIgnoredFailureCount,
  indexesOf,
  parseIndexes,
  sortByCompletionIndex,
  sortedList,
} from './indexed.js';
import { matchPodFailurePolicy, matchSuccessPolicy } from './policy.js';
import { FinalizerExpectations } from './tracking.js';

export const JOB_TRACKING_FINALIZER = 'batch.kubernetes.io/job-tracking';
export const JOB_CONTROLLER_NAME = 'kubernetes.io/job-controller';
const MAX_UNCOUNTED_PODS = 500;
const MAX_POD_CREATE_DELETE_PER_SYNC = 500;
const SLOW_START_INITIAL_BATCH = 1;
const ORPHAN = 'orphan:';
/** the controller writes objects read from the server (plus its own fields): no unknown-field pass */
const W = { ...WRITE, fieldsChecked: true };

type Cond = KObject;

interface SyncCtx {
  job: KObject;
  pods: KObject[];
  finishedCondition?: Cond;
  activePods: KObject[];
  succeeded: number;
  failed: number;
  prevSucceededIndexes: OrderedIntervals;
  succeededIndexes: OrderedIntervals;
  failedIndexes?: OrderedIntervals;
  newBackoffRecord: BackoffRecord;
  expectedRmFinalizers: Set<string>;
  uncounted: { succeeded: Set<string>; failed: Set<string> };
  podsWithDelayedDeletionPerIndex: Map<number, KObject>;
  terminating: number;
  ready: number;
}

const arr = (v: unknown): any[] => (Array.isArray(v) ? v : []);
const hasFinalizer = (p: KObject) => arr(p.metadata?.finalizers).includes(JOB_TRACKING_FINALIZER);
const isIndexed = (job: KObject) => job.spec?.completionMode === 'Indexed';
const hasBackoffLimitPerIndex = (job: KObject) => job.spec?.backoffLimitPerIndex !== undefined && job.spec?.backoffLimitPerIndex !== null;
const suspended = (job: KObject) => job.spec?.suspend === true;
const isTerminal = (p: KObject) => p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed';
const isActive = (p: KObject) => !isTerminal(p) && !p.metadata?.deletionTimestamp;
/** controller.IsPodTerminating: being deleted and not terminal. */
const isTerminating = (p: KObject) => !isTerminal(p) && !!p.metadata?.deletionTimestamp;
const completions = (job: KObject): number => job.spec?.completions ?? 0;
const errText = (err: unknown) => (err instanceof Error ? err.message : String(err));

/** onlyReplaceFailedPods: podReplacementPolicy Failed (always with a podFailurePolicy). */
const onlyReplaceFailedPods = (job: KObject) => job.spec?.podReplacementPolicy === 'Failed' || !!job.spec?.podFailurePolicy;

/** isPodFailed: Failed, or (unless only failed pods are replaced) being deleted without having succeeded. */
function isPodFailed(p: KObject, job: KObject): boolean {
  if (p.status?.phase === 'Failed') return true;
  if (onlyReplaceFailedPods(job)) return false;
  return !!p.metadata?.deletionTimestamp && p.status?.phase !== 'Succeeded';
}

function findCondition(job: KObject, type: string): Cond | undefined {
  return arr(job.status?.conditions).find((c) => c?.type === type);
}
const condTrue = (job: KObject, type: string) => findCondition(job, type)?.status === 'True';

function selectorOf(job: KObject): LabelSelector | undefined {
  try {
    return labelSelectorFromObject(job.spec?.selector);
  } catch {
    return undefined;
  }
}

/** managedByExternalController: a managedBy other than the built-in controller. */
function managedByExternal(job: KObject): boolean {
  const m = job.spec?.managedBy;
  return typeof m === 'string' && m !== JOB_CONTROLLER_NAME;
}

function setup(rt: Runtime<undefined>) {
  const { registry } = rt;
  const jobDef: ResourceDef = registry.mustDef('batch', 'jobs');
  const podDef: ResourceDef = registry.mustDef('', 'pods');
  const pods = rt.informer('', 'pods');
  pods.addIndex('job:orphans', (p) => (controllerOf(p) ? [] : [p.metadata?.namespace ?? '']));
  const record = rt.recorder.for({ component: 'job-controller' });
  const fast = rt.options.podStages === 'fast';
  return {
    jobDef,
    podDef,
    pods,
    record,
    // writes as upstream's job-controller service account, through admission
    client: controllerClient(registry, 'job-controller'),
    expectations: new ControllerExpectations(rt.clock),
    finalizerExpectations: new FinalizerExpectations(),
    backoff: new BackoffStore(),
    backoffScale: fast ? 0.01 : 1,
    podIndexLabel: rt.options.emulatedMinor >= 28,
    // 1.31+: the terminal condition waits for the pods to terminate, after SuccessCriteriaMet /
    // FailureTarget (delayTerminalCondition), and Complete says CompletionsReached
    delayTerminal: rt.options.emulatedMinor >= 31,
  };
}

type State = ReturnType<typeof setup>;

function now(rt: Runtime<State>): string {
  return rfc3339(rt.clock.now());
}

function newCondition(rt: Runtime<State>, type: string, status: string, reason: string, message: string): Cond {
  const t = now(rt);
  const c: Cond = { type, status, lastProbeTime: t, lastTransitionTime: t };
  if (reason) c.reason = reason;
  if (message) c.message = message;
  return c;
}

/** ensureJobConditionStatus: updates or appends (never appends a False one); returns whether it changed. */
function ensureCondition(rt: Runtime<State>, job: KObject, type: string, status: string, reason: string, message: string): boolean {
  const list: Cond[] = arr(job.status.conditions);
  const i = list.findIndex((c) => c?.type === type);
  if (i >= 0) {
    const c = list[i];
    if (c.status !== status || (c.reason ?? '') !== reason || (c.message ?? '') !== message) {
      list[i] = newCondition(rt, type, status, reason, message);
      job.status.conditions = list;
      return true;
    }
    return false;
  }
  if (status !== 'False') {
    job.status.conditions = [...list, newCondition(rt, type, status, reason, message)];
    return true;
  }
  return false;
}

/** The status as the Go struct serialises it (field order, omitempty). */
function statusObject(st: KObject): KObject {
  const out: KObject = {};
  if (arr(st.conditions).length) out.conditions = st.conditions;
  if (st.startTime) out.startTime = st.startTime;
  if (st.completionTime) out.completionTime = st.completionTime;
  if (st.active) out.active = st.active;
  if (st.succeeded) out.succeeded = st.succeeded;
  if (st.failed) out.failed = st.failed;
  if (st.terminating !== undefined && st.terminating !== null) out.terminating = st.terminating;
  if (st.completedIndexes) out.completedIndexes = st.completedIndexes;
  if (st.failedIndexes !== undefined && st.failedIndexes !== null) out.failedIndexes = st.failedIndexes;
  if (st.uncountedTerminatedPods) {
    const u: KObject = {};
    if (arr(st.uncountedTerminatedPods.succeeded).length) u.succeeded = st.uncountedTerminatedPods.succeeded;
    if (arr(st.uncountedTerminatedPods.failed).length) u.failed = st.uncountedTerminatedPods.failed;
    out.uncountedTerminatedPods = u;
  }
  if (st.ready !== undefined && st.ready !== null) out.ready = st.ready;
  return out;
}

/** A copy of a (cached or written) Job whose status may be changed: only the status is the controller's to mutate. */
function ownStatus(job: KObject): KObject {
  return { ...job, status: structuredClone(job.status ?? {}) };
}

/** updateJobStatus: a PUT of the status (the resourceVersion is a precondition; a conflict retries the sync). */
async function updateStatus(rt: Runtime<State>, job: KObject): Promise<KObject> {
  const body = { ...job, status: statusObject(job.status) };
  const r = await rt.state.client.update(rt.state.jobDef, job.metadata.namespace, job.metadata.name, body, { ...W, subresource: 'status' });
  return ownStatus(r.object);
}

/** The pod a Job creates from its template (controller.GetPodFromTemplate). */
function podFromTemplate(job: KObject, template: KObject, generateName: string): KObject {
  const meta = template.metadata ?? {};
  const pod: KObject = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      generateName,
      labels: { ...(meta.labels ?? {}) },
      annotations: { ...(meta.annotations ?? {}) },
      finalizers: [...arr(meta.finalizers)],
      ownerReferences: [newControllerRef(job, 'batch/v1', 'Job')],
    },
    spec: structuredClone(template.spec ?? {}),
  };
  if (!Object.keys(pod.metadata.labels).length) delete pod.metadata.labels;
  if (!Object.keys(pod.metadata.annotations).length) delete pod.metadata.annotations;
  return pod;
}

/** getPodsPrefix: `<name>-` when that is a valid generateName. */
function podsPrefix(name: string): string {
  return name.length + 1 <= 253 ? `${name}-` : name;
}

function isNamespaceTerminating(err: unknown): boolean {
  return err instanceof StatusError && arr(err.details?.causes).some((c) => c?.reason === 'NamespaceTerminating');
}

/** Removes the tracking finalizer (a $deleteFromPrimitiveList patch upstream): a write of the cached pod, re-read on a conflict. */
function removeFinalizer(rt: Runtime<State>, pod: KObject): void {
  const strip = (p: KObject): KObject => {
    const f = arr(p.metadata.finalizers).filter((x) => x !== JOB_TRACKING_FINALIZER);
    const metadata = { ...p.metadata };
    if (f.length) metadata.finalizers = f;
    else delete metadata.finalizers;
    return { ...p, metadata };
  };
  const { namespace, name, uid } = pod.metadata;
  const cached = rt.state.pods.get(namespace, name);
  if (cached && cached.metadata.uid === uid && cached.metadata.resourceVersion) {
    try {
      // a copy: the update may default the object in place, and the cached one is shared
      rt.registry.update(rt.state.podDef, namespace, name, strip(structuredClone(cached)), W);
      return;
    } catch (err) {
      if (!(err instanceof StatusError && err.code === 409)) throw err;
    }
  }
  rt.registry.modify(
    rt.state.podDef,
    namespace,
    name,
    (p) => {
      if (p.metadata.uid !== uid) throw new StatusError(404, 'NotFound', `pods "${name}" not found`);
      return strip(p);
    },
    W,
  );
}

/** RealPodControl.DeletePod with its events. */
async function deletePod(rt: Runtime<State>, job: KObject, pod: KObject): Promise<void> {
  try {
    await rt.state.client.delete(rt.state.podDef, pod.metadata.namespace, pod.metadata.name, {});
  } catch (err) {
    if (err instanceof StatusError && err.code === 404) throw err;
    rt.state.record(job, 'Warning', 'FailedDelete', `Error deleting: ${errText(err)}`);
    throw err;
  }
  rt.state.record(job, 'Normal', 'SuccessfulDelete', `Deleted pod: ${pod.metadata.name}`);
}

/** getPodsForJob: the Job's pods, claimed (adopted pods get the tracking finalizer). */
function podsForJob(rt: Runtime<State>, job: KObject): KObject[] | Promise<KObject[]> {
  const sel = selectorOf(job);
  if (!sel) throw new Error(`couldn't convert Job selector`);
  const ns = job.metadata.namespace;
  const { pods, podDef, jobDef } = rt.state;
  const registry = rt.registry;
  const seen = new Set<string>();
  const candidates: KObject[] = [];
  for (const p of [...pods.byOwner(job.metadata.uid), ...pods.byIndex('job:orphans', ns)]) {
    if (p.metadata.namespace !== ns || seen.has(p.metadata.uid)) continue;
    seen.add(p.metadata.uid);
    candidates.push(p);
  }
  const canAdoptOnce = recheckDeletionTimestamp(registry, jobDef, job);
  const claimed = claimObjects({ registry, def: podDef, owner: job, ownerApiVersion: 'batch/v1', ownerKind: 'Job', selector: sel, candidates, canAdopt: canAdoptOnce });
  const after = (claimed: KObject[]) => claimed.map((p) => {
    if (controllerOf(p)) return p;
    // adopted: the ownerReference and the finalizer are added (NewPodControllerRefManager with the finalizer)
    let out = p;
    try {
      out = registry.modify(podDef, ns, p.metadata.name, (cur: KObject) => {
        if (!arr(cur.metadata.finalizers).includes(JOB_TRACKING_FINALIZER)) cur.metadata.finalizers = [...arr(cur.metadata.finalizers), JOB_TRACKING_FINALIZER];
      }, W).object;
    } catch (err) {
      if (!(err instanceof StatusError && err.code === 404)) throw err;
    }
    return hasFinalizer(out) ? out : { ...out, metadata: { ...out.metadata, finalizers: [...arr(out.metadata.finalizers), JOB_TRACKING_FINALIZER] } };
  });
  // adoption through admission (a webhook or policy on pods) answers later
  return claimed instanceof Promise ? claimed.then(after) : after(claimed);
}

/** getValidPodsWithFilter: pods with the finalizer, not yet counted, with a valid index (Indexed). */
function validPods(ctx: SyncCtx, uncounted: Set<string> | undefined, filter: (p: KObject) => boolean): KObject[] {
  const out: KObject[] = [];
  for (const p of ctx.pods) {
    const uid = p.metadata.uid;
    if (!hasFinalizer(p) || uncounted?.has(uid) || ctx.expectedRmFinalizers.has(uid)) continue;
    if (isIndexed(ctx.job)) {
      const ix = completionIndex(p);
      if (ix === UNKNOWN_INDEX || ix >= completions(ctx.job)) continue;
    }
    if (filter(p)) out.push(p);
  }
  return out;
}

/** isIndexFailed: a FailIndex match, or counted failures reaching backoffLimitPerIndex. */
function isIndexFailed(job: KObject, pod: KObject): boolean {
  let counted = false;
  if (isPodFailed(pod, job)) {
    if (job.spec.podFailurePolicy) {
      const m = matchPodFailurePolicy(job.spec.podFailurePolicy, pod);
      if (m.action === 'FailIndex') return true;
      counted = m.countFailed;
    } else counted = true;
  }
  return counted && indexFailureCount(pod) >= job.spec.backoffLimitPerIndex;
}

function calculateSucceededIndexes(job: KObject, pods: KObject[]): [OrderedIntervals, OrderedIntervals] {
  const prev = parseIndexes(job.status.completedIndexes, completions(job));
  const s = new Set<number>();
  for (const p of pods) {
    const ix = completionIndex(p);
    if (p.status?.phase === 'Succeeded' && ix !== UNKNOWN_INDEX && ix < completions(job) && hasFinalizer(p)) s.add(ix);
  }
  return [prev, prev.withOrderedIndexes(sortedList(s))];
}

function calculateFailedIndexes(job: KObject, pods: KObject[]): OrderedIntervals {
  const prev = job.status.failedIndexes !== undefined && job.status.failedIndexes !== null ? parseIndexes(job.status.failedIndexes, completions(job)) : new OrderedIntervals();
  const s = new Set<number>();
  for (const p of pods) {
    const ix = completionIndex(p);
    if (ix !== UNKNOWN_INDEX && ix < completions(job) && hasFinalizer(p) && isIndexFailed(job, p)) s.add(ix);
  }
  return prev.withOrderedIndexes(sortedList(s));
}

/** getPodsWithDelayedDeletionPerIndex: the last failed pod of each index still to be re-created. */
function podsWithDelayedDeletion(ctx: SyncCtx): Map<number, KObject> {
  const active = indexesOf(ctx.activePods);
  const out = new Map<number, KObject>();
  validPods(ctx, undefined, (p) => {
    if (!isPodFailed(p, ctx.job)) return false;
    const ix = completionIndex(p);
    if (ix === UNKNOWN_INDEX || ix >= completions(ctx.job)) return false;
    if (ctx.succeededIndexes.has(ix) || ctx.failedIndexes?.has(ix) || active.has(ix)) return false;
    const last = out.get(ix);
    if (!last || (indexAbsoluteFailureCount(last) <= indexAbsoluteFailureCount(p) && !(finishedTime(p) < finishedTime(last)))) out.set(ix, p);
    return false;
  });
  return out;
}

/** firstPendingIndexes. */
function firstPendingIndexes(ctx: SyncCtx, count: number, total: number): number[] {
  if (count === 0) return [];
  let nonPending = ctx.succeededIndexes.withOrderedIndexes(sortedList(indexesOf(ctx.activePods)));
  if (onlyReplaceFailedPods(ctx.job)) nonPending = nonPending.withOrderedIndexes(sortedList(indexesOf(ctx.pods.filter(isTerminating))));
  if (ctx.failedIndexes) nonPending = nonPending.merge(ctx.failedIndexes);
  const out: number[] = [];
  let candidate = 0;
  for (const iv of nonPending.list) {
    for (; candidate < total && out.length < count && candidate < iv.first; candidate++) out.push(candidate);
    if (candidate < iv.last + 1) candidate = iv.last + 1;
  }
  for (; candidate < total && out.length < count; candidate++) out.push(candidate);
  return out;
}

/** activePodsForRemoval: duplicated / out-of-range indexes first, then by ActivePods order. */
function activePodsForRemoval(job: KObject, pods: KObject[], rmAtLeast: number): KObject[] {
  let rm: KObject[] = [];
  let left: KObject[] = pods;
  if (isIndexed(job)) {
    rm = [];
    left = [];
    const sorted = sortByCompletionIndex(pods);
    const total = completions(job);
    let i = 0;
    while (i < sorted.length) {
      const ix = completionIndex(sorted[i]);
      if (ix >= total) {
        rm.push(...sorted.slice(i));
        break;
      }
      let j = i;
      while (j < sorted.length && completionIndex(sorted[j]) === ix) j++;
      const group = sorted.slice(i, j);
      if (ix === UNKNOWN_INDEX) rm.push(...group);
      else if (group.length === 1) left.push(group[0]);
      else {
        const ordered = sortActivePods(group);
        rm.push(...ordered.slice(0, -1));
        left.push(ordered[ordered.length - 1]);
      }
      i = j;
    }
  }
  if (rm.length < rmAtLeast) rm.push(...sortActivePods(left).slice(0, rmAtLeast - rm.length));
  return rm;
}

/** pastBackoffLimitOnFailure: restarts of running/pending pods reaching backoffLimit (restartPolicy OnFailure). */
function pastBackoffLimitOnFailure(job: KObject, pods: KObject[]): boolean {
  if (job.spec.template?.spec?.restartPolicy !== 'OnFailure') return false;
  let n = 0;
  for (const p of pods) {
    const ph = p.status?.phase;
    if (ph !== 'Running' && ph !== 'Pending') continue;
    for (const s of [...arr(p.status?.initContainerStatuses), ...arr(p.status?.containerStatuses)]) n += s?.restartCount ?? 0;
  }
  return job.spec.backoffLimit === 0 ? n > 0 : n >= job.spec.backoffLimit;
}

function pastActiveDeadline(rt: Runtime<State>, job: KObject): boolean {
  const ads = job.spec.activeDeadlineSeconds;
  if (ads === undefined || ads === null || !job.status.startTime || suspended(job)) return false;
  return rt.clock.now() - Date.parse(job.status.startTime) >= ads * 1000;
}

function newFailureCondition(rt: Runtime<State>, reason: string, message: string): Cond {
  // delayTerminalCondition (JobManagedBy / JobPodReplacementPolicy on): FailureTarget first
  return newCondition(rt, rt.state.delayTerminal ? 'FailureTarget' : 'Failed', 'True', reason, message);
}

function newSuccessCondition(rt: Runtime<State>): Cond {
  if (!rt.state.delayTerminal) return newCondition(rt, 'Complete', 'True', '', '');
  return newCondition(rt, 'SuccessCriteriaMet', 'True', 'CompletionsReached', 'Reached expected number of succeeded pods');
}

/** deleteJobPods: the finalizer removed first, then the pod deleted (suspend, too many pods). Returns [ready, deleted]. */
async function deleteJobPods(rt: Runtime<State>, job: KObject, key: string, pods: KObject[]): Promise<[number, number, unknown]> {
  let deleted = 0;
  let ready = 0;
  let error: unknown;
  for (const pod of pods) {
    try {
      if (hasFinalizer(pod)) removeFinalizer(rt, pod);
      await deletePod(rt, job, pod);
      deleted++;
      if (isPodReady(pod)) ready++;
    } catch (err) {
      rt.state.expectations.deletionObserved(key);
      if (err instanceof StatusError && err.code === 404) {
        deleted++;
        if (isPodReady(pod)) ready++;
        continue;
      }
      error ??= err;
    }
  }
  return [ready, deleted, error];
}

/** deleteActivePods: deletions that keep the finalizers (the Job is finishing). */
async function deleteActivePods(rt: Runtime<State>, job: KObject, pods: KObject[]): Promise<[number, number, unknown]> {
  let deleted = 0;
  let ready = 0;
  let error: unknown;
  for (const pod of pods) {
    try {
      await deletePod(rt, job, pod);
      deleted++;
    } catch (err) {
      if (err instanceof StatusError && err.code === 404) deleted++;
      else error ??= err;
    }
    if (isPodReady(pod)) ready++;
  }
  return [ready, deleted, error];
}

/** manageJob: creates or deletes pods towards the wanted number of active ones. Returns the active count. */
async function manageJob(rt: Runtime<State>, job: KObject, ctx: SyncCtx, key: string): Promise<[number, unknown]> {
  const S = rt.state;
  let active = ctx.activePods.length;
  const parallelism: number = job.spec.parallelism ?? 1;
  if (suspended(job)) {
    const toDelete = activePodsForRemoval(job, ctx.activePods, active);
    S.expectations.expectDeletions(key, toDelete.length);
    const [ready, removed, err] = await deleteJobPods(rt, job, key, toDelete);
    active -= removed;
    ctx.terminating += removed;
    ctx.ready -= ready;
    return [active, err];
  }
  let wantActive: number;
  if (job.spec.completions === undefined || job.spec.completions === null) wantActive = ctx.succeeded > 0 ? active : parallelism;
  else wantActive = Math.max(0, Math.min(job.spec.completions - ctx.succeeded, parallelism));

  const rmAtLeast = Math.max(0, active - wantActive);
  let toDelete = activePodsForRemoval(job, ctx.activePods, rmAtLeast);
  if (toDelete.length > MAX_POD_CREATE_DELETE_PER_SYNC) toDelete = toDelete.slice(0, MAX_POD_CREATE_DELETE_PER_SYNC);
  if (toDelete.length > 0) {
    S.expectations.expectDeletions(key, toDelete.length);
    const [ready, removed, err] = await deleteJobPods(rt, job, key, toDelete);
    active -= removed;
    ctx.terminating += removed;
    ctx.ready -= ready;
    return [active, err];
  }

  const terminating = onlyReplaceFailedPods(job) ? ctx.terminating : 0;
  let diff = wantActive - terminating - active;
  if (diff <= 0) return [active, undefined];
  let remaining = 0;
  if (!hasBackoffLimitPerIndex(job)) remaining = remainingForRecord(rt.clock, S.backoffScale, ctx.newBackoffRecord);
  if (remaining > 0) {
    rt.queue.addAfter(key, Math.max(remaining, 1));
    return [0, undefined];
  }
  diff = Math.min(diff, MAX_POD_CREATE_DELETE_PER_SYNC);
  let indexes: number[] = [];
  if (isIndexed(job)) {
    indexes = firstPendingIndexes(ctx, diff, completions(job));
    if (hasBackoffLimitPerIndex(job)) {
      const now: number[] = [];
      let min: number | undefined;
      for (const ix of indexes) {
        const r = remainingForIndex(rt.clock, S.backoffScale, ctx.podsWithDelayedDeletionPerIndex.get(ix));
        if (r === 0) now.push(ix);
        else if (min === undefined || r < min) min = r;
      }
      indexes = now;
      if (!now.length && min) {
        rt.queue.addAfter(key, Math.max(min, 1));
        return [0, undefined];
      }
    }
    diff = indexes.length;
  }

  S.expectations.expectCreations(key, diff);
  active += diff;
  const template = structuredClone(job.spec.template ?? {});
  if (isIndexed(job)) addCompletionIndexEnv(template, S.podIndexLabel);
  template.metadata ??= {};
  if (!arr(template.metadata.finalizers).includes(JOB_TRACKING_FINALIZER)) template.metadata.finalizers = [...arr(template.metadata.finalizers), JOB_TRACKING_FINALIZER];

  let error: unknown;
  let left = diff;
  // slow start: batches of 1, 2, 4, ... while they all succeed
  for (let batch = Math.min(left, SLOW_START_INITIAL_BATCH); left > 0; batch = Math.min(2 * batch, left)) {
    let failed = 0;
    for (let i = 0; i < batch; i++) {
      const ix = indexes.length ? indexes.shift()! : UNKNOWN_INDEX;
      let tpl = template;
      let generateName = podsPrefix(job.metadata.name);
      if (ix !== UNKNOWN_INDEX) {
        tpl = structuredClone(template);
        tpl.metadata.annotations = { ...(tpl.metadata.annotations ?? {}), [COMPLETION_INDEX_ANNOTATION]: String(ix) };
        if (S.podIndexLabel) tpl.metadata.labels = { ...(tpl.metadata.labels ?? {}), [COMPLETION_INDEX_ANNOTATION]: String(ix) };
        tpl.spec.hostname = `${job.metadata.name}-${ix}`;
        generateName = generateNameWithIndex(job.metadata.name, ix);
        if (hasBackoffLimitPerIndex(job)) {
          const replaced = ctx.podsWithDelayedDeletionPerIndex.get(ix);
          let fc = 0;
          let ic = 0;
          if (replaced) {
            fc = indexFailureCount(replaced);
            ic = indexIgnoredFailureCount(replaced);
            if (!job.spec.podFailurePolicy || matchPodFailurePolicy(job.spec.podFailurePolicy, replaced).countFailed) fc++;
            else ic++;
          }
          tpl.metadata.annotations[INDEX_FAILURE_COUNT_ANNOTATION] = String(fc);
          if (ic > 0) tpl.metadata.annotations[INDEX_IGNORED_FAILURE_COUNT_ANNOTATION] = String(ic);
        }
      }
      try {
        const r = await S.client.create(S.podDef, job.metadata.namespace, podFromTemplate(job, tpl, generateName), W);
        S.record(job, 'Normal', 'SuccessfulCreate', `Created pod: ${r.object.metadata.name}`);
      } catch (err) {
        if (isNamespaceTerminating(err)) continue;
        S.record(job, 'Warning', 'FailedCreate', `Error creating: ${errText(err)}`);
        S.expectations.creationObserved(key);
        active--;
        failed++;
        error ??= err;
      }
    }
    left -= batch;
    if (failed > 0 && left > 0) {
      active -= left;
      for (let i = 0; i < left; i++) S.expectations.creationObserved(key);
      break;
    }
  }
  return [active, error];
}

/** canRemoveFinalizer. */
function canRemoveFinalizer(ctx: SyncCtx, pod: KObject, considerFailed: boolean): boolean {
  if (ctx.job.metadata.deletionTimestamp || ctx.finishedCondition || pod.status?.phase === 'Succeeded') return true;
  if (!considerFailed) return false;
  if (hasBackoffLimitPerIndex(ctx.job)) {
    const ix = completionIndex(pod);
    if (ix !== UNKNOWN_INDEX && ctx.podsWithDelayedDeletionPerIndex.get(ix)?.metadata.uid === pod.metadata.uid) return false;
  }
  return true;
}

/** cleanUncountedPodsWithoutFinalizers: pods whose finalizer is gone move from uncounted to the counters. */
function cleanUncounted(status: KObject, withFinalizer: Set<string>): boolean {
  const u = status.uncountedTerminatedPods;
  let changed = false;
  const s = arr(u.succeeded).filter((x) => withFinalizer.has(x));
  if (s.length !== arr(u.succeeded).length) {
    changed = true;
    status.succeeded = (status.succeeded ?? 0) + arr(u.succeeded).length - s.length;
    u.succeeded = s;
  }
  const f = arr(u.failed).filter((x) => withFinalizer.has(x));
  if (f.length !== arr(u.failed).length) {
    changed = true;
    status.failed = (status.failed ?? 0) + arr(u.failed).length - f.length;
    u.failed = f;
  }
  return changed;
}

/** trackJobStatusAndRemoveFinalizers (+ flushUncountedAndRemoveFinalizers, enactJobFinished, recordJobFinished). */
async function trackStatus(rt: Runtime<State>, ctx: SyncCtx, key: string, needsFlush: boolean): Promise<void> {
  const S = rt.state;
  const job = ctx.job;
  const indexed = isIndexed(job);
  const uncountedStatus = job.status.uncountedTerminatedPods;
  uncountedStatus.succeeded = arr(uncountedStatus.succeeded);
  uncountedStatus.failed = arr(uncountedStatus.failed);
  const newSucceededIndexes: number[] = [];
  const podsInOrder = indexed ? sortByCompletionIndex(ctx.pods) : ctx.pods;
  const withFinalizer = new Set<string>();
  for (const p of podsInOrder) if (hasFinalizer(p) && !ctx.expectedRmFinalizers.has(p.metadata.uid)) withFinalizer.add(p.metadata.uid);
  if (cleanUncounted(job.status, withFinalizer)) needsFlush = true;
  const toRemove: KObject[] = [];
  let reachedMax = false;
  for (const pod of podsInOrder) {
    if (!hasFinalizer(pod) || ctx.expectedRmFinalizers.has(pod.metadata.uid)) continue;
    const considerFailed = isPodFailed(pod, job);
    if (!canRemoveFinalizer(ctx, pod, considerFailed)) continue;
    toRemove.push(pod);
    const uid = pod.metadata.uid;
    if (pod.status?.phase === 'Succeeded' && !ctx.uncounted.failed.has(uid)) {
      if (indexed) {
        const ix = completionIndex(pod);
        if (ix !== UNKNOWN_INDEX && ix < completions(job) && !ctx.prevSucceededIndexes.has(ix)) {
          newSucceededIndexes.push(ix);
          needsFlush = true;
        }
      } else if (!ctx.uncounted.succeeded.has(uid)) {
        needsFlush = true;
        uncountedStatus.succeeded.push(uid);
      }
    } else if (considerFailed || (ctx.finishedCondition && ctx.finishedCondition.type !== 'SuccessCriteriaMet')) {
      const ix = completionIndex(pod);
      if (!ctx.uncounted.failed.has(uid) && (!indexed || (ix !== UNKNOWN_INDEX && ix < completions(job)))) {
        if (job.spec.podFailurePolicy) {
          if (matchPodFailurePolicy(job.spec.podFailurePolicy, pod).countFailed) {
            needsFlush = true;
            uncountedStatus.failed.push(uid);
          }
        } else {
          needsFlush = true;
          uncountedStatus.failed.push(uid);
        }
      }
    }
    if (newSucceededIndexes.length + uncountedStatus.succeeded.length + uncountedStatus.failed.length >= MAX_UNCOUNTED_PODS) {
      reachedMax = true;
      break;
    }
  }
  if (indexed) {
    ctx.succeededIndexes = ctx.succeededIndexes.withOrderedIndexes(newSucceededIndexes.sort((a, b) => a - b));
    const s = ctx.succeededIndexes.toString();
    if (s !== (job.status.completedIndexes ?? '')) needsFlush = true;
    job.status.succeeded = ctx.succeededIndexes.total();
    job.status.completedIndexes = s;
    const f = ctx.failedIndexes ? ctx.failedIndexes.toString() : undefined;
    if ((job.status.failedIndexes ?? undefined) !== f) {
      job.status.failedIndexes = f;
      needsFlush = true;
    }
  }
  if (ctx.finishedCondition?.type === 'FailureTarget') {
    job.status.conditions = [...arr(job.status.conditions), ctx.finishedCondition];
    needsFlush = true;
    ctx.finishedCondition = newCondition(rt, 'Failed', 'True', ctx.finishedCondition.reason ?? '', ctx.finishedCondition.message ?? '');
  }
  if (ctx.finishedCondition?.type === 'SuccessCriteriaMet') {
    if (!condTrue(job, 'SuccessCriteriaMet')) {
      job.status.conditions = [...arr(job.status.conditions), ctx.finishedCondition];
      needsFlush = true;
    }
    ctx.finishedCondition = newCondition(rt, 'Complete', 'True', ctx.finishedCondition.reason ?? '', ctx.finishedCondition.message ?? '');
  }

  // flushUncountedAndRemoveFinalizers
  if (needsFlush) {
    ctx.job = await updateStatus(rt, ctx.job);
    S.backoff.update(ctx.newBackoffRecord);
    needsFlush = false;
  }
  let rmErr: unknown;
  if (toRemove.length) {
    S.finalizerExpectations.expectFinalizersRemoved(key, toRemove.map((p) => p.metadata.uid));
    for (const pod of toRemove) {
      try {
        removeFinalizer(rt, pod);
        withFinalizer.delete(pod.metadata.uid);
      } catch (err) {
        S.finalizerExpectations.finalizerRemovalObserved(key, pod.metadata.uid);
        if (err instanceof StatusError && err.code === 404) withFinalizer.delete(pod.metadata.uid);
        else rmErr ??= err;
      }
    }
  }
  if (cleanUncounted(ctx.job.status, withFinalizer)) needsFlush = true;
  if (rmErr) {
    if (needsFlush) ctx.job = await updateStatus(rt, ctx.job);
    throw rmErr;
  }

  // enactJobFinished
  let finished = false;
  const fc = ctx.finishedCondition;
  if (fc && !reachedMax) {
    const u = ctx.job.status.uncountedTerminatedPods;
    if (arr(u?.succeeded).length + arr(u?.failed).length === 0 && (!S.delayTerminal || ctx.terminating <= 0)) {
      ensureCondition(rt, ctx.job, fc.type, fc.status, fc.reason ?? '', fc.message ?? '');
      if (fc.type === 'Complete') ctx.job.status.completionTime = findCondition(ctx.job, 'Complete')?.lastTransitionTime ?? now(rt);
      finished = true;
      needsFlush = true;
    }
  }
  if (needsFlush) {
    ctx.job = await updateStatus(rt, ctx.job);
    if (finished && fc) {
      if (fc.type === 'Complete') {
        if (ctx.job.spec.completions !== undefined && ctx.job.spec.completions !== null && (ctx.job.status.succeeded ?? 0) > ctx.job.spec.completions)
          S.record(ctx.job, 'Warning', 'TooManySucceededPods', 'Too many succeeded pods running after completion count reached');
        S.record(ctx.job, 'Normal', 'Completed', 'Job completed');
      } else S.record(ctx.job, 'Warning', fc.reason ?? '', fc.message ?? '');
    }
  }
}

/** cleanupPodFinalizers: the pods of a finished or deleted Job lose the finalizer through the orphan queue. */
function cleanupPodFinalizers(rt: Runtime<State>, job: KObject): void {
  for (const p of rt.state.pods.byOwner(job.metadata.uid)) if (controllerOf(p)?.uid === job.metadata.uid && hasFinalizer(p)) rt.queue.add(ORPHAN + rt.keyOf(p));
}

/** syncOrphanPod: an orphan (or a pod of a finished / gone Job) loses the tracking finalizer. */
function syncOrphanPod(rt: Runtime<State>, key: string): void {
  const { namespace, name } = splitObjectKey(key);
  const pod = rt.state.pods.get(namespace, name);
  if (!pod || !hasFinalizer(pod)) return;
  const ref = controllerOf(pod);
  if (ref) {
    if (ref.kind !== 'Job' || ref.apiVersion !== 'batch/v1') return;
    const job = rt.primary.get(namespace, ref.name);
    const mine = job && job.metadata.uid === ref.uid ? job : undefined;
    if (mine && managedByExternal(mine)) return;
    if (mine && !isJobFinished(mine)) return;
  }
  try {
    removeFinalizer(rt, pod);
  } catch (err) {
    if (!(err instanceof StatusError && err.code === 404)) throw err;
  }
}

async function syncJob(key: string, rt: Runtime<State>): Promise<void> {
  const S = rt.state;
  const shared = rt.primary.getByKey(key);
  if (!shared) {
    S.expectations.deleteExpectations(key);
    S.finalizerExpectations.deleteExpectations(key);
    S.backoff.remove(key);
    return;
  }
  if (managedByExternal(shared)) return;
  const job = ownStatus(shared);
  if (isJobFinished(job)) {
    S.backoff.remove(key);
    cleanupPodFinalizers(rt, job);
    return;
  }
  const mode = job.spec?.completionMode;
  if (mode !== undefined && mode !== 'NonIndexed' && mode !== 'Indexed') {
    S.record(job, 'Warning', 'UnknownCompletionMode', 'Skipped Job sync because completion mode is unknown');
    return;
  }
  job.status.uncountedTerminatedPods ??= {};
  const satisfied = S.expectations.satisfiedExpectations(key);
  const claimedPods = podsForJob(rt, job);
  const pods = claimedPods instanceof Promise ? await claimedPods : claimedPods;
  const activePods = pods.filter(isActive);
  const u = job.status.uncountedTerminatedPods;
  const ctx: SyncCtx = {
    job,
    pods,
    activePods,
    ready: activePods.filter(isPodReady).length,
    uncounted: { succeeded: new Set(arr(u.succeeded)), failed: new Set(arr(u.failed)) },
    expectedRmFinalizers: S.finalizerExpectations.getExpectedUIDs(key),
    terminating: pods.filter(isTerminating).length,
    succeeded: 0,
    failed: 0,
    prevSucceededIndexes: new OrderedIntervals(),
    succeededIndexes: new OrderedIntervals(),
    newBackoffRecord: { key, failuresAfterLastSuccess: 0 },
    podsWithDelayedDeletionPerIndex: new Map(),
  };
  let active = activePods.length;
  const newSucceeded = validPods(ctx, ctx.uncounted.succeeded, (p) => p.status?.phase === 'Succeeded');
  const newFailed = validPods(ctx, ctx.uncounted.failed, (p) => isPodFailed(p, job));
  ctx.succeeded = (job.status.succeeded ?? 0) + newSucceeded.length + ctx.uncounted.succeeded.size;
  const nonIgnored = job.spec.podFailurePolicy ? newFailed.filter((p) => matchPodFailurePolicy(job.spec.podFailurePolicy, p).countFailed).length : newFailed.length;
  ctx.failed = (job.status.failed ?? 0) + nonIgnored + ctx.uncounted.failed.size;

  if (!job.status.startTime && !suspended(job)) job.status.startTime = now(rt);
  ctx.newBackoffRecord = S.backoff.next(key, newSucceeded, newFailed);

  let manageErr: unknown;
  const exceedsBackoffLimit = ctx.failed > job.spec.backoffLimit;
  const scm = findCondition(job, 'SuccessCriteriaMet');
  ctx.finishedCondition = scm?.status === 'True' ? scm : undefined;
  if (!ctx.finishedCondition) {
    const ft = findCondition(job, 'FailureTarget');
    if (ft?.status === 'True') ctx.finishedCondition = newCondition(rt, 'Failed', 'True', ft.reason ?? '', ft.message ?? '');
    else if (job.spec.podFailurePolicy) {
      for (const p of pods) {
        if (!isPodFailed(p, job)) continue;
        const msg = matchPodFailurePolicy(job.spec.podFailurePolicy, p).failJobMessage;
        if (msg) {
          ctx.finishedCondition = newCondition(rt, 'FailureTarget', 'True', 'PodFailurePolicy', msg);
          break;
        }
      }
    }
  }
  if (!ctx.finishedCondition) {
    if (exceedsBackoffLimit || pastBackoffLimitOnFailure(job, pods)) ctx.finishedCondition = newFailureCondition(rt, 'BackoffLimitExceeded', 'Job has reached the specified backoff limit');
    else if (pastActiveDeadline(rt, job)) ctx.finishedCondition = newFailureCondition(rt, 'DeadlineExceeded', 'Job was active longer than specified deadline');
    else if (job.spec.activeDeadlineSeconds !== undefined && job.spec.activeDeadlineSeconds !== null && !suspended(job)) {
      const left = job.spec.activeDeadlineSeconds * 1000 - (rt.clock.now() - Date.parse(job.status.startTime));
      rt.queue.addAfter(key, Math.max(left, 1));
    }
  }
  if (isIndexed(job)) {
    [ctx.prevSucceededIndexes, ctx.succeededIndexes] = calculateSucceededIndexes(job, pods);
    ctx.succeeded = ctx.succeededIndexes.total();
    if (hasBackoffLimitPerIndex(job)) {
      ctx.failedIndexes = calculateFailedIndexes(job, pods);
      if (!ctx.finishedCondition) {
        if (job.spec.maxFailedIndexes !== undefined && job.spec.maxFailedIndexes !== null && ctx.failedIndexes.total() > job.spec.maxFailedIndexes)
          ctx.finishedCondition = newFailureCondition(rt, 'MaxFailedIndexesExceeded', 'Job has exceeded the specified maximal number of failed indexes');
        else if (ctx.failedIndexes.total() > 0 && ctx.failedIndexes.total() + ctx.succeededIndexes.total() >= completions(job))
          ctx.finishedCondition = newFailureCondition(rt, 'FailedIndexes', 'Job has failed indexes');
      }
      ctx.podsWithDelayedDeletionPerIndex = podsWithDelayedDeletion(ctx);
    }
    if (!ctx.finishedCondition) {
      const msg = matchSuccessPolicy(job.spec.successPolicy, completions(job), ctx.succeededIndexes);
      if (msg) ctx.finishedCondition = newCondition(rt, 'SuccessCriteriaMet', 'True', 'SuccessPolicy', msg);
    }
  }

  let suspendCondChanged = false;
  if (ctx.finishedCondition) {
    const [ready, deleted, err] = await deleteActivePods(rt, job, ctx.activePods);
    if (deleted !== active || !satisfied) ctx.finishedCondition = undefined;
    active -= deleted;
    ctx.terminating += deleted;
    ctx.ready -= ready;
    manageErr = err;
  } else {
    let manageCalled = false;
    if (satisfied && !job.metadata.deletionTimestamp) {
      [active, manageErr] = await manageJob(rt, job, ctx, key);
      manageCalled = true;
    }
    const complete =
      job.spec.completions === undefined || job.spec.completions === null ? ctx.succeeded > 0 && active === 0 : ctx.succeeded >= job.spec.completions && active === 0;
    if (complete) ctx.finishedCondition = newSuccessCondition(rt);
    else if (manageCalled) {
      if (suspended(job)) {
        if (ensureCondition(rt, job, 'Suspended', 'True', 'JobSuspended', 'Job suspended')) {
          suspendCondChanged = true;
          S.record(job, 'Normal', 'Suspended', 'Job suspended');
        }
      } else if (ensureCondition(rt, job, 'Suspended', 'False', 'JobResumed', 'Job resumed')) {
        suspendCondChanged = true;
        S.record(job, 'Normal', 'Resumed', 'Job resumed');
        // a resumed Job's activeDeadlineSeconds counts from now
        job.status.startTime = now(rt);
      }
    }
  }

  const needsStatusUpdate =
    suspendCondChanged || active !== (job.status.active ?? 0) || ctx.ready !== job.status.ready || ctx.terminating !== job.status.terminating || job.status.startTime !== shared.status?.startTime;
  job.status.active = active;
  job.status.ready = ctx.ready;
  job.status.terminating = ctx.terminating;
  await trackStatus(rt, ctx, key, needsStatusUpdate);
  if (manageErr) throw manageErr;
}

export const jobController = defineController<State>({
  name: 'job',
  primary: { group: 'batch', plural: 'jobs' },
  owns: [{ group: '', plural: 'pods' }],
  selector: selectorOf,
  // orphan pods (and pods of a Job that is gone) still carrying the tracking finalizer lose it
  watches: [
    {
      group: '',
      plural: 'pods',
      keys: (pod, _old, rt) => {
        if (!hasFinalizer(pod)) return [];
        const ref = controllerOf(pod);
        if (!ref) return [ORPHAN + rt.keyOf(pod)];
        if (ref.kind !== 'Job' || ref.apiVersion !== 'batch/v1') return [];
        const job = rt.primary.get(pod.metadata.namespace, ref.name);
        if (!job || job.metadata.uid !== ref.uid || isJobFinished(job)) return [ORPHAN + rt.keyOf(pod)];
        return [];
      },
    },
  ],
  workers: 8,
  setup,
  onOwnedAdd: (pod, key, rt) => {
    if (pod.metadata?.deletionTimestamp) rt.state.expectations.deletionObserved(key);
    else rt.state.expectations.creationObserved(key);
  },
  onOwnedUpdate: (oldPod, pod, key, rt) => {
    if (pod.metadata?.deletionTimestamp && !oldPod.metadata?.deletionTimestamp) rt.state.expectations.deletionObserved(key);
    if (hasFinalizer(oldPod) && !hasFinalizer(pod)) rt.state.finalizerExpectations.finalizerRemovalObserved(key, pod.metadata.uid);
    // updateJob's activeDeadlineSeconds resync is handled by the sync itself
  },
  onOwnedDelete: (pod, key, rt) => {
    if (!pod.metadata?.deletionTimestamp) rt.state.expectations.deletionObserved(key);
    rt.state.finalizerExpectations.finalizerRemovalObserved(key, pod.metadata.uid);
  },
  onPrimaryDelete: (job, rt) => cleanupPodFinalizers(rt, job),
  reconcile: async (key, rt) => {
    if (key.startsWith(ORPHAN)) return syncOrphanPod(rt, key.slice(ORPHAN.length));
    await syncJob(key, rt);
  },
});
