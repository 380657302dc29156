// CRUD over HTTP on several kinds: server-set metadata, JSON and YAML in and out, namespaces from
// the URL, cluster-scoped objects, generateName and upstream's error Status objects
// (apimachinery pkg/api/errors/errors.go; apiserver pkg/endpoints/handlers/{create,update}.go).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import { parse as parseYAML } from 'yaml';
import type { KubeEmulator } from '../../src/server/app.js';
import { cm, pod, startBare } from './util.js';

let emu: KubeEmulator;
const api = () => request(emu.app.server);

beforeAll(async () => {
  emu = await startBare();
});
afterAll(async () => {
  await emu.close();
});

function sts(name: string): any {
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name },
    spec: {
      selector: { matchLabels: { app: name } },
      serviceName: name,
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } },
    },
  };
}

const RFC3339 = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;
const UID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('create', () => {
  it('sets uid, creationTimestamp, resourceVersion and the namespace from the URL', async () => {
    const before = emu.store.revision();
    const res = await api().post('/api/v1/namespaces/default/configmaps').send(cm('c1', { a: '1' })).expect(201);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    const o = res.body;
    expect(o).toMatchObject({ kind: 'ConfigMap', apiVersion: 'v1', metadata: { name: 'c1', namespace: 'default' }, data: { a: '1' } });
    expect(o.metadata.uid).toMatch(UID);
    expect(o.metadata.creationTimestamp).toMatch(RFC3339);
    expect(Number(o.metadata.resourceVersion)).toBe(before + 1);
    expect(o.metadata.generation).toBeUndefined(); // configmaps have no generation
    const got = await api().get('/api/v1/namespaces/default/configmaps/c1').expect(200);
    expect(got.body).toEqual(o);
  });

  it('ignores client-sent uid, creationTimestamp and resourceVersion', async () => {
    const body = cm('c2');
    body.metadata.uid = 'not-a-uid';
    body.metadata.creationTimestamp = '2001-01-01T00:00:00Z';
    body.metadata.resourceVersion = '5';
    const o = (await api().post('/api/v1/namespaces/default/configmaps').send(body).expect(201)).body;
    expect(o.metadata.uid).toMatch(UID);
    expect(o.metadata.creationTimestamp).not.toBe('2001-01-01T00:00:00Z');
  });

  it('sets generation 1 on kinds that have one and bumps it on spec changes only', async () => {
    const o = (await api().post('/api/v1/namespaces/default/pods').send(pod('p-gen')).expect(201)).body;
    expect(o.metadata.generation).toBe(1);
    const lbl = await api()
      .patch('/api/v1/namespaces/default/pods/p-gen')
      .set('Content-Type', 'application/merge-patch+json')
      .send({ metadata: { labels: { x: 'y' } } })
      .expect(200);
    expect(lbl.body.metadata.generation).toBe(1);
    const s = (await api().post('/apis/apps/v1/namespaces/default/statefulsets').send(sts('web')).expect(201)).body;
    expect(s.metadata.generation).toBe(1);
    s.spec.replicas = 3;
    const s2 = (await api().put('/apis/apps/v1/namespaces/default/statefulsets/web').send(s).expect(200)).body;
    expect(s2.metadata.generation).toBe(2);
    expect(Number(s2.metadata.resourceVersion)).toBeGreaterThan(Number(s.metadata.resourceVersion));
  });

  it('generateName makes a name with a 5-character suffix', async () => {
    const body = { metadata: { generateName: 'gen-' }, data: {} };
    const a = (await api().post('/api/v1/namespaces/default/configmaps').send(body).expect(201)).body;
    const b = (await api().post('/api/v1/namespaces/default/configmaps').send(body).expect(201)).body;
    expect(a.metadata.name).toMatch(/^gen-[a-z0-9]{5}$/);
    expect(a.metadata.generateName).toBe('gen-');
    expect(a.metadata.name).not.toBe(b.metadata.name);
  });

  it('accepts YAML bodies and answers YAML when asked', async () => {
    const yaml = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: from-yaml\ndata:\n  k: v\n';
    const res = await api()
      .post('/api/v1/namespaces/default/configmaps')
      .set('Content-Type', 'application/yaml')
      .set('Accept', 'application/yaml')
      .send(yaml)
      .expect(201);
    expect(res.headers['content-type']).toMatch(/^application\/yaml/);
    const o = parseYAML(res.text);
    expect(o).toMatchObject({ kind: 'ConfigMap', metadata: { name: 'from-yaml', namespace: 'default' }, data: { k: 'v' } });
    expect(typeof o.metadata.resourceVersion).toBe('string');
    const list = await api().get('/api/v1/namespaces/default/configmaps').set('Accept', 'application/yaml').expect(200);
    const l = parseYAML(list.text);
    expect(l.kind).toBe('ConfigMapList');
    expect(l.items.map((i: any) => i.metadata.name)).toContain('from-yaml');
  });

  it('drops the namespace of a cluster-scoped object', async () => {
    const res = await api()
      .post('/api/v1/nodes')
      .send({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'node-a', namespace: 'default' } })
      .expect(201);
    expect(res.body.metadata.namespace).toBeUndefined();
    const got = await api().get('/api/v1/nodes/node-a').expect(200);
    expect(got.body.metadata.namespace).toBeUndefined();
  });

  it('rejects a namespace in the body that differs from the URL', async () => {
    const body = cm('mismatch');
    body.metadata.namespace = 'kube-system';
    const res = await api().post('/api/v1/namespaces/default/configmaps').send(body).expect(400);
    expect(res.body).toMatchObject({ reason: 'BadRequest', message: 'the namespace of the provided object does not match the namespace sent on the request' });
  });

  it('404 namespaces "x" not found when creating in a missing namespace', async () => {
    const res = await api().post('/api/v1/namespaces/x/configmaps').send(cm('c')).expect(404);
    expect(res.body).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'namespaces "x" not found',
      reason: 'NotFound',
      details: { name: 'x', kind: 'namespaces' },
      code: 404,
    });
  });

  it('409 AlreadyExists', async () => {
    await api().post('/api/v1/namespaces/default/configmaps').send(cm('dup')).expect(201);
    const res = await api().post('/api/v1/namespaces/default/configmaps').send(cm('dup')).expect(409);
    expect(res.body).toMatchObject({ status: 'Failure', reason: 'AlreadyExists', message: 'configmaps "dup" already exists', details: { name: 'dup', kind: 'configmaps' }, code: 409 });
    await api().post('/apis/apps/v1/namespaces/default/statefulsets').send(sts('dupweb')).expect(201);
    const dupSts = await api().post('/apis/apps/v1/namespaces/default/statefulsets').send(sts('dupweb')).expect(409);
    expect(dupSts.body).toMatchObject({ message: 'statefulsets.apps "dupweb" already exists', details: { name: 'dupweb', group: 'apps', kind: 'statefulsets' } });
  });

  it('422 Invalid with causes', async () => {
    const res = await api().post('/api/v1/namespaces/default/configmaps').send(cm('Bad_Name')).expect(422);
    expect(res.body.reason).toBe('Invalid');
    expect(res.body.code).toBe(422);
    expect(res.body.message).toMatch(/^ConfigMap "Bad_Name" is invalid: metadata\.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain/);
    expect(res.body.details).toMatchObject({ name: 'Bad_Name', kind: 'ConfigMap' });
    expect(res.body.details.causes[0]).toMatchObject({ reason: 'FieldValueInvalid', field: 'metadata.name' });
    const p = await api()
      .post('/api/v1/namespaces/default/pods')
      .send({ metadata: { name: 'nocontainers' }, spec: { containers: [] } })
      .expect(422);
    expect(p.body.message).toBe('Pod "nocontainers" is invalid: spec.containers: Required value');
    expect(p.body.details.causes).toEqual([{ reason: 'FieldValueRequired', message: 'Required value', field: 'spec.containers' }]);
  });

  it('400 when kind or apiVersion in the body do not match the URL', async () => {
    const k = await api().post('/api/v1/namespaces/default/configmaps').send({ kind: 'Secret', metadata: { name: 'k' } }).expect(400);
    expect(k.body.reason).toBe('BadRequest');
  });
});

