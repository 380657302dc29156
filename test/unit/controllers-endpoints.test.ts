// Endpoints and EndpointSlice controllers: headless StatefulSet-like pods, readiness, named ports,
// publishNotReadyAddresses, terminating pods, placeholders and cleanup with the service.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { startServer, testControllerOptions, untilSettled } from '../helpers/server.js';
import type { KubeEmulator } from '../../src/server/app.js';
import { ControllerManager } from '../../src/controllers/manager.js';
import { endpointsController, repackSubsets } from '../../src/controllers/network/endpoints.js';
import { endpointSliceController } from '../../src/controllers/network/endpointslice.js';
import type { KObject, ResourceDef } from '../../src/resources/types.js';

let emu: KubeEmulator;
let mgr: ControllerManager;
let podDef: ResourceDef, svcDef: ResourceDef, epDef: ResourceDef, esDef: ResourceDef;
const NS = 'net';

beforeAll(async () => {
  emu = await startServer({ controllers: [] });
  const opts = testControllerOptions();
  mgr = new ControllerManager(emu.registry, emu.logger, opts, [endpointsController(), endpointSliceController()]);
  expect(mgr.start(['*'])).toEqual(['endpoints', 'endpointslice']);
  const r = emu.registry;
  [podDef, svcDef, epDef, esDef] = [r.mustDef('', 'pods'), r.mustDef('', 'services'), r.mustDef('', 'endpoints'), r.mustDef('discovery.k8s.io', 'endpointslices')];
  r.create(r.mustDef('', 'namespaces'), '', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
  r.create(r.mustDef('', 'nodes'), '', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'node-1', labels: { 'topology.kubernetes.io/zone': 'zone-a' } } });
});

afterAll(async () => {
  mgr.stop();
  await emu.close();
});

const until = <T>(get: () => T | undefined | false, ms?: number): Promise<T> => untilSettled(mgr, get, ms);

function makePod(name: string, labels: Record<string, string>, extra: KObject = {}): KObject {
  return emu.registry.create(podDef, NS, {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, labels },
    spec: { nodeName: 'node-1', containers: [{ name: 'c', image: 'nginx', ports: [{ name: 'http', containerPort: 8080 }] }], ...extra },
  }).object;
}

function setStatus(name: string, ip: string, ready: boolean): void {
  emu.registry.modify(
    podDef,
    NS,
    name,
    (p) => {
      p.status = {
        ...p.status,
        phase: 'Running',
        podIP: ip,
        podIPs: [{ ip }],
        conditions: [{ type: 'Ready', status: ready ? 'True' : 'False', lastTransitionTime: '2025-01-02T03:04:05Z' }],
      };
    },
    { subresource: 'status' },
  );
}

const slicesOf = (svc: string) =>
  (emu.registry.list(esDef, NS, { labelSelector: `kubernetes.io/service-name=${svc}` }).items as KObject[]).filter((s) => !s.metadata.deletionTimestamp);

