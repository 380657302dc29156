// What the cluster DNS knows, read from the shared informer caches only: services, their ready
// endpoints (from EndpointSlices, or the Endpoints object when a service has no slices) and
// namespaces. Mirrors the data CoreDNS's kubernetes plugin watches.
import type { KObject } from '../resources/types.js';
import type { Informer, InformerFactory } from '../controllers/informer.js';

const arr = (v: unknown): any[] => (Array.isArray(v) ? v : []);

export interface EndpointPortInfo {
  name: string;
  port: number;
  protocol: string;
}

export interface ReadyEndpoint {
  ip: string;
  /** the endpoint's hostname, or a name derived from its IP (dashes for dots / colons) */
  hostname: string;
  ports: EndpointPortInfo[];
}

/** CoreDNS's endpointHostname: the explicit hostname, else the IP with '.'/':' turned into '-'. */
export function endpointHostname(ip: string, hostname?: string): string {
  if (hostname) return hostname;
  return ip.replace(/[.:]/g, '-');
}

export class ClusterView {
  private readonly services: Informer;
  private readonly slices: Informer;
  private readonly endpoints: Informer;
  private readonly namespaces: Informer;

  constructor(informers: InformerFactory) {
    this.services = informers.for('', 'services');
    this.slices = informers.for('discovery.k8s.io', 'endpointslices');
    this.endpoints = informers.for('', 'endpoints');
    this.namespaces = informers.for('', 'namespaces');
  }

  namespaceExists(ns: string): boolean {
    return !!this.namespaces.get('', ns);
  }

  service(ns: string, name: string): KObject | undefined {
    return this.services.get(ns, name);
  }

  allServices(): KObject[] {
    return this.services.list();
  }

  /** Ready endpoints of a service, deduplicated by IP (a pod may sit in two slices for a moment). */
  readyEndpoints(ns: string, name: string): ReadyEndpoint[] {
    const out = new Map<string, ReadyEndpoint>();
    const slices = this.slices.list(ns).filter((s) => s.metadata.labels?.['kubernetes.io/service-name'] === name);
    if (slices.length) {
      for (const s of slices) {
        if (s.addressType !== 'IPv4' && s.addressType !== 'IPv6') continue;
        const ports = arr(s.ports).map((p) => ({ name: p?.name ?? '', port: p?.port, protocol: p?.protocol ?? 'TCP' }));
        for (const ep of arr(s.endpoints)) {
          if (ep?.conditions?.ready === false) continue;
          for (const ip of arr(ep.addresses)) {
            if (typeof ip !== 'string' || out.has(ip)) continue;
            out.set(ip, { ip, hostname: endpointHostname(ip, ep.hostname), ports });
          }
        }
      }
    } else {
      const eps = this.endpoints.get(ns, name);
      for (const ss of arr(eps?.subsets)) {
        const ports = arr(ss?.ports).map((p) => ({ name: p?.name ?? '', port: p?.port, protocol: p?.protocol ?? 'TCP' }));
        for (const a of arr(ss?.addresses)) {
          if (typeof a?.ip !== 'string' || out.has(a.ip)) continue;
          out.set(a.ip, { ip: a.ip, hostname: endpointHostname(a.ip, a.hostname), ports });
        }
      }
    }
    return [...out.values()].sort((a, b) => (a.hostname < b.hostname ? -1 : a.hostname > b.hostname ? 1 : 0));
  }

  /** Owner names of an IP for PTR: service cluster IPs first, then ready endpoints. */
  reverse(ip: string, zone: string): string[] {
    const names: string[] = [];
    for (const svc of this.services.list()) {
      const ips = arr(svc.spec?.clusterIPs).length ? arr(svc.spec.clusterIPs) : [svc.spec?.clusterIP];
      if (ips.includes(ip)) names.push(`${svc.metadata.name}.${svc.metadata.namespace}.svc.${zone}`);
    }
    if (names.length) return names;
    for (const svc of this.services.list()) {
      const ns = svc.metadata.namespace ?? '';
      for (const ep of this.readyEndpoints(ns, svc.metadata.name))
        if (ep.ip === ip) names.push(`${ep.hostname}.${svc.metadata.name}.${ns}.svc.${zone}`);
    }
    return names;
  }
}

export function isHeadless(svc: KObject): boolean {
  return svc.spec?.type !== 'ExternalName' && (!svc.spec?.clusterIP || svc.spec.clusterIP === 'None');
}

export function serviceIPs(svc: KObject): string[] {
  const ips = arr(svc.spec?.clusterIPs).length ? arr(svc.spec.clusterIPs) : svc.spec?.clusterIP ? [svc.spec.clusterIP] : [];
  return ips.filter((ip) => typeof ip === 'string' && ip !== 'None');
}
