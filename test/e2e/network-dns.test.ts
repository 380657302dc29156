// E2E (real kubectl 1.33 and 1.29 to build the cluster, `dig` to query it): the cluster DNS of a
// full emulated cluster. Walkthrough step 9: sts-pod-contoller-0.sts-service.sts.svc.cluster.local
// is pod 0's IP; plus A for a ClusterIP service, the headless A list (ready pods only), SRV for
// named ports, NXDOMAIN with the zone's SOA, PTR for service and pod IPs, and answers that follow
// scaling. Skipped loudly without dig (CI installs dnsutils).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Kubectl, availableKubectls } from '../helpers/kubectl.js';
import { PV_YAML, STS_YAML, byName, dig, digAvailable, fixture, pollGet, poll, startCluster, type Cluster, type Dig } from './fixtures/net/util.js';

const hasDig = digAvailable('test/e2e/network-dns.test.ts');
const Z = 'svc.cluster.local';
const pod = (i: number) => `sts-pod-contoller-${i}`;
const podName = (i: number) => `${pod(i)}.sts-service.sts.${Z}`;

describe.skipIf(!hasDig).each(availableKubectls([33, 29]))('kubectl 1.$minor + dig: cluster DNS', ({ bin }) => {
  let c: Cluster;
  let k: Kubectl;
  let d: Dig;
  const ip: Record<string, string> = {};
  let webIP = '';

  beforeAll(async () => {
    c = await startCluster();
    k = new Kubectl(bin, c.emu.url);
    d = dig(c.dnsPort);
    await k.ok(['apply', '-f', PV_YAML]);
    await k.ok(['apply', '-f', STS_YAML]);
    await k.ok(['apply', '-f', fixture('web.yaml')]);
    const ready = (r: Record<string, string> | undefined) => r?.STATUS === 'Running' && r.IP !== '<none>';
    const sts = await pollGet(k, ['get', 'pods', '-n', 'sts', '-o', 'wide'], (r) => ready(r[pod(0)]) && ready(r[pod(1)]) && r[pod(1)].READY === '1/1', 'sts pods Running', 15_000);
    const net = await pollGet(k, ['get', 'pods', '-n', 'net', '-o', 'wide'], (r) => ['web-a', 'web-b', 'web-lazy'].every((n) => ready(r[n])) && r['web-b'].READY === '1/1' && r['web-a'].READY === '1/1', 'web pods Running');
    for (const [n, r] of Object.entries({ ...sts, ...net })) ip[n] = r.IP;
    webIP = byName(await k.ok(['get', 'svc', '-n', 'net'])).web['CLUSTER-IP'];
  });
  afterAll(async () => {
    await c?.emu.close();
  });

  it("walkthrough step 9: a StatefulSet pod's name is its IP (UDP and TCP)", async () => {
    // the endpoint controllers publish asynchronously: wait for the first answer
    await poll(async () => (await d.short(podName(0), 'A')).length > 0, 'pod 0 in DNS');
    expect(await d.short(podName(0), 'A')).toEqual([ip[pod(0)]]);
    expect(await d.short(podName(1), 'A')).toEqual([ip[pod(1)]]);
    expect(await d.short('+tcp', podName(0), 'A')).toEqual([ip[pod(0)]]);
    const raw = await d.raw('+noall', '+answer', podName(0), 'A');
    expect(raw.trim()).toMatch(new RegExp(`^${podName(0).replace(/\./g, '\\.')}\\.\\s+\\d+\\s+IN\\s+A\\s+${ip[pod(0)].replace(/\./g, '\\.')}$`));
  });

  it('headless service: one A per ready endpoint', async () => {
    expect(await d.short(`sts-service.sts.${Z}`, 'A')).toEqual([ip[pod(0)], ip[pod(1)]].sort());
    await poll(async () => (await d.short(`web-headless.net.${Z}`, 'A')).length === 2, 'web-headless in DNS');
    // web-lazy never becomes ready: not published
    expect(await d.short(`web-headless.net.${Z}`, 'A')).toEqual([ip['web-a'], ip['web-b']].sort());
  });

  it('ClusterIP service: its address; kubernetes.default is 10.96.0.1', async () => {
    expect(await d.short(`web.net.${Z}`, 'A')).toEqual([webIP]);
    expect(await d.short(`kubernetes.default.${Z}`, 'A')).toEqual(['10.96.0.1']);
    expect(await d.status(`web.net.${Z}`, 'A')).toBe('NOERROR');
  });

  it('SRV: _http._tcp of the headless and the ClusterIP service', async () => {
    expect(await d.short(`_http._tcp.sts-service.sts.${Z}`, 'SRV')).toEqual([`0 50 80 ${podName(0)}.`, `0 50 80 ${podName(1)}.`]);
    expect(await d.short(`_http._tcp.web.net.${Z}`, 'SRV')).toEqual([`0 100 80 web.net.${Z}.`]);
    const raw = await d.raw('+noall', '+additional', `_http._tcp.sts-service.sts.${Z}`, 'SRV');
    expect(raw).toContain(ip[pod(0)]);
    expect(raw).toContain(ip[pod(1)]);
  });

  it('NXDOMAIN for a missing service, a missing pod and a missing namespace, with the SOA', async () => {
    for (const name of [`missing.sts.${Z}`, `${pod(9)}.sts-service.sts.${Z}`, `web.nowhere.${Z}`]) expect(await d.status(name, 'A')).toBe('NXDOMAIN');
    const raw = await d.raw('+noall', '+authority', `missing.sts.${Z}`, 'A');
    expect(raw).toMatch(/^cluster\.local\.\s+\d+\s+IN\s+SOA\s+\S+\s+\S+\s+\d+ 7200 1800 86400 \d+$/m);
    // an existing name without that type is NODATA (NOERROR, no answers)
    expect(await d.status(`web.net.${Z}`, 'AAAA')).toBe('NOERROR');
    expect(await d.short(`web.net.${Z}`, 'AAAA')).toEqual([]);
  });

  it('PTR for a service IP and a StatefulSet pod IP', async () => {
    expect(await d.short('-x', webIP)).toEqual([`web.net.${Z}.`]);
    expect(await d.short('-x', '10.96.0.1')).toEqual([`kubernetes.default.${Z}.`]);
    expect(await d.short('-x', ip[pod(0)])).toEqual([`${podName(0)}.`]);
  });

  it('answers follow the cluster: scaling adds and removes pod names', async () => {
    await k.ok(['scale', '--replicas=3', '-n', 'sts', 'statefulset', 'sts-pod-contoller']);
    const pods = await pollGet(k, ['get', 'pods', '-n', 'sts', '-o', 'wide'], (r) => r[pod(2)]?.READY === '1/1', 'pod 2 Ready', 15_000);
    await poll(async () => (await d.short(podName(2), 'A')).join() === pods[pod(2)].IP, 'pod 2 in DNS');
    expect(await d.short(`sts-service.sts.${Z}`, 'A')).toEqual([ip[pod(0)], ip[pod(1)], pods[pod(2)].IP].sort());
    await k.ok(['scale', '--replicas=1', '-n', 'sts', 'statefulset', 'sts-pod-contoller']);
    await poll(async () => (await d.status(podName(1), 'A')) === 'NXDOMAIN', 'pod 1 gone from DNS', 15_000);
    expect(await d.short(`sts-service.sts.${Z}`, 'A')).toEqual([ip[pod(0)]]);
    await k.ok(['delete', 'svc', '-n', 'net', 'web']);
    await poll(async () => (await d.status(`web.net.${Z}`, 'A')) === 'NXDOMAIN', 'deleted service gone from DNS');
  });
});
