// The EndpointSlice controller (pkg/controller/endpointslice, staging/src/k8s.io/endpointslice
// reconciler.go + utils.go): discovery.k8s.io/v1 EndpointSlices per Service with a selector,
// at most 100 endpoints each, grouped by the set of ports the pods resolve to.
import type { KObject } from '../../resources/types.js';
import { StatusError } from '../../registry/errors.js';
import { deepEqual } from '../../registry/validation.js';
import type { Controller, ControllerContext } from '../manager.js';
import type { Informer } from '../informer.js';
import { objectKey, splitObjectKey } from '../informer.js';
import {
  HEADLESS_LABEL,
  LAST_CHANGE_TRIGGER_TIME,
  MANAGED_BY_LABEL,
  SERVICE_NAME_LABEL,
  SLICE_CONTROLLER_NAME,
  TriggerTimeTracker,
  ZONE_LABEL,
  findPort,
  formatRFC3339Nano,
  isIPv6,
  isPodReady,
  isServiceIPSet,
  podIPs,
  selectorMatches,
  serviceSelector,
  servicesToUpdateOnPodChange,
  shouldPodBeInEndpoints,
  shouldSetHostname,
} from './util.js';

export const MAX_ENDPOINTS_PER_SLICE = 100;
const FIELD_MANAGER = 'kube-controller-manager';
const arr = (v: unknown): any[] => (Array.isArray(v) ? v : []);

// podToEndpoint
export function podToEndpoint(pod: KObject, node: KObject | undefined, svc: KObject, addressType: string): any {
  const serving = isPodReady(pod);
  const terminating = !!pod.metadata.deletionTimestamp;
  const ready = svc.spec?.publishNotReadyAddresses === true || (serving && !terminating);
  const ep: any = {
    addresses: podIPs(pod).filter((ip) => isIPv6(ip) === (addressType === 'IPv6')),
    conditions: { ready, serving, terminating },
  };
  if (shouldSetHostname(pod, svc)) ep.hostname = pod.spec.hostname;
  ep.targetRef = { kind: 'Pod', namespace: pod.metadata.namespace, name: pod.metadata.name, uid: pod.metadata.uid };
  if (pod.spec?.nodeName) ep.nodeName = pod.spec.nodeName;
  const zone = node?.metadata.labels?.[ZONE_LABEL];
  if (zone) ep.zone = zone;
  return ep;
}

// getEndpointPorts
export function endpointPorts(svc: KObject, pod: KObject): any[] {
  const ports = arr(svc.spec?.ports);
  const out: any[] = [];
  if (ports.length === 0 && svc.spec?.clusterIP === 'None') return out;
  for (const sp of ports) {
    const num = findPort(pod, sp);
    if (num === undefined) continue;
    const p: any = { name: sp.name ?? '', port: num, protocol: sp.protocol ?? 'TCP' };
    if (sp.appProtocol) p.appProtocol = sp.appProtocol;
    out.push(p);
  }
  return out;
}

const portMapKey = (ports: unknown) =>
  arr(ports)
    .map((p) => JSON.stringify([p.name ?? '', p.port ?? null, p.protocol ?? '', p.appProtocol ?? '']))
    .sort()
    .join(',');
// hashEndpoint: addresses, hostname and the target's namespace/name identify an endpoint
const endpointKey = (ep: any) =>
  JSON.stringify([[...arr(ep.addresses)].sort(), ep.hostname ?? '', ep.targetRef?.namespace ?? '', ep.targetRef?.name ?? '']);

// EndpointsEqualBeyondHash (the target's resourceVersion is ignored)
function endpointsEqualBeyondHash(a: any, b: any): boolean {
  const ref = (r: any) => (r ? { ...r, resourceVersion: undefined } : r);
  return (
    a.nodeName === b.nodeName &&
    a.zone === b.zone &&
    a.conditions?.ready === b.conditions?.ready &&
    a.conditions?.serving === b.conditions?.serving &&
    a.conditions?.terminating === b.conditions?.terminating &&
    deepEqual(ref(a.targetRef), ref(b.targetRef))
  );
}

const ownedBy = (slice: KObject, svc: KObject) =>
  arr(slice.metadata.ownerReferences).some((o) => o.uid === svc.metadata.uid && o.kind === 'Service' && o.apiVersion === 'v1');

