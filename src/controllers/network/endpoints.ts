// The Endpoints controller (pkg/controller/endpoint/endpoints_controller.go): one core/v1
// Endpoints per Service with a selector, listing the matching pods' addresses per port.
import type { KObject } from '../../resources/types.js';
import { StatusError } from '../../registry/errors.js';
import { deepEqual } from '../../registry/validation.js';
import type { Controller, ControllerContext } from '../manager.js';
import { objectKey, splitObjectKey } from '../informer.js';
import {
  HEADLESS_LABEL,
  LAST_CHANGE_TRIGGER_TIME,
  TriggerTimeTracker,
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

const MAX_CAPACITY = 1000;
const OVER_CAPACITY = 'endpoints.kubernetes.io/over-capacity';
const FIELD_MANAGER = 'kube-controller-manager';
const arr = (v: unknown): any[] => (Array.isArray(v) ? v : []);

interface Subset {
  addresses?: any[];
  notReadyAddresses?: any[];
  ports?: any[];
}

// podToEndpointAddressForService: the pod IP of the service's (first) family
function podAddress(svc: KObject, pod: KObject): any | undefined {
  let v6: boolean;
  const fams = arr(svc.spec?.ipFamilies);
  if (fams.length) v6 = fams[0] === 'IPv6';
  else if (isServiceIPSet(svc)) v6 = isIPv6(svc.spec.clusterIP);
  else v6 = isIPv6(pod.status?.podIP ?? '');
  const ip = podIPs(pod).find((i) => isIPv6(i) === v6);
  if (!ip) return undefined;
  return {
    ip,
    nodeName: pod.spec?.nodeName ?? '',
    targetRef: { kind: 'Pod', namespace: pod.metadata.namespace, name: pod.metadata.name, uid: pod.metadata.uid },
  };
}

const addrKey = (a: any) => `${a.ip}\u0000${a.targetRef?.uid ?? ''}`;
const portKey = (p: any) => JSON.stringify([p.name ?? '', p.port, p.protocol ?? '', p.appProtocol ?? '']);

function lessAddress(a: any, b: any): number {
  if (a.ip !== b.ip) return a.ip < b.ip ? -1 : 1;
  const ua = a.targetRef?.uid ?? '';
  const ub = b.targetRef?.uid ?? '';
  return ua < ub ? -1 : ua > ub ? 1 : 0;
}

/**
 * endpoints.RepackSubsets: expand to (address, port) pairs, group the addresses by the exact set of
 * ports they offer, sort. Not-ready wins over ready for the same address and port. A subset
 * without ports is kept (headless services without ports).
 */
export function repackSubsets(subsets: Subset[]): Subset[] {
  const allAddrs = new Map<string, any>();
  const byPort = new Map<string, { port: any; addrs: Map<string, boolean> }>();
  const NO_PORT = '\u0000none';
  const map = (addr: any, port: any, pk: string, ready: boolean) => {
    const k = addrKey(addr);
    if (!allAddrs.has(k)) allAddrs.set(k, addr);
    let e = byPort.get(pk);
    if (!e) byPort.set(pk, (e = { port, addrs: new Map() }));
    const was = e.addrs.get(k);
    if (was === undefined || was) e.addrs.set(k, ready);
  };
  for (const ss of subsets) {
    const ports = arr(ss.ports);
    const list: [any, string][] = ports.length ? ports.map((p) => [p, portKey(p)]) : [[undefined, NO_PORT]];
    for (const [p, pk] of list) {
      for (const a of arr(ss.addresses)) map(a, p, pk, true);
      for (const a of arr(ss.notReadyAddresses)) map(a, p, pk, false);
    }
  }
  const groups = new Map<string, { addrs: Map<string, boolean>; ports: any[] }>();
  for (const [pk, e] of byPort) {
    const gk = [...e.addrs.entries()].map(([k, r]) => `${k}=${r}`).sort().join('|');
    let g = groups.get(gk);
    if (!g) groups.set(gk, (g = { addrs: e.addrs, ports: [] }));
    if (pk !== NO_PORT) g.ports.push(e.port);
  }
  const out: Subset[] = [];
  for (const g of groups.values()) {
    const ready: any[] = [];
    const notReady: any[] = [];
    for (const [k, r] of g.addrs) (r ? ready : notReady).push(allAddrs.get(k));
    const ss: Subset = {};
    if (ready.length) ss.addresses = ready.sort(lessAddress);
    if (notReady.length) ss.notReadyAddresses = notReady.sort(lessAddress);
    if (g.ports.length) ss.ports = g.ports.sort((a, b) => (portKey(a) < portKey(b) ? -1 : portKey(a) > portKey(b) ? 1 : 0));
    out.push(ss);
  }
  const first = (s: Subset) => (s.addresses ?? s.notReadyAddresses ?? [])[0]?.ip ?? '';
  return out.sort((a, b) => (first(a) < first(b) ? -1 : first(a) > first(b) ? 1 : JSON.stringify(a.ports) < JSON.stringify(b.ports) ? -1 : 1));
}

/** The subsets the Endpoints of `svc` should have for `pods` (already filtered by selector). */
export function desiredSubsets(svc: KObject, pods: KObject[]): Subset[] {
  const publish = svc.spec?.publishNotReadyAddresses === true;
  const ports = arr(svc.spec?.ports);
  const subsets: Subset[] = [];
  for (const pod of pods) {
    if (!shouldPodBeInEndpoints(pod, publish)) continue;
    const addr = podAddress(svc, pod);
    if (!addr) continue;
    if (shouldSetHostname(pod, svc)) addr.hostname = pod.spec.hostname;
    const ready = publish || isPodReady(pod);
    const add = (epp: any | undefined) =>
      subsets.push({ ...(ready ? { addresses: [addr] } : { notReadyAddresses: [addr] }), ...(epp ? { ports: [epp] } : {}) });
    if (ports.length === 0) {
      if (svc.spec?.clusterIP === 'None') add(undefined);
      continue;
    }
    for (const sp of ports) {
      const num = findPort(pod, sp);
      if (num === undefined) continue;
      const epp: any = { name: sp.name ?? '', port: num, protocol: sp.protocol ?? 'TCP' };
      if (!epp.name) delete epp.name;
      if (sp.appProtocol) epp.appProtocol = sp.appProtocol;
      add(epp);
    }
  }
  return repackSubsets(subsets);
}

// truncateEndpoints: over 1000 addresses, keep a proportional share per subset, ready first
function truncate(subsets: Subset[]): boolean {
  let ready = 0;
  let notReady = 0;
  for (const s of subsets) {
    ready += arr(s.addresses).length;
    notReady += arr(s.notReadyAddresses).length;
  }
  if (ready + notReady <= MAX_CAPACITY) return false;
  const truncReady = ready > MAX_CAPACITY;
  const max = truncReady ? MAX_CAPACITY : MAX_CAPACITY - ready;
  const total = truncReady ? ready : notReady;
  let left = max;
  for (const s of subsets) {
    const n = arr(truncReady ? s.addresses : s.notReadyAddresses).length;
    const take = Math.min(Math.ceil((n / total) * max), left);
    if (truncReady) {
      s.addresses = arr(s.addresses).slice(0, take);
      delete s.notReadyAddresses;
      left -= s.addresses.length;
    } else {
      s.notReadyAddresses = arr(s.notReadyAddresses).slice(0, take);
      left -= s.notReadyAddresses.length;
    }
  }
  return true;
}

export function endpointsController(): Controller {
  return {
    name: 'endpoints',
    start(ctx: ControllerContext) {
      const { registry } = ctx;
      const services = ctx.informers.for('', 'services');
      const pods = ctx.informers.for('', 'pods');
      const endpoints = ctx.informers.for('', 'endpoints');
      const epDef = registry.mustDef('', 'endpoints');
      const tracker = new TriggerTimeTracker();

      const sync = (key: string) => {
        const { namespace, name } = splitObjectKey(key);
        const svc = services.get(namespace, name);
        if (!svc) {
          tracker.delete(key);
          // the Endpoints of a deleted Service go with it; those of services without a selector
          // are the user's, but that service is gone too
          if (!endpoints.get(namespace, name)) return;
          try {
            registry.delete(epDef, namespace, name);
          } catch (err) {
            if (!(err instanceof StatusError && err.code === 404)) throw err;
          }
          return;
        }
        if (svc.spec?.type === 'ExternalName') return;
        const sel = serviceSelector(svc);
        if (!sel) return;
        const matching = pods.list(namespace).filter((p) => selectorMatches(sel, p.metadata.labels));
        const trigger = tracker.compute(key, svc, matching);
        const subsets = desiredSubsets(svc, matching);

        const cur = endpoints.get(namespace, name);
        const svcLabels: Record<string, string> = { ...(svc.metadata.labels ?? {}) };
        if (cur) {
          const curLabels = { ...(cur.metadata.labels ?? {}) };
          delete curLabels[HEADLESS_LABEL];
          const overOK = !!cur.metadata.annotations?.[OVER_CAPACITY] === subsets.reduce((n, s) => n + arr(s.addresses).length + arr(s.notReadyAddresses).length, 0) > MAX_CAPACITY;
          if (deepEqual(arr(cur.subsets), subsets) && deepEqual(curLabels, svcLabels) && overOK) return;
        }
        const next: KObject = cur
          ? structuredClone(cur)
          : { apiVersion: 'v1', kind: 'Endpoints', metadata: { name, namespace } };
        next.subsets = subsets;
        const annotations: Record<string, string> = { ...(next.metadata.annotations ?? {}) };
        if (trigger) annotations[LAST_CHANGE_TRIGGER_TIME] = formatRFC3339Nano(trigger);
        else delete annotations[LAST_CHANGE_TRIGGER_TIME];
        if (truncate(subsets)) annotations[OVER_CAPACITY] = 'truncated';
        else delete annotations[OVER_CAPACITY];
        if (Object.keys(annotations).length) next.metadata.annotations = annotations;
        else delete next.metadata.annotations;
        const labels = svcLabels;
        if (!isServiceIPSet(svc)) labels[HEADLESS_LABEL] = '';
        if (Object.keys(labels).length) next.metadata.labels = labels;
        else delete next.metadata.labels;
        if (subsets.length === 0) delete next.subsets;
        try {
          if (cur) registry.update(epDef, namespace, name, next, { fieldManager: FIELD_MANAGER });
          else registry.create(epDef, namespace, next, { fieldManager: FIELD_MANAGER });
        } catch (err) {
          // a terminating namespace refuses new objects: nothing to do
          if (!cur && err instanceof StatusError && err.code === 403) return;
          throw err;
        }
      };

      const queue = ctx.newQueue('endpoint', sync);
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
      // a deleted Endpoints is recreated by a sync of its service; Endpoints left over from
      // services deleted while the controller was down are removed once, at start
      // (checkLeftoverEndpoints)
      let starting = true;
      endpoints.addHandler({
        add: (e) => {
          if (starting && !services.get(e.metadata.namespace ?? '', e.metadata.name)) queue.add(objectKey(e));
        },
        delete: (e) => queue.add(objectKey(e)),
      });
      starting = false;
    },
  };
}
