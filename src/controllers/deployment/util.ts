// The deployment controller's pure helpers: upstream pkg/controller/deployment/util/deployment_util.go
// (fenceposts, proportions, revisions, annotations, conditions, progress), the ReplicaSet sort
// orders of pkg/controller/controller_utils.go and intstr.GetScaledValueFromIntOrPercent.
import type { KObject } from '../../resources/types.js';
import { DEPRECATED_ROLLBACK_TO } from '../../resources/apps/deployment.js';
import { jsonEqual, semantic } from '../../util/equal.js';

export const REVISION = 'deployment.kubernetes.io/revision';
export const REVISION_HISTORY = 'deployment.kubernetes.io/revision-history';
export const DESIRED_REPLICAS = 'deployment.kubernetes.io/desired-replicas';
export const MAX_REPLICAS = 'deployment.kubernetes.io/max-replicas';
export const HASH_LABEL = 'pod-template-hash';
/** limit revision history length to 100 elements (~2000 chars), sync.go maxRevHistoryLengthInChars */
export const MAX_REV_HISTORY_CHARS = 2000;

// condition reasons
export const ReplicaSetUpdatedReason = 'ReplicaSetUpdated';
export const FailedRSCreateReason = 'ReplicaSetCreateError';
export const NewReplicaSetReason = 'NewReplicaSetCreated';
export const FoundNewRSReason = 'FoundNewReplicaSet';
export const NewRSAvailableReason = 'NewReplicaSetAvailable';
export const TimedOutReason = 'ProgressDeadlineExceeded';
export const PausedDeployReason = 'DeploymentPaused';
export const ResumedDeployReason = 'DeploymentResumed';
export const MinimumReplicasAvailable = 'MinimumReplicasAvailable';
export const MinimumReplicasUnavailable = 'MinimumReplicasUnavailable';
export const RollbackRevisionNotFound = 'DeploymentRollbackRevisionNotFound';
export const RollbackTemplateUnchanged = 'DeploymentRollbackTemplateUnchanged';
export const RollbackDone = 'DeploymentRollback';

const MAX_INT32 = 2147483647;

/** Annotations never copied from a Deployment to its ReplicaSets (annotationsToSkip). */
const SKIP_ANNOTATIONS = new Set([
  'kubectl.kubernetes.io/last-applied-configuration',
  REVISION,
  REVISION_HISTORY,
  DESIRED_REPLICAS,
  MAX_REPLICAS,
  DEPRECATED_ROLLBACK_TO,
]);
export const skipCopyAnnotation = (k: string): boolean => SKIP_ANNOTATIONS.has(k);

export const replicas = (o: KObject | undefined): number => (typeof o?.spec?.replicas === 'number' ? o.spec.replicas : 0);
const st = (o: KObject | undefined, k: string): number => (typeof o?.status?.[k] === 'number' ? o.status[k] : 0);

/** intstr.GetScaledValueFromIntOrPercent (percentages rounded up or down). */
export function scaledValue(v: unknown, total: number, roundUp: boolean): number {
  if (v === undefined || v === null) return 0;
  if (typeof v === 'number') return v;
  const s = String(v);
  if (!s.endsWith('%')) throw new Error(`invalid value for IntOrString: invalid type: string is not a percentage`);
  const n = parseInt(s.slice(0, -1), 10);
  if (!Number.isFinite(n)) throw new Error(`invalid value for IntOrString: invalid value "${s}"`);
  const x = (n * total) / 100;
  return roundUp ? Math.ceil(x) : Math.floor(x);
}

export const isRollingUpdate = (d: KObject): boolean => d.spec?.strategy?.type === 'RollingUpdate';

/** ResolveFenceposts: surge rounds up, unavailable down; both zero make unavailable 1. */
export function resolveFenceposts(maxSurge: unknown, maxUnavailable: unknown, desired: number): [number, number] {
  const surge = scaledValue(maxSurge ?? 0, desired, true);
  let unavailable = scaledValue(maxUnavailable ?? 0, desired, false);
  if (surge === 0 && unavailable === 0) unavailable = 1;
  return [surge, unavailable];
}

export function maxSurge(d: KObject): number {
  if (!isRollingUpdate(d)) return 0;
  const ru = d.spec.strategy.rollingUpdate ?? {};
  return resolveFenceposts(ru.maxSurge, ru.maxUnavailable, replicas(d))[0];
}

export function maxUnavailable(d: KObject): number {
  if (!isRollingUpdate(d) || replicas(d) === 0) return 0;
  const ru = d.spec.strategy.rollingUpdate ?? {};
  const u = resolveFenceposts(ru.maxSurge, ru.maxUnavailable, replicas(d))[1];
  return Math.min(u, replicas(d));
}

