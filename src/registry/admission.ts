// Built-in admission that the REST storage of some kinds does upstream: Service ClusterIP and
// NodePort allocation (pkg/registry/core/service/ipallocator, portallocator, storage/alloc.go).
import { randomInt } from 'node:crypto';
import type { KObject } from '../resources/types.js';
import type { Registry } from './registry.js';
import { invalidObject } from './errors.js';
import type { Cause } from '../resources/types.js';

/** Go's %#v of a []string, as field.Invalid renders spec.clusterIPs (storage/alloc.go): []string{"a", "b"}. */
function goStrings(list: string[]): string {
  return `[]string{${list.map((s) => JSON.stringify(s)).join(', ')}}`;
}

function ipToInt(ip: string): number {
  return ip.split('.').reduce((a, o) => a * 256 + Number(o), 0);
}
function intToIP(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

export class ServiceIPAllocator {
  readonly base: number;
  readonly size: number;
  private readonly used = new Set<number>();

  constructor(readonly cidr: string) {
    const [ip, bits] = cidr.split('/');
    const prefix = Number(bits);
    if (!/^\d+\.\d+\.\d+\.\d+$/.test(ip) || !(prefix >= 8 && prefix <= 30)) throw new Error(`--service-cidr: invalid IPv4 CIDR ${cidr}`);
    const mask = prefix === 0 ? 0 : (~0 << (32 - prefix)) >>> 0;
    this.base = (ipToInt(ip) & mask) >>> 0;
    this.size = 2 ** (32 - prefix);
  }

  /** The first usable address (the kubernetes Service's). */
  first(): string {
    return intToIP(this.base + 1);
  }

  contains(ip: string): boolean {
    if (!/^\d+\.\d+\.\d+\.\d+$/.test(ip)) return false;
    const n = ipToInt(ip);
    return n > this.base && n < this.base + this.size - 1;
  }

  has(ip: string): boolean {
    return this.used.has(ipToInt(ip));
  }

  reserve(ip: string): void {
    this.used.add(ipToInt(ip));
  }

  release(ip: string): void {
    this.used.delete(ipToInt(ip));
  }

  /** Random, from the upper band first: the low band is kept for requested IPs (KEP-3070). */
  allocate(): string | undefined {
    const usable = this.size - 2;
    const lowBand = Math.min(Math.max(16, Math.floor(usable / 16)), 256);
    const tryBand = (from: number, to: number): number | undefined => {
      const span = to - from;
      if (span <= 0) return undefined;
      const start = randomInt(span);
      for (let i = 0; i < span; i++) {
        const off = from + ((start + i) % span);
        const n = this.base + 1 + off;
        if (!this.used.has(n)) return n;
      }
      return undefined;
    };
    const n = tryBand(lowBand, usable) ?? tryBand(0, lowBand);
    if (n === undefined) return undefined;
    this.used.add(n);
    return intToIP(n);
  }
}

export class NodePortAllocator {
  private readonly used = new Set<number>();
  constructor(
    readonly min = 30000,
    readonly max = 32767,
  ) {}
  has(p: number): boolean {
    return this.used.has(p);
  }
  reserve(p: number): void {
    this.used.add(p);
  }
  release(p: number): void {
    this.used.delete(p);
  }
  allocate(): number | undefined {
    const span = this.max - this.min + 1;
    const start = randomInt(span);
    for (let i = 0; i < span; i++) {
      const p = this.min + ((start + i) % span);
      if (!this.used.has(p)) {
        this.used.add(p);
        return p;
      }
    }
    return undefined;
  }
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

export function installAdmission(registry: Registry, opts: AdmissionOptions): Allocators {
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
    const name = svc.metadata?.name ?? '';
    if (op === 'delete') {
      for (const ip of list(svc.spec?.clusterIPs)) if (typeof ip === 'string' && ips.contains(ip)) ips.release(ip);
      for (const p of list(svc.spec?.ports)) if (typeof p?.nodePort === 'number') nodePorts.release(p.nodePort);
      return;
    }
    const spec = svc.spec;
    const causes: Cause[] = [];
    const allocatedHere: (() => void)[] = [];
    if (spec.type === 'ExternalName') {
      delete spec.clusterIP;
      delete spec.clusterIPs;
    } else if (op === 'create' || !old?.spec?.clusterIP) {
      const requested = spec.clusterIP ?? spec.clusterIPs?.[0];
      if (requested === 'None') {
        spec.clusterIP = 'None';
        spec.clusterIPs = ['None'];
      } else if (requested) {
        if (!ips.contains(requested))
          causes.push({ reason: 'FieldValueInvalid', field: 'spec.clusterIPs', message: `Invalid value: ${goStrings([requested])}: failed to allocate IP ${requested}: the provided IP (${requested}) is not in the valid range. The range of valid IPs is ${opts.serviceCIDR}` });
        else if (ips.has(requested))
          causes.push({ reason: 'FieldValueInvalid', field: 'spec.clusterIPs', message: `Invalid value: ${goStrings([requested])}: failed to allocate IP ${requested}: provided IP is already allocated` });
        else {
          if (!wopts.dryRun) {
            ips.reserve(requested);
            allocatedHere.push(() => ips.release(requested));
          }
          spec.clusterIP = requested;
          spec.clusterIPs = [requested];
        }
      } else {
        const ip = wopts.dryRun ? ips.first() : ips.allocate();
        if (!ip) causes.push({ reason: 'FieldValueInvalid', field: 'spec.clusterIPs', message: 'Internal error: failed to allocate a serviceIP: range is full' });
        else {
          if (!wopts.dryRun) allocatedHere.push(() => ips.release(ip));
          spec.clusterIP = ip;
          spec.clusterIPs = [ip];
        }
      }
    }
    if (wantsNodePorts(svc)) {
      const oldPorts = new Map<string, number>(list(old?.spec?.ports).filter((p: KObject) => p?.nodePort).map((p: KObject) => [`${p.port}/${p.protocol}`, p.nodePort]));
      list(spec.ports).forEach((p: KObject, i: number) => {
        if (p === null || typeof p !== 'object') return;
        const keep = oldPorts.get(`${p.port}/${p.protocol}`);
        if (p.nodePort && p.nodePort === keep) return;
        if (!p.nodePort && keep) {
          p.nodePort = keep;
          return;
        }
        if (p.nodePort) {
          if (p.nodePort < nodePorts.min || p.nodePort > nodePorts.max)
            causes.push({ reason: 'FieldValueInvalid', field: `spec.ports[${i}].nodePort`, message: `Invalid value: ${p.nodePort}: provided port is not in the valid range. The range of valid ports is ${nodePorts.min}-${nodePorts.max}` });
          else if (nodePorts.has(p.nodePort))
            causes.push({ reason: 'FieldValueInvalid', field: `spec.ports[${i}].nodePort`, message: `Invalid value: ${p.nodePort}: provided port is already allocated` });
          else if (!wopts.dryRun) {
            nodePorts.reserve(p.nodePort);
            const np = p.nodePort;
            allocatedHere.push(() => nodePorts.release(np));
          }
        } else {
          const np = wopts.dryRun ? nodePorts.min : nodePorts.allocate();
          if (np === undefined) causes.push({ reason: 'FieldValueInvalid', field: `spec.ports[${i}].nodePort`, message: 'Internal error: failed to allocate a nodePort: range is full' });
          else {
            p.nodePort = np;
            if (!wopts.dryRun) allocatedHere.push(() => nodePorts.release(np));
          }
        }
      });
    }
    if (causes.length) {
      for (const undo of allocatedHere) undo();
      throw invalidObject(svcDef, name, causes);
    }
  });
  return { ips, nodePorts };
}
