// The LimitRanger admission plugin (plugin/pkg/admission/limitranger/admission.go): on pod create
// the namespace's Container limits give containers (and init containers) their default limits and
// requests (with the kubernetes.io/limit-ranger annotation), then Container and Pod min / max /
// maxLimitRequestRatio are enforced; PersistentVolumeClaim min / max are enforced on the claim's
// storage request, on create and update. Mutation runs with the mutating plugins, enforcement with
// the validating ones (after the kind's validation).
import type { KObject, ResourceDef } from '../types.js';
import type { Registry } from '../../registry/registry.js';
import type { Entry } from '../../storage/store.js';
import { forbidden } from '../../registry/errors.js';
import { admittedName } from '../../registry/meta.js';
import { compareQuantity, canonicalQuantity } from '../quantity.js';
import { addInto, maxInto, milliValue, intValue, resourceList, type ResourceList } from './resourcelist.js';

export const LIMIT_RANGER_ANNOTATION = 'kubernetes.io/limit-ranger';

const isObj = (v: unknown): v is KObject => typeof v === 'object' && v !== null && !Array.isArray(v);
const arr = (v: unknown): any[] => (Array.isArray(v) ? v : []);
const str = (q: string) => canonicalQuantity(q) ?? q;

interface LimitItem {
  type: string;
  min: ResourceList;
  max: ResourceList;
  default: ResourceList;
  defaultRequest: ResourceList;
  maxLimitRequestRatio: ResourceList;
}

function parseItems(lr: KObject): LimitItem[] {
  return arr(lr.spec?.limits)
    .filter(isObj)
    .map((l) => ({
      type: String(l.type ?? ''),
      min: resourceList(l.min),
      max: resourceList(l.max),
      default: resourceList(l.default),
      defaultRequest: resourceList(l.defaultRequest),
      maxLimitRequestRatio: resourceList(l.maxLimitRequestRatio),
    }));
}

/** defaultContainerResourceRequirements: the Container items' defaultRequest and default, later items winning. */
export function defaultRequirements(items: LimitItem[]): { requests: ResourceList; limits: ResourceList } {
  const requests: ResourceList = {};
  const limits: ResourceList = {};
  for (const l of items) {
    if (l.type !== 'Container') continue;
    Object.assign(requests, l.defaultRequest);
    Object.assign(limits, l.default);
  }
  return { requests, limits };
}

/** mergeContainerResources: what a container lacks, taken from the defaults; the annotation's parts. */
function mergeContainer(c: KObject, defs: { requests: ResourceList; limits: ResourceList }, prefix: string, notes: string[]): void {
  const setLimits: string[] = [];
  const setRequests: string[] = [];
  const lim = Object.keys(defs.limits);
  const req = Object.keys(defs.requests);
  if (!lim.length && !req.length) return;
  if (!isObj(c.resources)) c.resources = {};
  const r = c.resources;
  for (const k of lim) {
    if (isObj(r.limits) && k in r.limits) continue;
    if (!isObj(r.limits)) r.limits = {};
    r.limits[k] = defs.limits[k];
    setLimits.push(k);
  }
  for (const k of req) {
    if (isObj(r.requests) && k in r.requests) continue;
    if (!isObj(r.requests)) r.requests = {};
    r.requests[k] = defs.requests[k];
    setRequests.push(k);
  }
  const name = String(c.name ?? '');
  if (setRequests.length) notes.push(`${setRequests.sort().join(', ')} request for ${prefix} ${name}`);
  if (setLimits.length) notes.push(`${setLimits.sort().join(', ')} limit for ${prefix} ${name}`);
}

/** PodMutateLimitFunc / mergePodResourceRequirements for one LimitRange. */
export function mutatePod(items: LimitItem[], pod: KObject): void {
  const spec = pod.spec;
  if (!isObj(spec)) return;
  const defs = defaultRequirements(items);
  const notes: string[] = [];
  for (const c of arr(spec.containers).filter(isObj)) mergeContainer(c, defs, 'container', notes);
  for (const c of arr(spec.initContainers).filter(isObj)) mergeContainer(c, defs, 'init container', notes);
  if (!notes.length) return;
  if (!isObj(pod.metadata)) pod.metadata = {};
  if (!isObj(pod.metadata.annotations)) pod.metadata.annotations = {};
  pod.metadata.annotations[LIMIT_RANGER_ANNOTATION] = 'LimitRanger plugin set: ' + notes.join('; ');
}

