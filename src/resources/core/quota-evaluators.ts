// Quota evaluators: what an object of a kind charges against a ResourceQuota
// (pkg/quota/v1/evaluator/core: pods.go, services.go, persistent_volume_claims.go; the object
// count evaluator of pkg/quota/v1/generic/evaluator.go). Shared by the ResourceQuota admission
// plugin (quota-admission.ts) and the resource quota controller (src/controllers/resourcequota.ts).
import type { KObject } from '../types.js';
import { computeQOSClass } from '../podspec.js';
import { podTotals } from './limitrange-admission.js';
import { BETA_STORAGE_CLASS_ANNOTATION } from './storage-admission.js';
import { addQuantities, compareQuantity, isIntegerQuantity, parseQuantity } from '../quantity.js';
import { resourceList, type ResourceList } from './resourcelist.js';
import { isQualifiedName } from '../../registry/validation.js';

const isObj = (v: unknown): v is KObject => typeof v === 'object' && v !== null && !Array.isArray(v);
const arr = (v: unknown): any[] => (Array.isArray(v) ? v : []);

export interface ScopeRequirement {
  scopeName: string;
  operator: string;
  values?: string[];
}

export interface QuotaEvaluator {
  group: string;
  resource: string;
  /** Handles: the operations whose objects can change quota usage */
  handles(op: 'create' | 'update'): boolean;
  /** MatchingResources: the names of `names` this evaluator measures */
  matchingResources(names: string[]): string[];
  /** the scope function: whether the object is in a scope (false for kinds without scopes) */
  matchesScope(scope: ScopeRequirement, obj: KObject): boolean;
  /** Usage: what the object charges; nowMs for pods stuck terminating */
  usage(obj: KObject, nowMs: number): ResourceList;
  /** Constraints: the failure (without "failed quota: name: ") when the object cannot be charged */
  constraints(required: string[], obj: KObject): string | undefined;
}

/** generic.ObjectCountQuotaResourceNameFor: count/<resource>[.<group>]. */
export function objectCountName(group: string, resource: string): string {
  return group ? `count/${resource}.${group}` : `count/${resource}`;
}

/** The group and resource an object count quota name counts (count/deployments.apps). */
export function parseObjectCountName(name: string): { group: string; resource: string } | undefined {
  if (!name.startsWith('count/')) return undefined;
  const rest = name.slice('count/'.length);
  if (!rest) return undefined;
  const dot = rest.indexOf('.');
  return dot < 0 ? { group: '', resource: rest } : { group: rest.slice(dot + 1), resource: rest.slice(0, dot) };
}

const intersect = (names: string[], set: Set<string>) => names.filter((n) => set.has(n));

/** generic.NewObjectCountEvaluator: one of each object (count/<resource>, and the legacy alias). */
export function objectCountEvaluator(group: string, resource: string, alias?: string): QuotaEvaluator {
  const names = new Set([objectCountName(group, resource), ...(alias ? [alias] : [])]);
  return {
    group,
    resource,
    handles: (op) => op === 'create',
    matchingResources: (input) => intersect(input, names),
    matchesScope: () => false,
    usage: () => Object.fromEntries([...names].map((n) => [n, '1'])),
    constraints: () => undefined,
  };
}

// ---- pods ------------------------------------------------------------------------------------

const POD_RESOURCES = new Set([
  'count/pods', 'cpu', 'memory', 'ephemeral-storage', 'requests.cpu', 'requests.memory', 'requests.ephemeral-storage',
  'limits.cpu', 'limits.memory', 'limits.ephemeral-storage', 'pods',
]);
const POD_RESOURCE_PREFIXES = ['hugepages-', 'requests.hugepages-'];
/** the resources a quota on cpu / memory makes every container state */
const VALIDATION_SET = new Set(['cpu', 'memory', 'requests.cpu', 'requests.memory', 'limits.cpu', 'limits.memory']);

/** helper.IsNativeResource / IsExtendedResourceName (pkg/apis/core/v1/helper). */
function isExtendedResourceName(name: string): boolean {
  // native: unprefixed, or in the kubernetes.io/ namespace
  if (!name.includes('/') || name.includes('kubernetes.io/')) return false;
  if (name.startsWith('requests.')) return false;
  return isQualifiedName(`requests.${name}`).length === 0;
}

