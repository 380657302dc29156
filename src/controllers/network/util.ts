// Helpers shared by the Endpoints and EndpointSlice controllers (and the cluster DNS): pod
// membership rules, port resolution and the last-change trigger time
// (staging/src/k8s.io/endpointslice/util/controller_utils.go, utils.go, trigger_time_tracker.go).
import type { KObject } from '../../resources/types.js';
import type { Informer } from '../informer.js';

export const HEADLESS_LABEL = 'service.kubernetes.io/headless';
export const LAST_CHANGE_TRIGGER_TIME = 'endpoints.kubernetes.io/last-change-trigger-time';
export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';
export const MANAGED_BY_LABEL = 'endpointslice.kubernetes.io/managed-by';
export const SLICE_CONTROLLER_NAME = 'endpointslice-controller.k8s.io';
export const ZONE_LABEL = 'topology.kubernetes.io/zone';

const arr = (v: unknown): any[] => (Array.isArray(v) ? v : []);

/** A Go map that is empty does not survive a round-trip: `selector: {}` counts as unset. */
export function serviceSelector(svc: KObject): Record<string, string> | undefined {
  const sel = svc.spec?.selector;
  if (!sel || typeof sel !== 'object' || Object.keys(sel).length === 0) return undefined;
  return sel;
}

export function selectorMatches(sel: Record<string, string>, labels: Record<string, string> | undefined): boolean {
  for (const [k, v] of Object.entries(sel)) if ((labels ?? {})[k] !== v) return false;
  return true;
}

/** Services in the pod's namespace whose selector matches the labels. */
export function servicesForLabels(services: Informer, namespace: string, labels: Record<string, string> | undefined): string[] {
  const keys: string[] = [];
  for (const svc of services.list(namespace)) {
    const sel = serviceSelector(svc);
    if (sel && selectorMatches(sel, labels)) keys.push(`${namespace}/${svc.metadata.name}`);
  }
  return keys;
}

export function podReadyCondition(pod: KObject): any {
  return arr(pod.status?.conditions).find((c) => c?.type === 'Ready');
}

export function isPodReady(pod: KObject): boolean {
  return podReadyCondition(pod)?.status === 'True';
}

export function podIPs(pod: KObject): string[] {
  const ips = arr(pod.status?.podIPs).map((p) => p?.ip).filter((ip): ip is string => typeof ip === 'string' && ip !== '');
  if (ips.length === 0 && pod.status?.podIP) ips.push(pod.status.podIP);
  return ips;
}

export const isIPv6 = (ip: string): boolean => ip.includes(':');

// ShouldPodBeInEndpoints
export function shouldPodBeInEndpoints(pod: KObject, includeTerminating: boolean): boolean {
  const phase = pod.status?.phase;
  if (phase === 'Succeeded' || phase === 'Failed') return false;
  if (podIPs(pod).length === 0) return false;
  if (!includeTerminating && pod.metadata?.deletionTimestamp) return false;
  return true;
}

// ShouldSetHostname
export function shouldSetHostname(pod: KObject, svc: KObject): boolean {
  return !!pod.spec?.hostname && pod.spec?.subdomain === svc.metadata.name && svc.metadata.namespace === pod.metadata.namespace;
}

export function isServiceIPSet(svc: KObject): boolean {
  const ip = svc.spec?.clusterIP;
  return !!ip && ip !== 'None';
}

// FindPort: a numeric targetPort is used as is; a name is looked up in the containers' ports
// (and in sidecar init containers) with the service port's protocol.
export function findPort(pod: KObject, svcPort: any): number | undefined {
  const target = svcPort?.targetPort ?? svcPort?.port;
  const proto = svcPort?.protocol ?? 'TCP';
  if (typeof target === 'number') return target;
  if (typeof target === 'string' && /^\d+$/.test(target)) return Number(target);
  if (typeof target !== 'string' || target === '') return undefined;
  const search = (containers: any[]) => {
    for (const c of containers)
      for (const p of arr(c?.ports)) if (p?.name === target && (p.protocol ?? 'TCP') === proto) return p.containerPort as number;
    return undefined;
  };
  return search(arr(pod.spec?.containers)) ?? search(arr(pod.spec?.initContainers).filter((c) => c?.restartPolicy === 'Always'));
}

/** podEndpointsChanged: (changed in a way that affects endpoints, changed service membership). */
export function podEndpointsChanged(oldPod: KObject, newPod: KObject): [boolean, boolean] {
  const labelsChanged =
    JSON.stringify(oldPod.metadata?.labels ?? {}) !== JSON.stringify(newPod.metadata?.labels ?? {}) ||
    oldPod.spec?.hostname !== newPod.spec?.hostname ||
    oldPod.spec?.subdomain !== newPod.spec?.subdomain;
  const changed =
    oldPod.metadata?.deletionTimestamp !== newPod.metadata?.deletionTimestamp ||
    isPodReady(oldPod) !== isPodReady(newPod) ||
    podIPs(oldPod).join(',') !== podIPs(newPod).join(',') ||
    oldPod.status?.phase !== newPod.status?.phase ||
    oldPod.spec?.nodeName !== newPod.spec?.nodeName;
  return [changed, labelsChanged];
}

/** Service keys to resync after a pod event (GetServicesToUpdateOnPodChange). */
export function servicesToUpdateOnPodChange(services: Informer, oldPod: KObject | undefined, newPod: KObject): string[] {
  const ns = newPod.metadata.namespace ?? '';
  if (!oldPod) return servicesForLabels(services, ns, newPod.metadata.labels);
  if (oldPod.metadata?.resourceVersion === newPod.metadata?.resourceVersion) return [];
  const [changed, labelsChanged] = podEndpointsChanged(oldPod, newPod);
  if (!changed && !labelsChanged) return [];
  const now = servicesForLabels(services, ns, newPod.metadata.labels);
  if (!labelsChanged) return now;
  const before = servicesForLabels(services, ns, oldPod.metadata.labels);
  if (changed) return [...new Set([...now, ...before])];
  return [...now.filter((k) => !before.includes(k)), ...before.filter((k) => !now.includes(k))];
}

/** Go's time.RFC3339Nano of a UTC time: fractional seconds without trailing zeros. */
export function formatRFC3339Nano(ms: number): string {
  return new Date(ms).toISOString().replace(/\.?0+Z$/, 'Z').replace(/\.Z$/, 'Z');
}

const parseTime = (s: unknown): number => (typeof s === 'string' ? Date.parse(s) || 0 : 0);

// TriggerTimeTracker: the earliest trigger (pod Ready transition or service creation) that changed
// since the previous sync of the service; the service's creation time on its first sync.
export class TriggerTimeTracker {
  private readonly states = new Map<string, { service: number; pods: Map<string, number> }>();

  compute(key: string, svc: KObject, pods: KObject[]): number {
    const state = this.states.get(key);
    let min = 0;
    const podTimes = new Map<string, number>();
    for (const pod of pods) {
      const t = parseTime(podReadyCondition(pod)?.lastTransitionTime);
      if (!t) continue;
      podTimes.set(pod.metadata.name, t);
      if (t > (state?.pods.get(pod.metadata.name) ?? 0) && (min === 0 || t < min)) min = t;
    }
    const svcTime = parseTime(svc.metadata.creationTimestamp);
    if (svcTime > (state?.service ?? 0) && (min === 0 || svcTime < min)) min = svcTime;
    this.states.set(key, { service: svcTime, pods: podTimes });
    return state ? min : svcTime;
  }

  delete(key: string): void {
    this.states.delete(key);
  }
}