/** requestLimitEnforcedValues: milli precision when nothing overflows it. */
function values(req: string | undefined, lim: string | undefined, enforced: string): [number, number, number] {
  const MAX_MILLI = Number.MAX_SAFE_INTEGER / 1000;
  const r = req ? intValue(req) : 0;
  const l = lim ? intValue(lim) : 0;
  const e = intValue(enforced);
  if (r <= MAX_MILLI && l <= MAX_MILLI && e <= MAX_MILLI) return [req ? milliValue(req) : 0, lim ? milliValue(lim) : 0, milliValue(enforced)];
  return [r, l, e];
}

function minConstraint(type: string, name: string, enforced: string, request: ResourceList, limit: ResourceList): string | undefined {
  const req = request[name];
  const lim = limit[name];
  const [rv, lv, ev] = values(req, lim, enforced);
  if (req === undefined) return `minimum ${name} usage per ${type} is ${str(enforced)}.  No request is specified.`;
  if (rv < ev) return `minimum ${name} usage per ${type} is ${str(enforced)}, but request is ${str(req)}.`;
  if (lim !== undefined && lv < ev) return `minimum ${name} usage per ${type} is ${str(enforced)}, but limit is ${str(lim)}.`;
  return undefined;
}

function maxConstraint(type: string, name: string, enforced: string, request: ResourceList, limit: ResourceList): string | undefined {
  const req = request[name];
  const lim = limit[name];
  const [rv, lv, ev] = values(req, lim, enforced);
  if (lim === undefined) return `maximum ${name} usage per ${type} is ${str(enforced)}.  No limit is specified.`;
  if (lv > ev) return `maximum ${name} usage per ${type} is ${str(enforced)}, but limit is ${str(lim)}.`;
  if (req !== undefined && rv > ev) return `maximum ${name} usage per ${type} is ${str(enforced)}, but request is ${str(req)}.`;
  return undefined;
}

/** maxRequestConstraint: a claim's max applies to what it requests. */
function maxRequestConstraint(type: string, name: string, enforced: string, request: ResourceList): string | undefined {
  const req = request[name];
  if (req === undefined) return `maximum ${name} usage per ${type} is ${str(enforced)}.  No request is specified`;
  if (compareQuantity(req, enforced) > 0) return `maximum ${name} usage per ${type} is ${str(enforced)}, but request is ${str(req)}`;
  return undefined;
}

/** Go's %f: six decimals. */
const goFloat = (n: number) => n.toFixed(6);

function ratioConstraint(type: string, name: string, enforced: string, request: ResourceList, limit: ResourceList): string | undefined {
  const req = request[name];
  const lim = limit[name];
  const [rv, lv] = values(req, lim, enforced);
  if (req === undefined || rv === 0) return `${name} max limit to request ratio per ${type} is ${str(enforced)}, but no request is specified or request is 0.`;
  if (lim === undefined || lv === 0) return `${name} max limit to request ratio per ${type} is ${str(enforced)}, but no limit is specified or limit is 0.`;
  let observed = lv / rv;
  const display = observed;
  let max = intValue(enforced);
  if (max <= Number.MAX_SAFE_INTEGER / 1000) {
    observed *= 1000;
    max = milliValue(enforced);
  }
  if (observed > max) return `${name} max limit to request ratio per ${type} is ${str(enforced)}, but provided ratio is ${goFloat(display)}.`;
  return undefined;
}

const containerResources = (c: KObject): { requests: ResourceList; limits: ResourceList } => ({
  requests: resourceList(c.resources?.requests),
  limits: resourceList(c.resources?.limits),
});

/** podRequests / podLimits (the limitranger copies of resourcehelper's, spec only): sidecars add up, init containers take the max. */
export function podTotals(pod: KObject, which: 'requests' | 'limits'): ResourceList {
  const spec = isObj(pod.spec) ? pod.spec : {};
  const total: ResourceList = {};
  for (const c of arr(spec.containers).filter(isObj)) addInto(total, containerResources(c)[which]);
  const restartable: ResourceList = {};
  const init: ResourceList = {};
  for (const c of arr(spec.initContainers).filter(isObj)) {
    let own = containerResources(c)[which];
    if (c.restartPolicy === 'Always') {
      addInto(total, own);
      addInto(restartable, own);
      own = restartable;
    } else {
      const tmp: ResourceList = {};
      addInto(tmp, own);
      addInto(tmp, restartable);
      own = tmp;
    }
    maxInto(init, own);
  }
  maxInto(total, init);
  const overhead = resourceList(spec.overhead);
  if (which === 'requests') addInto(total, overhead);
  else for (const [k, v] of Object.entries(overhead)) if (k in total) addInto(total, { [k]: v });
  return total;
}

