// Controllers use the API like any client: what a validating webhook sees of the writes of the
// in-process controllers (Job, DaemonSet, StatefulSet, Deployment), of deletecollection, of /scale
// and of pods/eviction, as a real cluster's admission sees them. A local HTTPS webhook records
// every AdmissionReview and refuses objects labelled deny=yes.
import { readFileSync } from 'node:fs';
import { createServer as createHTTPS, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import request from 'supertest';
import { startServer } from '../helpers/server.js';
import { until } from './util.js';
import type { KubeEmulator } from '../../src/server/app.js';

const TLS = join(__dirname, '../fixtures/webhook-tls');
let emu: KubeEmulator;
let hooks: Server;
let reviews: any[] = [];
const api = () => request(emu.app.server);
const sa = (name: string) => `system:serviceaccount:kube-system:${name}`;

beforeAll(async () => {
  hooks = createHTTPS({ key: readFileSync(join(TLS, 'server.key')), cert: readFileSync(join(TLS, 'server.crt')) }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const review = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      const r = review.request;
      reviews.push(r);
      const labels = (r.object ?? r.oldObject)?.metadata?.labels ?? {};
      const deny = labels.deny === 'yes' && r.operation === 'CREATE';
      res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({
        apiVersion: 'admission.k8s.io/v1',
        kind: 'AdmissionReview',
        response: { uid: r.uid, allowed: !deny, ...(deny ? { status: { code: 403, message: 'pods labelled deny=yes are refused' } } : {}) },
      }));
    });
  });
  await new Promise<void>((r) => hooks.listen(0, '127.0.0.1', r));
  emu = await startServer({ controllers: ['nodes', 'replicaset', 'deployment', 'job', 'daemonset', 'statefulset', 'garbagecollector'] });
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
          { operations: ['CREATE', 'DELETE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods', 'pods/eviction', 'persistentvolumeclaims', 'configmaps'] },
          { operations: ['CREATE', 'UPDATE'], apiGroups: ['apps'], apiVersions: ['v1'], resources: ['replicasets', 'deployments/scale', 'statefulsets/scale'] },
        ],
        sideEffects: 'None',
        admissionReviewVersions: ['v1'],
      }],
    })
    .expect(201);
});
afterAll(async () => {
  await emu?.close();
  hooks?.closeAllConnections();
  await new Promise((r) => hooks?.close(r));
});
beforeEach(() => {
  reviews = [];
});

const template = (app: string, labels: Record<string, string> = {}) => ({
  metadata: { labels: { app, ...labels } },
  spec: { containers: [{ name: 'app', image: 'nginx' }] },
});

async function podsOf(app: string, n: number): Promise<any[]> {
  let pods: any[] = [];
  await until(async () => (pods = (await api().get(`/api/v1/namespaces/default/pods?labelSelector=app%3D${app}`).expect(200)).body.items).length >= n, 8000, `${n} pods of ${app}`);
  return pods;
}

it("a Job's pod is admitted as the job-controller, and the webhook's object is the stored pod", async () => {
  await api()
    .post('/apis/batch/v1/namespaces/default/jobs')
    .send({ apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'once' }, spec: { template: { ...template('once'), spec: { ...template('once').spec, restartPolicy: 'Never' } } } })
    .expect(201);
  const [pod] = await podsOf('once', 1);
  const seen = reviews.find((r) => r.resource.resource === 'pods' && r.operation === 'CREATE' && r.object?.metadata?.labels?.app === 'once');
  expect(seen).toBeDefined();
  expect(seen.userInfo.username).toBe(sa('job-controller'));
  expect(seen.userInfo.groups).toEqual(expect.arrayContaining(['system:serviceaccounts', 'system:serviceaccounts:kube-system', 'system:authenticated']));
  expect(seen.namespace).toBe('default');
  expect(seen.name).toBe(pod.metadata.name);
  expect(seen.kind).toEqual({ group: '', version: 'v1', kind: 'Pod' });
  // rest.BeforeCreate ran before validating admission: the webhook saw what was stored
  expect(seen.object.metadata.name).toBe(pod.metadata.name);
  expect(seen.object.metadata.uid).toBe(pod.metadata.uid);
  expect(seen.object.metadata.creationTimestamp).toBe(pod.metadata.creationTimestamp);
  expect(seen.object.metadata.ownerReferences[0]).toMatchObject({ kind: 'Job', name: 'once', controller: true });
  expect(seen.options).toMatchObject({ kind: 'CreateOptions', apiVersion: 'meta.k8s.io/v1' });
});