export const hasProgressDeadline = (d: KObject): boolean => typeof d.spec?.progressDeadlineSeconds === 'number' && d.spec.progressDeadlineSeconds !== MAX_INT32;
export const hasRevisionHistoryLimit = (d: KObject): boolean => typeof d.spec?.revisionHistoryLimit === 'number' && d.spec.revisionHistoryLimit !== MAX_INT32;

// ---- replica set collections

export const sumReplicas = (rss: (KObject | undefined)[]): number => rss.reduce((n, rs) => n + (rs ? replicas(rs) : 0), 0);
export const sumStatus = (rss: (KObject | undefined)[], k: string): number => rss.reduce((n, rs) => n + (rs ? st(rs, k) : 0), 0);
export const filterActive = (rss: (KObject | undefined)[]): KObject[] => rss.filter((rs): rs is KObject => !!rs && replicas(rs) > 0);

const created = (o: KObject): string => o.metadata?.creationTimestamp ?? '';
/** ReplicaSetsByCreationTimestamp: older first, ties by name. */
export function byCreation(a: KObject, b: KObject): number {
  const ca = created(a);
  const cb = created(b);
  if (ca === cb) return a.metadata.name < b.metadata.name ? -1 : a.metadata.name > b.metadata.name ? 1 : 0;
  return ca < cb ? -1 : 1;
}
/** ReplicaSetsBySizeOlder: larger first, ties older first. */
export const bySizeOlder = (a: KObject, b: KObject): number => (replicas(a) === replicas(b) ? byCreation(a, b) : replicas(b) - replicas(a));
/** ReplicaSetsBySizeNewer: larger first, ties newer first. */
export const bySizeNewer = (a: KObject, b: KObject): number => (replicas(a) === replicas(b) ? byCreation(b, a) : replicas(b) - replicas(a));

/** Revision of an object from its annotation; NaN when it does not parse, 0 when absent. */
export function revisionOf(o: KObject | undefined): number {
  const v = o?.metadata?.annotations?.[REVISION];
  if (v === undefined) return 0;
  return /^[+-]?[0-9]+$/.test(v) ? parseInt(v, 10) : NaN;
}
/** ReplicaSetsByRevision. */
export function byRevision(a: KObject, b: KObject): number {
  const ra = revisionOf(a);
  const rb = revisionOf(b);
  if (Number.isNaN(ra) || Number.isNaN(rb) || ra === rb) return byCreation(a, b);
  return ra - rb;
}

export function maxRevision(rss: (KObject | undefined)[]): number {
  let max = 0;
  for (const rs of rss) {
    const v = revisionOf(rs);
    if (!Number.isNaN(v) && v > max) max = v;
  }
  return max;
}

/** LastRevision: the second highest revision. */
export function lastRevision(rss: (KObject | undefined)[]): number {
  let max = 0;
  let sec = 0;
  for (const rs of rss) {
    const v = revisionOf(rs);
    if (Number.isNaN(v)) continue;
    if (v >= max) {
      sec = max;
      max = v;
    } else if (v > sec) sec = v;
  }
  return sec;
}

// cached objects are replaced, never changed: a template's comparable form is computed once
const comparable = new WeakMap<KObject, unknown>();
function stripHash(t: KObject | undefined): unknown {
  if (!t) return null;
  let c = comparable.get(t);
  if (c === undefined) {
    const labels = { ...(t.metadata?.labels ?? {}) };
    delete labels[HASH_LABEL];
    c = semantic({ ...t, metadata: { ...(t.metadata ?? {}), labels } }) ?? null;
    comparable.set(t, c);
  }
  return c;
}

/** EqualIgnoreHash: two pod templates equal but for the pod-template-hash label. */
export function equalIgnoreHash(t1: KObject | undefined, t2: KObject | undefined): boolean {
  return jsonEqual(stripHash(t1), stripHash(t2));
}

/** FindNewReplicaSet: the oldest whose template equals the Deployment's. */
export function findNewReplicaSet(d: KObject, rsList: KObject[]): KObject | undefined {
  const sorted = [...rsList].sort(byCreation);
  return sorted.find((rs) => equalIgnoreHash(rs.spec?.template, d.spec?.template));
}

/** FindOldReplicaSets: every other one (all of them; and those with replicas). */
export function findOldReplicaSets(d: KObject, rsList: KObject[], newRS = findNewReplicaSet(d, rsList)): { required: KObject[]; all: KObject[] } {
  const all: KObject[] = [];
  const required: KObject[] = [];
  for (const rs of rsList) {
    if (newRS && rs.metadata.uid === newRS.metadata.uid) continue;
    all.push(rs);
    if (replicas(rs) !== 0) required.push(rs);
  }
  return { required, all };
}

