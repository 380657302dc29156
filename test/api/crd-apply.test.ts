// Server-side apply of custom resources whose schema keeps unknown fields
// (x-kubernetes-preserve-unknown-fields): declared fields (metadata, typed properties) keep their
// merge semantics, the others are deduced from their values, as structured-merge-diff treats a map
// with fields (apiextensions-apiserver builds its typed schema that way).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import { startServer } from '../helpers/server.js';
import type { KubeEmulator } from '../../src/server/app.js';

const APPLY = 'application/apply-patch+yaml';
let srv: KubeEmulator;

beforeAll(async () => {
  srv = await startServer({ controllers: [] });
  const schema = { type: 'object', 'x-kubernetes-preserve-unknown-fields': true, properties: { spec: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true, properties: { ports: { type: 'array', 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['name'], items: { type: 'object', required: ['name'], properties: { name: { type: 'string' }, port: { type: 'integer' } } } } } } } };
  await request(srv.app.server)
    .post('/apis/apiextensions.k8s.io/v1/customresourcedefinitions')
    .send({ apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: 'things.x.example.com' }, spec: { group: 'x.example.com', scope: 'Cluster', names: { plural: 'things', kind: 'Thing' }, versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: schema } }] } })
    .expect(201);
  for (let i = 0; i < 100; i++) {
    const r = await request(srv.app.server).get('/apis/x.example.com/v1/things');
    if (r.status === 200) break;
    await new Promise((res) => setTimeout(res, 10));
  }
});
afterAll(async () => {
  await srv?.close();
});

const apply = (manager: string, body: unknown) =>
  request(srv.app.server).patch(`/apis/x.example.com/v1/things/t?fieldManager=${manager}`).set('Content-Type', APPLY).send(JSON.stringify(body));

describe('server-side apply with x-kubernetes-preserve-unknown-fields', () => {
  it('two managers: metadata.finalizers merge as a set, undeclared fields merge by key, list-type map items by name', async () => {
    await apply('a', { apiVersion: 'x.example.com/v1', kind: 'Thing', metadata: { name: 't', finalizers: ['a.io/x'] }, extra: { one: 1 }, spec: { ports: [{ name: 'http', port: 80 }] } }).expect(201);
    const r = await apply('b', { apiVersion: 'x.example.com/v1', kind: 'Thing', metadata: { name: 't', finalizers: ['b.io/y'] }, extra: { two: 2 }, spec: { ports: [{ name: 'https', port: 443 }] } }).expect(200);
    expect(r.body.metadata.finalizers).toEqual(['a.io/x', 'b.io/y']);
    expect(r.body.extra).toEqual({ one: 1, two: 2 });
    expect(r.body.spec.ports).toEqual([{ name: 'http', port: 80 }, { name: 'https', port: 443 }]);
  });

  it('a manager that gives up an undeclared field removes it; another manager\'s value of it is a conflict', async () => {
    const r = await apply('a', { apiVersion: 'x.example.com/v1', kind: 'Thing', metadata: { name: 't', finalizers: ['a.io/x'] }, spec: { ports: [{ name: 'http', port: 80 }] } }).expect(200);
    expect(r.body.extra).toEqual({ two: 2 });
    const c = await apply('c', { apiVersion: 'x.example.com/v1', kind: 'Thing', metadata: { name: 't' }, extra: { two: 3 } }).expect(409);
    expect(c.body.message).toBe('Apply failed with 1 conflict: conflict with "b": .extra.two');
  });

  it('without a status subresource, status is written and owned through the main resource (no reset fields)', async () => {
    const schema = { type: 'object', properties: { spec: { type: 'object', properties: { a: { type: 'string' } } }, status: { type: 'object', properties: { phase: { type: 'string' } } } } };
    await request(srv.app.server)
      .post('/apis/apiextensions.k8s.io/v1/customresourcedefinitions')
      .send({ apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: 'plains.x.example.com' }, spec: { group: 'x.example.com', scope: 'Cluster', names: { plural: 'plains', kind: 'Plain' }, versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: schema } }] } })
      .expect(201);
    for (let i = 0; i < 100 && (await request(srv.app.server).get('/apis/x.example.com/v1/plains')).status !== 200; i++) await new Promise((res) => setTimeout(res, 10));
    const path = '/apis/x.example.com/v1/plains/p';
    const a = await request(srv.app.server).patch(`${path}?fieldManager=a`).set('Content-Type', APPLY).send(JSON.stringify({ apiVersion: 'x.example.com/v1', kind: 'Plain', metadata: { name: 'p' }, status: { phase: 'Up' } })).expect(201);
    expect(a.body.status).toEqual({ phase: 'Up' });
    expect(a.body.metadata.managedFields[0].fieldsV1).toEqual({ 'f:status': { 'f:phase': {} } });
    const b = await request(srv.app.server).patch(`${path}?fieldManager=b`).set('Content-Type', APPLY).send(JSON.stringify({ apiVersion: 'x.example.com/v1', kind: 'Plain', metadata: { name: 'p' }, status: { phase: 'Down' } })).expect(409);
    expect(b.body.message).toBe('Apply failed with 1 conflict: conflict with "a": .status.phase');
    // an Update through the main resource records it too
    const u = await request(srv.app.server).patch(`${path}?fieldManager=c`).set('Content-Type', 'application/merge-patch+json').send({ status: { phase: 'Idle' } }).expect(200);
    expect(u.body.metadata.managedFields.find((m: any) => m.manager === 'c')?.fieldsV1).toEqual({ 'f:status': { 'f:phase': {} } });
  });

  it('a null for a non-nullable field is dropped in decoding under every field validation mode, Strict (kubectl\'s default) included', async () => {
    for (const mode of ['Strict', 'Warn', 'Ignore']) {
      const name = `n-${mode.toLowerCase()}`;
      const r = await request(srv.app.server)
        .post(`/apis/x.example.com/v1/plains?fieldValidation=${mode}`)
        .send({ apiVersion: 'x.example.com/v1', kind: 'Plain', metadata: { name }, spec: { a: null } })
        .expect(201);
      expect(r.body.spec).toEqual({});
    }
  });
});