it('an API create: the validating webhook sees the uid, name and timestamp that are stored', async () => {
  const created = (await api()
    .post('/api/v1/namespaces/default/configmaps')
    .send({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { generateName: 'cfg-' }, data: { a: '1' } })
    .expect(201)).body;
  const seen = reviews.find((r) => r.resource.resource === 'configmaps' && r.operation === 'CREATE');
  expect(seen.name).toBe(created.metadata.name);
  expect(seen.object.metadata).toMatchObject({ name: created.metadata.name, uid: created.metadata.uid, creationTimestamp: created.metadata.creationTimestamp, generateName: 'cfg-' });
  expect(seen.userInfo.username).not.toMatch(/^system:serviceaccount:kube-system:/);
});

it("a DaemonSet's pod is admitted as the daemon-set-controller", async () => {
  await until(async () => (await api().get('/api/v1/nodes').expect(200)).body.items.length > 0, 5000, 'a node');
  await api()
    .post('/apis/apps/v1/namespaces/default/daemonsets')
    .send({ apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'agent' }, spec: { selector: { matchLabels: { app: 'agent' } }, template: template('agent') } })
    .expect(201);
  const [pod] = await podsOf('agent', 1);
  const seen = reviews.find((r) => r.resource.resource === 'pods' && r.operation === 'CREATE' && r.object?.metadata?.labels?.app === 'agent');
  expect(seen.userInfo.username).toBe(sa('daemon-set-controller'));
  expect(seen.object.metadata.uid).toBe(pod.metadata.uid);
  expect(seen.object.metadata.ownerReferences[0]).toMatchObject({ kind: 'DaemonSet', name: 'agent' });
});

it("a StatefulSet's claim and pod are admitted as the statefulset-controller; /scale is admitted as a Scale", async () => {
  await api()
    .post('/apis/apps/v1/namespaces/default/statefulsets')
    .send({
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: { name: 'db' },
      spec: {
        replicas: 1,
        serviceName: 'db',
        selector: { matchLabels: { app: 'db' } },
        template: template('db'),
        volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }],
      },
    })
    .expect(201);
  const [pod] = await podsOf('db', 1);
  const claim = reviews.find((r) => r.resource.resource === 'persistentvolumeclaims' && r.operation === 'CREATE');
  expect(claim).toMatchObject({ name: 'data-db-0', namespace: 'default', kind: { group: '', version: 'v1', kind: 'PersistentVolumeClaim' } });
  expect(claim.userInfo.username).toBe(sa('statefulset-controller'));
  const seen = reviews.find((r) => r.resource.resource === 'pods' && r.operation === 'CREATE' && r.name === 'db-0');
  expect(seen.userInfo.username).toBe(sa('statefulset-controller'));
  expect(seen.object.metadata.uid).toBe(pod.metadata.uid);

  reviews = [];
  const scale = (await api()
    .put('/apis/apps/v1/namespaces/default/statefulsets/db/scale')
    .send({ apiVersion: 'autoscaling/v1', kind: 'Scale', metadata: { name: 'db', namespace: 'default' }, spec: { replicas: 2 } })
    .expect(200)).body;
  expect(scale.spec.replicas).toBe(2);
  const s = reviews.find((r) => r.subResource === 'scale');
  expect(s).toMatchObject({
    operation: 'UPDATE',
    name: 'db',
    namespace: 'default',
    resource: { group: 'apps', version: 'v1', resource: 'statefulsets' },
    kind: { group: 'autoscaling', version: 'v1', kind: 'Scale' },
    requestSubResource: 'scale',
    options: { kind: 'UpdateOptions' },
  });
  expect(s.object).toMatchObject({ kind: 'Scale', apiVersion: 'autoscaling/v1', spec: { replicas: 2 } });
  expect(s.oldObject).toMatchObject({ kind: 'Scale', spec: { replicas: 1 } });
});

