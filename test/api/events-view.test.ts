// events.k8s.io/v1 Events are the core/v1 Events in another version (one stored object, one uid and
// resourceVersion), converted as pkg/apis/events/v1/conversion.go does.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import type { KubeEmulator } from '../../src/server/app.js';
import { openWatch, startBare } from './util.js';

let emu: KubeEmulator;
const api = () => request(emu.app.server);

beforeAll(async () => {
  emu = await startBare();
});
afterAll(async () => {
  await emu.close();
});

const coreEvent = (name: string, involved: string) => ({
  apiVersion: 'v1',
  kind: 'Event',
  metadata: { name },
  involvedObject: { kind: 'Pod', namespace: 'default', name: involved, apiVersion: 'v1' },
  reason: 'Started',
  message: `Started container ${involved}`,
  type: 'Normal',
  source: { component: 'kubelet', host: 'node-1' },
  firstTimestamp: '2026-01-01T00:00:00Z',
  lastTimestamp: '2026-01-01T00:00:05Z',
  count: 3,
  reportingComponent: 'kubelet',
  reportingInstance: 'node-1',
});

describe('events.k8s.io/v1 over core/v1 Events', () => {
  it('a core Event reads back as events.k8s.io/v1 with the same uid and resourceVersion', async () => {
    const created = (await api().post('/api/v1/namespaces/default/events').send(coreEvent('e1', 'web-0')).expect(201)).body;
    const v1 = (await api().get('/apis/events.k8s.io/v1/namespaces/default/events/e1').expect(200)).body;
    expect(v1).toMatchObject({
      apiVersion: 'events.k8s.io/v1',
      kind: 'Event',
      metadata: { name: 'e1', uid: created.metadata.uid, resourceVersion: created.metadata.resourceVersion },
      regarding: { kind: 'Pod', name: 'web-0' },
      note: 'Started container web-0',
      reason: 'Started',
      type: 'Normal',
      deprecatedSource: { component: 'kubelet', host: 'node-1' },
      deprecatedFirstTimestamp: '2026-01-01T00:00:00Z',
      deprecatedLastTimestamp: '2026-01-01T00:00:05Z',
      deprecatedCount: 3,
      reportingController: 'kubelet',
      reportingInstance: 'node-1',
    });
    expect(v1.message).toBeUndefined();
    expect(v1.involvedObject).toBeUndefined();
  });

  it('an events.k8s.io Event is listed by the core API', async () => {
    await api()
      .post('/apis/events.k8s.io/v1/namespaces/default/events')
      .send({
        apiVersion: 'events.k8s.io/v1',
        kind: 'Event',
        metadata: { name: 'e2' },
        eventTime: '2026-01-01T00:00:00.000000Z',
        reportingController: 'example.com/ctl',
        reportingInstance: 'ctl-1',
        action: 'Reconcile',
        reason: 'Synced',
        regarding: { kind: 'ConfigMap', namespace: 'default', name: 'cfg', apiVersion: 'v1' },
        note: 'synced cfg',
        type: 'Normal',
      })
      .expect(201);
    const core = (await api().get('/api/v1/namespaces/default/events/e2').expect(200)).body;
    expect(core).toMatchObject({ apiVersion: 'v1', kind: 'Event', involvedObject: { kind: 'ConfigMap', name: 'cfg' }, message: 'synced cfg', reportingComponent: 'example.com/ctl', action: 'Reconcile' });
    const list = (await api().get('/apis/events.k8s.io/v1/namespaces/default/events').expect(200)).body;
    expect(list.kind).toBe('EventList');
    expect(list.items.map((e: { metadata: { name: string } }) => e.metadata.name)).toEqual(['e1', 'e2']);
  });

  it('field selectors use this version’s labels', async () => {
    const byRegarding = (await api().get('/apis/events.k8s.io/v1/namespaces/default/events').query({ fieldSelector: 'regarding.name=web-0' }).expect(200)).body;
    expect(byRegarding.items.map((e: { metadata: { name: string } }) => e.metadata.name)).toEqual(['e1']);
    const byController = (await api().get('/apis/events.k8s.io/v1/events').query({ fieldSelector: 'reportingController=example.com/ctl' }).expect(200)).body;
    expect(byController.items.map((e: { metadata: { name: string } }) => e.metadata.name)).toEqual(['e2']);
    await api().get('/apis/events.k8s.io/v1/events').query({ fieldSelector: 'involvedObject.name=x' }).expect(400);
  });

  it('a watch on events.k8s.io sees core writes, converted', async () => {
    const rv = (await api().get('/apis/events.k8s.io/v1/namespaces/default/events').expect(200)).body.metadata.resourceVersion;
    const w = await openWatch(emu.url, `/apis/events.k8s.io/v1/namespaces/default/events?watch=true&resourceVersion=${rv}`);
    try {
      await api().post('/api/v1/namespaces/default/events').send(coreEvent('e3', 'web-1')).expect(201);
      const ev = await w.next(5000);
      expect(ev.type).toBe('ADDED');
      expect(ev.object).toMatchObject({ apiVersion: 'events.k8s.io/v1', metadata: { name: 'e3' }, note: 'Started container web-1' });
    } finally {
      w.close();
    }
  });

  it('deleting through either API removes the one object', async () => {
    await api().delete('/apis/events.k8s.io/v1/namespaces/default/events/e1').expect(200);
    await api().get('/api/v1/namespaces/default/events/e1').expect(404);
  });
});
