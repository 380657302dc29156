// Built-in admission that the REST storage of some kinds does upstream: Service ClusterIP and
// NodePort allocation (pkg/registry/core/service/ipallocator, portallocator, storage/alloc.go).
import type { KObject } from '../types.js';
import type { AdmissionTransaction, Registry } from '../../registry/registry.js';
import { internalError, invalidObject } from '../../registry/errors.js';
import type { Cause } from '../types.js';
import { NodePortAllocator, ServiceIPAllocator } from './ipallocator.js';

export { NodePortAllocator, ServiceIPAllocator } from './ipallocator.js';

/** Go's %#v of a []string, as field.Invalid renders spec.clusterIPs (storage/alloc.go): []string{"a", "b"}. */
function goStrings(list: string[]): string {
  return `[]string{${list.map((s) => JSON.stringify(s)).join(', ')}}`;
}

export interface AdmissionOptions {
  serviceCIDR: string;
}

export interface Allocators {
  ips: ServiceIPAllocator;
  nodePorts: NodePortAllocator;
}

/** A stored list, or nothing when it is not one. */
const list = (v: unknown): any[] => (Array.isArray(v) ? v : []);

function wantsNodePorts(svc: KObject): boolean {
  return svc.spec?.type === 'NodePort' || (svc.spec?.type === 'LoadBalancer' && svc.spec?.allocateLoadBalancerNodePorts !== false);
}

const installed = new WeakMap<Registry, Allocators>();

/** The allocators a registry's Services use (installed with the Service kind). */
export function serviceAllocators(registry: Registry): Allocators | undefined {
  return installed.get(registry);
}

/** Service ClusterIP and NodePort admission: serviceDef.install. */
export function installAdmission(registry: Registry, opts: AdmissionOptions): Allocators {
  const a = installAllocation(registry, opts);
  installed.set(registry, a);
  return a;
}

function installAllocation(registry: Registry, opts: AdmissionOptions): Allocators {
  const ips = new ServiceIPAllocator(opts.serviceCIDR);
  const nodePorts = new NodePortAllocator();
  const svcDef = registry.def('', 'services');
  if (!svcDef) return { ips, nodePorts };
  // rebuild the allocation maps from what is stored (a restart); data written by older versions
  // may hold anything (null ports, strings), and one bad object must never stop the server
  for (const e of registry.store.list('core/services')) {
    try {
      const s = JSON.parse(e.json);
      for (const ip of list(s?.spec?.clusterIPs)) if (typeof ip === 'string' && ips.contains(ip)) ips.reserve(ip);
      for (const p of list(s?.spec?.ports)) if (typeof p?.nodePort === 'number') nodePorts.reserve(p.nodePort);
    } catch (err) {
      registry.opts.logger?.warn({ key: e.key, err: (err as Error)?.message }, 'service allocation rebuild: skipping an unreadable stored Service');
    }
  }
  registry.addHook(svcDef, (op, svc, old, wopts) => {
    if (op === 'delete') {
      for (const ip of list(svc.spec?.clusterIPs)) if (typeof ip === 'string' && ips.contains(ip)) ips.release(ip);
      for (const p of list(svc.spec?.ports)) if (typeof p?.nodePort === 'number') nodePorts.release(p.nodePort);
      return;
    }
    return allocateService(ips, nodePorts, svcDef, svc, op === 'update' ? old : undefined, !!wopts.dryRun);
  });
  return { ips, nodePorts };
}

/**
 * ClusterIPs and NodePorts for a create or an update (storage/alloc.go allocateCreate /
 * allocateUpdate): the first failure undoes what this call reserved and is thrown; otherwise the
 * transaction reverts the reservations if the write fails, and on commit releases what the
 * update gave up (old IPs of a Service turned ExternalName, node ports no longer used).
 */