// setEndpointSliceLabels: the service's labels (minus reserved keys) + the reserved ones
function sliceLabels(slice: KObject | undefined, svc: KObject): { labels: Record<string, string>; changed: boolean } {
  const reserved = new Set([SERVICE_NAME_LABEL, MANAGED_BY_LABEL, HEADLESS_LABEL]);
  const mine: Record<string, string> = {};
  const theirs: Record<string, string> = {};
  for (const [k, v] of Object.entries(slice?.metadata.labels ?? {})) if (!reserved.has(k)) mine[k] = v as string;
  for (const [k, v] of Object.entries(svc.metadata.labels ?? {})) if (!reserved.has(k)) theirs[k] = v as string;
  const changed = !deepEqual(mine, theirs);
  if (!isServiceIPSet(svc)) theirs[HEADLESS_LABEL] = '';
  theirs[SERVICE_NAME_LABEL] = svc.metadata.name;
  theirs[MANAGED_BY_LABEL] = SLICE_CONTROLLER_NAME;
  return { labels: theirs, changed };
}

function newSlice(svc: KObject, ports: any[], addressType: string): KObject {
  const prefix = `${svc.metadata.name}-`;
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: {
      generateName: prefix.length <= 253 ? prefix : svc.metadata.name,
      namespace: svc.metadata.namespace,
      labels: sliceLabels(undefined, svc).labels,
      ownerReferences: [{ apiVersion: 'v1', kind: 'Service', name: svc.metadata.name, uid: svc.metadata.uid, controller: true, blockOwnerDeletion: true }],
    },
    addressType,
    endpoints: [],
    ports,
  };
}

export interface SlicePlan {
  create: KObject[];
  update: KObject[];
  delete: KObject[];
}

/** Reconciler.reconcileByAddressType + finalize's create-to-update conversion, as a plan. */
export function planSlices(svc: KObject, pods: KObject[], existing: KObject[], nodes: Informer | undefined, addressType: string, maxPerSlice = MAX_ENDPOINTS_PER_SLICE): SlicePlan {
  const toDelete: KObject[] = [];
  const existingByPorts = new Map<string, KObject[]>();
  for (const s of existing) {
    if (!ownedBy(s, svc)) {
      toDelete.push(s);
      continue;
    }
    const k = portMapKey(s.ports);
    existingByPorts.set(k, [...(existingByPorts.get(k) ?? []), s]);
  }
  const desiredPorts = new Map<string, any[]>();
  const desired = new Map<string, Map<string, any>>();
  for (const pod of pods) {
    if (!shouldPodBeInEndpoints(pod, true)) continue;
    const ports = endpointPorts(svc, pod);
    const k = portMapKey(ports);
    if (!desired.has(k)) desired.set(k, new Map());
    if (!desiredPorts.has(k)) desiredPorts.set(k, ports);
    const node = pod.spec?.nodeName ? nodes?.get('', pod.spec.nodeName) : undefined;
    if (nodes && !node && svc.spec?.publishNotReadyAddresses !== true) continue; // retried: see the caller
    const ep = podToEndpoint(pod, node, svc, addressType);
    if (ep.addresses.length) desired.get(k)!.set(endpointKey(ep), ep);
  }

  const toCreate: KObject[] = [];
  const toUpdate: KObject[] = [];
  for (const [k, want] of desired) {
    const r = reconcilePortMapping(svc, existingByPorts.get(k) ?? [], want, desiredPorts.get(k)!, addressType, maxPerSlice);
    toCreate.push(...r.create);
    toUpdate.push(...r.update);
    toDelete.push(...r.delete);
  }
  for (const [k, slices] of existingByPorts) if (!desired.has(k)) toDelete.push(...slices);

  // a service without endpoints keeps one empty placeholder slice
  if (existing.length === toDelete.length && toCreate.length === 0) {
    const placeholder = newSlice(svc, [], addressType);
    const d = toDelete.length === 1 ? toDelete[0] : undefined;
    if (d && arr(d.ports).length === 0 && arr(d.endpoints).length === 0 && d.addressType === addressType && ownedBy(d, svc) && deepEqual(d.metadata.labels ?? {}, placeholder.metadata.labels)) toDelete.length = 0;
    else toCreate.push(placeholder);
  }
  // creates become updates of slices that would otherwise be deleted
  for (let i = 0; i < toDelete.length && toCreate.length > 0; ) {
    const d = toDelete[i];
    if (d.addressType === addressType && ownedBy(d, svc)) {
      const c = toCreate.pop()!;
      const u = structuredClone(d);
      u.metadata.labels = c.metadata.labels;
      u.endpoints = c.endpoints;
      u.ports = c.ports;
      toUpdate.push(u);
      toDelete.splice(i, 1);
    } else i++;
  }
  return { create: toCreate, update: toUpdate, delete: toDelete };
}