const isExtendedForQuota = (name: string) => name.startsWith('requests.') && isExtendedResourceName(name.slice('requests.'.length));

/** podComputeUsageHelper. */
function podComputeUsage(requests: ResourceList, limits: ResourceList): ResourceList {
  const out: ResourceList = { pods: '1' };
  for (const r of ['cpu', 'memory', 'ephemeral-storage']) {
    if (r in requests) {
      out[r] = requests[r];
      out[`requests.${r}`] = requests[r];
    }
    if (r in limits) out[`limits.${r}`] = limits[r];
  }
  for (const [r, q] of Object.entries(requests)) {
    if (r.startsWith('hugepages-')) {
      out[r] = q;
      out[`requests.${r}`] = q;
    }
    if (isExtendedResourceName(r)) out[`requests.${r}`] = q;
  }
  return out;
}

/** QuotaV1Pod: terminal pods, and pods past their deletion grace period, are not charged compute resources. */
export function quotaChargesPod(pod: KObject, nowMs: number): boolean {
  const phase = pod.status?.phase;
  if (phase === 'Failed' || phase === 'Succeeded') return false;
  const dt = pod.metadata?.deletionTimestamp;
  const grace = pod.metadata?.deletionGracePeriodSeconds;
  if (dt && typeof grace === 'number') {
    const t = Date.parse(dt);
    if (Number.isFinite(t) && nowMs > t + grace * 1000) return false;
  }
  return true;
}

const isTerminating = (pod: KObject) => typeof pod.spec?.activeDeadlineSeconds === 'number' && pod.spec.activeDeadlineSeconds >= 0;
const isBestEffort = (pod: KObject) => (pod.status?.qosClass || computeQOSClass(pod)) === 'BestEffort';

/** usesCrossNamespacePodAffinity: a pod (anti-)affinity term with namespaces or a namespaceSelector. */
function usesCrossNamespacePodAffinity(pod: KObject): boolean {
  const aff = pod.spec?.affinity;
  if (!isObj(aff)) return false;
  const terms = (a: unknown): KObject[] =>
    isObj(a)
      ? [
          ...arr(a.requiredDuringSchedulingIgnoredDuringExecution),
          ...arr(a.preferredDuringSchedulingIgnoredDuringExecution).map((w) => (isObj(w) ? w.podAffinityTerm : undefined)),
        ].filter(isObj)
      : [];
  return [...terms(aff.podAffinity), ...terms(aff.podAntiAffinity)].some((t) => arr(t.namespaces).length > 0 || t.namespaceSelector != null);
}

/** podMatchesSelector: the PriorityClass scope as a label selector over {PriorityClass: <class>}. */
function priorityClassMatches(pod: KObject, sel: ScopeRequirement): boolean {
  const cls = typeof pod.spec?.priorityClassName === 'string' ? pod.spec.priorityClassName : '';
  const has = cls.length > 0;
  const values = arr(sel.values).map(String);
  switch (sel.operator) {
    case 'In':
      return has && values.includes(cls);
    case 'NotIn':
      return !has || !values.includes(cls);
    case 'Exists':
      return has;
    case 'DoesNotExist':
      return !has;
  }
  return false;
}

/** podMatchesScopeFunc. */
export function podMatchesScope(scope: ScopeRequirement, pod: KObject): boolean {
  switch (scope.scopeName) {
    case 'Terminating':
      return isTerminating(pod);
    case 'NotTerminating':
      return !isTerminating(pod);
    case 'BestEffort':
      return isBestEffort(pod);
    case 'NotBestEffort':
      return !isBestEffort(pod);
    case 'PriorityClass':
      if (scope.operator === 'Exists') return !!pod.spec?.priorityClassName;
      return priorityClassMatches(pod, scope);
    case 'CrossNamespacePodAffinity':
      return usesCrossNamespacePodAffinity(pod);
  }
  return false;
}

