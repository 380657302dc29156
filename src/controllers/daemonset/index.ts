// The DaemonSet controller as kube-controller-manager runs it (upstream pkg/controller/daemon:
// daemon_controller.go syncDaemonSet / manage / podsShouldBeOnNode / syncNodes /
// updateDaemonSetStatus, update.go rollingUpdate / constructHistory / snapshot / cleanupHistory)
// on the shared runtime: one pod per eligible node, created with a `metadata.name In [node]`
// required node affinity and left to the scheduler; history in ControllerRevisions.
import type { KObject } from '../../resources/types.js';
import { StatusError } from '../../registry/errors.js';
import { labelSelectorFromObject, type LabelSelector } from '../../registry/selectors.js';
import {
  ControllerExpectations,
  WRITE,
  claimObjects,
  computeTemplateHash,
  defineController,
  controllerClient,
  goJSON,
  isPodAvailable,
  isPodReady,
  newControllerRef,
  recheckDeletionTimestamp,
  splitObjectKey,
  type Runtime,
} from '../runtime/index.js';
import { templateGeneration } from '../../resources/apps/daemonset.js';
import {
  REVISION_HASH_LABEL,
  allowsSurge,
  byCreationTimestampAndPhase,
  createPodTemplate,
  isPodUpdated,
  nodeShouldRunDaemonPod,
  replaceNodeNameAffinity,
  surgeCount,
  targetNodeName,
  unavailableCount,
} from './util.js';

/** BurstReplicas: at most this many creations or deletions per sync. */
export const BURST_REPLICAS = 250;
/** the informer resync of kube-controller-manager's daemonset informers, per set */
export const RESYNC_MS = 30_000;
const BACKOFF_INITIAL_MS = 1000;
const BACKOFF_MAX_MS = 15 * 60_000;
const COMPONENT = 'daemonset-controller';

function selectorOf(ds: KObject): LabelSelector | undefined {
  try {
    return labelSelectorFromObject(ds.spec?.selector);
  } catch {
    return undefined;
  }
}

const isCode = (err: unknown, code: number) => err instanceof StatusError && err.code === code;
const namespaceTerminating = (err: unknown) =>
  err instanceof StatusError && (err.details?.causes ?? []).some((c: KObject) => c.reason === 'NamespaceTerminating');
const errMessage = (err: unknown) => (err instanceof Error ? err.message : String(err));
const terminal = (p: KObject) => p.status?.phase === 'Failed' || p.status?.phase === 'Succeeded';

/** flowcontrol.Backoff (1 s doubling to 15 min) for deleting failed daemon pods per node. */
class Backoff {
  private readonly entries = new Map<string, { delay: number; last: number }>();
  constructor(private readonly now: () => number) {}
  get(key: string): number {
    return this.entries.get(key)?.delay ?? 0;
  }
  inBackoffSinceUpdate(key: string, now: number): boolean {
    const e = this.entries.get(key);
    return !!e && now - e.last < e.delay;
  }
  next(key: string, now: number): void {
    const e = this.entries.get(key);
    if (!e || now - e.last > 2 * BACKOFF_MAX_MS) this.entries.set(key, { delay: BACKOFF_INITIAL_MS, last: now });
    else this.entries.set(key, { delay: Math.min(e.delay * 2, BACKOFF_MAX_MS), last: now });
  }
  gc(): void {
    const now = this.now();
    for (const [k, e] of this.entries) if (now - e.last > 2 * BACKOFF_MAX_MS) this.entries.delete(k);
  }
}

function setup(rt: Runtime<undefined>) {
  const { registry } = rt;
  const dsDef = registry.mustDef('apps', 'daemonsets');
  const podDef = registry.mustDef('', 'pods');
  const revDef = registry.mustDef('apps', 'controllerrevisions');
  const pods = rt.informer('', 'pods');
  const revisions = rt.informer('apps', 'controllerrevisions');
  const nodes = rt.informer('', 'nodes');
  const record = rt.recorder.for({ component: COMPONENT });
  const expectations = new ControllerExpectations(rt.clock);
  const backoff = new Backoff(() => rt.clock.now());
  const log = rt.logger.child({ controller: 'daemonset' });
  // writes as upstream's daemon-set-controller service account, through admission
  const client = controllerClient(registry, 'daemon-set-controller');
  return { dsDef, podDef, revDef, pods, revisions, nodes, record, expectations, backoff, log, client };
}