describe('headless service over StatefulSet-like pods', () => {
  let svc: KObject;
  beforeAll(async () => {
    svc = emu.registry.create(svcDef, NS, {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'web', labels: { app: 'web' } },
      spec: { clusterIP: 'None', selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 'http' }] },
    }).object;
    for (const i of [0, 1, 2]) makePod(`web-${i}`, { app: 'web' }, { hostname: `web-${i}`, subdomain: 'web' });
    for (const i of [0, 1, 2]) setStatus(`web-${i}`, `10.244.0.${10 + i}`, i !== 2);
  });

  it('Endpoints: ready pods in addresses with hostname, the not-ready one in notReadyAddresses, named port resolved', async () => {
    const ep = await until(() => {
      const e = emu.registry.tryGet(epDef, NS, 'web');
      return e?.subsets?.[0]?.addresses?.length === 2 && e.subsets[0].notReadyAddresses?.length === 1 && e;
    });
    const addr = (i: number) => ({
      ip: `10.244.0.${10 + i}`,
      hostname: `web-${i}`,
      nodeName: 'node-1',
      targetRef: { kind: 'Pod', namespace: NS, name: `web-${i}`, uid: emu.registry.get(podDef, NS, `web-${i}`).metadata.uid },
    });
    expect(ep.subsets).toEqual([{ addresses: [addr(0), addr(1)], notReadyAddresses: [addr(2)], ports: [{ name: 'http', port: 8080, protocol: 'TCP' }] }]);
    expect(ep.metadata.labels).toEqual({ app: 'web', 'service.kubernetes.io/headless': '' });
    expect(ep.metadata.annotations['endpoints.kubernetes.io/last-change-trigger-time']).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
  });

  it('EndpointSlice: every pod with conditions, zone, hostname, owner and labels', async () => {
    const [slice] = await until(() => {
      const s = slicesOf('web');
      return s.length === 1 && s[0].endpoints?.length === 3 && s;
    });
    expect(slice.metadata.name).toMatch(/^web-[a-z0-9]{5}$/);
    expect(slice.metadata.generateName).toBe('web-');
    expect(slice.addressType).toBe('IPv4');
    expect(slice.metadata.labels).toEqual({
      app: 'web',
      'kubernetes.io/service-name': 'web',
      'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io',
      'service.kubernetes.io/headless': '',
    });
    expect(slice.metadata.ownerReferences).toEqual([{ apiVersion: 'v1', kind: 'Service', name: 'web', uid: svc.metadata.uid, controller: true, blockOwnerDeletion: true }]);
    expect(slice.ports).toEqual([{ name: 'http', port: 8080, protocol: 'TCP' }]);
    const byName = Object.fromEntries(slice.endpoints.map((e: any) => [e.targetRef.name, e]));
    expect(byName['web-0']).toEqual({
      addresses: ['10.244.0.10'],
      conditions: { ready: true, serving: true, terminating: false },
      hostname: 'web-0',
      nodeName: 'node-1',
      zone: 'zone-a',
      targetRef: { kind: 'Pod', namespace: NS, name: 'web-0', uid: emu.registry.get(podDef, NS, 'web-0').metadata.uid },
    });
    expect(byName['web-2'].conditions).toEqual({ ready: false, serving: false, terminating: false });
  });

  it('an unrelated pod change writes nothing', async () => {
    await until(() => slicesOf('web')[0]?.endpoints?.length === 3);
    const epRV = emu.registry.get(epDef, NS, 'web').metadata.resourceVersion;
    const esRV = slicesOf('web')[0].metadata.resourceVersion;
    emu.registry.modify(podDef, NS, 'web-0', (p) => {
      p.metadata.annotations = { touched: 'yes' };
    });
    await mgr.settled();
    expect(emu.registry.get(epDef, NS, 'web').metadata.resourceVersion).toBe(epRV);
    expect(slicesOf('web')[0].metadata.resourceVersion).toBe(esRV);
  });

  it('publishNotReadyAddresses lists every pod as ready (no hostname: another subdomain)', async () => {
    emu.registry.create(svcDef, NS, {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'web-all' },
      spec: { clusterIP: 'None', publishNotReadyAddresses: true, selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 8081 }] },
    });
    const ep = await until(() => emu.registry.tryGet(epDef, NS, 'web-all')?.subsets?.[0]?.addresses?.length === 3 && emu.registry.get(epDef, NS, 'web-all'));
    expect(ep.subsets[0].notReadyAddresses).toBeUndefined();
    expect(ep.subsets[0].addresses.map((a: any) => a.hostname)).toEqual([undefined, undefined, undefined]);
    expect(ep.subsets[0].ports).toEqual([{ name: 'http', port: 8081, protocol: 'TCP' }]);
    const [slice] = await until(() => slicesOf('web-all')[0]?.endpoints?.length === 3 && slicesOf('web-all'));
    expect(slice.endpoints.every((e: any) => e.conditions.ready === true)).toBe(true);
  });

  it('a terminating pod leaves Endpoints and is marked terminating in the slice', async () => {
    const res = emu.registry.delete(podDef, NS, 'web-1', { gracePeriodSeconds: 30 });
    expect(res.deleted).toBe(false);
    const ep = await until(() => {
      const e = emu.registry.get(epDef, NS, 'web');
      return e.subsets?.[0]?.addresses?.length === 1 && e;
    });
    expect(ep.subsets[0].addresses[0].hostname).toBe('web-0');
    const e1 = await until(() => slicesOf('web')[0]?.endpoints?.find((e: any) => e.targetRef.name === 'web-1' && e.conditions.terminating));
    expect(e1.conditions).toEqual({ ready: false, serving: true, terminating: true });
    // publishNotReadyAddresses keeps terminating pods in Endpoints
    const all = emu.registry.get(epDef, NS, 'web-all');
    expect(all.subsets[0].addresses.map((a: any) => a.targetRef.name)).toContain('web-1');
  });

  it('Endpoints and slices go with the service', async () => {
    emu.registry.delete(svcDef, NS, 'web-all');
    await until(() => !emu.registry.tryGet(epDef, NS, 'web-all') && slicesOf('web-all').length === 0);
  });
});