// reconcileByPortMapping
function reconcilePortMapping(svc: KObject, existing: KObject[], want: Map<string, any>, ports: any[], addressType: string, max: number): SlicePlan {
  const byName = new Map<string, KObject>();
  const unchanged: string[] = [];
  const toUpdate: string[] = [];
  const toDelete: string[] = [];
  // 1. drop endpoints no longer desired, refresh changed ones, follow the service's labels
  for (const s of existing) {
    byName.set(s.metadata.name, s);
    const kept: any[] = [];
    let updated = false;
    for (const ep of arr(s.endpoints)) {
      const k = endpointKey(ep);
      const got = want.get(k);
      if (!got) continue;
      kept.push(got);
      if (!endpointsEqualBeyondHash(got, ep)) updated = true;
      want.delete(k);
    }
    const { labels, changed } = sliceLabels(s, svc);
    if (updated || kept.length !== arr(s.endpoints).length) {
      if (kept.length === 0) toDelete.push(s.metadata.name);
      else {
        const c = structuredClone(s);
        c.endpoints = kept;
        c.metadata.labels = labels;
        byName.set(c.metadata.name, c);
        toUpdate.push(c.metadata.name);
      }
    } else if (changed) {
      const c = structuredClone(s);
      c.metadata.labels = labels;
      byName.set(c.metadata.name, c);
      toUpdate.push(c.metadata.name);
    } else unchanged.push(s.metadata.name);
  }
  const pop = () => {
    const [k, ep] = want.entries().next().value as [string, any];
    want.delete(k);
    return ep;
  };
  // 2. fill the slices being updated anyway, fullest first
  if (want.size && toUpdate.length) {
    const slices = toUpdate.map((n) => byName.get(n)!).sort((a, b) => arr(b.endpoints).length - arr(a.endpoints).length);
    for (const s of slices) {
      s.endpoints = arr(s.endpoints);
      while (want.size && s.endpoints.length < max) s.endpoints.push(pop());
    }
  }
  // 3. fit the rest into the unchanged slice closest to full, or new slices
  const create: KObject[] = [];
  while (want.size) {
    let fill: KObject | undefined;
    if (want.size < max && unchanged.length) {
      let best = max;
      for (const n of unchanged) {
        const s = byName.get(n)!;
        const diff = max - (want.size + arr(s.endpoints).length);
        if (diff >= 0 && diff < best) {
          best = diff;
          fill = s;
        }
      }
    }
    if (!fill) fill = newSlice(svc, ports, addressType);
    else {
      fill = structuredClone(fill);
      fill.endpoints = arr(fill.endpoints);
      byName.set(fill.metadata.name, fill);
    }
    while (want.size && fill.endpoints.length < max) fill.endpoints.push(pop());
    if (fill.metadata.name) {
      if (!toUpdate.includes(fill.metadata.name)) toUpdate.push(fill.metadata.name);
      unchanged.splice(unchanged.indexOf(fill.metadata.name), 1);
    } else create.push(fill);
  }
  return { create, update: toUpdate.map((n) => byName.get(n)!), delete: toDelete.map((n) => byName.get(n)!) };
}

function withTrigger(slice: KObject, trigger: number): KObject {
  const a: Record<string, string> = { ...(slice.metadata.annotations ?? {}) };
  if (trigger) a[LAST_CHANGE_TRIGGER_TIME] = formatRFC3339Nano(trigger);
  else delete a[LAST_CHANGE_TRIGGER_TIME];
  if (Object.keys(a).length) slice.metadata.annotations = a;
  else delete slice.metadata.annotations;
  // an empty list reads back as null from a real server
  if (arr(slice.endpoints).length === 0) slice.endpoints = null;
  if (arr(slice.ports).length === 0) slice.ports = null;
  return slice;
}