type State = ReturnType<typeof setup>;
type RT = Runtime<State>;

/** One reconcile pass: what it learned that decides the requeue. */
interface Pass {
  requeueAfterMs?: number;
}

function requeue(pass: Pass, ms: number): void {
  pass.requeueAfterMs = pass.requeueAfterMs === undefined ? ms : Math.min(pass.requeueAfterMs, ms);
}

/** getDaemonPods: the pods this set controls after adoption and release. */
function claimPods(rt: RT, ds: KObject, sel: LabelSelector): KObject[] {
  return settled(claimPodsAdmitted(rt, ds, sel));
}

/**
 * A claim's answer in the synchronous parts of a sync: adoption and release through admission were
 * done (awaited) at the start of the sync, so a claim here has nothing left to admit; one that
 * still does (the cache behind) fails the sync, which is retried.
 */
function settled(r: KObject[] | Promise<KObject[]>): KObject[] {
  if (!(r instanceof Promise)) return r;
  r.catch(() => undefined);
  throw new Error('adoption through admission is still in progress');
}

function claimPodsAdmitted(rt: RT, ds: KObject, sel: LabelSelector): KObject[] | Promise<KObject[]> {
  const s = rt.state;
  return claimObjects({
    registry: rt.registry,
    def: s.podDef,
    owner: ds,
    ownerApiVersion: 'apps/v1',
    ownerKind: 'DaemonSet',
    selector: sel,
    candidates: s.pods.list(ds.metadata.namespace),
    canAdopt: recheckDeletionTimestamp(rt.registry, s.dsDef, ds),
  });
}

/** getNodesToDaemonPods: claimed pods by target node (deleted terminal pods left out unless asked for). */
function nodesToDaemonPods(rt: RT, ds: KObject, sel: LabelSelector, includeDeletedTerminal: boolean): Map<string, KObject[]> {
  const out = new Map<string, KObject[]>();
  for (const pod of claimPods(rt, ds, sel)) {
    if (!includeDeletedTerminal && pod.metadata.deletionTimestamp && terminal(pod)) continue;
    const node = targetNodeName(pod);
    if (node === undefined) continue;
    const list = out.get(node);
    if (list) list.push(pod);
    else out.set(node, [pod]);
  }
  return out;
}

// ---- history (update.go) ----

/** getPatch: the strategic-merge patch that restores the template, as Go marshals it. */
function patchOf(ds: KObject): KObject {
  return { spec: { template: { ...(ds.spec?.template ?? {}), $patch: 'replace' } } };
}

function matchRevision(ds: KObject, rev: KObject): boolean {
  return goJSON(patchOf(ds)) === goJSON(rev.data);
}

/** the ControllerRevisions this set controls, claimed */
function claimHistories(rt: RT, ds: KObject, sel: LabelSelector): KObject[] | Promise<KObject[]> {
  const s = rt.state;
  const ns = ds.metadata.namespace;
  return claimObjects({
    registry: rt.registry,
    def: s.revDef,
    owner: ds,
    ownerApiVersion: 'apps/v1',
    ownerKind: 'DaemonSet',
    selector: sel,
    candidates: s.revisions.list(ns),
    canAdopt: recheckDeletionTimestamp(rt.registry, s.dsDef, ds),
  });
}

// the revisions' writes go through admission as daemon-set-controller (s.client): once per sync,
// not per pod, so the awaits cost nothing on a large set's hot path
async function constructHistory(rt: RT, ds: KObject, sel: LabelSelector): Promise<{ cur: KObject; old: KObject[] }> {
  const s = rt.state;
  const ns = ds.metadata.namespace;
  const histories = settled(claimHistories(rt, ds, sel));
  const current: KObject[] = [];
  const old: KObject[] = [];
  for (let h of histories) {
    if (h.metadata.labels?.[REVISION_HASH_LABEL] === undefined)
      h = (await s.client.modify(s.revDef, ns, h.metadata.name, (o) => void (o.metadata.labels = { ...(o.metadata.labels ?? {}), [REVISION_HASH_LABEL]: o.metadata.name }), WRITE)).object;
    (matchRevision(ds, h) ? current : old).push(h);
  }
  const currRevision = old.reduce((m, h) => Math.max(m, h.revision ?? 0), 0) + 1;
  let cur: KObject;
  if (!current.length) cur = await snapshot(rt, ds, currRevision);
  else {
    cur = await dedupCurHistories(rt, ds, sel, current);
    if ((cur.revision ?? 0) < currRevision) cur = (await s.client.modify(s.revDef, ns, cur.metadata.name, (o) => void (o.revision = currRevision), WRITE)).object;
  }
  return { cur, old };
}

