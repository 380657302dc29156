// Answers one DNS question from the cluster view, per the Kubernetes DNS-Based Service Discovery
// specification (kubernetes/dns docs/specification.md) with CoreDNS kubernetes-plugin details:
// TTL 5, SRV priority 0 and weight 100/n, endpoint names from the IP when no hostname, NXDOMAIN /
// NODATA with the zone's SOA in the authority section, REFUSED outside the zone (no recursion).
import type { Answer, RecordType } from 'dns-packet';
import { ClusterView, isHeadless, serviceIPs, type ReadyEndpoint } from './cluster.js';

export const DEFAULT_TTL = 5;
export const DNS_SCHEMA_VERSION = '1.1.0';

export type Rcode = 'NOERROR' | 'NXDOMAIN' | 'REFUSED' | 'SERVFAIL' | 'FORMERR' | 'NOTIMP';

export interface Resolution {
  rcode: Rcode;
  /** authoritative (every name in the zone or the reverse zones) */
  aa: boolean;
  answers: Answer[];
  authorities: Answer[];
  additionals: Answer[];
}

export interface ResolverOptions {
  zone: string;
  ttl?: number;
  /** SOA serial (default: start time in seconds) */
  serial?: number;
}

const isIPv6 = (ip: string) => ip.includes(':');
const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

export class Resolver {
  readonly zone: string;
  private readonly ttl: number;
  private readonly serial: number;

  constructor(
    private readonly view: ClusterView,
    opts: ResolverOptions,
  ) {
    this.zone = opts.zone.toLowerCase().replace(/\.$/, '');
    this.ttl = opts.ttl ?? DEFAULT_TTL;
    this.serial = opts.serial ?? Math.floor(Date.now() / 1000);
  }

  private soa(zone: string): Answer {
    return {
      name: zone,
      type: 'SOA',
      ttl: this.ttl,
      class: 'IN',
      data: { mname: `ns.dns.${this.zone}`, rname: `hostmaster.${this.zone}`, serial: this.serial, refresh: 7200, retry: 1800, expire: 86400, minimum: this.ttl },
    };
  }

  private rr(name: string, type: RecordType, data: any): Answer {
    return { name, type, ttl: this.ttl, class: 'IN', data } as Answer;
  }

  private result(rcode: Rcode, answers: Answer[] = [], additionals: Answer[] = [], soaZone = this.zone): Resolution {
    // NXDOMAIN and NODATA carry the SOA of the zone (negative caching, RFC 2308)
    const authorities = rcode === 'NXDOMAIN' || (rcode === 'NOERROR' && answers.length === 0) ? [this.soa(soaZone)] : [];
    return { rcode, aa: true, answers, authorities, additionals };
  }

  resolve(q: { name: string; type: string; class?: string }): Resolution {
    const qname = q.name.replace(/\.$/, '');
    const name = qname.toLowerCase();
    if (q.class && q.class !== 'IN' && q.class !== 'ANY') return { rcode: 'REFUSED', aa: false, answers: [], authorities: [], additionals: [] };
    if (name.endsWith('.in-addr.arpa') || name === 'in-addr.arpa') return this.reverse(qname, name, q.type);
    if (name !== this.zone && !name.endsWith(`.${this.zone}`)) return { rcode: 'REFUSED', aa: false, answers: [], authorities: [], additionals: [] };
    return this.forward(qname, name, q.type, 0);
  }