export const podEvaluator: QuotaEvaluator = {
  group: '',
  resource: 'pods',
  // creates; resizes would go through pods/resize, which is not served (other updates cannot change usage)
  handles: (op) => op === 'create',
  matchingResources(input) {
    const out = intersect(input, POD_RESOURCES);
    for (const r of input) {
      if (POD_RESOURCE_PREFIXES.some((p) => r.startsWith(p))) out.push(r);
      if (isExtendedForQuota(r)) out.push(r);
    }
    return out;
  },
  matchesScope: podMatchesScope,
  usage(pod, nowMs) {
    // count/pods counts every pod in storage; "pods" only those not at their end of life
    const out: ResourceList = { 'count/pods': '1' };
    if (!quotaChargesPod(pod, nowMs)) return out;
    return { ...out, ...podComputeUsage(podTotals(pod, 'requests'), podTotals(pod, 'limits')) };
  },
  constraints(required, pod) {
    const req = required.filter((r) => VALIDATION_SET.has(r));
    if (!req.length) return undefined;
    const missing = new Map<string, Set<string>>();
    for (const c of [...arr(pod.spec?.containers), ...arr(pod.spec?.initContainers)].filter(isObj)) {
      const have = podComputeUsage(resourceList(c.resources?.requests), resourceList(c.resources?.limits));
      for (const r of req) {
        if (r in have) continue;
        if (!missing.has(r)) missing.set(r, new Set());
        missing.get(r)!.add(String(c.name ?? ''));
      }
    }
    if (!missing.size) return undefined;
    const parts = [...missing.keys()].sort().map((r) => `${r} for: ${[...missing.get(r)!].sort().join(',')}`);
    return `must specify ${parts.join('; ')}`;
  },
};

// ---- services --------------------------------------------------------------------------------

const SERVICE_RESOURCES = new Set(['count/services', 'services', 'services.nodeports', 'services.loadbalancers']);

/** GetQuotaServiceType. */
export const quotaServiceType = (svc: KObject): string => (svc.spec?.type === 'NodePort' || svc.spec?.type === 'LoadBalancer' ? svc.spec.type : '');

export const serviceEvaluator: QuotaEvaluator = {
  group: '',
  resource: 'services',
  handles: (op) => op === 'create' || op === 'update',
  matchingResources: (input) => intersect(input, SERVICE_RESOURCES),
  matchesScope: () => false,
  usage(svc) {
    const ports = arr(svc.spec?.ports);
    const out: ResourceList = { 'count/services': '1', services: '1', 'services.loadbalancers': '0', 'services.nodeports': '0' };
    if (svc.spec?.type === 'NodePort') out['services.nodeports'] = String(ports.length);
    else if (svc.spec?.type === 'LoadBalancer') {
      // without node port allocation only the ports that name one count
      out['services.nodeports'] =
        svc.spec?.allocateLoadBalancerNodePorts === false ? String(ports.filter((p) => isObj(p) && p.nodePort).length) : String(ports.length);
      out['services.loadbalancers'] = '1';
    }
    return out;
  },
  constraints: () => undefined,
};

// ---- persistent volume claims ----------------------------------------------------------------

const PVC_RESOURCES = ['persistentvolumeclaims', 'requests.storage'];
const STORAGE_CLASS_SUFFIX = '.storageclass.storage.k8s.io/';

/** storagehelpers.GetPersistentVolumeClaimClass: the beta annotation, else spec.storageClassName. */
export function claimClass(pvc: KObject): string {
  const ann = pvc.metadata?.annotations;
  if (isObj(ann) && typeof ann[BETA_STORAGE_CLASS_ANNOTATION] === 'string') return ann[BETA_STORAGE_CLASS_ANNOTATION];
  return typeof pvc.spec?.storageClassName === 'string' ? pvc.spec.storageClassName : '';
}

/** getStorageUsage: the request in whole bytes, or what was allocated when more (RecoverVolumeExpansionFailure). */
function storageUsage(pvc: KObject): string | undefined {
  const req = resourceList(pvc.spec?.resources?.requests).storage;
  let out = req !== undefined ? roundUpToInteger(req) : undefined;
  const alloc = resourceList(pvc.status?.allocatedResources).storage;
  if (alloc !== undefined && (out === undefined || compareQuantity(alloc, out) > 0)) out = roundUpToInteger(alloc);
  return out;
}