async function dedupCurHistories(rt: RT, ds: KObject, sel: LabelSelector, cur: KObject[]): Promise<KObject> {
  if (cur.length === 1) return cur[0];
  let keep = cur[0];
  for (const h of cur) if ((h.revision ?? 0) >= (keep.revision ?? 0)) keep = h;
  const hash = keep.metadata.labels?.[REVISION_HASH_LABEL];
  const s = rt.state;
  for (const pod of claimPods(rt, ds, sel)) {
    if (pod.metadata.labels?.[REVISION_HASH_LABEL] === hash) continue;
    await s.client.modify(s.podDef, pod.metadata.namespace, pod.metadata.name, (o) => void (o.metadata.labels = { ...(o.metadata.labels ?? {}), [REVISION_HASH_LABEL]: hash }), WRITE, true);
  }
  for (const h of cur) {
    if (h.metadata.name === keep.metadata.name) continue;
    await s.client.delete(s.revDef, h.metadata.namespace, h.metadata.name);
  }
  return keep;
}

/** snapshot: the ControllerRevision <ds>-<template hash>; a name taken by other data bumps status.collisionCount. */
async function snapshot(rt: RT, ds: KObject, revision: number): Promise<KObject> {
  const s = rt.state;
  const ns = ds.metadata.namespace;
  const collisionCount = ds.status?.collisionCount;
  const hash = computeTemplateHash(ds.spec?.template, collisionCount);
  const name = `${ds.metadata.name}-${hash}`;
  const history: KObject = {
    apiVersion: 'apps/v1',
    kind: 'ControllerRevision',
    metadata: {
      name,
      namespace: ns,
      labels: { ...(ds.spec?.template?.metadata?.labels ?? {}), [REVISION_HASH_LABEL]: hash },
      ...(ds.metadata.annotations ? { annotations: { ...ds.metadata.annotations } } : {}),
      ownerReferences: [newControllerRef(ds, 'apps/v1', 'DaemonSet')],
    },
    data: patchOf(structuredClone(ds)),
    revision,
  };
  try {
    return (await s.client.create(s.revDef, ns, history, WRITE)).object;
  } catch (err) {
    if (!isCode(err, 409)) throw err;
    const existing = rt.registry.get(s.revDef, ns, name);
    if (matchRevision(ds, existing)) return existing;
    const fresh = rt.registry.get(s.dsDef, ns, ds.metadata.name);
    if ((fresh.status?.collisionCount ?? null) !== (collisionCount ?? null))
      throw new Error(`found a stale collision count (${collisionCount ?? 'nil'}, expected ${fresh.status?.collisionCount ?? 'nil'}) of DaemonSet "${ds.metadata.name}" while processing; will retry until it is updated`);
    await s.client.modify(s.dsDef, ns, ds.metadata.name, (o) => void ((o.status ??= {}).collisionCount = (o.status.collisionCount ?? 0) + 1), { subresource: 'status', ...WRITE });
    s.log.debug({ daemonset: rt.keyOf(ds) }, 'found a hash collision for DaemonSet - bumping collisionCount to resolve it');
    throw err;
  }
}

async function cleanupHistory(rt: RT, ds: KObject, sel: LabelSelector, old: KObject[]): Promise<void> {
  const toKeep = typeof ds.spec?.revisionHistoryLimit === 'number' ? ds.spec.revisionHistoryLimit : 10;
  let toKill = old.length - toKeep;
  if (toKill <= 0) return;
  const live = new Set<string>();
  for (const list of nodesToDaemonPods(rt, ds, sel, true).values())
    for (const p of list) {
      const h = p.metadata.labels?.[REVISION_HASH_LABEL];
      if (h) live.add(h);
    }
  for (const h of [...old].sort((a, b) => (a.revision ?? 0) - (b.revision ?? 0))) {
    if (toKill <= 0) break;
    if (live.has(h.metadata.labels?.[REVISION_HASH_LABEL])) continue;
    try {
      await rt.state.client.delete(rt.state.revDef, h.metadata.namespace, h.metadata.name);
    } catch (err) {
      if (!isCode(err, 404)) throw err;
    }
    toKill--;
  }
}

