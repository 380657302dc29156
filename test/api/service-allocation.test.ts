// Service ClusterIP and NodePort allocation as upstream's allocators do it
// (pkg/registry/core/service/ipallocator, portallocator, storage/alloc.go): the range excludes the
// network and broadcast addresses, default/kubernetes holds the first one, dynamic allocation
// prefers the upper band, and a create or update that fails gives back what it reserved.
import { afterEach, describe, expect, it } from 'vitest';
import request from 'supertest';
import type { KubeEmulator } from '../../src/server/app.js';
import { startServer } from '../helpers/server.js';
import { calculateRangeOffset, ipToInt } from '../../src/resources/core/ipallocator.js';

let emu: KubeEmulator | undefined;
afterEach(async () => {
  await emu?.close();
  emu = undefined;
});
const api = () => request(emu!.app.server);
const SVCS = '/api/v1/namespaces/default/services';
const svc = (name: string, spec: Record<string, unknown> = {}) => ({ apiVersion: 'v1', kind: 'Service', metadata: { name }, spec: { ports: [{ port: 80 }], ...spec } });

/** Creates Services until the server refuses one; returns the IPs given and the refusal. */
async function fill(prefix: string): Promise<{ ips: string[]; refusal: any }> {
  const ips: string[] = [];
  for (let i = 0; i < 300; i++) {
    const res = await api().post(SVCS).send(svc(`${prefix}-${i}`));
    if (res.status !== 201) return { ips, refusal: res };
    ips.push(res.body.spec.clusterIP);
  }
  throw new Error('the range never filled');
}

describe('ClusterIP allocation', () => {
  it('calculateRangeOffset as upstream: min(max(16, size/16), 256), none for 16 addresses or fewer', () => {
    expect([8, 16, 32, 256, 4096, 1 << 20].map((n) => calculateRangeOffset(n))).toEqual([0, 0, 16, 16, 256, 256]);
    expect(calculateRangeOffset(2768, 32, 128)).toBe(86); // the default NodePort range 30000-32767
  });

  it('a /27 with failed duplicate creates still fits exactly as many Services as upstream (28 after one)', async () => {
    emu = await startServer({ serviceCIDR: '10.0.0.0/27' });
    await api().post(SVCS).send(svc('dup')).expect(201);
    for (let i = 0; i < 10; i++) {
      const res = await api().post(SVCS).send(svc('dup')).expect(409);
      expect(res.body.reason).toBe('AlreadyExists');
    }
    // and invalid ones, refused after admission would have run
    const { ips, refusal } = await fill('s');
    // 32 addresses - network - broadcast - kubernetes (10.0.0.1) - dup = 28
    expect(ips).toHaveLength(28);
    expect(refusal.status).toBe(500);
    expect(refusal.body).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'Internal error occurred: failed to allocate a serviceIP: range is full',
      reason: 'InternalError',
      details: { causes: [{ message: 'failed to allocate a serviceIP: range is full' }] },
      code: 500,
    });
  });

  it('a /29 never hands out addresses outside its range, and answers upstream\'s error when full', async () => {
    emu = await startServer({ serviceCIDR: '192.168.7.8/29' });
    const { ips, refusal } = await fill('t');
    // 192.168.7.8 is the network, .15 the broadcast, .9 the kubernetes Service's
    expect([...ips].sort()).toEqual(['192.168.7.10', '192.168.7.11', '192.168.7.12', '192.168.7.13', '192.168.7.14']);
    expect(refusal.status).toBe(500);
    expect(refusal.body.message).toBe('Internal error occurred: failed to allocate a serviceIP: range is full');
    // a requested network or broadcast address is not in the range
    const bad = await api().post(SVCS).send(svc('net', { clusterIP: '192.168.7.15' })).expect(422);
    expect(bad.body.message).toBe(
      'Service "net" is invalid: spec.clusterIPs: Invalid value: []string{"192.168.7.15"}: failed to allocate IP 192.168.7.15: the provided IP (192.168.7.15) is not in the valid range. The range of valid IPs is 192.168.7.8/29',
    );
    // deleting one frees exactly one
    await api().delete(`${SVCS}/t-0`).expect(200);
    const again = await api().post(SVCS).send(svc('again')).expect(201);
    expect(again.body.spec.clusterIP).toBe(ips[0]);
  });

  it('dynamic allocation prefers the upper band; requested IPs take the lower one', async () => {
    emu = await startServer({ serviceCIDR: '10.1.0.0/24' }); // 256 addresses: the static band is the first 16
    const first = ipToInt('10.1.0.1');
    for (let i = 0; i < 20; i++) {
      const res = await api().post(SVCS).send(svc(`d-${i}`)).expect(201);
      expect(ipToInt(res.body.spec.clusterIP) - first).toBeGreaterThanOrEqual(16);
    }
    const stat = await api().post(SVCS).send(svc('static', { clusterIP: '10.1.0.5' })).expect(201);
    expect(stat.body.spec.clusterIPs).toEqual(['10.1.0.5']);
    const taken = await api().post(SVCS).send(svc('static2', { clusterIP: '10.1.0.5' })).expect(422);
    expect(taken.body.message).toBe('Service "static2" is invalid: spec.clusterIPs: Invalid value: []string{"10.1.0.5"}: failed to allocate IP 10.1.0.5: provided IP is already allocated');
  });

  it('once the upper band is full, dynamic allocation takes the lower band', async () => {
    emu = await startServer({ serviceCIDR: '10.2.0.0/27' }); // offsets 16..29 upper, 0..15 lower
    const first = ipToInt('10.2.0.1');
    const { ips } = await fill('u');
    const offs = ips.map((ip) => ipToInt(ip) - first);
    expect(offs.slice(0, 14).every((o) => o >= 16)).toBe(true);
    expect(offs.slice(14).every((o) => o >= 1 && o < 16)).toBe(true);
  });

  it('dry-run creates and updates reserve nothing', async () => {
    emu = await startServer({ serviceCIDR: '10.3.0.0/29' }); // 5 free after kubernetes
    for (let i = 0; i < 10; i++) await api().post(`${SVCS}?dryRun=All`).send(svc(`dry-${i}`)).expect(201);
    await api().post(SVCS).send(svc('ext', { type: 'ExternalName', externalName: 'example.com', ports: undefined })).expect(201);
    // ExternalName -> ClusterIP as a dry run: an IP is shown, none is kept
    const cur = (await api().get(`${SVCS}/ext`).expect(200)).body;
    for (let i = 0; i < 10; i++) {
      const res = await api()
        .put(`${SVCS}/ext?dryRun=All`)
        .send({ ...cur, spec: { type: 'ClusterIP', ports: [{ port: 80 }] } });
      expect(res.status, res.text).toBe(200);
      expect(res.body.spec.clusterIP).toMatch(/^10\.3\.0\.[2-6]$/);
    }
    const { ips } = await fill('w');
    expect(ips).toHaveLength(5);
  });
});