describe('services with a ClusterIP', () => {
  it('numeric and named target ports, a pod without the named port, and a placeholder slice', async () => {
    emu.registry.create(svcDef, NS, {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'api' },
      spec: { selector: { app: 'api' }, ports: [{ name: 'http', port: 80, targetPort: 'http' }, { name: 'metrics', port: 9090 }] },
    });
    const [placeholder] = await until(() => slicesOf('api').length === 1 && slicesOf('api'));
    expect(placeholder.endpoints).toBeNull();
    expect(placeholder.ports).toBeNull();
    expect(emu.registry.get(epDef, NS, 'api').subsets).toBeUndefined();
    expect(emu.registry.get(epDef, NS, 'api').metadata.labels).toBeUndefined();

    makePod('api-a', { app: 'api' });
    makePod('api-b', { app: 'api' }, { containers: [{ name: 'c', image: 'nginx' }] });
    setStatus('api-a', '10.244.1.1', true);
    setStatus('api-b', '10.244.1.2', true);
    const ep = await until(() => {
      const e = emu.registry.get(epDef, NS, 'api');
      return e.subsets?.length === 2 && e;
    });
    // http is offered by api-a only, metrics by both: one subset per address set (RepackSubsets)
    expect(ep.subsets).toEqual([
      { addresses: [expect.objectContaining({ ip: '10.244.1.1' })], ports: [{ name: 'http', port: 8080, protocol: 'TCP' }] },
      { addresses: [expect.objectContaining({ ip: '10.244.1.1' }), expect.objectContaining({ ip: '10.244.1.2' })], ports: [{ name: 'metrics', port: 9090, protocol: 'TCP' }] },
    ]);
    // slices: one per port set; the placeholder was reused
    const slices = await until(() => slicesOf('api').length === 2 && slicesOf('api').every((s) => s.endpoints?.length === 1) && slicesOf('api'));
    expect(slices.map((s) => s.metadata.name)).toContain(placeholder.metadata.name);
    expect(slices.every((s) => !('service.kubernetes.io/headless' in s.metadata.labels))).toBe(true);
  });

  it('a headless service without ports gets subsets without ports', async () => {
    emu.registry.create(svcDef, NS, { apiVersion: 'v1', kind: 'Service', metadata: { name: 'bare' }, spec: { clusterIP: 'None', selector: { app: 'api' } } });
    const ep = await until(() => emu.registry.tryGet(epDef, NS, 'bare')?.subsets?.[0]?.addresses?.length === 2 && emu.registry.get(epDef, NS, 'bare'));
    expect(ep.subsets).toEqual([{ addresses: [expect.objectContaining({ ip: '10.244.1.1' }), expect.objectContaining({ ip: '10.244.1.2' })] }]);
    const [slice] = await until(() => slicesOf('bare')[0]?.endpoints?.length === 2 && slicesOf('bare'));
    expect(slice.ports).toBeNull();
  });

  it('more than 100 endpoints are spread over several slices', async () => {
    emu.registry.create(svcDef, NS, { apiVersion: 'v1', kind: 'Service', metadata: { name: 'many' }, spec: { selector: { app: 'many' }, ports: [{ port: 80 }] } });
    for (let i = 0; i < 130; i++) {
      makePod(`many-${i}`, { app: 'many' });
      setStatus(`many-${i}`, `10.245.${Math.floor(i / 200)}.${(i % 200) + 1}`, true);
    }
    const slices = await until(() => {
      const s = slicesOf('many');
      return s.reduce((n, x) => n + (x.endpoints?.length ?? 0), 0) === 130 && s;
    });
    expect(slices.length).toBe(2);
    expect(slices.every((s) => s.endpoints.length <= 100)).toBe(true);
  });
});

describe('repackSubsets', () => {
  it('groups addresses by port set, not-ready wins, sorted by IP', () => {
    const a = (ip: string) => ({ ip });
    const p80 = { name: 'a', port: 80, protocol: 'TCP' };
    const p81 = { name: 'b', port: 81, protocol: 'TCP' };
    const out = repackSubsets([
      { addresses: [a('10.0.0.2')], ports: [p80] },
      { addresses: [a('10.0.0.1')], ports: [p80] },
      { addresses: [a('10.0.0.1')], ports: [p81] },
      { notReadyAddresses: [a('10.0.0.2')], ports: [p81] },
      { addresses: [a('10.0.0.2')], ports: [p81] },
    ]);
    expect(out).toEqual([{ addresses: [a('10.0.0.1'), a('10.0.0.2')], ports: [p80] }, { addresses: [a('10.0.0.1')], notReadyAddresses: [a('10.0.0.2')], ports: [p81] }]);
  });
});