// ---- manage (daemon_controller.go) ----

function podsShouldBeOnNode(rt: RT, pass: Pass, node: KObject, byNode: Map<string, KObject[]>, ds: KObject, hash: string): { create: string[]; del: string[] } {
  const s = rt.state;
  const create: string[] = [];
  const del: string[] = [];
  const [shouldRun, shouldContinueRunning] = nodeShouldRunDaemonPod(node, ds);
  const name = node.metadata.name;
  const daemonPods = byNode.get(name);
  if (shouldRun && !daemonPods) {
    create.push(name);
  } else if (shouldContinueRunning) {
    const running: KObject[] = [];
    for (const pod of daemonPods ?? []) {
      if (pod.metadata.deletionTimestamp) continue;
      if (pod.status?.phase === 'Failed') {
        // the kubelet may keep rejecting the pod: delete failed pods with back-off
        const key = `${ds.metadata.uid}/${ds.status?.observedGeneration ?? 0}/${name}`;
        const now = rt.clock.now();
        if (s.backoff.inBackoffSinceUpdate(key, now)) {
          requeue(pass, s.backoff.get(key));
          continue;
        }
        s.backoff.next(key, now);
        s.record(ds, 'Warning', 'FailedDaemonPod', `Found failed daemon pod ${pod.metadata.namespace}/${pod.metadata.name} on node ${name}, will try to kill it`);
        del.push(pod.metadata.name);
      } else if (pod.status?.phase === 'Succeeded') {
        s.record(ds, 'Normal', 'SucceededDaemonPod', `Found succeeded daemon pod ${pod.metadata.namespace}/${pod.metadata.name} on node ${name}, will try to delete it`);
        del.push(pod.metadata.name);
      } else running.push(pod);
    }
    if (!allowsSurge(ds)) {
      if (running.length > 1) {
        running.sort(byCreationTimestampAndPhase);
        for (const p of running.slice(1)) del.push(p.metadata.name);
      }
    } else if (running.length <= 1) {
      if (running.length === 0 && shouldRun) create.push(name);
    } else {
      // surging: an old and a new pod may coexist until the new one is available
      running.sort(byCreationTimestampAndPhase);
      let oldestNew: KObject | undefined;
      let oldestOld: KObject | undefined;
      for (const p of running) {
        if (p.metadata.labels?.[REVISION_HASH_LABEL] === hash) {
          if (!oldestNew) {
            oldestNew = p;
            continue;
          }
        } else if (!oldestOld) {
          oldestOld = p;
          continue;
        }
        del.push(p.metadata.name);
      }
      if (oldestNew && oldestOld) {
        if (!isPodReady(oldestOld)) del.push(oldestOld.metadata.name);
        else if (isPodAvailable(oldestNew, ds.spec?.minReadySeconds ?? 0, rt.clock.now())) del.push(oldestOld.metadata.name);
      }
    }
  } else if (daemonPods) {
    for (const pod of daemonPods) if (!pod.metadata.deletionTimestamp) del.push(pod.metadata.name);
  }
  return { create, del };
}

async function manage(rt: RT, pass: Pass, ds: KObject, sel: LabelSelector, nodeList: KObject[], hash: string): Promise<void> {
  const byNode = nodesToDaemonPods(rt, ds, sel, false);
  const create: string[] = [];
  const del: string[] = [];
  for (const node of nodeList) {
    const r = podsShouldBeOnNode(rt, pass, node, byNode, ds, hash);
    create.push(...r.create);
    del.push(...r.del);
  }
  // getUnscheduledPodsWithoutNode: unscheduled pods aimed at nodes that do not exist
  const known = new Set(nodeList.map((n) => n.metadata.name));
  for (const [node, list] of byNode) if (!known.has(node)) for (const p of list) if (!p.spec?.nodeName) del.push(p.metadata.name);
  await syncNodes(rt, ds, del, create, hash);
}