describe('NodePort allocation', () => {
  it('failed duplicate creates and failed updates leak no node port; a dropped port is released', async () => {
    emu = await startServer({});
    const np = await api().post(SVCS).send(svc('np', { type: 'NodePort' })).expect(201);
    const port = np.body.spec.ports[0].nodePort;
    for (let i = 0; i < 5; i++) await api().post(SVCS).send(svc('np', { type: 'NodePort', ports: [{ port: 80, nodePort: 31000 + i }] })).expect(409);
    // the ports the failed creates asked for are free again
    for (let i = 0; i < 5; i++) {
      const res = await api().post(SVCS).send(svc(`np-${i}`, { type: 'NodePort', ports: [{ port: 80, nodePort: 31000 + i }] }));
      expect(res.status, res.text).toBe(201);
    }
    // NodePort -> ClusterIP gives the port back
    const cur = (await api().get(`${SVCS}/np`).expect(200)).body;
    await api()
      .put(`${SVCS}/np`)
      .send({ ...cur, spec: { ...cur.spec, type: 'ClusterIP', ports: [{ port: 80, protocol: 'TCP', targetPort: 80 }] } })
      .expect(200);
    const reuse = await api().post(SVCS).send(svc('np-reuse', { type: 'NodePort', ports: [{ port: 80, nodePort: port }] }));
    expect(reuse.status, reuse.text).toBe(201);
    const taken = await api().post(SVCS).send(svc('np-taken', { type: 'NodePort', ports: [{ port: 80, nodePort: port }] })).expect(422);
    expect(taken.body.message).toBe(`Service "np-taken" is invalid: spec.ports[0].nodePort: Invalid value: ${port}: provided port is already allocated`);
  });
});
