// core/v1 Pod: pkg/registry/core/pod/strategy.go (+ the admission plugins whose effects a real
// cluster shows on every pod: DefaultTolerationSeconds here; ServiceAccount, Priority and
// RuntimeClass are hooks that read their objects: core/serviceaccount-admission.ts,
// resources/scheduling/admission.ts, resources/node/admission.ts).
import type { Cause, KObject, ResourceDef } from '../types.js';
import { invalid, forbidden, deepEqual, renderValue } from '../../registry/validation.js';
import { defaultPodSpec, defaultPodOnly, computeQOSClass, validatePodSpec } from '../podspec.js';
import { normalizePodStatusIPs, validatePodStatusUpdate } from './podstatus-validation.js';
import { podPrinter } from '../../printers/pods.js';
import { POD_VALUE_FIELDS } from '../podspec.js';

const isObj = (v: unknown): v is KObject => typeof v === 'object' && v !== null && !Array.isArray(v);
const arr = (v: unknown): any[] => (Array.isArray(v) ? v : []);
const clone = <T>(v: T): T => (v === undefined ? v : JSON.parse(JSON.stringify(v)));

export const POD_UPDATE_FORBIDDEN_MESSAGE =
  'pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)';

/**
 * plugin/pkg/admission/priority admitPod on update: a pod that omits spec.priority /
 * spec.preemptionPolicy keeps the ones set at creation (validation then forbids any other change).
 */
export function keepPriorityOnUpdate(pod: KObject, old: KObject): void {
  const spec = pod.spec;
  const oldSpec = isObj(old.spec) ? old.spec : {};
  if (!isObj(spec)) return;
  if ((spec.priority === undefined || spec.priority === null) && typeof oldSpec.priority === 'number') spec.priority = oldSpec.priority;
  if ((spec.preemptionPolicy === undefined || spec.preemptionPolicy === null) && oldSpec.preemptionPolicy) spec.preemptionPolicy = oldSpec.preemptionPolicy;
}

/**
 * plugin/pkg/admission/defaulttolerationseconds (create and update): 300s for the not-ready /
 * unreachable NoExecute taints unless a toleration already covers them (its key, or no key; effect
 * NoExecute or none).
 */
export function admitDefaultTolerations(pod: KObject): void {
  const spec = pod.spec;
  if (!isObj(spec)) return;
  const tolerations = arr(spec.tolerations).filter(isObj);
  const tolerates = (key: string) =>
    tolerations.some((t) => (t.key === key || !t.key) && (!t.effect || t.effect === 'NoExecute'));
  const add: KObject[] = [];
  for (const key of ['node.kubernetes.io/not-ready', 'node.kubernetes.io/unreachable']) {
    if (!tolerates(key)) add.push({ effect: 'NoExecute', key, operator: 'Exists', tolerationSeconds: 300 });
  }
  if (add.length) spec.tolerations = [...arr(spec.tolerations), ...add];
}

function schedulingGatedCondition(pod: KObject): void {
  // applySchedulingGatedCondition
  if (arr(pod.spec?.schedulingGates).length === 0) return;
  pod.status.conditions = [
    {
      type: 'PodScheduled',
      status: 'False',
      reason: 'SchedulingGated',
      message: 'Scheduling is blocked due to non-empty scheduling gates',
      lastProbeTime: null,
      lastTransitionTime: null,
    },
  ];
}

/** A short diff of the changed top-level PodSpec fields (upstream prints a cmp.Diff here). */
function specDiff(newSpec: KObject, oldSpec: KObject): string {
  const lines = ['  core.PodSpec{'];
  const keys = [...new Set([...Object.keys(oldSpec), ...Object.keys(newSpec)])];
  for (const k of keys) {
    if (deepEqual(newSpec[k], oldSpec[k])) continue;
    if (oldSpec[k] !== undefined) lines.push(`- \t${k}: ${renderValue(oldSpec[k])},`);
    if (newSpec[k] !== undefined) lines.push(`+ \t${k}: ${renderValue(newSpec[k])},`);
  }
  lines.push('  }');
  return lines.join('\n');
}

