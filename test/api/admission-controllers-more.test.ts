// Admission sees every write a real cluster's admission sees: the scheduler's pods/binding (as
// system:kube-scheduler), the node agent's pods/status (as system:node:<node>), the DaemonSet
// controller's status, the StatefulSet controller's ControllerRevisions, a ReplicaSet's adoption
// of an orphan pod (a PATCH as replicaset-controller) and the controllers' events. A local HTTPS
// webhook records every AdmissionReview and allows everything but one pod's binding.
import { readFileSync } from 'node:fs';
import { createServer as createHTTPS, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import request from 'supertest';
import { startServer } from '../helpers/server.js';
import { until } from './util.js';
import type { KubeEmulator } from '../../src/server/app.js';

const TLS = join(__dirname, '../fixtures/webhook-tls');
let emu: KubeEmulator;
let hooks: Server;
const reviews: any[] = [];
const api = () => request(emu.app.server);
const sa = (name: string) => `system:serviceaccount:kube-system:${name}`;

beforeAll(async () => {
  hooks = createHTTPS({ key: readFileSync(join(TLS, 'server.key')), cert: readFileSync(join(TLS, 'server.crt')) }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const r = JSON.parse(Buffer.concat(chunks).toString('utf8')).request;
      reviews.push(r);
      // the binding of the pod named refused is refused
      const deny = r.subResource === 'binding' && r.name === 'refused';
      res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({
        apiVersion: 'admission.k8s.io/v1',
        kind: 'AdmissionReview',
        response: { uid: r.uid, allowed: !deny, ...(deny ? { status: { code: 403, message: 'no node for this pod' } } : {}) },
      }));
    });
  });
  await new Promise<void>((r) => hooks.listen(0, '127.0.0.1', r));
  emu = await startServer({ controllers: ['nodes', 'scheduler', 'nodeagent', 'replicaset', 'daemonset', 'statefulset'] });
  await api()
    .post('/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations')
    .send({
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingWebhookConfiguration',
      metadata: { name: 'recorder' },
      webhooks: [{
        name: 'recorder.example.com',
        clientConfig: { url: `https://127.0.0.1:${(hooks.address() as AddressInfo).port}/validate`, caBundle: readFileSync(join(TLS, 'ca.crt')).toString('base64') },
        rules: [
          { operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods/binding', 'events'] },
          { operations: ['UPDATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods', 'pods/status'] },
          { operations: ['UPDATE'], apiGroups: ['apps'], apiVersions: ['v1'], resources: ['daemonsets/status'] },
          { operations: ['CREATE'], apiGroups: ['apps'], apiVersions: ['v1'], resources: ['controllerrevisions'] },
        ],
        sideEffects: 'None',
        admissionReviewVersions: ['v1'],
      }],
    })
    .expect(201);
  await until(async () => (await api().get('/api/v1/nodes').expect(200)).body.items.length > 0, 5000, 'a node');
});
afterAll(async () => {
  await emu?.close();
  hooks?.closeAllConnections();
  await new Promise((r) => hooks?.close(r));
});

const template = (app: string) => ({ metadata: { labels: { app } }, spec: { containers: [{ name: 'app', image: 'nginx' }] } });

async function seen(what: string, pred: (r: any) => boolean): Promise<any> {
  let found: any;
  await until(async () => !!(found = reviews.find(pred)), 8000, what);
  return found;
}

async function runningPod(name: string): Promise<any> {
  let pod: any;
  await until(async () => (pod = (await api().get(`/api/v1/namespaces/default/pods/${name}`).expect(200)).body).status?.phase === 'Running', 8000, `${name} running`);
  return pod;
}

