// The ReplicaSet controller as kube-controller-manager runs it (upstream
// pkg/controller/replicaset/replica_set.go: syncReplicaSet, manageReplicas, claimPods,
// getIndirectlyRelatedPods, the pod event handlers' expectations; replica_set_utils.go:
// calculateStatus, updateReplicaSetStatus and the ReplicaFailure condition; pkg/controller
// controller_utils.go: GetPodFromTemplate, RealPodControl.CreatePods/DeletePod and their events).
// pkg/controller/replication runs the very same code for ReplicationControllers through
// conversions; here one implementation is parameterised by the kind (WorkloadKind).
import type { KObject, ResourceDef } from '../../resources/types.js';
import { StatusError } from '../../registry/errors.js';
import { isDNS1123Subdomain } from '../../registry/validation.js';
import { cloneJSON } from '../../util/clone.js';
import { labelSelectorFromObject, matches, type LabelSelector } from '../../registry/selectors.js';
import {
  defineController,
  claimObjects,
  controllerOf,
  isPodActive,
  isPodReady,
  podReadyCondition,
  newControllerRef,
  objectKey,
  recheckDeletionTimestamp,
  rfc3339,
  splitObjectKey,
  UIDTrackingExpectations,
  WRITE,
  type Controller,
  type Runtime,
} from '../runtime/index.js';
import { slowStartBatch, SLOW_START_INITIAL_BATCH_SIZE } from '../runtime/slowstart.js';
import { controllerClient, type ControllerClient } from '../runtime/client.js';
import { getPodsToDelete } from '../runtime/podranking.js';

/** BurstReplicas: at most this many creations or deletions per sync. */
export const BURST_REPLICAS = 500;
/** statusUpdateRetries */
const STATUS_UPDATE_RETRIES = 1;
/** the informer resync of kube-controller-manager's replicaset controller (min-resync-period order) */
export const RESYNC_MS = 30_000;

export const REPLICA_FAILURE = 'ReplicaFailure';
/** pods without a controllerRef, by namespace (the ones a selector may adopt) */
const ORPHAN_INDEX = 'orphans-by-namespace';

/** What differs between the ReplicaSet and the ReplicationController controller. */
export interface WorkloadKind {
  /** --controllers name */
  name: string;
  group: string;
  plural: string;
  apiVersion: string;
  kind: string;
  /** the event source component */
  component: string;
  /** the selector as a metav1.LabelSelector object (ReplicationController: its label map) */
  selector(obj: KObject): unknown;
  workers: number;
}

interface State {
  def: ResourceDef;
  podDef: ResourceDef;
  expectations: UIDTrackingExpectations;
  record: (obj: KObject, type: 'Normal' | 'Warning', reason: string, message: string) => void;
  /** per ReplicaSet uid: its active controlled pods as last seen, kept up to date from pod events */
  tracked: Map<string, Tracked>;
  client: ControllerClient;
}

/**
 * The active pods one ReplicaSet controls, in the pod informer's owner-index order, with the
 * counts a sync needs; pod events mark keys dirty, so a sync re-reads only the pods that changed
 * instead of all N (a rollout syncs about once per pod, each pass touching every pod).
 */
interface Tracked {
  members: Map<string, KObject>;
  /** pod keys with an event since the last sync, in the order of their last event */
  dirty: Set<string>;
  /** the selector (JSON) and template labels (JSON) the counts were made for */
  selKey: string;
  tplKey: string;
  /** members the selector does not match (ClaimPods would release them) */
  nonMatching: number;
  ready: number;
  fully: number;
}

/** the owner uids an object is filed under in the informer's owner index */
function ownerUids(o: KObject): string[] {
  const refs = o.metadata?.ownerReferences;
  if (!Array.isArray(refs)) return [];
  const out: string[] = [];
  for (const r of refs) if (typeof r?.uid === 'string' && r.uid !== '') out.push(r.uid);
  return out;
}

function templateLabels(rs: KObject): Record<string, string> {
  return isMap(rs.spec?.template?.metadata?.labels) ? rs.spec.template.metadata.labels : {};
}