/** syncNodes: deletes the pods and creates one pod per node (slow-start batches), expectations first. */
async function syncNodes(rt: RT, ds: KObject, podsToDelete: string[], nodesNeeding: string[], hash: string): Promise<void> {
  const s = rt.state;
  const key = rt.keyOf(ds);
  const ns = ds.metadata.namespace;
  const createDiff = Math.min(nodesNeeding.length, BURST_REPLICAS);
  const deleteDiff = Math.min(podsToDelete.length, BURST_REPLICAS);
  s.expectations.setExpectations(key, createDiff, deleteDiff);
  const errors: string[] = [];
  const template = createPodTemplate(ds, hash);
  let batch = Math.min(createDiff, 1);
  for (let pos = 0; pos < createDiff; ) {
    const before = errors.length;
    for (let i = pos; i < pos + batch; i++) {
      const tpl = structuredClone(template);
      tpl.spec.affinity = replaceNodeNameAffinity(tpl.spec.affinity, nodesNeeding[i]);
      try {
        await createPod(rt, ds, tpl);
      } catch (err) {
        if (namespaceTerminating(err)) continue;
        s.expectations.creationObserved(key);
        errors.push(errMessage(err));
      }
    }
    pos += batch;
    const skipped = createDiff - pos;
    if (errors.length > before && skipped > 0) {
      s.expectations.lowerExpectations(key, skipped, 0);
      break;
    }
    batch = Math.min(2 * batch, createDiff - pos);
  }
  for (let i = 0; i < deleteDiff; i++) {
    const name = podsToDelete[i];
    try {
      await s.client.delete(s.podDef, ns, name);
      s.record(ds, 'Normal', 'SuccessfulDelete', `Deleted pod: ${name}`);
    } catch (err) {
      s.expectations.deletionObserved(key);
      if (isCode(err, 404)) continue;
      s.record(ds, 'Warning', 'FailedDelete', `Error deleting: ${errMessage(err)}`);
      errors.push(`unable to delete pods: ${errMessage(err)}`);
    }
  }
  if (errors.length) throw new Error(errors.length === 1 ? errors[0] : `[${errors.join(', ')}]`);
}

/** RealPodControl.CreatePods: a pod from the template, named <ds>-<random>, with the controller reference. */
async function createPod(rt: RT, ds: KObject, tpl: KObject): Promise<void> {
  const s = rt.state;
  const meta = tpl.metadata ?? {};
  const pod: KObject = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      generateName: `${ds.metadata.name}-`,
      ...(meta.labels ? { labels: { ...meta.labels } } : {}),
      ...(meta.annotations ? { annotations: { ...meta.annotations } } : {}),
      ...(Array.isArray(meta.finalizers) && meta.finalizers.length ? { finalizers: [...meta.finalizers] } : {}),
      ownerReferences: [newControllerRef(ds, 'apps/v1', 'DaemonSet')],
    },
    spec: tpl.spec,
  };
  if (!pod.metadata.labels || !Object.keys(pod.metadata.labels).length) throw new Error('unable to create pods, no labels');
  let created: KObject;
  try {
    created = (await s.client.create(s.podDef, ds.metadata.namespace, pod, WRITE)).object;
  } catch (err) {
    if (!namespaceTerminating(err)) s.record(ds, 'Warning', 'FailedCreate', `Error creating: ${errMessage(err)}`);
    throw err;
  }
  s.record(ds, 'Normal', 'SuccessfulCreate', `Created pod: ${created.metadata.name}`);
}

// ---- rolling update (update.go) ----