it('the scheduler binds a pod through admission: a CREATE of a v1 Binding, pods/binding, as system:kube-scheduler', async () => {
  await api().post('/api/v1/namespaces/default/pods').send({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', labels: { app: 'web' } }, spec: template('web').spec }).expect(201);
  const pod = await runningPod('web');
  const r = await seen('the binding', (x) => x.subResource === 'binding' && x.name === 'web');
  expect(r.operation).toBe('CREATE');
  expect(r.userInfo).toMatchObject({ username: 'system:kube-scheduler', groups: ['system:authenticated'] });
  expect(r.resource).toEqual({ group: '', version: 'v1', resource: 'pods' });
  expect(r.kind).toEqual({ group: '', version: 'v1', kind: 'Binding' });
  expect(r.namespace).toBe('default');
  expect(r.object).toMatchObject({ kind: 'Binding', apiVersion: 'v1', metadata: { name: 'web', namespace: 'default', uid: pod.metadata.uid }, target: { kind: 'Node', name: pod.spec.nodeName } });
  expect(r.options).toMatchObject({ kind: 'CreateOptions' });
});

it('a binding refused by a webhook leaves the pod pending, with PodScheduled=False and the reason', async () => {
  await api().post('/api/v1/namespaces/default/pods').send({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'refused', labels: { app: 'refused' } }, spec: template('refused').spec }).expect(201);
  await seen('the refused binding', (x) => x.subResource === 'binding' && x.name === 'refused');
  let pod: any;
  await until(async () => (pod = (await api().get('/api/v1/namespaces/default/pods/refused').expect(200)).body).status?.conditions?.some((c: any) => c.type === 'PodScheduled' && c.status === 'False'), 5000, 'PodScheduled=False');
  expect(pod.spec.nodeName).toBeUndefined();
  const cond = pod.status.conditions.find((c: any) => c.type === 'PodScheduled');
  expect(cond.reason).toBe('SchedulerError');
  expect(cond.message).toContain('no node for this pod');
  // the scheduler's status write was admitted as system:kube-scheduler
  const r = await seen('the scheduler status write', (x) => x.subResource === 'status' && x.name === 'refused' && x.object?.status?.conditions?.some((c: any) => c.reason === 'SchedulerError'));
  expect(r.userInfo.username).toBe('system:kube-scheduler');
  expect(r.options).toMatchObject({ kind: 'PatchOptions' });
});

it("the node agent's pod status writes are admitted as system:node:<node>: an UPDATE of pods/status", async () => {
  const pod = await runningPod('web');
  const r = await seen('a pods/status update', (x) => x.subResource === 'status' && x.resource.resource === 'pods' && x.name === 'web' && x.object?.status?.phase === 'Running');
  expect(r.operation).toBe('UPDATE');
  expect(r.userInfo.username).toBe(`system:node:${pod.spec.nodeName}`);
  expect(r.userInfo.groups).toEqual(['system:nodes', 'system:authenticated']);
  expect(r.kind).toEqual({ group: '', version: 'v1', kind: 'Pod' });
  expect(r.object.metadata.uid).toBe(pod.metadata.uid);
  expect(r.oldObject.status.phase).not.toBe('Running');
  // the kubelet's status manager PATCHes the status
  expect(r.options).toMatchObject({ kind: 'PatchOptions' });
});

it("a DaemonSet's status update is admitted as daemon-set-controller, and its events as well", async () => {
  await api()
    .post('/apis/apps/v1/namespaces/default/daemonsets')
    .send({ apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'agent' }, spec: { selector: { matchLabels: { app: 'agent' } }, template: template('agent') } })
    .expect(201);
  const r = await seen('the DaemonSet status', (x) => x.resource.resource === 'daemonsets' && x.name === 'agent' && x.object?.status?.desiredNumberScheduled >= 1);
  expect(r.operation).toBe('UPDATE');
  expect(r.subResource).toBe('status');
  expect(r.userInfo.username).toBe(sa('daemon-set-controller'));
  expect(r.kind).toEqual({ group: 'apps', version: 'v1', kind: 'DaemonSet' });
  expect(r.options).toMatchObject({ kind: 'UpdateOptions' });
  const ev = await seen('the SuccessfulCreate event', (x) => x.resource.resource === 'events' && x.object?.involvedObject?.name === 'agent' && x.object?.reason === 'SuccessfulCreate');
  expect(ev.operation).toBe('CREATE');
  expect(ev.subResource).toBeUndefined();
  expect(ev.userInfo.username).toBe(sa('daemon-set-controller'));
  expect(ev.kind).toEqual({ group: '', version: 'v1', kind: 'Event' });
  expect(ev.namespace).toBe('default');
  expect(ev.object).toMatchObject({ kind: 'Event', type: 'Normal', involvedObject: { kind: 'DaemonSet', name: 'agent' }, source: { component: 'daemonset-controller' } });
  // its ControllerRevision was created through admission too
  const rev = await seen('the DaemonSet revision', (x) => x.resource.resource === 'controllerrevisions' && x.object?.metadata?.ownerReferences?.[0]?.kind === 'DaemonSet');
  expect(rev.userInfo.username).toBe(sa('daemon-set-controller'));
  expect(rev.object.metadata.ownerReferences[0].name).toBe('agent');
  // the event was stored as admitted
  const events = (await api().get('/api/v1/namespaces/default/events').expect(200)).body.items;
  expect(events.map((e: any) => e.metadata.name)).toContain(ev.object.metadata.name);
});