/** whether the pod carries every template label, remembered per template-label JSON (`tplKey`) */
function fullyLabeled(pod: KObject, tplLabels: Record<string, string>, tplKey: string): boolean {
  const f = factsOf(pod);
  if (f.tplKey !== tplKey) {
    const labels = pod.metadata?.labels;
    let all = true;
    for (const key of Object.keys(tplLabels)) {
      if (!labels || labels[key] !== tplLabels[key]) {
        all = false;
        break;
      }
    }
    f.fully = all;
    f.tplKey = tplKey;
  }
  return f.fully;
}

/** counts computed elsewhere for the pods calculateStatus is given (valid for `tplKey`, without minReadySeconds) */
export interface PodCounts {
  tplKey: string;
  fully: number;
  ready: number;
}

const podKey = (pod: KObject): string => `${pod.metadata?.namespace ?? ''}/${pod.metadata?.name ?? ''}`;
const errText = (err: unknown): string => (err instanceof Error ? err.message : String(err));
const isMap = (v: unknown): v is Record<string, any> => !!v && typeof v === 'object' && !Array.isArray(v);

function parseSelector(k: WorkloadKind, obj: KObject): LabelSelector | undefined {
  try {
    return labelSelectorFromObject(k.selector(obj) as any);
  } catch {
    return undefined;
  }
}

function hasStatusCause(err: unknown, reason: string): boolean {
  return err instanceof StatusError && !!err.details?.causes?.some((c: any) => c?.reason === reason);
}

/** getPodsPrefix: `<name>-`, or the bare name when that would not be a valid generateName. */
export function podsPrefix(controllerName: string): string {
  const prefix = `${controllerName}-`;
  // NameIsDNSSubdomain(prefix, true) masks the trailing dash as maskTrailingDash does (the last two
  // characters become "a")
  return isDNS1123Subdomain(`${prefix.slice(0, -2)}a`).length === 0 ? prefix : controllerName;
}

/** GetPodFromTemplate: the pod a controller creates from its template. */
export function podFromTemplate(template: KObject, owner: KObject, controllerRef: KObject): KObject {
  const meta: KObject = isMap(template?.metadata) ? template.metadata : {};
  const pod: KObject = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { generateName: podsPrefix(owner.metadata.name), namespace: owner.metadata.namespace, ownerReferences: [controllerRef] },
    spec: cloneJSON(isMap(template?.spec) ? template.spec : {}),
  };
  if (isMap(meta.labels) && Object.keys(meta.labels).length) pod.metadata.labels = { ...meta.labels };
  if (isMap(meta.annotations) && Object.keys(meta.annotations).length) pod.metadata.annotations = { ...meta.annotations };
  if (Array.isArray(meta.finalizers) && meta.finalizers.length) pod.metadata.finalizers = [...meta.finalizers];
  return pod;
}

/**
 * What a sync reads of a pod, worked out once per pod object: cached informer objects are replaced
 * on an update, never changed, so the facts of one object stay right (each of the ~N syncs of a
 * rollout would otherwise re-derive them for all N pods).
 */
interface PodFacts {
  /** IsPodActive */
  active: boolean;
  /** the controllerRef's uid */
  controller: string | undefined;
  /** IsPodReady */
  ready: boolean;
  /** the Ready condition's lastTransitionTime (NaN when missing or not a time) */
  readySinceMs: number;
  /** the last selector (by its JSON) matched against the labels, and the answer */
  selKey?: string;
  selMatch: boolean;
  /** the last template label set (by its JSON) compared with the labels, and the answer */
  tplKey?: string;
  fully: boolean;
}
const podFacts = new WeakMap<KObject, PodFacts>();

function factsOf(pod: KObject): PodFacts {
  let f = podFacts.get(pod);
  if (f) return f;
  const cond = podReadyCondition(pod);
  const ready = cond?.status === 'True';
  f = {
    active: isPodActive(pod),
    controller: controllerOf(pod)?.uid,
    ready,
    readySinceMs: ready ? Date.parse(cond?.lastTransitionTime ?? '') : NaN,
    selMatch: false,
    fully: false,
  };
  podFacts.set(pod, f);
  return f;
}