async function rollingUpdate(rt: RT, ds: KObject, sel: LabelSelector, nodeList: KObject[], hash: string): Promise<void> {
  const byNode = nodesToDaemonPods(rt, ds, sel, false);
  // updatedDesiredNodeCounts: every node that should run a pod is a key, in node order
  const ordered = new Map<string, KObject[]>();
  let desired = 0;
  for (const node of nodeList) {
    if (!nodeShouldRunDaemonPod(node, ds)[0]) continue;
    desired++;
    ordered.set(node.metadata.name, byNode.get(node.metadata.name) ?? []);
  }
  for (const [n, list] of byNode) if (!ordered.has(n)) ordered.set(n, list);
  let maxUnavailable: number;
  let maxSurge: number;
  try {
    maxUnavailable = unavailableCount(ds, desired);
    maxSurge = surgeCount(ds, desired);
  } catch (err) {
    throw new Error(`couldn't get unavailable numbers: ${errMessage(err)}`);
  }
  if (desired > 0 && maxUnavailable === 0 && maxSurge === 0) maxUnavailable = 1;
  const now = rt.clock.now();
  const mrs = ds.spec?.minReadySeconds ?? 0;
  const available = (p: KObject) => isPodAvailable(p, mrs, now);
  const generation = templateGeneration(ds);
  const nodeByName = new Map(nodeList.map((n) => [n.metadata.name, n]));

  if (maxSurge === 0) {
    let numUnavailable = 0;
    const allowed: string[] = [];
    const candidates: string[] = [];
    for (const pods of ordered.values()) {
      const found = findUpdatedPodsOnNode(pods, hash, generation);
      if (!found) {
        numUnavailable++;
        continue;
      }
      const { newPod, oldPod } = found;
      if ((!oldPod && !newPod) || (oldPod && newPod)) numUnavailable++;
      else if (newPod) {
        if (!available(newPod)) numUnavailable++;
      } else if (oldPod) {
        if (!available(oldPod)) {
          allowed.push(oldPod.metadata.name);
          numUnavailable++;
        } else if (numUnavailable < maxUnavailable) candidates.push(oldPod.metadata.name);
      }
    }
    const remaining = Math.min(Math.max(maxUnavailable - numUnavailable, 0), candidates.length);
    await syncNodes(rt, ds, [...allowed, ...candidates.slice(0, remaining)], [], hash);
    return;
  }

  const oldPodsToDelete: string[] = [];
  const shouldNotRunPodsToDelete: string[] = [];
  const candidateNewNodes: string[] = [];
  const allowedNewNodes: string[] = [];
  let numSurge = 0;
  let numAvailable = 0;
  for (const [nodeName, pods] of ordered) {
    const found = findUpdatedPodsOnNode(pods, hash, generation);
    if (!found) {
      numSurge++;
      continue;
    }
    const { newPod, oldPod } = found;
    if (oldPod) {
      if (available(oldPod)) numAvailable++;
    } else if (newPod && available(newPod)) numAvailable++;
    if (!oldPod) continue;
    if (!newPod) {
      const node = nodeByName.get(nodeName);
      if (!node) throw new Error(`couldn't get node for nodeName "${nodeName}": nodes "${nodeName}" not found`);
      const shouldRun = nodeShouldRunDaemonPod(node, ds)[0];
      if (!available(oldPod)) {
        if (!shouldRun) oldPodsToDelete.push(oldPod.metadata.name);
        else allowedNewNodes.push(nodeName);
      } else if (!shouldRun) shouldNotRunPodsToDelete.push(oldPod.metadata.name);
      else if (numSurge < maxSurge) candidateNewNodes.push(nodeName);
      continue;
    }
    // already surged onto this node
    if (!available(newPod)) {
      numSurge++;
      continue;
    }
    oldPodsToDelete.push(oldPod.metadata.name);
  }
  const deletable = Math.min(numAvailable - desired, shouldNotRunPodsToDelete.length);
  for (const name of shouldNotRunPodsToDelete.slice(0, Math.max(deletable, 0))) if (rt.state.pods.get(ds.metadata.namespace, name)) oldPodsToDelete.push(name);
  const remainingSurge = Math.min(Math.max(maxSurge - numSurge, 0), candidateNewNodes.length);
  await syncNodes(rt, ds, oldPodsToDelete, [...allowedNewNodes, ...candidateNewNodes.slice(0, remainingSurge)], hash);
}

/** findUpdatedPodsOnNode: at most one new and one old live pod, else undefined (the manage loop prunes). */
function findUpdatedPodsOnNode(pods: KObject[], hash: string, generation: number | undefined): { newPod?: KObject; oldPod?: KObject } | undefined {
  let newPod: KObject | undefined;
  let oldPod: KObject | undefined;
  for (const p of pods) {
    if (p.metadata.deletionTimestamp) continue;
    if (isPodUpdated(p, hash, generation)) {
      if (newPod) return undefined;
      newPod = p;
    } else {
      if (oldPod) return undefined;
      oldPod = p;
    }
  }
  return { newPod, oldPod };
}

// ---- status ----

