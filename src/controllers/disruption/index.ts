// The disruption controller: keeps every PodDisruptionBudget's status (currentHealthy,
// desiredHealthy, expectedPods, disruptionsAllowed, observedGeneration, disruptedPods and the
// DisruptionAllowed condition) so the eviction subresource (resources/policy/eviction.ts) can
// judge evictions. Upstream pkg/controller/disruption/disruption.go (1.33): sync/trySync,
// getExpectedPodCount, getExpectedScale and its controller finders (RC, Deployment through its
// ReplicaSet, ReplicaSet, StatefulSet, then any kind with a scale subresource), countHealthyPods,
// buildDisruptedPodMap (entries expire after DeletionTimeout), failSafe, updatePdbStatus, and the
// stale DisruptionTarget clean-up; component-helpers/apps/poddisruptionbudget for the condition;
// the PodDisruptionBudget lister's GetPodPodDisruptionBudgets for pod -> budget.
import type { KObject, ResourceDef } from '../../resources/types.js';
import { defineController, isPodReady, rfc3339, splitObjectKey, WRITE, type Runtime } from '../runtime/index.js';
import { labelSelectorFromObject, matches, SelectorParseError, type LabelSelector } from '../../registry/selectors.js';
import { StatusError } from '../../registry/errors.js';
import { scaleOf } from '../../resources/scale.js';
import { setDisruptionAllowedCondition, updateDisruptionAllowedCondition } from '../../resources/policy/eviction.js';

/** DeletionTimeout: how long an evicted pod may stay undeleted before its disruptedPods entry is dropped. */
export const DELETION_TIMEOUT_MS = 2 * 60_000;
/** stalePodDisruptionTimeout: a DisruptionTarget=True condition on a pod that is not deleting is reset after this. */
export const STALE_POD_DISRUPTION_TIMEOUT_MS = 2 * 60_000;
/** keys of the stale-condition queue (upstream's stalePodDisruptionQueue) share the work queue */
const POD_KEY = 'pod:';

type Record_ = (obj: KObject, type: 'Normal' | 'Warning', reason: string, message: string) => void;
interface State {
  record: Record_;
  podDef: ResourceDef;
}

const isMap = (v: unknown): v is KObject => !!v && typeof v === 'object' && !Array.isArray(v);
const withKind = (obj: KObject, kind: string, apiVersion: string): KObject => (obj.kind ? obj : { ...obj, kind, apiVersion });

// cached budgets are replaced, never changed: a selector parsed once per object stays right
const parsed = new WeakMap<KObject, LabelSelector | SelectorParseError>();

/** metav1.LabelSelectorAsSelector (nil: nothing; {}: everything); throws SelectorParseError. */
function selectorOf(pdb: KObject): LabelSelector {
  let sel = parsed.get(pdb);
  if (!sel) {
    try {
      sel = labelSelectorFromObject(pdb.spec?.selector);
    } catch (e) {
      if (!(e instanceof SelectorParseError)) throw e;
      sel = e;
    }
    parsed.set(pdb, sel);
  }
  if (sel instanceof SelectorParseError) throw sel;
  return sel;
}

/** GetPodPodDisruptionBudgets: the budgets in the pod's namespace whose valid selector matches it (an empty one matches all). */
function budgetsFor(rt: Runtime<State>, pod: KObject): KObject[] {
  return rt.primary.list(pod.metadata?.namespace ?? '').filter((pdb) => {
    try {
      return matches(selectorOf(pdb), pod.metadata?.labels);
    } catch (e) {
      if (e instanceof SelectorParseError) return false;
      throw e;
    }
  });
}

/** getPdbForPod: the budgets a pod event concerns; more than one is warned about on the pod. */
function podEventKeys(rt: Runtime<State>, pod: KObject, deleted: boolean): string[] {
  const pdbs = budgetsFor(rt, pod);
  if (pdbs.length > 1 && !deleted) {
    const msg = `Pod "${pod.metadata.namespace}"/"${pod.metadata.name}" matches multiple PodDisruptionBudgets.  Chose "${pdbs[0].metadata.name}" arbitrarily.`;
    rt.state.record(withKind(pod, 'Pod', 'v1'), 'Warning', 'MultiplePodDisruptionBudgets', msg);
  }
  const keys = pdbs.slice(0, 1).map((p) => rt.keyOf(p));
  if (!deleted) {
    const stale = staleDisruptionCondition(rt, pod);
    if (stale !== undefined) rt.queue.addAfter(POD_KEY + rt.keyOf(pod), stale);
  }
  return keys;
}

