// The simulated pod network: names resolved as a pod's resolver would (its search path and ndots
// over the in-process cluster DNS), connections routed as kube-proxy and the pod network would:
// a pod IP reaches that pod's listeners, a ClusterIP (or a node's address and a NodePort) a ready endpoint (port -> targetPort through
// the EndpointSlices, which carry named ports already resolved), 127.0.0.1 the pod itself.
import type { Duplex } from 'node:stream';
import type { KObject } from '../resources/types.js';
import type { InformerFactory } from '../controllers/informer.js';
import { ClusterView, isHeadless, serviceIPs } from '../dns/cluster.js';
import { Resolver } from '../dns/resolver.js';
import type { LookupResult, PodNetwork } from './types.js';
import { dnsSettings, podHostname } from './volumes.js';

const arr = (v: unknown): any[] => (Array.isArray(v) ? v : []);
const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

const ERRNO: Record<string, number> = { ECONNREFUSED: -111, EHOSTUNREACH: -113, ETIMEDOUT: -110 };

/** A Node-style connect error (`connect ECONNREFUSED 10.244.0.5:80`, err.code). */
export function connectError(code: 'ECONNREFUSED' | 'EHOSTUNREACH' | 'ETIMEDOUT', ip: string, port: number): Error {
  return Object.assign(new Error(`connect ${code} ${ip}:${port}`), { code, errno: ERRNO[code], syscall: 'connect', address: ip, port });
}

export const isLoopback = (ip: string) => ip === 'localhost' || ip === '::1' || /^127\./.test(ip) || ip === '0.0.0.0';

/** What the network needs from the runtime: the pods at an IP, and a pod's listener on a port. */
export interface NetworkHost {
  /** pods (with a running container) whose IP is `ip` (hostNetwork pods share their node's) */
  podsAt(ip: string): KObject[];
  /** a connection to what listens on `port` in the pod (undefined: nothing listens) */
  openPort(pod: KObject, port: number, from: string): Promise<Duplex> | undefined;
}

export class ClusterNetwork {
  readonly view: ClusterView;
  readonly resolver: Resolver;
  private readonly rr = new Map<string, number>();
  private readonly nodes: ReturnType<InformerFactory['for']>;

  constructor(
    informers: InformerFactory,
    private readonly host: NetworkHost,
    readonly zone = 'cluster.local',
    /** the cluster DNS server address pods are given (resolv.conf nameserver) */
    readonly nameserver = '10.96.0.10',
  ) {
    this.view = new ClusterView(informers);
    this.nodes = informers.for('', 'nodes');
    this.resolver = new Resolver(this.view, { zone });
  }

  /** The A records of one fully qualified name (CNAMEs inside the zone followed by the resolver). */
  resolveName(fqdn: string): string[] | undefined {
    const r = this.resolver.resolve({ name: fqdn, type: 'A' });
    if (r.rcode !== 'NOERROR') return undefined;
    const ips = r.answers.filter((a) => a.type === 'A').map((a) => String((a as any).data));
    return ips.length ? ips : undefined;
  }

  /** The pod's view of the network. */
  forPod(pod: KObject): PodNetwork {
    return {
      nameserver: this.nameserver,
      lookup: async (name) => this.lookup(pod, name),
      connect: (ip, port) => this.connect(pod, ip, port),
    };
  }

  /** res_search with the pod's resolv.conf (and its /etc/hosts: localhost, its own names, hostAliases). */
  lookup(pod: KObject, name: string): LookupResult | undefined {
    const n = String(name ?? '').trim();
    if (!n || n.length > 253) return undefined;
    if (IPV4.test(n)) return { name: n, addresses: [n] };
    const lower = n.toLowerCase().replace(/\.$/, '');
    if (lower === 'localhost' || lower === 'localhost.localdomain') return { name: 'localhost', addresses: ['127.0.0.1'] };
    const own = podHostname(pod, this.zone);
    const podIP = pod.status?.podIP;
    if (podIP && (lower === own.hostname.toLowerCase() || (own.fqdn && lower === own.fqdn.toLowerCase()))) return { name: own.fqdn ?? own.hostname, addresses: [podIP] };
    for (const a of arr(pod.spec?.hostAliases)) if (arr(a?.hostnames).some((h) => String(h).toLowerCase() === lower) && a.ip) return { name: lower, addresses: [String(a.ip)] };
    const d = dnsSettings(pod, this.zone, this.nameserver);
    const candidates: string[] = [];
    if (n.endsWith('.')) candidates.push(lower);
    else {
      const dots = lower.split('.').length - 1;
      const searched = d.search.map((s) => `${lower}.${s}`);
      if (dots >= d.ndots) candidates.push(lower, ...searched);
      else candidates.push(...searched, lower);
    }
    for (const c of candidates) {
      const ips = this.resolveName(c);
      if (ips) return { name: c, addresses: ips };
    }
    return undefined;
  }

