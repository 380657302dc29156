// Cluster DNS over UDP and TCP: ClusterIP A/SRV/PTR, headless A lists and pod hostnames, SRV per
// endpoint, ExternalName CNAME, pod A records, NXDOMAIN / NODATA / REFUSED, truncation.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { createSocket } from 'node:dgram';
import { connect } from 'node:net';
import { decode, encode, RECURSION_DESIRED, type DecodedPacket } from 'dns-packet';
import { startServer } from '../helpers/server.js';
import type { KubeEmulator } from '../../src/server/app.js';
import { startDNSServer, type DNSServer } from '../../src/dns/server.js';

let emu: KubeEmulator;
let dns: DNSServer;
let apiIP: string;
const NS = 'dnsns';
type Reply = DecodedPacket & { rcode: string };

function query(name: string, type: string, edns = false): Buffer {
  return encode({
    type: 'query',
    id: Math.floor(Math.random() * 65535),
    flags: RECURSION_DESIRED,
    questions: [{ name, type: type as any, class: 'IN' }],
    additionals: edns ? [{ name: '.', type: 'OPT', udpPayloadSize: 4096, flags: 0, options: [] } as any] : [],
  });
}

function udp(name: string, type: string, edns = false): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const s = createSocket('udp4');
    const t = setTimeout(() => (s.close(), reject(new Error('udp timeout'))), 2000);
    s.on('message', (m) => {
      clearTimeout(t);
      s.close();
      resolve(decode(m) as Reply);
    });
    s.send(query(name, type, edns), dns.port, '127.0.0.1');
  });
}

function tcp(names: [string, string][]): Promise<Reply[]> {
  return new Promise((resolve, reject) => {
    const c = connect(dns.port, '127.0.0.1');
    const out: Reply[] = [];
    let buf = Buffer.alloc(0);
    c.on('connect', () => {
      // all queries in one write: the server must split them by their length prefixes
      const msgs = names.map(([n, t]) => {
        const q = query(n, t);
        const f = Buffer.alloc(2 + q.length);
        f.writeUInt16BE(q.length, 0);
        q.copy(f, 2);
        return f;
      });
      c.write(Buffer.concat(msgs));
    });
    c.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        out.push(decode(buf.subarray(2, 2 + buf.readUInt16BE(0))) as Reply);
        buf = buf.subarray(2 + buf.readUInt16BE(0));
      }
      if (out.length === names.length) {
        c.end();
        resolve(out);
      }
    });
    c.on('error', reject);
  });
}

const data = (r: Reply) => (r.answers ?? []).map((a: any) => a.data);