/** nonTerminatingPodHasStaleDisruptionCondition: ms until the DisruptionTarget condition is stale, or undefined when it is not a candidate. */
function staleDisruptionCondition(rt: Runtime<State>, pod: KObject): number | undefined {
  if (pod.metadata?.deletionTimestamp) return undefined;
  const conds = Array.isArray(pod.status?.conditions) ? pod.status.conditions : [];
  const cond = conds.find((c: KObject) => c?.type === 'DisruptionTarget');
  const phase = pod.status?.phase;
  if (!cond || cond.status !== 'True' || cond.reason === 'TerminationByKubelet' || phase === 'Succeeded' || phase === 'Failed') return undefined;
  const since = Date.parse(cond.lastTransitionTime ?? '');
  const elapsed = Number.isNaN(since) ? Infinity : rt.clock.now() - since;
  return Math.max(0, STALE_POD_DISRUPTION_TIMEOUT_MS - elapsed);
}

/** syncStalePodDisruption: reset a stale DisruptionTarget condition to False. */
function syncStalePod(rt: Runtime<State>, key: string): void {
  const pod = rt.informer('', 'pods').getByKey(key);
  if (!pod) return;
  const wait = staleDisruptionCondition(rt, pod);
  if (wait === undefined) return;
  if (wait > 0) {
    rt.queue.addAfter(POD_KEY + key, wait);
    return;
  }
  const next = structuredClone(pod);
  const conds: KObject[] = next.status.conditions;
  const i = conds.findIndex((c) => c?.type === 'DisruptionTarget');
  conds[i] = { type: 'DisruptionTarget', status: 'False', lastProbeTime: null, lastTransitionTime: rfc3339(rt.clock.now()) };
  rt.registry.update(rt.state.podDef, next.metadata.namespace, next.metadata.name, next, { ...WRITE, subresource: 'status' });
  rt.logger.debug({ pod: key }, 'Reset stale DisruptionTarget condition to False');
}

/** apiVersion's group. */
function groupOf(apiVersion: unknown): string {
  const s = typeof apiVersion === 'string' ? apiVersion : '';
  const i = s.indexOf('/');
  return i < 0 ? '' : s.slice(0, i);
}

/** verifyGroupKind */
const isKind = (ref: KObject, kind: string, groups: string[]) => ref.kind === kind && groups.includes(groupOf(ref.apiVersion));

const controllerRefOf = (obj: KObject): KObject | undefined =>
  (Array.isArray(obj.metadata?.ownerReferences) ? obj.metadata.ownerReferences : []).find((r: KObject) => r?.controller === true);

interface Scale {
  uid: string;
  scale: number;
}

/** A live object through its kind's informer, when the server serves that kind (listers upstream). */
function cached(rt: Runtime<State>, group: string, plural: string, namespace: string, name: string): KObject | undefined {
  if (!rt.registry.def(group, plural)) return undefined;
  return rt.informer(group, plural).get(namespace, name);
}

const replicasOf = (obj: KObject): number => (typeof obj.spec?.replicas === 'number' ? obj.spec.replicas : 0);