it("the scheduler's Scheduled event is admitted as system:kube-scheduler", async () => {
  const ev = await seen('the Scheduled event', (x) => x.resource.resource === 'events' && x.object?.involvedObject?.name === 'web' && x.object?.reason === 'Scheduled');
  expect(ev.userInfo.username).toBe('system:kube-scheduler');
});

it("a StatefulSet's ControllerRevision is created through admission as statefulset-controller", async () => {
  await api()
    .post('/apis/apps/v1/namespaces/default/statefulsets')
    .send({ apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'db' }, spec: { replicas: 1, serviceName: 'db', selector: { matchLabels: { app: 'db' } }, template: template('db') } })
    .expect(201);
  const r = await seen('the revision', (x) => x.resource.resource === 'controllerrevisions' && x.object?.metadata?.ownerReferences?.[0]?.name === 'db');
  expect(r.operation).toBe('CREATE');
  expect(r.userInfo.username).toBe(sa('statefulset-controller'));
  expect(r.kind).toEqual({ group: 'apps', version: 'v1', kind: 'ControllerRevision' });
  expect(r.object).toMatchObject({ revision: 1, metadata: { ownerReferences: [{ kind: 'StatefulSet', name: 'db', controller: true }] } });
  expect(r.name).toMatch(/^db-/);
  const revs = (await api().get('/apis/apps/v1/namespaces/default/controllerrevisions').expect(200)).body.items;
  expect(revs.map((x: any) => x.metadata.name)).toContain(r.name);
  await runningPod('db-0');
});

it('a ReplicaSet adopts an orphan pod through admission: a PATCH of the pod as replicaset-controller', async () => {
  await api().post('/api/v1/namespaces/default/pods').send({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'stray', labels: { app: 'stray' } }, spec: template('stray').spec }).expect(201);
  await runningPod('stray');
  const rs = (await api()
    .post('/apis/apps/v1/namespaces/default/replicasets')
    .send({ apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'keeper' }, spec: { replicas: 1, selector: { matchLabels: { app: 'stray' } }, template: template('stray') } })
    .expect(201)).body;
  const r = await seen('the adoption', (x) => x.resource.resource === 'pods' && !x.subResource && x.name === 'stray' && x.object?.metadata?.ownerReferences?.length);
  expect(r.operation).toBe('UPDATE');
  expect(r.userInfo.username).toBe(sa('replicaset-controller'));
  expect(r.kind).toEqual({ group: '', version: 'v1', kind: 'Pod' });
  expect(r.options).toMatchObject({ kind: 'PatchOptions' });
  expect(r.oldObject.metadata.ownerReferences).toBeUndefined();
  expect(r.object.metadata.ownerReferences).toEqual([{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'keeper', uid: rs.metadata.uid, controller: true, blockOwnerDeletion: true }]);
  await until(async () => (await api().get('/api/v1/namespaces/default/pods/stray').expect(200)).body.metadata.ownerReferences?.[0]?.uid === rs.metadata.uid, 5000, 'adopted');
  // adopted, not replaced: the ReplicaSet has its one pod
  const pods = (await api().get('/api/v1/namespaces/default/pods?labelSelector=app%3Dstray').expect(200)).body.items;
  expect(pods.map((p: any) => p.metadata.name)).toEqual(['stray']);
});