it("a Deployment's ReplicaSet is admitted as the deployment-controller, and its pods as the replicaset-controller", async () => {
  await api()
    .post('/apis/apps/v1/namespaces/default/deployments')
    .send({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' }, spec: { replicas: 1, selector: { matchLabels: { app: 'web' } }, template: template('web') } })
    .expect(201);
  await podsOf('web', 1);
  const rs = reviews.find((r) => r.resource.resource === 'replicasets' && r.operation === 'CREATE');
  expect(rs.userInfo.username).toBe(sa('deployment-controller'));
  expect(rs.object.metadata.ownerReferences[0]).toMatchObject({ kind: 'Deployment', name: 'web' });
  const stored = (await api().get(`/apis/apps/v1/namespaces/default/replicasets/${rs.name}`).expect(200)).body;
  expect(rs.object.metadata.uid).toBe(stored.metadata.uid);
  const pod = reviews.find((r) => r.resource.resource === 'pods' && r.operation === 'CREATE' && r.object?.metadata?.labels?.app === 'web');
  expect(pod.userInfo.username).toBe(sa('replicaset-controller'));

  // a patch of deployments/scale: the Scale, and then the ReplicaSet's scale-up by the controller
  reviews = [];
  await api()
    .patch('/apis/apps/v1/namespaces/default/deployments/web/scale')
    .set('Content-Type', 'application/merge-patch+json')
    .send({ spec: { replicas: 3 } })
    .expect(200);
  const s = reviews.find((r) => r.subResource === 'scale');
  expect(s).toMatchObject({ resource: { resource: 'deployments' }, kind: { group: 'autoscaling', version: 'v1', kind: 'Scale' }, options: { kind: 'PatchOptions' }, object: { spec: { replicas: 3 } } });
  await podsOf('web', 3);
  const up = reviews.find((r) => r.resource.resource === 'replicasets' && r.operation === 'UPDATE');
  expect(up.userInfo.username).toBe(sa('deployment-controller'));
  expect(up.object.spec.replicas).toBe(3);
});

it('a denying webhook stops a controller\'s pod creation: the FailedCreate event, as upstream', async () => {
  await api()
    .post('/apis/apps/v1/namespaces/default/replicasets')
    .send({ apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'refused' }, spec: { replicas: 1, selector: { matchLabels: { app: 'refused' } }, template: template('refused', { deny: 'yes' }) } })
    .expect(201);
  let ev: any;
  await until(async () => {
    const evs = (await api().get('/api/v1/namespaces/default/events?fieldSelector=involvedObject.name%3Drefused').expect(200)).body.items;
    return (ev = evs.find((e: any) => e.reason === 'FailedCreate'));
  }, 8000, 'a FailedCreate event');
  expect(ev.type).toBe('Warning');
  expect(ev.message).toBe('Error creating: admission webhook "recorder.example.com" denied the request: pods labelled deny=yes are refused');
  expect((await api().get('/api/v1/namespaces/default/pods?labelSelector=app%3Drefused').expect(200)).body.items).toEqual([]);
});

it('deletecollection: each item\'s delete is admitted, with the item as oldObject', async () => {
  for (const n of ['a', 'b'])
    await api().post('/api/v1/namespaces/default/configmaps').send({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `dc-${n}`, labels: { set: 'dc' } } }).expect(201);
  reviews = [];
  const list = (await api().delete('/api/v1/namespaces/default/configmaps?labelSelector=set%3Ddc').expect(200)).body;
  expect(list.items.map((i: any) => i.metadata.name).sort()).toEqual(['dc-a', 'dc-b']);
  const dels = reviews.filter((r) => r.operation === 'DELETE' && r.resource.resource === 'configmaps');
  expect(dels.map((r) => r.oldObject.metadata.name).sort()).toEqual(['dc-a', 'dc-b']);
  for (const r of dels) {
    expect(r).toMatchObject({ namespace: 'default', object: null, options: { kind: 'DeleteOptions' } });
    // upstream's static attributes of a deletecollection carry no name
    expect(r.name).toBeUndefined();
  }
});

it('pods/eviction is a CREATE of the Eviction with subResource eviction', async () => {
  await api().post('/api/v1/namespaces/default/pods').send({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'evictme' }, spec: { containers: [{ name: 'c', image: 'nginx' }] } }).expect(201);
  reviews = [];
  await api()
    .post('/api/v1/namespaces/default/pods/evictme/eviction')
    .send({ apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: 'evictme', namespace: 'default' } })
    .expect(201);
  const ev = reviews.find((r) => r.subResource === 'eviction');
  expect(ev).toMatchObject({
    operation: 'CREATE',
    name: 'evictme',
    resource: { group: '', version: 'v1', resource: 'pods' },
    kind: { group: 'policy', version: 'v1', kind: 'Eviction' },
    object: { kind: 'Eviction', metadata: { name: 'evictme' } },
  });
  // EvictionREST deletes the pod with rest.ValidateAllObjectFunc: no second admission of a DELETE
  expect(reviews.some((r) => r.operation === 'DELETE' && r.name === 'evictme' && !r.subResource)).toBe(false);
});