/** matches(selector, labels) for a pod, remembered per selector JSON (`selKey`). */
function podMatches(pod: KObject, selector: LabelSelector, selKey: string): boolean {
  const f = factsOf(pod);
  if (f.selKey !== selKey) {
    f.selMatch = matches(selector, pod.metadata?.labels);
    f.selKey = selKey;
  }
  return f.selMatch;
}

/** calculateStatus: counts of the claimed active pods and the ReplicaFailure condition. */
export function calculateStatus(rs: KObject, pods: KObject[], manageErr: unknown, nowMs: number, counted?: PodCounts): KObject {
  const status: KObject = cloneJSON(isMap(rs.status) ? rs.status : {});
  const tplLabels = templateLabels(rs);
  const tplKey = JSON.stringify(tplLabels);
  const minReady = typeof rs.spec?.minReadySeconds === 'number' ? rs.spec.minReadySeconds : 0;
  let fully = 0;
  let ready = 0;
  let available = 0;
  if (counted && counted.tplKey === tplKey && !minReady) {
    fully = counted.fully;
    ready = available = counted.ready;
  } else {
    for (let i = 0; i < pods.length; i++) {
      const pod = pods[i];
      if (fullyLabeled(pod, tplLabels, tplKey)) fully++;
      const f = factsOf(pod);
      if (f.ready) {
        ready++;
        // IsPodAvailable: Ready for at least minReadySeconds
        if (!minReady || (!Number.isNaN(f.readySinceMs) && f.readySinceMs + minReady * 1000 < nowMs)) available++;
      }
    }
  }
  const conditions: KObject[] = Array.isArray(status.conditions) ? status.conditions : [];
  const failure = conditions.find((c) => c?.type === REPLICA_FAILURE);
  if (manageErr !== undefined && !failure) {
    const diff = pods.length - replicasOf(rs);
    const reason = diff < 0 ? 'FailedCreate' : diff > 0 ? 'FailedDelete' : '';
    status.conditions = [...conditions, { type: REPLICA_FAILURE, status: 'True', lastTransitionTime: rfc3339(nowMs), reason, message: errText(manageErr) }];
  } else if (manageErr === undefined && failure) {
    status.conditions = conditions.filter((c) => c?.type !== REPLICA_FAILURE);
  }
  if (Array.isArray(status.conditions) && status.conditions.length === 0) delete status.conditions;
  status.replicas = pods.length;
  // omitempty counters, as the Go types serialise them
  const setCount = (k: string, n: number) => (n ? (status[k] = n) : delete status[k]);
  setCount('fullyLabeledReplicas', fully);
  setCount('readyReplicas', ready);
  setCount('availableReplicas', available);
  return status;
}

function replicasOf(rs: KObject): number {
  const r = rs.spec?.replicas;
  return typeof r === 'number' ? r : 1;
}

const count = (st: KObject | undefined, k: string): number => (typeof st?.[k] === 'number' ? st[k] : 0);

function sameConditions(a: unknown, b: unknown): boolean {
  const x = Array.isArray(a) ? a : [];
  const y = Array.isArray(b) ? b : [];
  return JSON.stringify(x) === JSON.stringify(y);
}