function roundUpToInteger(q: string): string {
  // Quantity.RoundUp(0): "1500m" of storage is 2 bytes
  if (isIntegerQuantity(q)) return addQuantities([q]);
  return String(Math.ceil(parseQuantity(q)?.value ?? 0));
}

export const pvcEvaluator: QuotaEvaluator = {
  group: '',
  resource: 'persistentvolumeclaims',
  handles: (op) => op === 'create' || op === 'update',
  matchingResources(input) {
    return input.filter(
      (r) => r === 'count/persistentvolumeclaims' || PVC_RESOURCES.includes(r) || PVC_RESOURCES.some((p) => r.endsWith(STORAGE_CLASS_SUFFIX + p)),
    );
  },
  matchesScope: () => false,
  usage(pvc) {
    const out: ResourceList = { persistentvolumeclaims: '1', 'count/persistentvolumeclaims': '1' };
    const cls = claimClass(pvc);
    if (cls) out[`${cls}${STORAGE_CLASS_SUFFIX}persistentvolumeclaims`] = '1';
    const storage = storageUsage(pvc);
    if (storage !== undefined) {
      out['requests.storage'] = storage;
      if (cls) out[`${cls}${STORAGE_CLASS_SUFFIX}requests.storage`] = storage;
    }
    return out;
  },
  constraints: () => undefined,
};

/** RequiresQuotaReplenish: a claim whose allocated resources changed. */
export const claimNeedsReplenish = (pvc: KObject, old: KObject): boolean =>
  JSON.stringify(pvc.status?.allocatedResources ?? null) !== JSON.stringify(old.status?.allocatedResources ?? null);

// ---- the registry of evaluators ---------------------------------------------------------------

/** The evaluators kube-apiserver and kube-controller-manager register (pkg/quota/v1/install). */
const BUILT_IN: QuotaEvaluator[] = [
  podEvaluator,
  serviceEvaluator,
  pvcEvaluator,
  objectCountEvaluator('', 'configmaps', 'configmaps'),
  objectCountEvaluator('', 'resourcequotas', 'resourcequotas'),
  objectCountEvaluator('', 'replicationcontrollers', 'replicationcontrollers'),
  objectCountEvaluator('', 'secrets', 'secrets'),
];

/** Resources quota never looks at (DefaultIgnoredResources). */
export const IGNORED_RESOURCES = new Set(['/events']);

export function builtInEvaluators(): QuotaEvaluator[] {
  return BUILT_IN;
}

const generic = new Map<string, QuotaEvaluator>();

/** The evaluator of a group resource: a built-in one, else an object count evaluator. */
export function evaluatorFor(group: string, resource: string): QuotaEvaluator {
  const b = BUILT_IN.find((e) => e.group === group && e.resource === resource);
  if (b) return b;
  const key = `${group}/${resource}`;
  let e = generic.get(key);
  if (!e) generic.set(key, (e = objectCountEvaluator(group, resource)));
  return e;
}

/** getScopeSelectorsFromQuota: spec.scopes as Exists requirements, then spec.scopeSelector's. */
export function quotaScopes(q: KObject): ScopeRequirement[] {
  const out: ScopeRequirement[] = arr(q.spec?.scopes).map((s) => ({ scopeName: String(s), operator: 'Exists' }));
  for (const e of arr(q.spec?.scopeSelector?.matchExpressions).filter(isObj))
    out.push({ scopeName: String(e.scopeName ?? ''), operator: String(e.operator ?? ''), values: arr(e.values).map(String) });
  return out;
}

/** generic.Matches: the quota tracks a resource of this evaluator and every scope holds. */
export function quotaMatches(ev: QuotaEvaluator, hard: ResourceList, scopes: ScopeRequirement[], obj: KObject): boolean {
  if (!ev.matchingResources(Object.keys(hard)).length) return false;
  return scopes.every((s) => ev.matchesScope(s, obj));
}