it('status updates by a controller are admitted as UPDATE of the status subresource', async () => {
  await api()
    .post('/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations')
    .send({
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingWebhookConfiguration',
      metadata: { name: 'status-recorder' },
      webhooks: [{
        name: 'status.example.com',
        clientConfig: { url: `https://127.0.0.1:${(hooks.address() as AddressInfo).port}/status`, caBundle: readFileSync(join(TLS, 'ca.crt')).toString('base64') },
        rules: [{ operations: ['UPDATE'], apiGroups: ['apps'], apiVersions: ['v1'], resources: ['replicasets/status'] }],
        sideEffects: 'None',
        admissionReviewVersions: ['v1'],
      }],
    })
    .expect(201);
  await api()
    .post('/apis/apps/v1/namespaces/default/replicasets')
    .send({ apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'st' }, spec: { replicas: 1, selector: { matchLabels: { app: 'st' } }, template: template('st') } })
    .expect(201);
  let st: any;
  await until(() => (st = reviews.find((r) => r.subResource === 'status' && r.name === 'st')), 8000, 'a status review');
  expect(st).toMatchObject({ operation: 'UPDATE', resource: { group: 'apps', resource: 'replicasets' }, kind: { kind: 'ReplicaSet' }, options: { kind: 'UpdateOptions' } });
  expect(st.userInfo.username).toBe(sa('replicaset-controller'));
  await api().delete('/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations/status-recorder').expect(200);
});

it('a ValidatingAdmissionPolicy denies a Job controller\'s pod: FailedCreate with the policy\'s message', async () => {
  await api()
    .post('/apis/admissionregistration.k8s.io/v1/validatingadmissionpolicies')
    .send({
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingAdmissionPolicy',
      metadata: { name: 'no-latest' },
      spec: {
        failurePolicy: 'Fail',
        matchConstraints: { resourceRules: [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE'], resources: ['pods'] }] },
        validations: [{ expression: "object.spec.containers.all(c, !c.image.endsWith(':latest')) || request.userInfo.username != 'system:serviceaccount:kube-system:job-controller'", message: 'no latest images from Jobs' }],
      },
    })
    .expect(201);
  await api()
    .post('/apis/admissionregistration.k8s.io/v1/validatingadmissionpolicybindings')
    .send({ apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingAdmissionPolicyBinding', metadata: { name: 'no-latest' }, spec: { policyName: 'no-latest', validationActions: ['Deny'] } })
    .expect(201);
  try {
    await api()
      .post('/apis/batch/v1/namespaces/default/jobs')
      .send({ apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'latest' }, spec: { template: { metadata: { labels: { app: 'latest' } }, spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox:latest' }] } } } })
      .expect(201);
    let ev: any;
    await until(async () => {
      const evs = (await api().get('/api/v1/namespaces/default/events?fieldSelector=involvedObject.name%3Dlatest').expect(200)).body.items;
      return (ev = evs.find((e: any) => e.reason === 'FailedCreate'));
    }, 8000, 'a FailedCreate event');
    // validating admission runs after the name is generated (rest.AdmissionToValidateObjectFunc takes it from the object)
    expect(ev.message).toMatch(/^Error creating: pods "latest-[a-z0-9]{5}" is forbidden: ValidatingAdmissionPolicy 'no-latest' with binding 'no-latest' denied request: no latest images from Jobs$/);
  } finally {
    await api().delete('/apis/admissionregistration.k8s.io/v1/validatingadmissionpolicybindings/no-latest').expect(200);
    await api().delete('/apis/admissionregistration.k8s.io/v1/validatingadmissionpolicies/no-latest').expect(200);
  }
});

it("the garbage collector's deletes are admitted as the generic-garbage-collector", async () => {
  await api()
    .post('/apis/apps/v1/namespaces/default/replicasets')
    .send({ apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'gone' }, spec: { replicas: 1, selector: { matchLabels: { app: 'gone' } }, template: template('gone') } })
    .expect(201);
  await podsOf('gone', 1);
  reviews = [];
  await api().delete('/apis/apps/v1/namespaces/default/replicasets/gone').send({ propagationPolicy: 'Background' }).expect(200);
  let del: any;
  await until(() => (del = reviews.find((r) => r.operation === 'DELETE' && r.resource.resource === 'pods' && r.oldObject?.metadata?.labels?.app === 'gone')), 8000, 'the collector\'s pod delete');
  expect(del.userInfo.username).toBe(sa('generic-garbage-collector'));
  expect(del.options).toMatchObject({ kind: 'DeleteOptions', propagationPolicy: 'Background', preconditions: { uid: del.oldObject.metadata.uid } });
});