/** The ReplicaSet (or ReplicationController) controller for one kind. */
export function workloadReplicasController(k: WorkloadKind): Controller {
  /** updateReplicaSetStatus: nothing to write in the steady state; one retry on a fresh read. */
  const updateStatus = async (rt: Runtime<State>, rs: KObject, newStatus: KObject): Promise<KObject> => {
    const st = rs.status ?? {};
    const generation = rs.metadata?.generation ?? 0;
    if (
      count(st, 'replicas') === count(newStatus, 'replicas') &&
      count(st, 'fullyLabeledReplicas') === count(newStatus, 'fullyLabeledReplicas') &&
      count(st, 'readyReplicas') === count(newStatus, 'readyReplicas') &&
      count(st, 'availableReplicas') === count(newStatus, 'availableReplicas') &&
      generation === count(st, 'observedGeneration') &&
      sameConditions(st.conditions, newStatus.conditions)
    )
      return rs;
    newStatus.observedGeneration = generation;
    if (!generation) delete newStatus.observedGeneration;
    let cur = rs;
    for (let i = 0; ; i++) {
      const obj = cloneJSON(cur);
      obj.status = newStatus;
      try {
        return (await rt.state.client.update(rt.state.def, obj.metadata.namespace, obj.metadata.name, obj, { ...WRITE, subresource: 'status', fieldsChecked: true })).object;
      } catch (err) {
        if (i >= STATUS_UPDATE_RETRIES) throw err;
        // the latest resourceVersion for the next try (a failed read is the more interesting error)
        cur = rt.registry.get(rt.state.def, obj.metadata.namespace, obj.metadata.name);
      }
    }
  };

  /** The Tracked pods of a ReplicaSet, brought up to date (built afresh for a new selector or template). */
  const track = (rt: Runtime<State>, uid: string, rs: KObject, selector: LabelSelector, selKey: string): Tracked => {
    const tplLabels = templateLabels(rs);
    const tplKey = JSON.stringify(tplLabels);
    const pods = rt.informer('', 'pods');
    let t = rt.state.tracked.get(uid);
    const add = (t: Tracked, key: string, p: KObject) => {
      const f = factsOf(p);
      if (!f.active || f.controller !== uid) return;
      t.members.set(key, p);
      if (!podMatches(p, selector, selKey)) t.nonMatching++;
      if (fullyLabeled(p, tplLabels, tplKey)) t.fully++;
      if (f.ready) t.ready++;
    };
    if (!t || t.selKey !== selKey || t.tplKey !== tplKey) {
      t = { members: new Map(), dirty: new Set(), selKey, tplKey, nonMatching: 0, ready: 0, fully: 0 };
      rt.state.tracked.set(uid, t);
      for (const p of pods.byOwner(uid)) add(t, podKey(p), p);
      return t;
    }
    for (const key of t.dirty) {
      const was = t.members.get(key);
      if (was) {
        t.members.delete(key);
        if (!podMatches(was, selector, selKey)) t.nonMatching--;
        if (fullyLabeled(was, tplLabels, tplKey)) t.fully--;
        if (factsOf(was).ready) t.ready--;
      }
      const p = pods.getByKey(key);
      if (p) add(t, key, p);
    }
    t.dirty.clear();
    return t;
  };

  /** getIndirectlyRelatedPods: the pods of every ReplicaSet sharing this one's controller. */
  const indirectlyRelatedPods = (rt: Runtime<State>, rs: KObject): KObject[] => {
    const ref = controllerOf(rs);
    if (!ref) return [];
    const seen = new Set<string>();
    const out: KObject[] = [];
    const pods = rt.informer('', 'pods');
    for (const other of rt.primary.byOwner(ref.uid)) {
      if (other.metadata?.namespace !== rs.metadata.namespace || controllerOf(other)?.uid !== ref.uid) continue;
      const sel = parseSelector(k, other);
      if (!sel) continue;
      for (const p of pods.list(rs.metadata.namespace)) {
        if (!matches(sel, p.metadata?.labels) || seen.has(p.metadata.uid)) continue;
        seen.add(p.metadata.uid);
        out.push(p);
      }
    }
    return out;
  };

  /** CreatePods with its events (none when the namespace is being terminated). */
  const createPod = async (rt: Runtime<State>, rs: KObject): Promise<void> => {
    const pod = podFromTemplate(rs.spec?.template ?? {}, rs, newControllerRef(rs, k.apiVersion, k.kind));
    if (!pod.metadata.labels) throw new Error('unable to create pods, no labels');
    let created: KObject;
    try {
      // through admission webhooks when any applies (sidecar injectors see controller pods upstream)
      created = (await rt.state.client.create(rt.state.podDef, rs.metadata.namespace, pod, WRITE)).object;
    } catch (err) {
      if (hasStatusCause(err, 'NamespaceTerminating')) return; // every creation would fail: not an error
      rt.state.record(rs, 'Warning', 'FailedCreate', `Error creating: ${errText(err)}`);
      throw err;
    }
    rt.state.record(rs, 'Normal', 'SuccessfulCreate', `Created pod: ${created.metadata.name}`);
  };

  /** DeletePod with its events; a pod already gone is reported as such (no event). */
  const deletePod = async (rt: Runtime<State>, rs: KObject, pod: KObject): Promise<void> => {
    try {
      await rt.state.client.delete(rt.state.podDef, pod.metadata.namespace, pod.metadata.name);
    } catch (err) {
      if (err instanceof StatusError && err.code === 404) throw err;
      rt.state.record(rs, 'Warning', 'FailedDelete', `Error deleting: ${errText(err)}`);
      throw new Error(`unable to delete pods: ${errText(err)}`);
    }
    rt.state.record(rs, 'Normal', 'SuccessfulDelete', `Deleted pod: ${pod.metadata.name}`);
  };

  /** manageReplicas: create or delete pods towards spec.replicas; the error that stopped it, if any. */
  const manageReplicas = async (rt: Runtime<State>, key: string, pods: KObject[], rs: KObject): Promise<unknown> => {
    const exp = rt.state.expectations;
    let diff = pods.length - replicasOf(rs);
    if (diff < 0) {
      diff = Math.min(-diff, BURST_REPLICAS);
      exp.expectCreations(key, diff);
      rt.logger.debug({ key, need: replicasOf(rs), creating: diff }, 'too few replicas');
      const { successes, error } = await slowStartBatch(diff, SLOW_START_INITIAL_BATCH_SIZE, () => createPod(rt, rs));
      // pods never attempted are not expected: the next sync retries the slow start
      for (let skipped = diff - successes; skipped > 0; skipped--) exp.creationObserved(key);
      return error;
    }
    if (diff > 0) {
      diff = Math.min(diff, BURST_REPLICAS);
      rt.logger.debug({ key, need: replicasOf(rs), deleting: diff }, 'too many replicas');
      const toDelete = getPodsToDelete(pods, indirectlyRelatedPods(rt, rs), diff, rt.clock.now());
      exp.expectDeletions(key, toDelete.map(podKey));
      let first: unknown;
      for (const pod of toDelete) {
        try {
          await deletePod(rt, rs, pod);
        } catch (err) {
          // the informer will not observe this deletion
          exp.deletionObserved(key, podKey(pod));
          if (!(err instanceof StatusError && err.code === 404) && first === undefined) first = err;
        }
      }
      return first;
    }
    return undefined;
  };

  return defineController<State>({
    name: k.name,
    primary: { group: k.group, plural: k.plural },
    owns: [{ group: '', plural: 'pods' }],
    selector: (obj) => parseSelector(k, obj),
    workers: k.workers,
    resyncMs: RESYNC_MS,
    setup: (rt) => {
      const podInformer = rt.informer('', 'pods');
      podInformer.addIndex(ORPHAN_INDEX, (p) => (controllerOf(p) ? [] : [p.metadata?.namespace ?? '']));
      const tracked = new Map<string, Tracked>();
      const mark = (p: KObject) => {
        const uids = ownerUids(p);
        if (!uids.length) return;
        const key = podKey(p);
        for (const uid of uids) {
          const t = tracked.get(uid);
          if (!t) continue;
          t.dirty.delete(key);
          t.dirty.add(key);
        }
      };
      podInformer.addHandler({
        add: mark,
        update: (o, n) => {
          mark(o);
          mark(n);
        },
        delete: mark,
      });
      return {
        tracked,
        def: rt.registry.mustDef(k.group, k.plural),
        podDef: rt.registry.mustDef('', 'pods'),
        // writes as upstream's replicaset-controller (replication-controller) service account, through admission
        client: controllerClient(rt.registry, k.name === 'replicationcontroller' ? 'replication-controller' : 'replicaset-controller'),
        expectations: new UIDTrackingExpectations(rt.clock),
        record: rt.recorder.for({ component: k.component }),
      };
    },
    onOwnedAdd: (pod, ownerKey, rt) => {
      // a pod that shows up already being deleted counts as a deletion (addPod -> deletePod)
      if (pod.metadata?.deletionTimestamp) rt.state.expectations.deletionObserved(ownerKey, podKey(pod));
      else rt.state.expectations.creationObserved(ownerKey);
    },
    onOwnedUpdate: (oldPod, pod, ownerKey, rt) => {
      // graceful deletion: the rs may create replacements as soon as the deletionTimestamp is set
      if (pod.metadata?.deletionTimestamp) {
        rt.state.expectations.deletionObserved(ownerKey, podKey(pod));
        return;
      }
      // a pod that just turned Ready becomes available minReadySeconds later (plus a second of skew)
      const owner = rt.primary.getByKey(ownerKey);
      const mrs = typeof owner?.spec?.minReadySeconds === 'number' ? owner.spec.minReadySeconds : 0;
      if (mrs > 0 && !isPodReady(oldPod) && isPodReady(pod)) rt.queue.addAfter(ownerKey, mrs * 1000 + 1000);
    },
    onOwnedDelete: (pod, ownerKey, rt) => rt.state.expectations.deletionObserved(ownerKey, podKey(pod)),
    onPrimaryDelete: (obj, rt) => {
      rt.state.expectations.deleteExpectations(objectKey(obj));
      rt.state.tracked.delete(obj.metadata?.uid);
    },

    async reconcile(key, rt) {
      const { namespace, name } = splitObjectKey(key);
      const cached = rt.primary.get(namespace, name);
      if (!cached) {
        rt.state.expectations.deleteExpectations(key);
        return;
      }
      const needsSync = rt.state.expectations.satisfiedExpectations(key);
      const selector = parseSelector(k, cached);
      if (!selector) return; // a selector that does not convert is not retried
      // upstream lists every pod of the namespace; only its own and the orphans can be claimed
      const pods = rt.informer('', 'pods');
      const uid = cached.metadata.uid;
      const selKey = JSON.stringify(k.selector(cached) ?? null);
      const t = track(rt, uid, cached, selector, selKey);
      const active: KObject[] = [...t.members.values()];
      // the steady state (every active pod it controls still matches, no active orphan) claims
      // exactly those pods: ClaimPods would neither adopt nor release anything
      let simple = t.nonMatching === 0;
      const orphans = pods.byIndex(ORPHAN_INDEX, namespace);
      for (const p of orphans)
        if (isPodActive(p)) {
          active.push(p);
          simple = false;
        }
      const claiming = simple ? active : claimObjects({
        registry: rt.registry,
        def: rt.state.podDef,
        owner: cached,
        ownerApiVersion: k.apiVersion,
        ownerKind: k.kind,
        selector,
        candidates: active,
        canAdopt: recheckDeletionTimestamp(rt.registry, rt.state.def, cached),
      });
      // adoption through admission (a webhook or policy on pods) answers later
      const claimed = claiming instanceof Promise ? await claiming : claiming;
      let manageErr: unknown;
      if (needsSync && !cached.metadata.deletionTimestamp) manageErr = await manageReplicas(rt, key, claimed, cached);
      const rs = rt.primary.get(namespace, name) ?? cached;
      const counted = simple ? { tplKey: t.tplKey, fully: t.fully, ready: t.ready } : undefined;
      const updated = await updateStatus(rt, rs, calculateStatus(rs, claimed, manageErr, rt.clock.now(), counted));
      if (manageErr !== undefined) throw manageErr;
      // a last line of defence against clock skew: look again once the ready pods should be available
      const mrs = typeof updated.spec?.minReadySeconds === 'number' ? updated.spec.minReadySeconds : 0;
      const want = replicasOf(updated);
      if (mrs > 0 && count(updated.status, 'readyReplicas') === want && count(updated.status, 'availableReplicas') !== want) return { requeueAfterMs: mrs * 1000 };
      return undefined;
    },
  });
}

export const replicaSetKind: WorkloadKind = {
  name: 'replicaset',
  group: 'apps',
  plural: 'replicasets',
  apiVersion: 'apps/v1',
  kind: 'ReplicaSet',
  component: 'replicaset-controller',
  selector: (rs) => rs.spec?.selector,
  workers: 5,
};

/** pkg/controller/replication: the same controller on ReplicationControllers (selector: a label map). */
export const replicationControllerKind: WorkloadKind = {
  name: 'replicationcontroller',
  group: '',
  plural: 'replicationcontrollers',
  apiVersion: 'v1',
  kind: 'ReplicationController',
  component: 'replication-controller',
  selector: (rc) => ({ matchLabels: isMap(rc.spec?.selector) ? rc.spec.selector : {} }),
  workers: 5,
};