export function endpointSliceController(): Controller {
  return {
    name: 'endpointslice',
    start(ctx: ControllerContext) {
      const { registry } = ctx;
      const services = ctx.informers.for('', 'services');
      const pods = ctx.informers.for('', 'pods');
      const nodes = ctx.informers.for('', 'nodes');
      const slices = ctx.informers.for('discovery.k8s.io', 'endpointslices');
      const def = registry.mustDef('discovery.k8s.io', 'endpointslices');
      const tracker = new TriggerTimeTracker();
      const managed = (s: KObject) => s.metadata.labels?.[MANAGED_BY_LABEL] === SLICE_CONTROLLER_NAME && !!s.metadata.labels?.[SERVICE_NAME_LABEL];
      const slicesOf = (ns: string, name: string) =>
        slices.list(ns).filter((s) => managed(s) && s.metadata.labels?.[SERVICE_NAME_LABEL] === name && !s.metadata.deletionTimestamp);
      const del = (s: KObject) => {
        try {
          registry.delete(def, s.metadata.namespace ?? '', s.metadata.name, { preconditions: { uid: s.metadata.uid } });
        } catch (err) {
          if (!(err instanceof StatusError && (err.code === 404 || err.code === 409))) throw err;
        }
      };

      const sync = (key: string) => {
        const { namespace, name } = splitObjectKey(key);
        const svc = services.get(namespace, name);
        if (!svc) {
          tracker.delete(key);
          // the garbage collector removes them through their ownerReference; do it right away
          for (const s of slicesOf(namespace, name)) del(s);
          return;
        }
        if (svc.spec?.type === 'ExternalName') return;
        const sel = serviceSelector(svc);
        if (!sel) return;
        const matching = pods
          .list(namespace)
          .filter((p) => selectorMatches(sel, p.metadata.labels))
          .sort((a, b) => (a.metadata.name < b.metadata.name ? -1 : 1));
        const existing = slicesOf(namespace, name);
        const trigger = tracker.compute(key, svc, matching);
        const families = arr(svc.spec?.ipFamilies);
        const types = new Set<string>(families.length ? families : isServiceIPSet(svc) ? [isIPv6(svc.spec.clusterIP) ? 'IPv6' : 'IPv4'] : ['IPv4', 'IPv6']);
        for (const s of existing) if (!types.has(s.addressType)) del(s);
        for (const t of types) {
          const plan = planSlices(svc, matching, existing.filter((s) => s.addressType === t), nodes, t);
          if (!svc.metadata.deletionTimestamp)
            for (const s of plan.create) {
              try {
                registry.create(def, namespace, withTrigger(s, trigger), { fieldManager: FIELD_MANAGER });
              } catch (err) {
                if (err instanceof StatusError && err.code === 403) return;
                throw err;
              }
            }
          for (const s of plan.update) registry.update(def, namespace, s.metadata.name, withTrigger(s, trigger), { fieldManager: FIELD_MANAGER });
          for (const s of plan.delete) del(s);
        }
        // pods on a node the cache does not know yet are left out: look again shortly
        if (svc.spec?.publishNotReadyAddresses !== true && matching.some((p) => shouldPodBeInEndpoints(p, true) && p.spec?.nodeName && !nodes.get('', p.spec.nodeName)))
          return { requeueAfterMs: 1000 };
      };

      const queue = ctx.newQueue('endpoint_slice', sync);
      services.addHandler({
        add: (s) => queue.add(objectKey(s)),
        update: (_o, s) => queue.add(objectKey(s)),
        delete: (s) => queue.add(objectKey(s)),
      });
      pods.addHandler({
        add: (p) => servicesToUpdateOnPodChange(services, undefined, p).forEach((k) => queue.add(k)),
        update: (o, p) => servicesToUpdateOnPodChange(services, o, p).forEach((k) => queue.add(k)),
        delete: (p) => servicesToUpdateOnPodChange(services, undefined, p).forEach((k) => queue.add(k)),
      });
      // a node's zone label shows up in the endpoints of its pods
      nodes.addHandler({
        add: (n) => {
          for (const p of pods.list()) if (p.spec?.nodeName === n.metadata.name) servicesToUpdateOnPodChange(services, undefined, p).forEach((k) => queue.add(k));
        },
        update: (o, n) => {
          if (o.metadata.labels?.[ZONE_LABEL] === n.metadata.labels?.[ZONE_LABEL]) return;
          for (const p of pods.list()) if (p.spec?.nodeName === n.metadata.name) servicesToUpdateOnPodChange(services, undefined, p).forEach((k) => queue.add(k));
        },
      });
      // someone else changed or deleted a managed slice: resync its service
      const onSlice = (s: KObject) => {
        if (managed(s)) queue.add(`${s.metadata.namespace}/${s.metadata.labels![SERVICE_NAME_LABEL]}`);
      };
      slices.addHandler({ update: (_o, s) => onSlice(s), delete: onSlice });
    },
  };
}