/** FindActiveOrLatest. */
export function findActiveOrLatest(newRS: KObject | undefined, oldRSs: KObject[]): KObject | undefined {
  if (!newRS && oldRSs.length === 0) return undefined;
  const olds = [...oldRSs].sort((a, b) => byCreation(b, a));
  const active = filterActive([...olds, newRS]);
  if (active.length === 0) return newRS ?? olds[0];
  if (active.length === 1) return active[0];
  return undefined;
}

function intAnnotation(rs: KObject, key: string): number | undefined {
  const v = rs.metadata?.annotations?.[key];
  if (v === undefined || !/^[+-]?[0-9]+$/.test(v)) return undefined;
  return parseInt(v, 10);
}
export const desiredReplicasAnnotation = (rs: KObject): number | undefined => intAnnotation(rs, DESIRED_REPLICAS);

/** SetReplicasAnnotations. Mutates. */
export function setReplicasAnnotations(rs: KObject, desired: number, max: number): boolean {
  const a = (rs.metadata.annotations ??= {});
  let updated = false;
  if (a[DESIRED_REPLICAS] !== String(desired)) {
    a[DESIRED_REPLICAS] = String(desired);
    updated = true;
  }
  if (a[MAX_REPLICAS] !== String(max)) {
    a[MAX_REPLICAS] = String(max);
    updated = true;
  }
  return updated;
}

export function replicasAnnotationsNeedUpdate(rs: KObject, desired: number, max: number): boolean {
  const a = rs.metadata?.annotations;
  if (!a) return true;
  return a[DESIRED_REPLICAS] !== String(desired) || a[MAX_REPLICAS] !== String(max);
}

/** copyDeploymentAnnotationsToReplicaSet. Mutates. */
function copyAnnotations(d: KObject, rs: KObject): boolean {
  const a = (rs.metadata.annotations ??= {});
  let changed = false;
  for (const [k, v] of Object.entries<string>(d.metadata?.annotations ?? {})) {
    if (skipCopyAnnotation(k) || a[k] === v) continue;
    a[k] = v;
    changed = true;
  }
  return changed;
}

/** SetNewReplicaSetAnnotations. Mutates rs. */
export function setNewReplicaSetAnnotations(d: KObject, rs: KObject, newRevision: string, exists: boolean, histLimitChars = MAX_REV_HISTORY_CHARS): boolean {
  let changed = copyAnnotations(d, rs);
  const a = (rs.metadata.annotations ??= {});
  const had = REVISION in a;
  const oldRevision: string = a[REVISION] ?? '';
  let oldInt = 0;
  if (oldRevision !== '') {
    if (!/^[+-]?[0-9]+$/.test(oldRevision)) return false;
    oldInt = parseInt(oldRevision, 10);
  }
  const newInt = parseInt(newRevision, 10);
  if (oldInt < newInt) {
    a[REVISION] = newRevision;
    changed = true;
  }
  if (had && oldInt < newInt) {
    const hist: string = a[REVISION_HISTORY] ?? '';
    const olds = hist.split(',');
    if (olds[0].length === 0) a[REVISION_HISTORY] = oldRevision;
    else {
      let total = hist.length + oldRevision.length + 1;
      let start = 0;
      while (total > histLimitChars && start < olds.length) {
        total -= olds[start].length + 1;
        start++;
      }
      if (total <= histLimitChars) a[REVISION_HISTORY] = [...olds.slice(start), oldRevision].join(',');
    }
  }
  if (!exists && setReplicasAnnotations(rs, replicas(d), replicas(d) + maxSurge(d))) changed = true;
  return changed;
}

/** SetDeploymentAnnotationsTo (rollback): the RS's copyable annotations replace the Deployment's. Mutates d. */
export function setDeploymentAnnotationsTo(d: KObject, rs: KObject): void {
  const kept: Record<string, string> = {};
  for (const [k, v] of Object.entries<string>(d.metadata.annotations ?? {})) if (skipCopyAnnotation(k)) kept[k] = v;
  for (const [k, v] of Object.entries<string>(rs.metadata?.annotations ?? {})) if (!skipCopyAnnotation(k)) kept[k] = v;
  d.metadata.annotations = kept;
}

/** SetDeploymentRevision. Mutates. */
export function setDeploymentRevision(d: KObject, revision: string): boolean {
  const a = (d.metadata.annotations ??= {});
  if (a[REVISION] === revision) return false;
  a[REVISION] = revision;
  return true;
}

/** GetProportion / getReplicaSetFraction. */
export function getProportion(rs: KObject | undefined, d: KObject, toAdd: number, added: number): number {
  if (!rs || replicas(rs) === 0 || toAdd === 0 || toAdd === added) return 0;
  const fraction = replicaSetFraction(rs, d);
  const allowed = toAdd - added;
  return toAdd > 0 ? Math.min(fraction, allowed) : Math.max(fraction, allowed);
}