  private forward(qname: string, name: string, type: string, depth: number): Resolution {
    const rel = name === this.zone ? [] : name.slice(0, -(this.zone.length + 1)).split('.');
    const z = this.zone;
    if (rel.length === 0) {
      if (type === 'SOA') return this.result('NOERROR', [{ ...this.soa(z), name: qname }]);
      if (type === 'NS') return this.result('NOERROR', [this.rr(qname, 'NS', `ns.dns.${z}`)]);
      return this.result('NOERROR');
    }
    if (rel.length === 1 && rel[0] === 'dns-version') {
      return this.result('NOERROR', type === 'TXT' || type === 'ANY' ? [this.rr(qname, 'TXT', DNS_SCHEMA_VERSION)] : []);
    }
    const kind = rel[rel.length - 1];
    if (kind === 'pod') return this.pod(qname, rel, type);
    if (kind !== 'svc') return this.result('NXDOMAIN');
    if (rel.length === 1) return this.result('NOERROR');
    const ns = rel[rel.length - 2];
    if (!this.view.namespaceExists(ns)) return this.result('NXDOMAIN');
    if (rel.length === 2) return this.result('NOERROR');
    const svc = this.view.service(ns, rel[rel.length - 3]);
    if (!svc) return this.result('NXDOMAIN');
    const svcName = `${svc.metadata.name}.${ns}.svc.${z}`;
    if (rel.length === 3) return this.serviceRecords(qname, svc, svcName, type, depth);
    if (rel.length === 4) return this.endpointRecords(qname, svc, svcName, rel[0], type);
    if (rel.length === 5 && rel[0].startsWith('_') && rel[1].startsWith('_')) return this.srv(qname, svc, svcName, rel[0].slice(1), rel[1].slice(1), type);
    return this.result('NXDOMAIN');
  }

  // <svc>.<ns>.svc.<zone>
  private serviceRecords(qname: string, svc: any, svcName: string, type: string, depth: number): Resolution {
    if (svc.spec?.type === 'ExternalName') {
      const target = String(svc.spec.externalName ?? '').replace(/\.$/, '');
      if (!target) return this.result('NXDOMAIN');
      const cname = this.rr(qname, 'CNAME', target);
      const t = target.toLowerCase();
      // a target inside the zone is followed (CoreDNS does it through its own zone)
      if (type !== 'CNAME' && depth < 8 && (t === this.zone || t.endsWith(`.${this.zone}`))) {
        const next = this.forward(target, t, type, depth + 1);
        return { ...next, answers: [cname, ...next.answers], authorities: next.answers.length ? [] : next.authorities };
      }
      return this.result('NOERROR', [cname]);
    }
    // stored data may hold anything (a null port from an older version): skip what is not a port
    const ports: any[] = Array.isArray(svc.spec?.ports) ? svc.spec.ports.filter((p: any) => typeof p?.port === 'number') : [];
    if (!isHeadless(svc)) {
      const ips = serviceIPs(svc);
      if (type === 'A' || type === 'AAAA' || type === 'ANY') {
        const want = ips.filter((ip) => type === 'ANY' || isIPv6(ip) === (type === 'AAAA'));
        return this.result('NOERROR', want.map((ip) => this.rr(qname, isIPv6(ip) ? 'AAAA' : 'A', ip)));
      }
      if (type === 'SRV') {
        const w = Math.floor(100 / Math.max(1, ports.length));
        const answers = ports.map((p) => this.rr(qname, 'SRV', { priority: 0, weight: w, port: p.port, target: svcName }));
        return this.result('NOERROR', answers, answers.length ? this.addresses(svcName, ips) : []);
      }
      return this.result('NOERROR');
    }
    const eps = this.view.readyEndpoints(svc.metadata.namespace, svc.metadata.name);
    if (eps.length === 0) return this.result('NXDOMAIN');
    if (type === 'A' || type === 'AAAA' || type === 'ANY') {
      const want = eps.filter((e) => type === 'ANY' || isIPv6(e.ip) === (type === 'AAAA'));
      return this.result('NOERROR', want.map((e) => this.rr(qname, isIPv6(e.ip) ? 'AAAA' : 'A', e.ip)));
    }
    if (type === 'SRV') return this.endpointSRV(qname, svcName, eps, () => true);
    return this.result('NOERROR');
  }

  private endpointSRV(qname: string, svcName: string, eps: ReadyEndpoint[], match: (p: { name: string; protocol: string }) => boolean): Resolution {
    const pairs: [ReadyEndpoint, number][] = [];
    for (const e of eps) for (const p of e.ports) if (match(p) && typeof p.port === 'number') pairs.push([e, p.port]);
    if (pairs.length === 0) return this.result('NXDOMAIN');
    const w = Math.floor(100 / pairs.length);
    const answers = pairs.map(([e, port]) => this.rr(qname, 'SRV', { priority: 0, weight: w, port, target: `${e.hostname}.${svcName}` }));
    const seen = new Set<string>();
    const additionals: Answer[] = [];
    for (const [e] of pairs) {
      if (seen.has(e.ip)) continue;
      seen.add(e.ip);
      additionals.push(...this.addresses(`${e.hostname}.${svcName}`, [e.ip]));
    }
    return this.result('NOERROR', answers, additionals);
  }