/** The finders in upstream's order; each answers a scale, undefined (not mine / not found), or throws. */
const FINDERS: ((rt: Runtime<State>, ref: KObject, ns: string) => Scale | undefined)[] = [
  // getPodReplicationController
  (rt, ref, ns) => {
    if (!isKind(ref, 'ReplicationController', [''])) return undefined;
    const rc = cached(rt, '', 'replicationcontrollers', ns, ref.name);
    return rc && rc.metadata.uid === ref.uid ? { uid: rc.metadata.uid, scale: replicasOf(rc) } : undefined;
  },
  // getPodDeployment: the Deployment controlling the pod's ReplicaSet
  (rt, ref, ns) => {
    if (!isKind(ref, 'ReplicaSet', ['apps', 'extensions'])) return undefined;
    const rs = cached(rt, 'apps', 'replicasets', ns, ref.name);
    if (!rs || rs.metadata.uid !== ref.uid) return undefined;
    const dref = controllerRefOf(rs);
    if (!dref || !isKind(dref, 'Deployment', ['apps', 'extensions'])) return undefined;
    const d = cached(rt, 'apps', 'deployments', rs.metadata.namespace, dref.name);
    return d && d.metadata.uid === dref.uid ? { uid: d.metadata.uid, scale: replicasOf(d) } : undefined;
  },
  // getPodReplicaSet: a ReplicaSet no Deployment controls
  (rt, ref, ns) => {
    if (!isKind(ref, 'ReplicaSet', ['apps', 'extensions'])) return undefined;
    const rs = cached(rt, 'apps', 'replicasets', ns, ref.name);
    if (!rs || rs.metadata.uid !== ref.uid) return undefined;
    if (controllerRefOf(rs)?.kind === 'Deployment') return undefined;
    return { uid: rs.metadata.uid, scale: replicasOf(rs) };
  },
  // getPodStatefulSet
  (rt, ref, ns) => {
    if (!isKind(ref, 'StatefulSet', ['apps'])) return undefined;
    const ss = cached(rt, 'apps', 'statefulsets', ns, ref.name);
    return ss && ss.metadata.uid === ref.uid ? { uid: ss.metadata.uid, scale: replicasOf(ss) } : undefined;
  },
  // getScaleController: any kind with a scale subresource, read through it
  (rt, ref, ns) => {
    const av = typeof ref.apiVersion === 'string' ? ref.apiVersion : '';
    const group = groupOf(av);
    const version = av.slice(av.indexOf('/') + 1);
    const defs = rt.registry.allDefs().filter((d) => d.group === group && d.kind === ref.kind);
    const def = defs.find((d) => d.version === version) ?? defs[0];
    if (!def) throw new Error(`no matches for kind "${ref.kind}" in version "${av}"`);
    if (!def.scale) throw new Error(`${def.group ? `${def.plural}.${def.group}` : def.plural} does not implement the scale subresource`);
    const obj = rt.registry.tryGet(def, ns, ref.name);
    if (!obj || obj.metadata?.uid !== ref.uid) return undefined;
    return { uid: obj.metadata.uid, scale: scaleOf(def.scale, obj).spec.replicas ?? 0 };
  },
];

/** getExpectedScale: the sum of the scales of the pods' controllers; unmanaged pods listed. */
function expectedScale(rt: Runtime<State>, pods: KObject[]): { expected: number; unmanaged: string[] } {
  const scales = new Map<string, number>();
  const unmanaged: string[] = [];
  for (const pod of pods) {
    const ref = controllerRefOf(pod);
    if (!ref) {
      unmanaged.push(pod.metadata.name);
      continue;
    }
    if (scales.has(ref.uid)) continue;
    let found: Scale | undefined;
    for (const finder of FINDERS) if ((found = finder(rt, ref, pod.metadata.namespace))) break;
    if (!found) throw new Error(`found no controllers for pod "${pod.metadata.name}"`);
    scales.set(found.uid, found.scale);
  }
  let expected = 0;
  for (const n of scales.values()) expected += n;
  return { expected, unmanaged };
}

/** intstr.GetScaledValueFromIntOrPercent, rounding up. */
function scaledValue(v: unknown, total: number): number {
  if (typeof v === 'number') return v;
  const s = String(v);
  if (!s.endsWith('%')) throw new Error('invalid value for IntOrString: invalid type: string is not a percentage');
  const n = Number(s.slice(0, -1));
  if (!/^[0-9]+$/.test(s.slice(0, -1))) throw new Error(`invalid value for IntOrString: invalid value "${s}": strconv.Atoi: parsing "${s.slice(0, -1)}": invalid syntax`);
  return Math.ceil((n * total) / 100);
}

/** getExpectedPodCount */
function expectedPodCount(rt: Runtime<State>, pdb: KObject, pods: KObject[]): { expected: number; desired: number; unmanaged: string[] } {
  const spec = isMap(pdb.spec) ? pdb.spec : {};
  if (spec.maxUnavailable !== undefined && spec.maxUnavailable !== null) {
    const { expected, unmanaged } = expectedScale(rt, pods);
    const maxUnavailable = scaledValue(spec.maxUnavailable, expected);
    return { expected, desired: Math.max(0, expected - maxUnavailable), unmanaged };
  }
  if (spec.minAvailable !== undefined && spec.minAvailable !== null) {
    if (typeof spec.minAvailable === 'number') return { expected: pods.length, desired: spec.minAvailable, unmanaged: [] };
    const { expected, unmanaged } = expectedScale(rt, pods);
    return { expected, desired: scaledValue(spec.minAvailable, expected), unmanaged };
  }
  return { expected: 0, desired: 0, unmanaged: [] };
}