  private serviceAt(ip: string): KObject | undefined {
    for (const svc of this.view.allServices()) if (!isHeadless(svc) && svc.spec?.type !== 'ExternalName' && serviceIPs(svc).includes(ip)) return svc;
    return undefined;
  }

  /** A connection from `from` (a pod) to ip:port. */
  async connect(from: KObject | undefined, ip: string, port: number): Promise<Duplex> {
    const src = from?.status?.podIP ?? '127.0.0.1';
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw connectError('ECONNREFUSED', ip, port);
    if (isLoopback(ip)) {
      const c = from ? this.host.openPort(from, port, '127.0.0.1') : undefined;
      if (!c) throw connectError('ECONNREFUSED', ip, port);
      return c;
    }
    const isNode = () => this.nodes.list().some((n) => arr(n.status?.addresses).some((a) => a?.address === ip));
    const pods = this.host.podsAt(ip);
    if (pods.length) {
      for (const p of pods) {
        const c = this.host.openPort(p, port, src);
        if (c) return c;
      }
      // hostNetwork pods share the node's address with its NodePorts
      if (!isNode()) throw connectError('ECONNREFUSED', ip, port);
    }
    let svc = this.serviceAt(ip);
    let byNodePort = false;
    if (!svc && isNode()) {
      // a node's address: a NodePort service's port (kube-proxy on every node)
      svc = this.view.allServices().find((x) => arr(x.spec?.ports).some((p) => p?.nodePort === port && (p.protocol ?? 'TCP') === 'TCP'));
      if (!svc) throw connectError('ECONNREFUSED', ip, port);
      byNodePort = true;
    }
    if (svc) {
      const sp = arr(svc.spec?.ports).find((p) => (byNodePort ? p?.nodePort : p?.port) === port && (p.protocol ?? 'TCP') === 'TCP');
      // no rule for the port: the packet goes nowhere
      if (!sp) throw connectError('ETIMEDOUT', ip, port);
      const ns = svc.metadata.namespace;
      const eps = this.view.readyEndpoints(ns, svc.metadata.name);
      const targets: { ip: string; port: number }[] = [];
      for (const e of eps) {
        const ep = e.ports.find((p) => (p.name ?? '') === (sp.name ?? '') && (p.protocol ?? 'TCP') === 'TCP');
        const target = typeof ep?.port === 'number' ? ep.port : typeof sp.targetPort === 'number' ? sp.targetPort : port;
        targets.push({ ip: e.ip, port: target as number });
      }
      // kube-proxy rejects connections to a service without endpoints
      if (!targets.length) throw connectError('ECONNREFUSED', ip, port);
      const key = `${ns}/${svc.metadata.name}/${port}`;
      const i = (this.rr.get(key) ?? 0) % targets.length;
      this.rr.set(key, i + 1);
      const t = targets[i];
      const at = this.host.podsAt(t.ip);
      if (!at.length) throw connectError('ECONNREFUSED', ip, port);
      return this.dialPods(at, ip, t.port, src);
    }
    throw connectError('EHOSTUNREACH', ip, port);
  }

  private dialPods(pods: KObject[], ip: string, port: number, src: string): Promise<Duplex> {
    for (const p of pods) {
      const c = this.host.openPort(p, port, src);
      if (c) return c;
    }
    return Promise.reject(connectError('ECONNREFUSED', ip, port));
  }
}