describe('get / update / delete', () => {
  it('404 with the qualified resource', async () => {
    const res = await api().get('/api/v1/namespaces/default/configmaps/nope').expect(404);
    expect(res.body).toMatchObject({ reason: 'NotFound', message: 'configmaps "nope" not found', details: { name: 'nope', kind: 'configmaps' } });
    const sts = await api().get('/apis/apps/v1/namespaces/default/statefulsets/nope').expect(404);
    expect(sts.body).toMatchObject({ message: 'statefulsets.apps "nope" not found', details: { name: 'nope', group: 'apps', kind: 'statefulsets' } });
  });

  it('PUT with the current resourceVersion updates; a stale one is 409 Conflict', async () => {
    const o = (await api().post('/api/v1/namespaces/default/configmaps').send(cm('upd', { v: '1' })).expect(201)).body;
    const o2 = (await api().put('/api/v1/namespaces/default/configmaps/upd').send({ ...o, data: { v: '2' } }).expect(200)).body;
    expect(Number(o2.metadata.resourceVersion)).toBeGreaterThan(Number(o.metadata.resourceVersion));
    expect(o2.metadata.uid).toBe(o.metadata.uid);
    expect(o2.metadata.creationTimestamp).toBe(o.metadata.creationTimestamp);
    const res = await api().put('/api/v1/namespaces/default/configmaps/upd').send({ ...o, data: { v: '3' } }).expect(409);
    expect(res.body).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'Operation cannot be fulfilled on configmaps "upd": the object has been modified; please apply your changes to the latest version and try again',
      reason: 'Conflict',
      details: { name: 'upd', kind: 'configmaps' },
      code: 409,
    });
    const cur = (await api().get('/api/v1/namespaces/default/configmaps/upd').expect(200)).body;
    expect(cur.data).toEqual({ v: '2' });
  });

  it('a PUT that changes nothing keeps the resourceVersion', async () => {
    const o = (await api().post('/api/v1/namespaces/default/configmaps').send(cm('noop', { v: '1' })).expect(201)).body;
    const rev = emu.store.revision();
    const same = (await api().put('/api/v1/namespaces/default/configmaps/noop').send(o).expect(200)).body;
    expect(same.metadata.resourceVersion).toBe(o.metadata.resourceVersion);
    expect(emu.store.revision()).toBe(rev);
  });

  it('PUT on a missing object is 404 for kinds that do not allow create-on-update', async () => {
    const res = await api().put('/api/v1/namespaces/default/pods/ghost').send(pod('ghost')).expect(404);
    expect(res.body.message).toBe('pods "ghost" not found');
  });

  it('PUT with a name that differs from the URL is 400', async () => {
    const res = await api().put('/api/v1/namespaces/default/configmaps/one').send(cm('two')).expect(400);
    expect(res.body.message).toBe('the name of the object (two) does not match the name on the URL (one)');
  });

  it('DELETE answers a Success Status (or the object for pods) and the object is gone', async () => {
    const o = (await api().post('/api/v1/namespaces/default/configmaps').send(cm('del')).expect(201)).body;
    const res = await api().delete('/api/v1/namespaces/default/configmaps/del').expect(200);
    expect(res.body).toEqual({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', details: { name: 'del', kind: 'configmaps', uid: o.metadata.uid } });
    await api().get('/api/v1/namespaces/default/configmaps/del').expect(404);
    await api().delete('/api/v1/namespaces/default/configmaps/del').expect(404);
  });

  it('DELETE with a stale resourceVersion precondition is 409', async () => {
    const o = (await api().post('/api/v1/namespaces/default/configmaps').send(cm('pre')).expect(201)).body;
    const res = await api()
      .delete('/api/v1/namespaces/default/configmaps/pre')
      .send({ preconditions: { resourceVersion: '1' } })
      .expect(409);
    expect(res.body.message).toBe(
      `Operation cannot be fulfilled on configmaps "pre": Precondition failed: ResourceVersion in precondition: 1, ResourceVersion in object meta: ${o.metadata.resourceVersion}`,
    );
  });

  it('cluster-scoped and namespaced kinds in other groups', async () => {
    const sc = {
      apiVersion: 'storage.k8s.io/v1',
      kind: 'StorageClass',
      metadata: { name: 'fast', namespace: 'ignored' },
      provisioner: 'example.com/x',
    };
    const s = (await api().post('/apis/storage.k8s.io/v1/storageclasses').send(sc).expect(201)).body;
    expect(s.metadata.namespace).toBeUndefined();
    await api().get('/apis/storage.k8s.io/v1/storageclasses/fast').expect(200);
    const lease = { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'l1' }, spec: { holderIdentity: 'me' } };
    const l = (await api().post('/apis/coordination.k8s.io/v1/namespaces/kube-system/leases').send(lease).expect(201)).body;
    expect(l.metadata.namespace).toBe('kube-system');
    await api().delete('/apis/storage.k8s.io/v1/storageclasses/fast').expect(200);
    await api().get('/apis/storage.k8s.io/v1/storageclasses/fast').expect(404);
  });

  it('a namespaced resource path on a cluster-scoped kind is 404', async () => {
    const res = await api().get('/api/v1/namespaces/default/nodes').expect(404);
    expect(res.body.message).toBe('the server could not find the requested resource');
  });
});
