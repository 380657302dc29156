// E2E (real kubectl 1.33 and 1.29, full cluster): Services get ClusterIPs in 10.96.0.0/12 (the
// default/kubernetes one at 10.96.0.1), a requested clusterIP is honoured and a taken or foreign one
// refused with upstream's message, NodePorts come from 30000-32767, and Endpoints/EndpointSlices
// list the selected pods (a never-ready pod as not ready); `kubectl describe svc` shows the ready
// endpoints, read from Endpoints by 1.29 and from EndpointSlices by 1.33.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Kubectl, availableKubectls } from '../helpers/kubectl.js';
import { byName, describeFields, fixture, inCIDR, lines, pollGet, records, startCluster, type Cluster } from './fixtures/net/util.js';

const CIDR = '10.96.0.0/12';
const svcYAML = (name: string, spec: string) => `apiVersion: v1\nkind: Service\nmetadata:\n  name: ${name}\n  namespace: net\nspec:\n${spec}`;

describe.each(availableKubectls([33, 29]))('kubectl 1.$minor: services, endpoints, endpointslices', ({ minor, bin }) => {
  let c: Cluster;
  let k: Kubectl;
  const podIP: Record<string, string> = {};

  beforeAll(async () => {
    c = await startCluster();
    k = new Kubectl(bin, c.emu.url);
  });
  afterAll(async () => {
    await c?.emu.close();
  });

  it('default/kubernetes is at 10.96.0.1', async () => {
    const svc = byName(await k.ok(['get', 'svc', '-n', 'default']));
    expect(svc.kubernetes).toMatchObject({ TYPE: 'ClusterIP', 'CLUSTER-IP': '10.96.0.1', 'EXTERNAL-IP': '<none>', 'PORT(S)': '443/TCP' });
  });

  it('apply web.yaml: a ClusterIP in range and a headless service; pods Running, the lazy one 0/1', async () => {
    expect(lines(await k.ok(['apply', '-f', fixture('web.yaml')]))).toEqual([
      'namespace/net created',
      'pod/web-a created',
      'pod/web-b created',
      'pod/web-lazy created',
      'service/web created',
      'service/web-headless created',
    ]);
    const svcs = byName(await k.ok(['get', 'svc', '-n', 'net']));
    expect(svcs.web).toMatchObject({ TYPE: 'ClusterIP', 'EXTERNAL-IP': '<none>', 'PORT(S)': '80/TCP' });
    expect(inCIDR(svcs.web['CLUSTER-IP'], CIDR)).toBe(true);
    expect(svcs.web['CLUSTER-IP']).not.toBe('10.96.0.1');
    expect(svcs['web-headless']).toMatchObject({ TYPE: 'ClusterIP', 'CLUSTER-IP': 'None', 'PORT(S)': '80/TCP' });
    const pods = await pollGet(
      k,
      ['get', 'pods', '-n', 'net', '-o', 'wide'],
      (r) => ['web-a', 'web-b', 'web-lazy'].every((n) => r[n]?.STATUS === 'Running' && r[n].IP !== '<none>') && r['web-a'].READY === '1/1' && r['web-b'].READY === '1/1',
      'pods Running',
    );
    expect(pods['web-lazy'].READY).toBe('0/1');
    for (const n of ['web-a', 'web-b', 'web-lazy']) podIP[n] = pods[n].IP;
    expect(new Set(Object.values(podIP)).size).toBe(3);
  });

  it('get endpoints: the ready pods, the lazy one under notReadyAddresses', async () => {
    const want = [podIP['web-a'], podIP['web-b']].map((ip) => `${ip}:8080`).sort();
    const eps = await pollGet(k, ['get', 'endpoints', '-n', 'net'], (r) => r.web?.ENDPOINTS.split(',').sort().join() === want.join(), 'endpoints of web');
    expect(eps['web-headless'].ENDPOINTS.split(',').sort()).toEqual(want);
    const ep = JSON.parse(await k.ok(['get', 'endpoints', '-n', 'net', 'web', '-o', 'json']));
    expect(ep.subsets).toHaveLength(1);
    const s = ep.subsets[0];
    expect(s.ports).toEqual([{ name: 'http', port: 8080, protocol: 'TCP' }]);
    expect(s.addresses.map((a: { ip: string }) => a.ip).sort()).toEqual([podIP['web-a'], podIP['web-b']].sort());
    expect(s.notReadyAddresses).toEqual([expect.objectContaining({ ip: podIP['web-lazy'], nodeName: 'kube-emulator-node', targetRef: expect.objectContaining({ kind: 'Pod', name: 'web-lazy', namespace: 'net' }) })]);
  });

  it('get endpointslices: every pod, the lazy one not ready', async () => {
    const all = [podIP['web-a'], podIP['web-b'], podIP['web-lazy']].sort();
    const out = await pollGet(
      k,
      ['get', 'endpointslices', '-n', 'net', '-l', 'kubernetes.io/service-name=web'],
      (r) => Object.values(r).some((x) => x.ENDPOINTS?.split(',').sort().join() === all.join()),
      'endpointslice of web',
    );
    const [name, row] = Object.entries(out)[0];
    expect(name).toMatch(/^web-[a-z0-9]{5}$/);
    expect(row).toMatchObject({ ADDRESSTYPE: 'IPv4', PORTS: '8080' });
    const slice = JSON.parse(await k.ok(['get', 'endpointslices', '-n', 'net', name, '-o', 'json']));
    expect(slice.metadata.labels).toMatchObject({ 'kubernetes.io/service-name': 'web', 'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io' });
    expect(slice.metadata.ownerReferences).toEqual([expect.objectContaining({ kind: 'Service', name: 'web', controller: true })]);
    expect(slice.ports).toEqual([{ name: 'http', port: 8080, protocol: 'TCP' }]);
    const cond = Object.fromEntries(slice.endpoints.map((e: { targetRef: { name: string }; conditions: unknown }) => [e.targetRef.name, e.conditions]));
    expect(cond['web-a']).toEqual({ ready: true, serving: true, terminating: false });
    expect(cond['web-lazy']).toEqual({ ready: false, serving: false, terminating: false });
    const hs = records(await k.ok(['get', 'endpointslices', '-n', 'net', '-l', 'kubernetes.io/service-name=web-headless']));
    expect(hs).toHaveLength(1);
    expect(hs[0].ENDPOINTS.split(',').sort()).toEqual(all);
  });

  it(`describe svc shows the ready Endpoints (read from ${minor >= 33 ? 'EndpointSlices' : 'Endpoints'})`, async () => {
    const r = await k.run(['describe', 'svc', '-n', 'net', 'web', '-v=6']);
    expect(r.code).toBe(0);
    const f = describeFields(r.stdout);
    expect(f).toMatchObject({ Name: 'web', Namespace: 'net', Selector: 'app=web', Type: 'ClusterIP', Port: 'http  80/TCP', TargetPort: 'http/TCP' });
    expect(f.Endpoints.split(',').sort()).toEqual([podIP['web-a'], podIP['web-b']].map((ip) => `${ip}:8080`).sort());
    const urls = [...r.stderr.matchAll(/(?:GET |url=")(http[^"\s]+)/g)].map((m) => m[1].replace(c.emu.url, ''));
    if (minor >= 33) expect(urls).toContain('/apis/discovery.k8s.io/v1/namespaces/net/endpointslices?labelSelector=kubernetes.io%2Fservice-name%3Dweb');
    else expect(urls).toContain('/api/v1/namespaces/net/endpoints/web');
  });

  it('a requested clusterIP is honoured; a taken one is refused', async () => {
    expect(await k.ok(['create', 'service', 'clusterip', 'fixed', '-n', 'net', '--tcp=80', '--clusterip=10.96.100.100'])).toBe('service/fixed created\n');
    expect(byName(await k.ok(['get', 'svc', '-n', 'net'])).fixed['CLUSTER-IP']).toBe('10.96.100.100');
    const taken = await k.run(['create', '-f', '-'], { input: svcYAML('taken', '  clusterIP: 10.96.100.100\n  ports: [{port: 80}]\n') });
    expect(taken.code).toBe(1);
    expect(taken.stderr).toBe('The Service "taken" is invalid: spec.clusterIPs: Invalid value: []string{"10.96.100.100"}: failed to allocate IP 10.96.100.100: provided IP is already allocated\n');
    const foreign = await k.run(['create', '-f', '-'], { input: svcYAML('foreign', '  clusterIP: 10.200.0.5\n  ports: [{port: 80}]\n') });
    expect(foreign.stderr).toBe(
      'The Service "foreign" is invalid: spec.clusterIPs: Invalid value: []string{"10.200.0.5"}: failed to allocate IP 10.200.0.5: the provided IP (10.200.0.5) is not in the valid range. The range of valid IPs is 10.96.0.0/12\n',
    );
    expect(byName(await k.ok(['get', 'svc', '-n', 'net'])).taken).toBeUndefined();
    // deleting the service frees its address
    await k.ok(['delete', 'svc', '-n', 'net', 'fixed']);
    expect(await k.ok(['create', '-f', '-'], { input: svcYAML('taken', '  clusterIP: 10.96.100.100\n  ports: [{port: 80}]\n') })).toBe('service/taken created\n');
  });

  it('NodePort services get ports in 30000-32767; a requested one is honoured, a taken one refused', async () => {
    expect(await k.ok(['create', 'service', 'nodeport', 'np', '-n', 'net', '--tcp=80:8080'])).toBe('service/np created\n');
    const np = byName(await k.ok(['get', 'svc', '-n', 'net'])).np;
    expect(np.TYPE).toBe('NodePort');
    expect(inCIDR(np['CLUSTER-IP'], CIDR)).toBe(true);
    const m = /^80:(\d+)\/TCP$/.exec(np['PORT(S)']);
    expect(m).not.toBeNull();
    expect(Number(m![1])).toBeGreaterThanOrEqual(30000);
    expect(Number(m![1])).toBeLessThanOrEqual(32767);
    expect(await k.ok(['create', 'service', 'nodeport', 'np2', '-n', 'net', '--tcp=80:8080', '--node-port=30080'])).toBe('service/np2 created\n');
    expect(byName(await k.ok(['get', 'svc', '-n', 'net'])).np2['PORT(S)']).toBe('80:30080/TCP');
    const taken = await k.run(['create', '-f', '-'], { input: svcYAML('np3', '  type: NodePort\n  ports: [{port: 80, nodePort: 30080}]\n') });
    expect(taken.stderr).toBe('The Service "np3" is invalid: spec.ports[0].nodePort: Invalid value: 30080: provided port is already allocated\n');
    const out = await k.run(['create', '-f', '-'], { input: svcYAML('np4', '  type: NodePort\n  ports: [{port: 80, nodePort: 20080}]\n') });
    expect(out.stderr).toBe('The Service "np4" is invalid: spec.ports[0].nodePort: Invalid value: 20080: provided port is not in the valid range. The range of valid ports is 30000-32767\n');
  });

  it('a deleted pod leaves the endpoints and the slice', async () => {
    await k.ok(['delete', 'pod', '-n', 'net', 'web-b']);
    const eps = await pollGet(k, ['get', 'endpoints', '-n', 'net'], (r) => r.web?.ENDPOINTS === `${podIP['web-a']}:8080`, 'web-b gone from endpoints');
    expect(eps['web-headless'].ENDPOINTS).toBe(`${podIP['web-a']}:8080`);
    await pollGet(
      k,
      ['get', 'endpointslices', '-n', 'net', '-l', 'kubernetes.io/service-name=web'],
      (r) => Object.values(r).some((x) => x.ENDPOINTS.split(',').sort().join() === [podIP['web-a'], podIP['web-lazy']].sort().join()),
      'web-b gone from the slice',
    );
  });
});