function updateStatus(rt: RT, pass: Pass, ds: KObject, sel: LabelSelector, nodeList: KObject[], hash: string, updateObservedGen: boolean): void | Promise<void> {
  const s = rt.state;
  const byNode = nodesToDaemonPods(rt, ds, sel, false);
  const now = rt.clock.now();
  const mrs = ds.spec?.minReadySeconds ?? 0;
  const generation = templateGeneration(ds);
  let desired = 0;
  let current = 0;
  let misscheduled = 0;
  let ready = 0;
  let updated = 0;
  let available = 0;
  for (const node of nodeList) {
    const [shouldRun] = nodeShouldRunDaemonPod(node, ds);
    const list = byNode.get(node.metadata.name) ?? [];
    const scheduled = list.length > 0;
    if (shouldRun) {
      desired++;
      if (!scheduled) continue;
      current++;
      const pod = [...list].sort(byCreationTimestampAndPhase)[0];
      if (isPodReady(pod)) {
        ready++;
        if (isPodAvailable(pod, mrs, now)) available++;
      }
      if (isPodUpdated(pod, hash, generation)) updated++;
    } else if (scheduled) misscheduled++;
  }
  const unavailable = desired - available;
  const st = ds.status ?? {};
  const same =
    (st.desiredNumberScheduled ?? 0) === desired &&
    (st.currentNumberScheduled ?? 0) === current &&
    (st.numberMisscheduled ?? 0) === misscheduled &&
    (st.numberReady ?? 0) === ready &&
    (st.updatedNumberScheduled ?? 0) === updated &&
    (st.numberAvailable ?? 0) === available &&
    (st.numberUnavailable ?? 0) === unavailable &&
    (st.observedGeneration ?? 0) >= (ds.metadata.generation ?? 0);
  // a last line of defence for minReadySeconds
  if (mrs > 0 && ready !== available) requeue(pass, mrs * 1000);
  const failed = (err: unknown): void => {
    if (!isCode(err, 404)) throw new Error(`error storing status for daemon set "${ds.metadata.name}": ${errMessage(err)}`);
  };
  if (!same) {
    try {
      // UpdateStatus as daemon-set-controller (through admission when a webhook or policy applies)
      const w = s.client.modify(
        s.dsDef,
        ds.metadata.namespace,
        ds.metadata.name,
        (o) => {
          if (o.metadata.uid !== ds.metadata.uid) throw new StatusError(409, 'Conflict', 'DaemonSet was replaced');
          const next: KObject = { ...(o.status ?? {}) };
          if (updateObservedGen) next.observedGeneration = ds.metadata.generation;
          Object.assign(next, {
            desiredNumberScheduled: desired,
            currentNumberScheduled: current,
            numberMisscheduled: misscheduled,
            numberReady: ready,
            updatedNumberScheduled: updated,
            numberAvailable: available,
            numberUnavailable: unavailable,
          });
          // omitempty int32s
          for (const k of ['observedGeneration', 'updatedNumberScheduled', 'numberAvailable', 'numberUnavailable']) if (next[k] === 0) delete next[k];
          o.status = next;
        },
        { subresource: 'status', ...WRITE },
      );
      if (w instanceof Promise) return w.then(() => undefined, failed);
    } catch (err) {
      failed(err);
    }
  }
}

