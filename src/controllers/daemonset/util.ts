// DaemonSet helpers (upstream pkg/controller/daemon/util/daemonset_util.go: CreatePodTemplate,
// AddOrUpdateDaemonPodTolerations, ReplaceDaemonSetPodNodeNameNodeAffinity, GetTargetNodeName,
// IsPodUpdated, SurgeCount, UnavailableCount, AllowsSurge; and daemon_controller.go's
// NodeShouldRunDaemonPod / predicates / podByCreationTimestampAndPhase).
import type { KObject } from '../../resources/types.js';
import { matchesNodeSelector, toleratesTaint } from '../nodes/fit.js';
import { templateGeneration } from '../../resources/apps/daemonset.js';

/** apps.DefaultDaemonSetUniqueLabelKey (= ControllerRevisionHashLabelKey) */
export const REVISION_HASH_LABEL = 'controller-revision-hash';
/** extensions.DaemonSetTemplateGenerationKey */
export const TEMPLATE_GENERATION_LABEL = 'pod-template-generation';

const arr = (v: unknown): any[] => (Array.isArray(v) ? v : []);

/** The tolerations every daemon pod gets (AddOrUpdateDaemonPodTolerations). */
export function daemonTolerations(hostNetwork: boolean): KObject[] {
  const t = (key: string, effect: string) => ({ key, operator: 'Exists', effect });
  const out = [
    t('node.kubernetes.io/not-ready', 'NoExecute'),
    t('node.kubernetes.io/unreachable', 'NoExecute'),
    t('node.kubernetes.io/disk-pressure', 'NoSchedule'),
    t('node.kubernetes.io/memory-pressure', 'NoSchedule'),
    t('node.kubernetes.io/pid-pressure', 'NoSchedule'),
    t('node.kubernetes.io/unschedulable', 'NoSchedule'),
  ];
  if (hostNetwork) out.push(t('node.kubernetes.io/network-unavailable', 'NoSchedule'));
  return out;
}

/** v1helper.AddOrUpdateTolerationInPodSpec for each daemon toleration (an equal one is replaced in place). */
export function addDaemonTolerations(spec: KObject): void {
  const list: KObject[] = arr(spec.tolerations).slice();
  for (const t of daemonTolerations(spec.hostNetwork === true)) {
    // Toleration.MatchToleration: same key, operator, value and effect
    const i = list.findIndex((x) => (x?.key ?? '') === t.key && (x?.operator ?? '') === t.operator && (x?.value ?? '') === '' && (x?.effect ?? '') === t.effect);
    if (i >= 0) list[i] = t;
    else list.push(t);
  }
  spec.tolerations = list;
}

/** CreatePodTemplate: the template with the daemon tolerations, the template-generation and hash labels. */
export function createPodTemplate(ds: KObject, hash: string): KObject {
  const tpl = structuredClone(ds.spec?.template ?? {});
  tpl.metadata ??= {};
  tpl.spec ??= {};
  addDaemonTolerations(tpl.spec);
  const labels: Record<string, string> = { ...(tpl.metadata.labels ?? {}) };
  const gen = templateGeneration(ds);
  if (gen !== undefined) labels[TEMPLATE_GENERATION_LABEL] = String(gen);
  if (hash) labels[REVISION_HASH_LABEL] = hash;
  tpl.metadata.labels = labels;
  return tpl;
}

/** ReplaceDaemonSetPodNodeNameNodeAffinity: the required node affinity becomes `metadata.name In [node]`. */
export function replaceNodeNameAffinity(affinity: KObject | undefined, node: string): KObject {
  const terms = [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: [node] }] }];
  const a: KObject = affinity && typeof affinity === 'object' ? affinity : {};
  a.nodeAffinity ??= {};
  const req = a.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution;
  if (!req || typeof req !== 'object') a.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution = { nodeSelectorTerms: terms };
  else req.nodeSelectorTerms = terms;
  return a;
}

/** GetTargetNodeName: spec.nodeName, else the `metadata.name In [x]` match field of the required node affinity. */
export function targetNodeName(pod: KObject): string | undefined {
  if (pod.spec?.nodeName) return pod.spec.nodeName;
  // informer objects are replaced, never changed: the answer for one object stays right
  if (targetCache.has(pod)) return targetCache.get(pod);
  const t = affinityTarget(pod);
  targetCache.set(pod, t);
  return t;
}

const targetCache = new WeakMap<KObject, string | undefined>();

function affinityTarget(pod: KObject): string | undefined {
  for (const term of arr(pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms))
    for (const e of arr(term?.matchFields))
      if (e?.key === 'metadata.name' && e?.operator === 'In') return arr(e.values).length === 1 ? String(e.values[0]) : undefined;
  return undefined;
}

/** v1helper.FindMatchingUntoleratedTaint with a filter on the taint. */
function hasUntoleratedTaint(taints: KObject[], tolerations: KObject[], filter: (t: KObject) => boolean): boolean {
  return taints.some((taint) => filter(taint) && !tolerations.some((t) => toleratesTaint(t, taint)));
}