/** ValidatePodUpdate's spec rules (pkg/apis/core/validation/validation.go). */
export function validatePodSpecUpdate(newSpec: KObject, oldSpec: KObject): Cause[] {
  const errs: Cause[] = [];
  if (arr(newSpec.containers).length !== arr(oldSpec.containers).length)
    return [forbidden('spec.containers', 'pod updates may not add or remove containers')];
  if (arr(newSpec.initContainers).length !== arr(oldSpec.initContainers).length)
    return [forbidden('spec.initContainers', 'pod updates may not add or remove containers')];
  const ads = newSpec.activeDeadlineSeconds;
  const oldAds = oldSpec.activeDeadlineSeconds;
  if (oldAds !== undefined && oldAds !== null) {
    if (ads === undefined || ads === null)
      errs.push(invalid('spec.activeDeadlineSeconds', null, 'must not update from a positive integer to nil value'));
    else if (ads > oldAds) errs.push(invalid('spec.activeDeadlineSeconds', ads, 'must be less than or equal to previous value'));
  }
  // validateOnlyAddedTolerations
  const strip = (t: KObject) => JSON.parse(JSON.stringify({ ...t, tolerationSeconds: undefined }));
  const newTolerations = arr(newSpec.tolerations).filter(isObj).map(strip);
  for (const old of arr(oldSpec.tolerations).filter(isObj)) {
    const o = strip(old);
    if (!newTolerations.some((t) => deepEqual(t, o))) {
      errs.push(forbidden('spec.tolerations', 'existing toleration can not be modified except its tolerationSeconds'));
      break;
    }
  }
  // everything else must be unchanged: copy the mutable fields over, then compare
  // (a shallow copy: only top-level fields and the containers' images are replaced, and it is only compared)
  const mutated: KObject = { ...newSpec };
  const withOldImages = (list: unknown, old: unknown) =>
    Array.isArray(list) ? list.map((c, i) => (isObj(c) ? { ...c, image: arr(old)[i]?.image } : c)) : list;
  if ('containers' in mutated) mutated.containers = withOldImages(mutated.containers, oldSpec.containers);
  if ('initContainers' in mutated) mutated.initContainers = withOldImages(mutated.initContainers, oldSpec.initContainers);
  // resources and resizePolicy change through pods/resize (InPlacePodVerticalScaling, beta in 1.33)
  const setOrDelete = (o: KObject, k: string, v: unknown) => (v === undefined ? delete o[k] : (o[k] = v));
  setOrDelete(mutated, 'activeDeadlineSeconds', oldSpec.activeDeadlineSeconds);
  setOrDelete(mutated, 'tolerations', oldSpec.tolerations);
  const oldTgps = oldSpec.terminationGracePeriodSeconds;
  if (typeof oldTgps === 'number' && oldTgps < 0 && mutated.terminationGracePeriodSeconds === 1) mutated.terminationGracePeriodSeconds = oldTgps;
  // scheduling gates may only be removed
  const oldGates = arr(oldSpec.schedulingGates);
  const newGates = arr(mutated.schedulingGates);
  if (newGates.every((g) => oldGates.some((o) => deepEqual(o, g)))) setOrDelete(mutated, 'schedulingGates', oldSpec.schedulingGates);
  if (!deepEqual(mutated, oldSpec)) errs.push(forbidden('spec', `${POD_UPDATE_FORBIDDEN_MESSAGE}\n${specDiff(mutated, oldSpec)}`));
  return errs;
}

function validateCreate(pod: KObject): Cause[] {
  const errs = validatePodSpec(pod.spec, 'spec');
  const spec = isObj(pod.spec) ? pod.spec : {};
  for (const [k, list] of [['containers', spec.containers], ['initContainers', spec.initContainers]] as const) {
    arr(list).forEach((c, i) => {
      if (isObj(c) && typeof c.image === 'string' && c.image !== c.image.trim())
        errs.push(invalid(`spec.${k}[${i}].image`, c.image, 'must not have leading or trailing whitespace'));
    });
  }
  return errs;
}