async function reconcile(key: string, rt: RT) {
  const s = rt.state;
  const { namespace, name } = splitObjectKey(key);
  const ds = rt.primary.get(namespace, name);
  if (!ds) {
    s.expectations.deleteExpectations(key);
    return;
  }
  const nodeList = [...s.nodes.list()].sort((a, b) => (a.metadata.name < b.metadata.name ? -1 : a.metadata.name > b.metadata.name ? 1 : 0));
  const selector = ds.spec?.selector;
  if (selector && typeof selector === 'object' && !Object.keys(selector).length) {
    s.record(ds, 'Warning', 'SelectingAll', 'This daemon set is selecting all pods. A non-empty selector is required.');
    return;
  }
  const sel = selectorOf(ds);
  if (!sel) return;
  if (ds.metadata.deletionTimestamp) return;
  // adoption and release through admission (a webhook or policy on pods or controllerrevisions)
  // first: the synchronous claims of the sync then find nothing left to admit
  const pre = [claimPodsAdmitted(rt, ds, sel), claimHistories(rt, ds, sel)].filter((r) => r instanceof Promise);
  if (pre.length) await Promise.all(pre);
  let cur: KObject;
  let old: KObject[];
  try {
    ({ cur, old } = await constructHistory(rt, ds, sel));
  } catch (err) {
    throw new Error(`failed to construct revisions of DaemonSet: ${errMessage(err)}`);
  }
  const hash: string = cur.metadata.labels?.[REVISION_HASH_LABEL] ?? '';
  const pass: Pass = {};
  if (!s.expectations.satisfiedExpectations(key)) {
    const u = updateStatus(rt, pass, ds, sel, nodeList, hash, false);
    if (u) await u;
    return { requeueAfterMs: pass.requeueAfterMs ?? RESYNC_MS };
  }
  let err: unknown;
  try {
    await manage(rt, pass, ds, sel, nodeList, hash);
    if (s.expectations.satisfiedExpectations(key) && ds.spec?.updateStrategy?.type === 'RollingUpdate') await rollingUpdate(rt, ds, sel, nodeList, hash);
    try {
      await cleanupHistory(rt, ds, sel, old);
    } catch (e) {
      throw new Error(`failed to clean up revisions of DaemonSet: ${errMessage(e)}`);
    }
  } catch (e) {
    err = e;
  }
  try {
    const u = updateStatus(rt, pass, ds, sel, nodeList, hash, true);
    if (u) await u;
  } catch (statusErr) {
    if (!err) throw statusErr;
    s.log.error({ daemonset: key, err: errMessage(statusErr) }, 'failed to update status');
  }
  if (err) throw err;
  s.backoff.gc();
  return { requeueAfterMs: pass.requeueAfterMs ?? RESYNC_MS };
}

/** shouldIgnoreNodeUpdate: only the set of True conditions, labels, taints and the rest of the node count. */
function nodeShape(n: KObject): string {
  const conds = (Array.isArray(n.status?.conditions) ? n.status.conditions : [])
    .filter((c: KObject) => c?.status === 'True')
    .map((c: KObject) => c.type)
    .sort();
  return JSON.stringify([n.metadata?.labels, n.metadata?.annotations, n.spec, conds]);
}

export const daemonSetController = defineController<State>({
  name: 'daemonset',
  primary: { group: 'apps', plural: 'daemonsets' },
  owns: [
    { group: '', plural: 'pods' },
    { group: 'apps', plural: 'controllerrevisions' },
  ],
  selector: selectorOf,
  watches: [
    {
      group: '',
      plural: 'nodes',
      // addNode: the sets that should run on the new node; updateNode: those whose verdict changed;
      // a deleted node changes the counts of every set
      keys: (node, old, rt, type) => {
        const sets = rt.primary.list();
        if (type === 'delete') return sets.map(rt.keyOf);
        if (type === 'add') return sets.filter((ds) => nodeShouldRunDaemonPod(node, ds)[0]).map(rt.keyOf);
        if (!old || nodeShape(old) === nodeShape(node)) return [];
        return sets
          .filter((ds) => {
            const a = nodeShouldRunDaemonPod(old, ds);
            const b = nodeShouldRunDaemonPod(node, ds);
            return a[0] !== b[0] || a[1] !== b[1];
          })
          .map(rt.keyOf);
      },
    },
  ],
  workers: 2,
  setup,
  onOwnedAdd: (obj, ownerKey, rt) => {
    if (obj.kind === 'ControllerRevision' || obj.data !== undefined) return;
    if (obj.metadata?.deletionTimestamp) rt.state.expectations.deletionObserved(ownerKey);
    else rt.state.expectations.creationObserved(ownerKey);
  },
  onOwnedUpdate: (oldObj, obj, ownerKey, rt) => {
    if (obj.data !== undefined) return;
    if (obj.metadata?.deletionTimestamp && !oldObj.metadata?.deletionTimestamp) rt.state.expectations.deletionObserved(ownerKey);
    // a pod that just turned Ready becomes available minReadySeconds later
    const ds = rt.primary.getByKey(ownerKey);
    const mrs = ds?.spec?.minReadySeconds ?? 0;
    if (mrs > 0 && !isPodReady(oldObj) && isPodReady(obj)) rt.queue.addAfter(ownerKey, mrs * 1000 + 1000);
  },
  onOwnedDelete: (obj, ownerKey, rt) => {
    if (obj.data !== undefined) return;
    if (!obj.metadata?.deletionTimestamp) rt.state.expectations.deletionObserved(ownerKey);
  },
  onPrimaryDelete: (obj, rt) => rt.state.expectations.deleteExpectations(rt.keyOf(obj)),
  reconcile,
});