/** Go's %v of a *metav1.LabelSelector (its generated String()). */
function goLabelSelector(sel: unknown): string {
  if (!isMap(sel)) return 'nil';
  const ml = isMap(sel.matchLabels) ? sel.matchLabels : {};
  const labels = Object.keys(ml)
    .sort()
    .map((k) => `${k}: ${ml[k]},`)
    .join('');
  const exprs = (Array.isArray(sel.matchExpressions) ? sel.matchExpressions : [])
    .map((e: KObject) => `LabelSelectorRequirement{Key:${e?.key ?? ''},Operator:${e?.operator ?? ''},Values:[${(Array.isArray(e?.values) ? e.values : []).join(' ')}],},`)
    .join('');
  return `&LabelSelector{MatchLabels:map[string]string{${labels}},MatchExpressions:[]LabelSelectorRequirement{${exprs}},}`;
}

/** buildDisruptedPodMap: entries of pods not yet deleting and not expired, and when to look again. */
function disruptedPodMap(rt: Runtime<State>, pdb: KObject, pods: KObject[], now: number): { map: Record<string, string>; recheck?: number } {
  const disrupted = isMap(pdb.status?.disruptedPods) ? pdb.status.disruptedPods : undefined;
  const map: Record<string, string> = {};
  let recheck: number | undefined;
  if (!disrupted) return { map };
  for (const pod of pods) {
    if (pod.metadata.deletionTimestamp) continue;
    const at = disrupted[pod.metadata.name];
    if (at === undefined) continue;
    const expected = Date.parse(at) + DELETION_TIMEOUT_MS;
    if (expected < now) {
      rt.logger.info({ pod: rt.keyOf(pod), deletionTime: at, pdb: rt.keyOf(pdb) }, "pod was expected to be deleted but it wasn't, updating PDB");
      // (upstream names the namespace twice)
      rt.state.record(withKind(pod, 'Pod', 'v1'), 'Warning', 'NotDeleted', `Pod was expected by PDB ${pdb.metadata.namespace}/${pdb.metadata.namespace} to be deleted but it wasn't`);
    } else {
      if (recheck === undefined || expected < recheck) recheck = expected;
      map[pod.metadata.name] = at;
    }
  }
  return { map, recheck };
}

/** countHealthyPods: ready pods neither deleting nor about to be. */
function countHealthy(pods: KObject[], disrupted: Record<string, string>, now: number): number {
  let n = 0;
  for (const pod of pods) {
    if (pod.metadata.deletionTimestamp) continue;
    const at = disrupted[pod.metadata.name];
    if (at !== undefined && Date.parse(at) + DELETION_TIMEOUT_MS > now) continue;
    if (isPodReady(pod)) n++;
  }
  return n;
}

/** pdbhelper.ConditionsAreUpToDate */
function conditionsUpToDate(pdb: KObject): boolean {
  const st = pdb.status ?? {};
  const cond = (Array.isArray(st.conditions) ? st.conditions : []).find((c: KObject) => c?.type === 'DisruptionAllowed');
  if (!cond) return false;
  if ((st.observedGeneration ?? 0) !== (pdb.metadata.generation ?? 0)) return false;
  if ((st.disruptionsAllowed ?? 0) > 0) return cond.status === 'True' && cond.reason === 'SufficientPods';
  return cond.status === 'False' && cond.reason === 'InsufficientPods';
}

function sameMap(a: Record<string, string> | undefined, b: Record<string, string>): boolean {
  const x = a ?? {};
  const kx = Object.keys(x);
  return kx.length === Object.keys(b).length && kx.every((k) => Date.parse(x[k]) === Date.parse(b[k]));
}

function writeStatus(rt: Runtime<State>, pdb: KObject): void {
  rt.registry.update(rt.primary.def, pdb.metadata.namespace, pdb.metadata.name, pdb, { ...WRITE, subresource: 'status' });
}

/** updatePdbStatus: write the computed status unless it is already there. */
function updateStatus(rt: Runtime<State>, pdb: KObject, currentHealthy: number, desiredHealthy: number, expectedCount: number, disrupted: Record<string, string>): void {
  let allowed = currentHealthy - desiredHealthy;
  if (expectedCount <= 0 || allowed <= 0) allowed = 0;
  const st = pdb.status ?? {};
  const generation = pdb.metadata.generation ?? 0;
  if (
    st.currentHealthy === currentHealthy &&
    st.desiredHealthy === desiredHealthy &&
    st.expectedPods === expectedCount &&
    st.disruptionsAllowed === allowed &&
    sameMap(st.disruptedPods, disrupted) &&
    (st.observedGeneration ?? 0) === generation &&
    conditionsUpToDate(pdb)
  )
    return;
  const next = structuredClone(pdb);
  // PodDisruptionBudgetStatus in its Go field order; observedGeneration and disruptedPods are omitempty
  const status: KObject = {};
  if (generation) status.observedGeneration = generation;
  if (Object.keys(disrupted).length) status.disruptedPods = disrupted;
  Object.assign(status, { disruptionsAllowed: allowed, currentHealthy, desiredHealthy, expectedPods: expectedCount });
  if (Array.isArray(st.conditions)) status.conditions = structuredClone(st.conditions);
  next.status = status;
  updateDisruptionAllowedCondition(next, rt.clock.now());
  writeStatus(rt, next);
}

