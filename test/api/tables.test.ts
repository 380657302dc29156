// Server-side Table printing (apiserver pkg/endpoints/handlers/response.go asTable; kubectl-wire §7)
// and PartialObjectMetadata answers.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import type { KubeEmulator } from '../../src/server/app.js';
import { cm, pod, TABLE_ACCEPT, startBare } from './util.js';

let emu: KubeEmulator;
const api = () => request(emu.app.server);

beforeAll(async () => {
  emu = await startBare();
  await api().post('/api/v1/namespaces').send({ metadata: { name: 'tbl' } }).expect(201);
  await api().post('/api/v1/namespaces/tbl/configmaps').send(cm('one', { a: '1', b: '2' }, { app: 'x' })).expect(201);
  await api().post('/api/v1/namespaces/tbl/configmaps').send(cm('two')).expect(201);
  await api().post('/api/v1/namespaces/tbl/pods').send(pod('p')).expect(201);
});
afterAll(async () => {
  await emu.close();
});

describe('Table', () => {
  it('a list as a Table with column definitions, cells and PartialObjectMetadata rows', async () => {
    const res = await api().get('/api/v1/namespaces/tbl/configmaps').set('Accept', TABLE_ACCEPT).expect(200);
    const t = res.body;
    expect(t.kind).toBe('Table');
    expect(t.apiVersion).toBe('meta.k8s.io/v1');
    expect(t.metadata.resourceVersion).toBe(String(emu.store.revision()));
    expect(t.columnDefinitions[0]).toMatchObject({ name: 'Name', type: 'string', format: 'name', priority: 0 });
    expect(typeof t.columnDefinitions[0].description).toBe('string');
    expect(t.columnDefinitions.map((c: any) => c.name)).toEqual(['Name', 'Data', 'Age']);
    expect(t.rows).toHaveLength(2);
    expect(t.rows[0].cells.slice(0, 2)).toEqual(['one', 2]);
    expect(t.rows[0].cells[2]).toMatch(/^\d+s$/);
    expect(t.rows[0].object).toEqual({
      kind: 'PartialObjectMetadata',
      apiVersion: 'meta.k8s.io/v1',
      metadata: expect.objectContaining({ name: 'one', namespace: 'tbl', labels: { app: 'x' }, uid: expect.any(String), resourceVersion: expect.any(String) }),
    });
  });

  it('v1beta1 when only that is asked for', async () => {
    const res = await api().get('/api/v1/namespaces/tbl/configmaps').set('Accept', 'application/json;as=Table;v=v1beta1;g=meta.k8s.io').expect(200);
    expect(res.body.apiVersion).toBe('meta.k8s.io/v1beta1');
    expect(res.body.rows[0].object.apiVersion).toBe('meta.k8s.io/v1beta1');
  });

  it('a single object as a one-row Table', async () => {
    const res = await api().get('/api/v1/namespaces/tbl/pods/p').set('Accept', TABLE_ACCEPT).expect(200);
    expect(res.body.kind).toBe('Table');
    expect(res.body.rows).toHaveLength(1);
    expect(res.body.columnDefinitions.map((c: any) => c.name).slice(0, 5)).toEqual(['Name', 'Ready', 'Status', 'Restarts', 'Age']);
    expect(res.body.rows[0].cells.slice(0, 4)).toEqual(['p', '0/1', 'Pending', '0']); // Restarts is a string column upstream
    expect(res.body.metadata.resourceVersion).toBeDefined();
  });

  it('includeObject=None / Metadata / Object', async () => {
    const none = await api().get('/api/v1/namespaces/tbl/configmaps?includeObject=None').set('Accept', TABLE_ACCEPT).expect(200);
    expect(none.body.rows.every((r: any) => r.object === null)).toBe(true);
    const meta = await api().get('/api/v1/namespaces/tbl/configmaps?includeObject=Metadata').set('Accept', TABLE_ACCEPT).expect(200);
    expect(meta.body.rows[0].object.kind).toBe('PartialObjectMetadata');
    expect(meta.body.rows[0].object.data).toBeUndefined();
    const full = await api().get('/api/v1/namespaces/tbl/configmaps?includeObject=Object').set('Accept', TABLE_ACCEPT).expect(200);
    expect(full.body.rows[0].object).toMatchObject({ kind: 'ConfigMap', apiVersion: 'v1', metadata: { name: 'one' }, data: { a: '1', b: '2' } });
    const bad = await api().get('/api/v1/namespaces/tbl/configmaps?includeObject=Everything').set('Accept', TABLE_ACCEPT).expect(400);
    expect(bad.body.reason).toBe('BadRequest');
  });

  it('a paged Table carries continue', async () => {
    const res = await api().get('/api/v1/namespaces/tbl/configmaps?limit=1').set('Accept', TABLE_ACCEPT).expect(200);
    expect(res.body.rows).toHaveLength(1);
    expect(res.body.metadata.continue).toBeTruthy();
    const next = await api().get(`/api/v1/namespaces/tbl/configmaps?limit=1&continue=${res.body.metadata.continue}`).set('Accept', TABLE_ACCEPT).expect(200);
    expect(next.body.rows[0].cells[0]).toBe('two');
  });

  it('cluster-scoped kinds print too', async () => {
    const res = await api().get('/api/v1/namespaces').set('Accept', TABLE_ACCEPT).expect(200);
    expect(res.body.columnDefinitions.map((c: any) => c.name)).toEqual(['Name', 'Status', 'Age']);
    const row = res.body.rows.find((r: any) => r.cells[0] === 'tbl');
    expect(row.cells[1]).toBe('Active');
  });

  it('a missing object is still a 404 Status with the Table Accept header', async () => {
    const res = await api().get('/api/v1/namespaces/tbl/configmaps/nope').set('Accept', TABLE_ACCEPT).expect(404);
    expect(res.body).toMatchObject({ kind: 'Status', reason: 'NotFound', message: 'configmaps "nope" not found' });
  });
});

describe('PartialObjectMetadata', () => {
  it('list and get', async () => {
    const list = await api().get('/api/v1/namespaces/tbl/configmaps').set('Accept', 'application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io').expect(200);
    expect(list.body.kind).toBe('PartialObjectMetadataList');
    expect(list.body.apiVersion).toBe('meta.k8s.io/v1');
    expect(list.body.items.map((i: any) => i.metadata.name)).toEqual(['one', 'two']);
    expect(list.body.items[0]).toEqual({ kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: expect.objectContaining({ name: 'one' }) });
    const one = await api().get('/api/v1/namespaces/tbl/configmaps/one').set('Accept', 'application/json;as=PartialObjectMetadata;v=v1;g=meta.k8s.io').expect(200);
    expect(one.body.kind).toBe('PartialObjectMetadata');
    expect(one.body.data).toBeUndefined();
  });
});