  private addresses(name: string, ips: string[]): Answer[] {
    return ips.map((ip) => this.rr(name, isIPv6(ip) ? 'AAAA' : 'A', ip));
  }

  // <endpoint>.<svc>.<ns>.svc.<zone>
  private endpointRecords(qname: string, svc: any, _svcName: string, label: string, type: string): Resolution {
    if (svc.spec?.type === 'ExternalName') return this.result('NXDOMAIN');
    const eps = this.view.readyEndpoints(svc.metadata.namespace, svc.metadata.name).filter((e) => e.hostname.toLowerCase() === label);
    if (eps.length === 0) return this.result('NXDOMAIN');
    const want = eps.filter((e) => type === 'ANY' || ((type === 'A' || type === 'AAAA') && isIPv6(e.ip) === (type === 'AAAA')));
    return this.result('NOERROR', want.map((e) => this.rr(qname, isIPv6(e.ip) ? 'AAAA' : 'A', e.ip)));
  }

  // _<port>._<proto>.<svc>.<ns>.svc.<zone>
  private srv(qname: string, svc: any, svcName: string, port: string, proto: string, type: string): Resolution {
    if (svc.spec?.type === 'ExternalName') return this.result('NXDOMAIN');
    const match = (p: { name?: string; protocol?: string } | null) => typeof p?.name === 'string' && !!p.name && p.name.toLowerCase() === port && (p.protocol ?? 'TCP').toLowerCase() === proto;
    if (!isHeadless(svc)) {
      const ports = (Array.isArray(svc.spec?.ports) ? svc.spec.ports : []).filter(match);
      if (ports.length === 0) return this.result('NXDOMAIN');
      if (type !== 'SRV' && type !== 'ANY') return this.result('NOERROR');
      const w = Math.floor(100 / ports.length);
      const answers = ports.map((p: any) => this.rr(qname, 'SRV', { priority: 0, weight: w, port: p.port, target: svcName }));
      return this.result('NOERROR', answers, this.addresses(svcName, serviceIPs(svc)));
    }
    const eps = this.view.readyEndpoints(svc.metadata.namespace, svc.metadata.name);
    const r = this.endpointSRV(qname, svcName, eps, match);
    if (r.rcode === 'NOERROR' && type !== 'SRV' && type !== 'ANY') return this.result('NOERROR');
    return r;
  }

  // <a-b-c-d>.<ns>.pod.<zone> ("pods insecure": any well-formed IP in an existing namespace)
  private pod(qname: string, rel: string[], type: string): Resolution {
    if (rel.length === 1) return this.result('NOERROR');
    const ns = rel[rel.length - 2];
    if (!this.view.namespaceExists(ns)) return this.result('NXDOMAIN');
    if (rel.length === 2) return this.result('NOERROR');
    if (rel.length !== 3) return this.result('NXDOMAIN');
    const ip = rel[0].replace(/-/g, '.');
    if (!IPV4.test(ip)) return this.result('NXDOMAIN');
    return this.result('NOERROR', type === 'A' || type === 'ANY' ? [this.rr(qname, 'A', ip)] : []);
  }

  // <d>.<c>.<b>.<a>.in-addr.arpa
  private reverse(qname: string, name: string, type: string): Resolution {
    const parts = name === 'in-addr.arpa' ? [] : name.slice(0, -'.in-addr.arpa'.length).split('.');
    if (parts.length < 4 && parts.every((p) => /^\d{1,3}$/.test(p))) return this.result('NOERROR', [], [], 'in-addr.arpa');
    const ip = parts.length === 4 ? [...parts].reverse().join('.') : '';
    if (!IPV4.test(ip)) return this.result('NXDOMAIN', [], [], 'in-addr.arpa');
    const names = this.view.reverse(ip, this.zone);
    if (names.length === 0) return this.result('NXDOMAIN', [], [], 'in-addr.arpa');
    return this.result('NOERROR', type === 'PTR' || type === 'ANY' ? names.map((n) => this.rr(qname, 'PTR', n)) : [], [], 'in-addr.arpa');
  }
}