function replicaSetFraction(rs: KObject, d: KObject): number {
  if (replicas(d) === 0) return -replicas(rs);
  const deploymentReplicas = replicas(d) + maxSurge(d);
  const annotated = intAnnotation(rs, MAX_REPLICAS) ?? st(d, 'replicas');
  const newSize = (replicas(rs) * deploymentReplicas) / annotated;
  return goRound(newSize) - replicas(rs);
}

/** integer.RoundToInt32: math.Round, halves away from zero. */
function goRound(x: number): number {
  return x < 0 ? -Math.round(-x) : Math.round(x);
}

/** NewRSNewReplicas. */
export function newRSNewReplicas(d: KObject, allRSs: (KObject | undefined)[], newRS: KObject): number {
  switch (d.spec?.strategy?.type) {
    case 'RollingUpdate': {
      const surge = scaledValue(d.spec.strategy.rollingUpdate?.maxSurge ?? 0, replicas(d), true);
      const current = sumReplicas(allRSs);
      const maxTotal = replicas(d) + surge;
      if (current >= maxTotal) return replicas(newRS);
      const up = Math.min(maxTotal - current, replicas(d) - replicas(newRS));
      return replicas(newRS) + up;
    }
    case 'Recreate':
      return replicas(d);
    default:
      throw new Error(`deployment type ${d.spec?.strategy?.type} isn't supported`);
  }
}

/** IsSaturated. */
export function isSaturated(d: KObject, rs: KObject | undefined): boolean {
  if (!rs) return false;
  const desired = desiredReplicasAnnotation(rs);
  if (desired === undefined) return false;
  return replicas(rs) === replicas(d) && desired === replicas(d) && st(rs, 'availableReplicas') === replicas(d);
}

// ---- conditions and progress

export interface Condition {
  type: string;
  status: string;
  lastUpdateTime?: string;
  lastTransitionTime?: string;
  reason?: string;
  message?: string;
}

export function newCondition(type: string, status: string, reason: string, message: string, now: string): Condition {
  return { type, status, lastUpdateTime: now, lastTransitionTime: now, reason, message };
}

export function getCondition(status: KObject | undefined, type: string): Condition | undefined {
  return (status?.conditions ?? []).find((c: Condition) => c.type === type);
}

/** SetDeploymentCondition: same status and reason is a no-op; same status keeps lastTransitionTime. Mutates. */
export function setCondition(status: KObject, c: Condition): void {
  const cur = getCondition(status, c.type);
  if (cur && cur.status === c.status && cur.reason === c.reason) return;
  const next = { ...c };
  if (cur && cur.status === c.status) next.lastTransitionTime = cur.lastTransitionTime;
  status.conditions = [...(status.conditions ?? []).filter((x: Condition) => x.type !== c.type), next];
}

export function removeCondition(status: KObject, type: string): void {
  if (!status.conditions) return;
  const rest = status.conditions.filter((x: Condition) => x.type !== type);
  if (rest.length) status.conditions = rest;
  else delete status.conditions;
}

/** DeploymentComplete. */
export function deploymentComplete(d: KObject, s: KObject): boolean {
  const n = replicas(d);
  return num(s.updatedReplicas) === n && num(s.replicas) === n && num(s.availableReplicas) === n && num(s.observedGeneration) >= num(d.metadata?.generation);
}

/** DeploymentProgressing: more updated, fewer old, more ready or more available. */
export function deploymentProgressing(d: KObject, s: KObject): boolean {
  const o = d.status ?? {};
  const oldOld = num(o.replicas) - num(o.updatedReplicas);
  const newOld = num(s.replicas) - num(s.updatedReplicas);
  return num(s.updatedReplicas) > num(o.updatedReplicas) || newOld < oldOld || num(s.readyReplicas) > num(o.readyReplicas) || num(s.availableReplicas) > num(o.availableReplicas);
}

/** DeploymentTimedOut. */
export function deploymentTimedOut(d: KObject, s: KObject, nowMs: number): boolean {
  if (!hasProgressDeadline(d)) return false;
  const c = getCondition(s, 'Progressing');
  if (!c) return false;
  if (c.reason === NewRSAvailableReason) return false;
  if (c.reason === TimedOutReason) return true;
  const from = Date.parse(c.lastUpdateTime ?? '');
  if (!Number.isFinite(from)) return false;
  return from + d.spec.progressDeadlineSeconds * 1000 < nowMs;
}

export const num = (v: unknown): number => (typeof v === 'number' ? v : 0);

/** getRollbackTo: the deprecated rollbackTo annotation's revision, when it parses. */
export function getRollbackTo(d: KObject): number | undefined {
  const v = d.metadata?.annotations?.[DEPRECATED_ROLLBACK_TO];
  if (!v || !/^[+-]?[0-9]+$/.test(v)) return undefined;
  return parseInt(v, 10);
}