/**
 * NodeShouldRunDaemonPod: [shouldRun, shouldContinueRunning]. The daemon pod (the template with the
 * daemon tolerations) must fit the node's name, node selector / required affinity and taints; a pod
 * that only fails NoSchedule taints may keep running.
 */
export function nodeShouldRunDaemonPod(node: KObject, ds: KObject): [boolean, boolean] {
  // informer objects are replaced on every change, never changed: cache the verdict per node object
  // and per scheduling shape of the set (a status write gives a new set object, not a new shape)
  const key = schedulingKey(ds);
  let perNode = verdicts.get(node);
  if (!perNode) verdicts.set(node, (perNode = new Map()));
  let v = perNode.get(key);
  if (!v) {
    if (perNode.size > 64) perNode.clear();
    perNode.set(key, (v = shouldRun(node, ds)));
  }
  return v;
}

const verdicts = new WeakMap<KObject, Map<string, [boolean, boolean]>>();
const keys = new WeakMap<KObject, string>();

/** What of a set decides where its pods may run. */
function schedulingKey(ds: KObject): string {
  let k = keys.get(ds);
  if (k === undefined) {
    const s = ds.spec?.template?.spec ?? {};
    k = JSON.stringify([s.nodeName, s.nodeSelector, s.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution, s.tolerations, s.hostNetwork === true]);
    keys.set(ds, k);
  }
  return k;
}

function shouldRun(node: KObject, ds: KObject): [boolean, boolean] {
  const tplSpec = ds.spec?.template?.spec ?? {};
  const name = node.metadata?.name;
  if (tplSpec.nodeName && tplSpec.nodeName !== name) return [false, false];
  // NewPod: the template's scheduling fields plus the daemon tolerations (no copy of the whole spec)
  const spec = { tolerations: tplSpec.tolerations, hostNetwork: tplSpec.hostNetwork };
  addDaemonTolerations(spec);
  const pod = { spec: { nodeSelector: tplSpec.nodeSelector, affinity: tplSpec.affinity } };
  if (!matchesNodeSelector(pod, node)) return [false, false];
  const taints = arr(node.spec?.taints);
  if (!taints.length) return [true, true];
  const tolerations = arr(spec.tolerations);
  if (hasUntoleratedTaint(taints, tolerations, (t) => t?.effect === 'NoExecute' || t?.effect === 'NoSchedule'))
    return [false, !hasUntoleratedTaint(taints, tolerations, (t) => t?.effect === 'NoExecute')];
  return [true, true];
}

/** IsPodUpdated: the pod carries the current hash or the current template generation. */
export function isPodUpdated(pod: KObject, hash: string, generation: number | undefined): boolean {
  const labels = pod.metadata?.labels ?? {};
  const templateMatches = generation !== undefined && labels[TEMPLATE_GENERATION_LABEL] === String(generation);
  const hashMatches = hash.length > 0 && labels[REVISION_HASH_LABEL] === hash;
  return hashMatches || templateMatches;
}

/** intstr.GetScaledValueFromIntOrPercent(v, total, roundUp=true). */
export function scaledValue(v: unknown, total: number): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string') {
    if (/^[0-9]+%$/.test(v)) return Math.ceil((Number(v.slice(0, -1)) * total) / 100);
    if (/^[+-]?\d+$/.test(v)) return Number(v);
    throw new Error(`invalid value for IntOrString: invalid type: string is not a percentage`);
  }
  return 0;
}

function rollingUpdate(ds: KObject): KObject | undefined {
  const us = ds.spec?.updateStrategy;
  return us?.type === 'RollingUpdate' && us.rollingUpdate && typeof us.rollingUpdate === 'object' ? us.rollingUpdate : undefined;
}

export function surgeCount(ds: KObject, numberToSchedule: number): number {
  const r = rollingUpdate(ds);
  if (!r || r.maxSurge === undefined || r.maxSurge === null) return 0;
  return scaledValue(r.maxSurge, numberToSchedule);
}

export function unavailableCount(ds: KObject, numberToSchedule: number): number {
  const r = rollingUpdate(ds);
  if (!r) return 0;
  return scaledValue(r.maxUnavailable ?? 0, numberToSchedule);
}

export function allowsSurge(ds: KObject): boolean {
  try {
    return surgeCount(ds, 1) !== 0;
  } catch {
    return false;
  }
}

/** podByCreationTimestampAndPhase: scheduled pods first, then oldest, then by name. */
export function byCreationTimestampAndPhase(a: KObject, b: KObject): number {
  const sa = !!a.spec?.nodeName;
  const sb = !!b.spec?.nodeName;
  if (sa !== sb) return sa ? -1 : 1;
  const ta = Date.parse(a.metadata?.creationTimestamp ?? '') || 0;
  const tb = Date.parse(b.metadata?.creationTimestamp ?? '') || 0;
  if (ta === tb) return (a.metadata?.name ?? '') < (b.metadata?.name ?? '') ? -1 : (a.metadata?.name ?? '') > (b.metadata?.name ?? '') ? 1 : 0;
  return ta - tb;
}