/** PodValidateLimitFunc: the refusals, in the order upstream finds them. */
export function validatePod(items: LimitItem[], pod: KObject): string[] {
  const errs: string[] = [];
  const spec = isObj(pod.spec) ? pod.spec : {};
  const push = (e: string | undefined) => e && errs.push(e);
  for (const l of items) {
    if (l.type === 'Container') {
      for (const c of [...arr(spec.containers), ...arr(spec.initContainers)].filter(isObj)) {
        const { requests, limits } = containerResources(c);
        for (const [k, v] of Object.entries(l.min)) push(minConstraint(l.type, k, v, requests, limits));
        for (const [k, v] of Object.entries(l.max)) push(maxConstraint(l.type, k, v, requests, limits));
        for (const [k, v] of Object.entries(l.maxLimitRequestRatio)) push(ratioConstraint(l.type, k, v, requests, limits));
      }
    }
    if (l.type === 'Pod') {
      const requests = podTotals(pod, 'requests');
      const limits = podTotals(pod, 'limits');
      for (const [k, v] of Object.entries(l.min)) push(minConstraint(l.type, k, v, requests, limits));
      for (const [k, v] of Object.entries(l.max)) push(maxConstraint(l.type, k, v, requests, limits));
      for (const [k, v] of Object.entries(l.maxLimitRequestRatio)) push(ratioConstraint(l.type, k, v, requests, limits));
    }
  }
  return errs;
}

/** PersistentVolumeClaimValidateLimitFunc. */
export function validateClaim(items: LimitItem[], pvc: KObject): string[] {
  const errs: string[] = [];
  const requests = resourceList(pvc.spec?.resources?.requests);
  for (const l of items) {
    if (l.type !== 'PersistentVolumeClaim') continue;
    for (const [k, v] of Object.entries(l.min)) {
      const e = minConstraint(l.type, k, v, requests, {});
      if (e) errs.push(e);
    }
    for (const [k, v] of Object.entries(l.max)) {
      const e = maxRequestConstraint(l.type, k, v, requests);
      if (e) errs.push(e);
    }
  }
  return errs;
}

/** utilerrors.NewAggregate(errs).Error(): one message as is, several in brackets (duplicates dropped). */
export function aggregateMessage(errs: string[]): string {
  const seen = [...new Set(errs)];
  return seen.length === 1 ? seen[0] : `[${seen.join(', ')}]`;
}

/** Installs LimitRanger on pods (create) and persistent volume claims (create and update). */
export function installLimitRanger(registry: Registry): void {
  const lrDef = registry.def('', 'limitranges');
  if (!lrDef) return;
  const parsed = new WeakMap<Entry, LimitItem[]>();
  // GetLimitRanges: the namespace's LimitRanges, each parsed once per stored revision
  const limitRanges = (ns: string): LimitItem[][] =>
    registry.listEntries(lrDef, ns).entries.map((e) => {
      let items = parsed.get(e);
      if (!items) parsed.set(e, (items = parseItems(JSON.parse(e.json))));
      return items;
    });
  // SupportsAttributes: no subresource; pods on create only (containers cannot change afterwards)
  const applies = (def: ResourceDef, op: string, old: KObject | undefined, subresource?: string) => {
    if (subresource) return false;
    if (def.plural === 'pods' && op !== 'create') return false;
    if (op !== 'create' && op !== 'update') return false;
    // objects being deleted are let through
    return !old?.metadata?.deletionTimestamp;
  };
  const podDef = registry.def('', 'pods');
  const pvcDef = registry.def('', 'persistentvolumeclaims');
  if (podDef) {
    registry.addAdmission(podDef, (op, pod, old, opts) => {
      if (!applies(podDef, op, old, opts.subresource) || !pod.metadata?.namespace) return;
      for (const items of limitRanges(pod.metadata.namespace)) mutatePod(items, pod);
    });
    registry.addHook(podDef, (op, pod, old, opts) => {
      if (!applies(podDef, op, old, opts.subresource) || !pod.metadata?.namespace) return;
      for (const items of limitRanges(pod.metadata.namespace)) {
        const errs = validatePod(items, pod);
        if (errs.length) throw forbidden(podDef, admittedName(pod.metadata), aggregateMessage(errs));
      }
    });
  }
  if (pvcDef) {
    registry.addHook(pvcDef, (op, pvc, old, opts) => {
      if (!applies(pvcDef, op, old, opts.subresource) || !pvc.metadata?.namespace) return;
      for (const items of limitRanges(pvc.metadata.namespace)) {
        const errs = validateClaim(items, pvc);
        if (errs.length) throw forbidden(pvcDef, admittedName(pvc.metadata), aggregateMessage(errs));
      }
    });
  }
}