/** failSafe: at least say no disruption is allowed, and why the sync failed. */
function failSafe(rt: Runtime<State>, pdb: KObject, err: Error): void {
  const next = structuredClone(pdb);
  next.status = { ...(next.status ?? {}), disruptionsAllowed: 0 };
  setDisruptionAllowedCondition(next, 'False', 'SyncFailed', err.message, rt.clock.now());
  writeStatus(rt, next);
}

/** trySync; answers the time of the next recheck (an entry of disruptedPods expiring). */
function trySync(rt: Runtime<State>, pdb: KObject): number | undefined {
  const record = rt.state.record;
  const pdbObj = withKind(pdb, 'PodDisruptionBudget', 'policy/v1');
  let pods: KObject[];
  try {
    const sel = selectorOf(pdb);
    pods = rt.informer('', 'pods').list(pdb.metadata.namespace).filter((p) => matches(sel, p.metadata?.labels));
  } catch (err) {
    record(pdbObj, 'Warning', 'NoPods', `Failed to get pods: ${(err as Error).message}`);
    throw err;
  }
  if (!pods.length) record(pdbObj, 'Normal', 'NoPods', 'No matching pods found');
  let counts: ReturnType<typeof expectedPodCount>;
  try {
    counts = expectedPodCount(rt, pdb, pods);
  } catch (err) {
    record(pdbObj, 'Warning', 'CalculateExpectedPodCountFailed', `Failed to calculate the number of expected pods: ${(err as Error).message}`);
    throw err;
  }
  if (counts.unmanaged.length) {
    rt.logger.debug({ pods: counts.unmanaged }, 'Found unmanaged pods associated with this PDB');
    record(
      pdbObj,
      'Warning',
      'UnmanagedPods',
      `Pods selected by this PodDisruptionBudget (selector: ${goLabelSelector(pdb.spec?.selector)}) were found to be unmanaged. As a result, the status of the PDB cannot be calculated correctly, which may result in undefined behavior. To account for these pods please set ".spec.minAvailable" field of the PDB to an integer value.`,
    );
  }
  const now = rt.clock.now();
  const { map, recheck } = disruptedPodMap(rt, pdb, pods, now);
  const currentHealthy = countHealthy(pods, map, now);
  updateStatus(rt, pdb, currentHealthy, counts.desired, counts.expected, map);
  return recheck === undefined ? undefined : recheck - now;
}

export const disruptionController = defineController<State>({
  name: 'disruption',
  primary: { group: 'policy', plural: 'poddisruptionbudgets' },
  watches: [
    {
      group: '',
      plural: 'pods',
      keys: (pod, _old, rt, type) => podEventKeys(rt as Runtime<State>, pod, type === 'delete'),
    },
  ],
  setup: (rt) => {
    // the listers of the controllers whose scale the percentages need
    for (const [g, p] of [['', 'replicationcontrollers'], ['apps', 'replicasets'], ['apps', 'deployments'], ['apps', 'statefulsets']])
      if (rt.registry.def(g, p)) rt.informer(g, p);
    return { record: rt.recorder.for({ component: 'controllermanager' }), podDef: rt.registry.mustDef('', 'pods') };
  },
  reconcile: (key, rt) => {
    if (key.startsWith(POD_KEY)) {
      syncStalePod(rt, key.slice(POD_KEY.length));
      return;
    }
    const pdb = rt.primary.getByKey(key);
    if (!pdb) return;
    let recheck: number | undefined;
    try {
      recheck = trySync(rt, pdb);
    } catch (err) {
      // a conflict is requeued without the fail-safe
      if (err instanceof StatusError && err.code === 409) throw err;
      const { namespace, name } = splitObjectKey(key);
      rt.logger.error({ err: (err as Error).message, pdb: `${namespace}/${name}` }, 'Failed to sync PDB');
      failSafe(rt, pdb, err as Error);
      return;
    }
    if (recheck !== undefined) return { requeueAfterMs: recheck };
  },
});
