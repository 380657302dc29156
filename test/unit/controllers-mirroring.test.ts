// EndpointSlice mirroring: a user's Endpoints of a selector-less Service become EndpointSlices
// owned by the Endpoints; they follow updates and go when the Service gains a selector or the
// Endpoints / Service is deleted; skip-mirror Endpoints and selector Services are left alone.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { startServer, testControllerOptions, untilSettled } from '../helpers/server.js';
import type { KubeEmulator } from '../../src/server/app.js';
import { ControllerManager } from '../../src/controllers/manager.js';
import { endpointSliceMirroringController, desiredMirrorSlices, MIRRORING_CONTROLLER_NAME } from '../../src/controllers/network/mirroring.js';
import type { KObject, ResourceDef } from '../../src/resources/types.js';

let emu: KubeEmulator;
let mgr: ControllerManager;
let svcDef: ResourceDef, epDef: ResourceDef, esDef: ResourceDef;
const NS = 'mirror';

beforeAll(async () => {
  emu = await startServer({ controllers: [] });
  const opts = testControllerOptions();
  mgr = new ControllerManager(emu.registry, emu.logger, opts, [endpointSliceMirroringController()]);
  expect(mgr.start(['*'])).toEqual(['endpointslicemirroring']);
  const r = emu.registry;
  [svcDef, epDef, esDef] = [r.mustDef('', 'services'), r.mustDef('', 'endpoints'), r.mustDef('discovery.k8s.io', 'endpointslices')];
  r.create(r.mustDef('', 'namespaces'), '', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
});

afterAll(async () => {
  mgr.stop();
  await emu.close();
});

const until = <T>(get: () => T | undefined | false, ms?: number): Promise<T> => untilSettled(mgr, get, ms);

const slicesOf = (name: string): KObject[] =>
  (emu.registry.list(esDef, NS).items as KObject[]).filter((s) => s.metadata.labels?.['kubernetes.io/service-name'] === name);

function endpoints(name: string, subsets: KObject[], labels?: Record<string, string>): KObject {
  return emu.registry.create(epDef, NS, { apiVersion: 'v1', kind: 'Endpoints', metadata: { name, labels, annotations: { team: 'a' } }, subsets }).object;
}

describe('desiredMirrorSlices', () => {
  it('groups by address type and port set, ready and not ready', () => {
    const d = desiredMirrorSlices({
      metadata: { name: 'x' },
      subsets: [
        { addresses: [{ ip: '10.0.0.1', nodeName: 'n1' }], notReadyAddresses: [{ ip: '10.0.0.2' }], ports: [{ name: 'http', port: 80 }] },
        { addresses: [{ ip: 'fd00::1' }, { ip: '10.0.0.1' }], ports: [{ name: 'http', port: 80, protocol: 'TCP' }] },
      ],
    });
    expect(d.map((s) => [s.addressType, s.endpoints.map((e) => [e.addresses[0], e.conditions.ready])])).toEqual([
      ['IPv4', [['10.0.0.1', true], ['10.0.0.2', false]]],
      ['IPv6', [['fd00::1', true]]],
    ]);
    expect(d[0].ports).toEqual([{ name: 'http', port: 80, protocol: 'TCP' }]);
    expect(d[0].endpoints[0].nodeName).toBe('n1');
  });
});

describe('endpointslicemirroring controller', () => {
  it('mirrors the Endpoints of a selector-less Service', async () => {
    emu.registry.create(svcDef, NS, { apiVersion: 'v1', kind: 'Service', metadata: { name: 'ext' }, spec: { ports: [{ name: 'http', port: 80 }] } });
    const ep = endpoints('ext', [{ addresses: [{ ip: '192.168.9.9' }], ports: [{ name: 'http', port: 8080 }] }], { app: 'ext' });
    const [s] = await until(() => slicesOf('ext').length === 1 && slicesOf('ext'));
    expect(s.metadata.name).toMatch(/^ext-[a-z0-9]{5}$/);
    expect(s.metadata.labels).toEqual({ app: 'ext', 'kubernetes.io/service-name': 'ext', 'endpointslice.kubernetes.io/managed-by': MIRRORING_CONTROLLER_NAME });
    expect(s.metadata.annotations).toEqual({ team: 'a' });
    expect(s.metadata.ownerReferences).toEqual([{ apiVersion: 'v1', kind: 'Endpoints', name: 'ext', uid: ep.metadata.uid, controller: true, blockOwnerDeletion: true }]);
    expect(s.addressType).toBe('IPv4');
    expect(s.ports).toEqual([{ name: 'http', port: 8080, protocol: 'TCP' }]);
    expect(s.endpoints).toEqual([{ addresses: ['192.168.9.9'], conditions: { ready: true } }]);
  });

  it('follows updates, settles, and cleans up when the Service gains a selector', async () => {
    emu.registry.modify(epDef, NS, 'ext', (e) => {
      e.subsets = [{ addresses: [{ ip: '192.168.9.9' }, { ip: '192.168.9.10' }], ports: [{ name: 'http', port: 8080 }] }];
    });
    await until(() => slicesOf('ext')[0]?.endpoints?.length === 2);
    const rv = slicesOf('ext')[0].metadata.resourceVersion;
    await mgr.settled();
    expect(slicesOf('ext')[0].metadata.resourceVersion).toBe(rv);
    emu.registry.modify(svcDef, NS, 'ext', (s) => {
      s.spec.selector = { app: 'ext' };
    });
    await until(() => slicesOf('ext').length === 0);
  });

  it('removes the slices with the Endpoints; ignores skip-mirror and selector services', async () => {
    emu.registry.create(svcDef, NS, { apiVersion: 'v1', kind: 'Service', metadata: { name: 'gone' }, spec: { ports: [{ port: 80 }] } });
    endpoints('gone', [{ addresses: [{ ip: '192.168.1.1' }], ports: [{ port: 80 }] }]);
    await until(() => slicesOf('gone').length === 1);
    emu.registry.delete(epDef, NS, 'gone');
    await until(() => slicesOf('gone').length === 0);

    emu.registry.create(svcDef, NS, { apiVersion: 'v1', kind: 'Service', metadata: { name: 'skip' }, spec: { ports: [{ port: 80 }] } });
    endpoints('skip', [{ addresses: [{ ip: '192.168.1.2' }], ports: [{ port: 80 }] }], { 'endpointslice.kubernetes.io/skip-mirror': 'true' });
    emu.registry.create(svcDef, NS, { apiVersion: 'v1', kind: 'Service', metadata: { name: 'sel' }, spec: { selector: { a: 'b' }, ports: [{ port: 80 }] } });
    endpoints('sel', [{ addresses: [{ ip: '192.168.1.3' }], ports: [{ port: 80 }] }]);
    await mgr.settled();
    expect(slicesOf('skip')).toEqual([]);
    expect(slicesOf('sel')).toEqual([]);
  });
});
