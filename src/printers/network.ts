// Services, Endpoints and EndpointSlices (pkg/printers/internalversion/printers.go:
// printService, getServiceExternalIP, makePortString, formatEndpoints, printEndpointSlice).
import type { KObject, TablePrinter } from '../resources/types.js';
import { AGE_COLUMN, NAME_COLUMN, age, col, formatLabels, joinHostPort, listWithMore } from './format.js';

/** Load-balancer ingress IPs (or hostnames), sorted and deduplicated; never truncated server-side. */
function loadBalancerIngress(svc: KObject): string[] {
  const ingress = svc.status?.loadBalancer?.ingress;
  const set = new Set<string>();
  if (Array.isArray(ingress)) {
    for (const i of ingress) {
      if (i?.ip) set.add(i.ip);
      else if (i?.hostname) set.add(i.hostname);
    }
  }
  return [...set].sort();
}

/** The External-IP cell of a service. */
export function serviceExternalIP(svc: KObject): string {
  const spec = svc.spec ?? {};
  const externalIPs: string[] = Array.isArray(spec.externalIPs) ? spec.externalIPs : [];
  switch (spec.type) {
    case 'ClusterIP':
    case 'NodePort':
      return externalIPs.length > 0 ? externalIPs.join(',') : '<none>';
    case 'LoadBalancer': {
      const lb = loadBalancerIngress(svc);
      if (externalIPs.length > 0) return [...lb, ...externalIPs].join(',');
      return lb.length > 0 ? lb.join(',') : '<pending>';
    }
    case 'ExternalName':
      return spec.externalName ?? '';
    default:
      return '<unknown>';
  }
}

/** The Port(s) cell: `port/PROTO` or `port:nodePort/PROTO`, `<none>` when there are none. */
export function servicePorts(svc: KObject): string {
  const ports = svc.spec?.ports;
  if (!Array.isArray(ports) || ports.length === 0) return '<none>';
  return ports
    .map((p) => {
      const proto = p?.protocol ?? '';
      return p?.nodePort > 0 ? `${p.port}:${p.nodePort}/${proto}` : `${p?.port ?? 0}/${proto}`;
    })
    .join(',');
}

export const servicePrinter: TablePrinter = {
  columns: [
    NAME_COLUMN,
    col('Type', 'How the service is exposed (ClusterIP, NodePort, LoadBalancer, ExternalName).'),
    col('Cluster-IP', 'The virtual IP assigned inside the cluster.'),
    col('External-IP', 'Addresses reachable from outside the cluster.'),
    col('Port(s)', 'The ports the service exposes, with node ports when allocated.'),
    AGE_COLUMN,
    col('Selector', 'The pod labels this service routes to.', { priority: 1 }),
  ],
  row(svc, now) {
    const spec = svc.spec ?? {};
    const clusterIPs = spec.clusterIPs;
    const clusterIP = Array.isArray(clusterIPs) && clusterIPs.length > 0 ? clusterIPs[0] : '<none>';
    return [
      svc.metadata?.name ?? '',
      spec.type ?? '',
      clusterIP,
      serviceExternalIP(svc),
      servicePorts(svc),
      age(svc, now),
      formatLabels(spec.selector),
    ];
  },
};

/** The Endpoints cell: up to three `ip:port`, then ` + N more...`; `<none>` without subsets. */
export function formatEndpoints(ep: KObject): string {
  const subsets = ep.subsets;
  if (!Array.isArray(subsets) || subsets.length === 0) return '<none>';
  const list: string[] = [];
  const max = 3;
  let more = false;
  let count = 0;
  for (const ss of subsets) {
    const addresses: KObject[] = Array.isArray(ss?.addresses) ? ss.addresses : [];
    const ports: KObject[] = Array.isArray(ss?.ports) ? ss.ports : [];
    if (ports.length === 0) {
      count += addresses.length;
      for (const a of addresses) {
        if (list.length === max) {
          more = true;
          break;
        }
        list.push(a?.ip ?? '');
      }
      continue;
    }
    for (const port of ports) {
      count += addresses.length;
      for (const a of addresses) {
        if (list.length === max) {
          more = true;
          break;
        }
        list.push(joinHostPort(a?.ip ?? '', port?.port ?? 0));
      }
    }
  }
  const ret = list.join(',');
  return more ? `${ret} + ${count - max} more...` : ret;
}

export const endpointsPrinter: TablePrinter = {
  columns: [NAME_COLUMN, col('Endpoints', 'Ready addresses with their ports.'), AGE_COLUMN],
  row(ep, now) {
    return [ep.metadata?.name ?? '', formatEndpoints(ep), age(ep, now)];
  },
};

function discoveryPorts(ports: unknown): string {
  const list: string[] = [];
  const max = 3;
  let more = false;
  let count = 0;
  if (Array.isArray(ports)) {
    for (const p of ports) {
      if (list.length < max) {
        let num = '*';
        if (p?.port !== undefined && p?.port !== null) num = String(p.port);
        else if (p?.name !== undefined && p?.name !== null) num = p.name;
        list.push(num);
      } else if (list.length === max) {
        more = true;
      }
      count++;
    }
  }
  return listWithMore(list, more, count, max);
}

function discoveryEndpoints(endpoints: unknown): string {
  const list: string[] = [];
  const max = 3;
  let more = false;
  let count = 0;
  if (Array.isArray(endpoints)) {
    for (const e of endpoints) {
      for (const a of Array.isArray(e?.addresses) ? e.addresses : []) {
        if (list.length < max) list.push(a);
        else if (list.length === max) more = true;
        count++;
      }
    }
  }
  return listWithMore(list, more, count, max);
}

export const endpointSlicePrinter: TablePrinter = {
  columns: [
    NAME_COLUMN,
    col('AddressType', 'The kind of addresses in this slice (IPv4, IPv6, FQDN).'),
    col('Ports', 'The ports of the slice, up to three.'),
    col('Endpoints', 'Endpoint addresses, up to three.'),
    AGE_COLUMN,
  ],
  row(es, now) {
    return [es.metadata?.name ?? '', es.addressType ?? '', discoveryPorts(es.ports), discoveryEndpoints(es.endpoints), age(es, now)];
  },
};