function allocateService(ips: ServiceIPAllocator, nodePorts: NodePortAllocator, svcDef: { group: string; kind: string }, svc: KObject, old: KObject | undefined, dryRun: boolean): AdmissionTransaction {
  const name = svc.metadata?.name ?? '';
  const spec = svc.spec;
  const reserved: (() => void)[] = [];
  const toRelease: (() => void)[] = [];
  const fail = (err: Error): never => {
    for (const undo of reserved) undo();
    throw err;
  };
  const invalid = (c: Cause) => fail(invalidObject(svcDef, name, [c]));
  if (spec.type === 'ExternalName') {
    delete spec.clusterIP;
    delete spec.clusterIPs;
    if (old?.spec?.type !== 'ExternalName') for (const ip of list(old?.spec?.clusterIPs)) if (typeof ip === 'string' && ips.contains(ip)) toRelease.push(() => ips.release(ip));
  } else if (!old || !old.spec?.clusterIP) {
    const requested = spec.clusterIP ?? spec.clusterIPs?.[0];
    if (requested === 'None') {
      spec.clusterIP = 'None';
      spec.clusterIPs = ['None'];
    } else if (requested) {
      const why = !ips.contains(requested)
        ? `the provided IP (${requested}) is not in the valid range. The range of valid IPs is ${ips.cidr}`
        : ips.has(requested)
          ? 'provided IP is already allocated'
          : undefined;
      if (why) invalid({ reason: 'FieldValueInvalid', field: 'spec.clusterIPs', message: `Invalid value: ${goStrings([requested])}: failed to allocate IP ${requested}: ${why}` });
      if (!dryRun) {
        ips.reserve(requested);
        reserved.push(() => ips.release(requested));
      }
      spec.clusterIP = requested;
      spec.clusterIPs = [requested];
    } else {
      const ip = ips.allocate(dryRun);
      if (!ip) fail(internalError(new Error('failed to allocate a serviceIP: range is full')));
      if (!dryRun) reserved.push(() => ips.release(ip!));
      spec.clusterIP = ip;
      spec.clusterIPs = [ip];
    }
  }
  const oldNodePorts = new Set<number>((old && wantsNodePorts(old) ? list(old.spec?.ports) : []).map((p: KObject) => p?.nodePort).filter((n) => typeof n === 'number' && n > 0));
  const newNodePorts = new Set<number>();
  if (wantsNodePorts(svc)) {
    const byPort = new Map<string, number>(list(old?.spec?.ports).filter((p: KObject) => p?.nodePort).map((p: KObject) => [`${p.port}/${p.protocol}`, p.nodePort]));
    list(spec.ports).forEach((p: KObject, i: number) => {
      if (!p || typeof p !== 'object') return;
      const keep = byPort.get(`${p.port}/${p.protocol}`);
      if (!p.nodePort && keep && oldNodePorts.has(keep)) p.nodePort = keep;
      if (p.nodePort) {
        if (!oldNodePorts.has(p.nodePort) && !newNodePorts.has(p.nodePort)) {
          const why =
            p.nodePort < nodePorts.min || p.nodePort > nodePorts.max
              ? `provided port is not in the valid range. The range of valid ports is ${nodePorts.min}-${nodePorts.max}`
              : nodePorts.has(p.nodePort)
                ? 'provided port is already allocated'
                : undefined;
          if (why) invalid({ reason: 'FieldValueInvalid', field: `spec.ports[${i}].nodePort`, message: `Invalid value: ${p.nodePort}: ${why}` });
          if (!dryRun) {
            const np = p.nodePort;
            nodePorts.reserve(np);
            reserved.push(() => nodePorts.release(np));
          }
        }
      } else {
        const np = nodePorts.allocate(dryRun);
        if (np === undefined) fail(internalError(new Error('failed to allocate a nodePort: range is full')));
        p.nodePort = np;
        if (!dryRun) reserved.push(() => nodePorts.release(np!));
      }
      newNodePorts.add(p.nodePort);
    });
  }
  for (const np of oldNodePorts) if (!newNodePorts.has(np)) toRelease.push(() => nodePorts.release(np));
  if (dryRun) return {};
  return {
    revert: () => reserved.forEach((undo) => undo()),
    commit: () => toRelease.forEach((release) => release()),
  };
}