beforeAll(async () => {
  emu = await startServer({ controllers: [] });
  const r = emu.registry;
  const svc = r.mustDef('', 'services');
  const es = r.mustDef('discovery.k8s.io', 'endpointslices');
  r.create(r.mustDef('', 'namespaces'), '', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
  const api = r.create(svc, NS, {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'api' },
    spec: { selector: { app: 'api' }, ports: [{ name: 'http', port: 80 }, { name: 'dns', port: 53, protocol: 'UDP' }] },
  }).object;
  apiIP = api.spec.clusterIP;
  r.create(svc, NS, { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web' }, spec: { clusterIP: 'None', selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 8080 }] } });
  r.create(svc, NS, { apiVersion: 'v1', kind: 'Service', metadata: { name: 'empty' }, spec: { clusterIP: 'None', selector: { app: 'none' } } });
  r.create(svc, NS, { apiVersion: 'v1', kind: 'Service', metadata: { name: 'ext' }, spec: { type: 'ExternalName', externalName: 'www.example.com' } });
  r.create(svc, NS, { apiVersion: 'v1', kind: 'Service', metadata: { name: 'alias' }, spec: { type: 'ExternalName', externalName: `api.${NS}.svc.cluster.local` } });
  const ep = (ip: string, ready: boolean, hostname?: string) => ({ addresses: [ip], conditions: { ready, serving: ready, terminating: false }, ...(hostname ? { hostname } : {}) });
  r.create(es, NS, {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: 'web-abcde', labels: { 'kubernetes.io/service-name': 'web' } },
    addressType: 'IPv4',
    ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
    endpoints: [ep('10.244.0.10', true, 'web-0'), ep('10.244.0.11', true, 'web-1'), ep('10.244.0.12', false, 'web-2'), ep('10.244.0.13', true)],
  });
  dns = await startDNSServer({ informers: emu.controllers.informers, host: '127.0.0.1', port: 0, logger: emu.logger });
});

afterAll(async () => {
  await dns?.close();
  await emu?.close();
});

describe('cluster DNS', () => {
  it('A for a ClusterIP service (authoritative, TTL 5, case-insensitive)', async () => {
    const r = await udp(`API.${NS}.svc.cluster.local`, 'A');
    expect(r.rcode).toBe('NOERROR');
    expect(r.flag_aa).toBe(true);
    expect(r.flag_ra).toBe(false);
    expect(r.answers).toEqual([expect.objectContaining({ name: `API.${NS}.svc.cluster.local`, type: 'A', ttl: 5, data: apiIP })]);
    const k = await udp('kubernetes.default.svc.cluster.local.', 'A');
    expect(data(k)).toEqual(['10.96.0.1']);
  });

  it('headless: one A per ready endpoint, and pod hostnames', async () => {
    const r = await udp(`web.${NS}.svc.cluster.local`, 'A');
    expect(data(r).sort()).toEqual(['10.244.0.10', '10.244.0.11', '10.244.0.13']);
    expect(data(await udp(`web-0.web.${NS}.svc.cluster.local`, 'A'))).toEqual(['10.244.0.10']);
    // an endpoint without hostname is named after its IP
    expect(data(await udp(`10-244-0-13.web.${NS}.svc.cluster.local`, 'A'))).toEqual(['10.244.0.13']);
    // not ready: no record
    expect((await udp(`web-2.web.${NS}.svc.cluster.local`, 'A')).rcode).toBe('NXDOMAIN');
    // no ready endpoints at all
    expect((await udp(`empty.${NS}.svc.cluster.local`, 'A')).rcode).toBe('NXDOMAIN');
  });

  it('SRV: ClusterIP targets the service, headless one per endpoint with the endpoint port', async () => {
    const r = await udp(`_http._tcp.api.${NS}.svc.cluster.local`, 'SRV');
    expect(data(r)).toEqual([{ priority: 0, weight: 100, port: 80, target: `api.${NS}.svc.cluster.local` }]);
    expect(r.additionals?.find((a: any) => a.type === 'A')).toMatchObject({ name: `api.${NS}.svc.cluster.local`, data: apiIP });
    expect(data(await udp(`_dns._udp.api.${NS}.svc.cluster.local`, 'SRV'))).toEqual([{ priority: 0, weight: 100, port: 53, target: `api.${NS}.svc.cluster.local` }]);
    expect((await udp(`_dns._tcp.api.${NS}.svc.cluster.local`, 'SRV')).rcode).toBe('NXDOMAIN');
    const h = await udp(`_http._tcp.web.${NS}.svc.cluster.local`, 'SRV');
    expect(data(h)).toEqual([
      { priority: 0, weight: 33, port: 8080, target: `10-244-0-13.web.${NS}.svc.cluster.local` },
      { priority: 0, weight: 33, port: 8080, target: `web-0.web.${NS}.svc.cluster.local` },
      { priority: 0, weight: 33, port: 8080, target: `web-1.web.${NS}.svc.cluster.local` },
    ]);
    expect(h.additionals?.filter((a: any) => a.type === 'A').length).toBe(3);
  });

  it('PTR for service IPs and endpoint IPs', async () => {
    const rev = apiIP.split('.').reverse().join('.') + '.in-addr.arpa';
    expect(data(await udp(rev, 'PTR'))).toEqual([`api.${NS}.svc.cluster.local`]);
    expect(data(await udp('10.0.244.10.in-addr.arpa', 'PTR'))).toEqual([`web-0.web.${NS}.svc.cluster.local`]);
    expect((await udp('9.9.9.10.in-addr.arpa', 'PTR')).rcode).toBe('NXDOMAIN');
  });

  it('CNAME for ExternalName services, followed inside the zone', async () => {
    const r = await udp(`ext.${NS}.svc.cluster.local`, 'A');
    expect(r.rcode).toBe('NOERROR');
    expect(r.answers).toEqual([expect.objectContaining({ type: 'CNAME', data: 'www.example.com' })]);
    const a = await udp(`alias.${NS}.svc.cluster.local`, 'A');
    expect(a.answers?.map((x: any) => [x.type, x.data])).toEqual([
      ['CNAME', `api.${NS}.svc.cluster.local`],
      ['A', apiIP],
    ]);
  });

  it('NXDOMAIN and NODATA carry the SOA; REFUSED outside the zone', async () => {
    const nx = await udp(`nope.${NS}.svc.cluster.local`, 'A');
    expect(nx.rcode).toBe('NXDOMAIN');
    expect(nx.flag_aa).toBe(true);
    expect(nx.authorities).toEqual([expect.objectContaining({ name: 'cluster.local', type: 'SOA', data: expect.objectContaining({ mname: 'ns.dns.cluster.local', rname: 'hostmaster.cluster.local' }) })]);
    expect((await udp(`api.nonamespace.svc.cluster.local`, 'A')).rcode).toBe('NXDOMAIN');
    const nodata = await udp(`api.${NS}.svc.cluster.local`, 'AAAA');
    expect(nodata.rcode).toBe('NOERROR');
    expect(nodata.answers).toEqual([]);
    expect(nodata.authorities?.[0]?.type).toBe('SOA');
    expect((await udp(`${NS}.svc.cluster.local`, 'A')).rcode).toBe('NOERROR');
    const soa = await udp('cluster.local', 'SOA');
    expect(soa.answers?.[0]).toMatchObject({ type: 'SOA', ttl: 5 });
    expect(data(await udp('dns-version.cluster.local', 'TXT'))).toEqual([[Buffer.from('1.1.0')]]);
    const out = await udp('example.com', 'A');
    expect(out.rcode).toBe('REFUSED');
    expect(out.flag_aa).toBe(false);
  });

  it('pod A records (pods insecure)', async () => {
    expect(data(await udp(`10-1-2-3.${NS}.pod.cluster.local`, 'A'))).toEqual(['10.1.2.3']);
    expect((await udp(`10-1-2-3.nonamespace.pod.cluster.local`, 'A')).rcode).toBe('NXDOMAIN');
    expect((await udp(`bad.${NS}.pod.cluster.local`, 'A')).rcode).toBe('NXDOMAIN');
  });

  it('EDNS: the reply carries an OPT record', async () => {
    const r = await udp(`api.${NS}.svc.cluster.local`, 'A', true);
    expect(r.additionals?.some((a: any) => a.type === 'OPT')).toBe(true);
  });

  it('TCP: several length-prefixed queries on one connection', async () => {
    const [a, b, c] = await tcp([
      [`api.${NS}.svc.cluster.local`, 'A'],
      [`web-1.web.${NS}.svc.cluster.local`, 'A'],
      ['example.org', 'A'],
    ]);
    expect(data(a)).toEqual([apiIP]);
    expect(data(b)).toEqual(['10.244.0.11']);
    expect(c.rcode).toBe('REFUSED');
  });

  it('UDP answers over 512 bytes are truncated (TC) without EDNS; TCP carries them whole', async () => {
    const r = emu.registry;
    r.create(r.mustDef('', 'services'), NS, { apiVersion: 'v1', kind: 'Service', metadata: { name: 'big' }, spec: { clusterIP: 'None', selector: { app: 'big' } } });
    const endpoints = Array.from({ length: 60 }, (_, i) => ({ addresses: [`10.250.0.${i + 1}`], conditions: { ready: true } }));
    r.create(r.mustDef('discovery.k8s.io', 'endpointslices'), NS, {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { name: 'big-1', labels: { 'kubernetes.io/service-name': 'big' } },
      addressType: 'IPv4',
      ports: null,
      endpoints,
    });
    const u = await udp(`big.${NS}.svc.cluster.local`, 'A');
    expect(u.flag_tc).toBe(true);
    expect(u.answers).toEqual([]);
    expect(data(await udp(`big.${NS}.svc.cluster.local`, 'A', true)).length).toBe(60);
    const [t] = await tcp([[`big.${NS}.svc.cluster.local`, 'A']]);
    expect(t.flag_tc).toBe(false);
    expect(data(t).length).toBe(60);
  });

  it('follows the caches: a new service resolves at once', async () => {
    expect((await udp(`late.${NS}.svc.cluster.local`, 'A')).rcode).toBe('NXDOMAIN');
    const s = emu.registry.create(emu.registry.mustDef('', 'services'), NS, { apiVersion: 'v1', kind: 'Service', metadata: { name: 'late' }, spec: { ports: [{ port: 1 }] } }).object;
    expect(data(await udp(`late.${NS}.svc.cluster.local`, 'A'))).toEqual([s.spec.clusterIP]);
  });
});