export const podDef: ResourceDef = {
  generation: true,
  group: '',
  version: 'v1',
  kind: 'Pod',
  listKind: 'PodList',
  plural: 'pods',
  singular: 'pod',
  namespaced: true,
  shortNames: ['po'],
  categories: ['all'],
  verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
  // only what src/server/subresources.ts answers: upstream also serves ephemeralcontainers,
  // proxy and resize; a client reads discovery to learn they are missing
  subresources: [
    { name: 'attach', kind: 'PodAttachOptions', verbs: ['create', 'get'] },
    { name: 'binding', kind: 'Binding', verbs: ['create'] },
    { name: 'eviction', group: 'policy', version: 'v1', kind: 'Eviction', verbs: ['create'] },
    { name: 'exec', kind: 'PodExecOptions', verbs: ['create', 'get'] },
    { name: 'log', kind: 'Pod', verbs: ['get'] },
    { name: 'portforward', kind: 'PodPortForwardOptions', verbs: ['create', 'get'] },
    { name: 'status', kind: 'Pod', verbs: ['get', 'patch', 'update'] },
  ],
  definition: 'io.k8s.api.core.v1.Pod',
  valueFields: { ...POD_VALUE_FIELDS, 'io.k8s.api.core.v1.Binding': { structs: ['target'] } },
  table: podPrinter,

  defaults(obj) {
    normalizePodStatusIPs(obj.status);
    if (!isObj(obj.spec)) return;
    defaultPodSpec(obj.spec);
    defaultPodOnly(obj);
  },

  prepareForCreate(obj) {
    if (!isObj(obj.spec)) obj.spec = {};
    // spec.priority / preemptionPolicy: the Priority admission plugin (resources/scheduling/admission.ts)
    admitDefaultTolerations(obj);
    obj.metadata = obj.metadata ?? {};
    obj.metadata.generation = 1;
    obj.status = { phase: 'Pending', qosClass: computeQOSClass(obj) };
    schedulingGatedCondition(obj);
  },

  prepareForUpdate(newObj, oldObj) {
    newObj.status = clone(oldObj.status);
    // the mutating admission plugins run on pod updates too (not on subresources)
    if (!isObj(newObj.spec)) return;
    keepPriorityOnUpdate(newObj, oldObj);
    admitDefaultTolerations(newObj);
  },

  prepareForStatusUpdate(newObj, oldObj) {
    newObj.spec = clone(oldObj.spec);
    if (isObj(newObj.metadata)) {
      const oldMeta = isObj(oldObj.metadata) ? oldObj.metadata : {};
      if (oldMeta.ownerReferences === undefined) delete newObj.metadata.ownerReferences;
      else newObj.metadata.ownerReferences = clone(oldMeta.ownerReferences);
      if (oldMeta.deletionTimestamp === undefined) delete newObj.metadata.deletionTimestamp;
      else newObj.metadata.deletionTimestamp = oldMeta.deletionTimestamp;
    }
    if (!isObj(newObj.status)) newObj.status = {};
    if (!newObj.status.qosClass && oldObj.status?.qosClass) newObj.status.qosClass = oldObj.status.qosClass;
  },

  validate: validateCreate,

  // the registry runs validate on updates too: only what is special to an update here
  validateUpdate(newObj, oldObj) {
    const errs: Cause[] = [];
    if (isObj(newObj.spec) && isObj(oldObj.spec)) errs.push(...validatePodSpecUpdate(newObj.spec, oldObj.spec));
    return errs;
  },

  validateStatusUpdate: validatePodStatusUpdate,
  statusUpdatesMetadata: true,

  fieldSelectors: {
    'spec.nodeName': (o) => o.spec?.nodeName ?? '',
    'spec.restartPolicy': (o) => o.spec?.restartPolicy ?? '',
    'spec.schedulerName': (o) => o.spec?.schedulerName ?? '',
    'spec.serviceAccountName': (o) => o.spec?.serviceAccountName ?? '',
    'spec.hostNetwork': (o) => String(o.spec?.hostNetwork === true),
    'status.phase': (o) => o.status?.phase ?? '',
    'status.podIP': (o) => (isObj(arr(o.status?.podIPs)[0]) ? o.status.podIPs[0].ip : o.status?.podIP) ?? '',
    'status.nominatedNodeName': (o) => o.status?.nominatedNodeName ?? '',
  },

  // CheckGracefulDelete
  gracePeriod(obj, requested) {
    let period = requested ?? (typeof obj.spec?.terminationGracePeriodSeconds === 'number' ? obj.spec.terminationGracePeriodSeconds : 0);
    if (!obj.spec?.nodeName) period = 0;
    const phase = obj.status?.phase;
    if (phase === 'Failed' || phase === 'Succeeded') period = 0;
    if (period < 0) period = 1;
    return period;
  },

  returnDeletedObject: true,
};
