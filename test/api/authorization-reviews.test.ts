// authorization.k8s.io/v1 access reviews over HTTP in the open mode / AlwaysAllow (everything is
// allowed) and their validation errors (pkg/registry/authorization/*/rest.go, validation.go).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import type { KubeEmulator } from '../../src/server/app.js';
import { startServer } from '../helpers/server.js';

let emu: KubeEmulator;
const api = () => request(emu.app.server);
const G = '/apis/authorization.k8s.io/v1';

beforeAll(async () => {
  emu = await startServer();
});
afterAll(async () => {
  await emu.close();
});

describe('access reviews in the open mode', () => {
  it('SubjectAccessReview is allowed and echoes its spec', async () => {
    const spec = { user: 'bob', groups: ['dev'], resourceAttributes: { verb: 'get', resource: 'pods', namespace: 'default' } };
    const r = await api().post(`${G}/subjectaccessreviews`).send({ apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview', spec }).expect(201);
    expect(r.body).toEqual({ apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview', metadata: { creationTimestamp: null }, spec, status: { allowed: true } });
  });
  it('SubjectAccessReview needs a user or a group', async () => {
    const r = await api().post(`${G}/subjectaccessreviews`).send({ kind: 'SubjectAccessReview', apiVersion: 'authorization.k8s.io/v1', spec: { resourceAttributes: { verb: 'get' } } }).expect(422);
    expect(r.body).toMatchObject({
      kind: 'Status',
      reason: 'Invalid',
      message: 'SubjectAccessReview.authorization.k8s.io "" is invalid: spec.user: Invalid value: "": at least one of user or group must be specified',
      details: { group: 'authorization.k8s.io', kind: 'SubjectAccessReview', causes: [{ reason: 'FieldValueInvalid', field: 'spec.user' }] },
    });
  });
  it('LocalSubjectAccessReview is answered in its namespace', async () => {
    const spec = { user: 'bob', resourceAttributes: { verb: 'list', group: 'apps', resource: 'deployments', namespace: 'default' } };
    const r = await api().post(`${G}/namespaces/default/localsubjectaccessreviews`).send({ apiVersion: 'authorization.k8s.io/v1', kind: 'LocalSubjectAccessReview', spec }).expect(201);
    expect(r.body).toMatchObject({ kind: 'LocalSubjectAccessReview', metadata: { namespace: 'default' }, spec, status: { allowed: true } });
  });
  it('LocalSubjectAccessReview refuses another namespace', async () => {
    const spec = { user: 'bob', resourceAttributes: { verb: 'list', resource: 'pods', namespace: 'other' } };
    const r = await api().post(`${G}/namespaces/default/localsubjectaccessreviews`).send({ apiVersion: 'authorization.k8s.io/v1', kind: 'LocalSubjectAccessReview', spec }).expect(400);
    expect(r.body).toMatchObject({ kind: 'Status', reason: 'BadRequest', message: 'spec.resourceAttributes.namespace must match namespace: default', code: 400 });
  });
  it('SelfSubjectAccessReview is allowed; invalid without attributes', async () => {
    const r = await api().post(`${G}/selfsubjectaccessreviews`).send({ apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', spec: { nonResourceAttributes: { verb: 'get', path: '/metrics' } } }).expect(201);
    expect(r.body.status).toEqual({ allowed: true });
    const bad = await api().post(`${G}/selfsubjectaccessreviews`).send({ apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', spec: {} }).expect(422);
    expect(bad.body.message).toBe('SelfSubjectAccessReview.authorization.k8s.io "" is invalid: spec.resourceAttributes: Invalid value: "null": exactly one of nonResourceAttributes or resourceAttributes must be specified');
  });
  it('SelfSubjectRulesReview gives the wildcard rules; needs a namespace', async () => {
    const r = await api().post(`${G}/selfsubjectrulesreviews`).send({ apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectRulesReview', spec: { namespace: 'default' } }).expect(201);
    expect(r.body.status).toEqual({
      resourceRules: [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }],
      nonResourceRules: [{ verbs: ['*'], nonResourceURLs: ['*'] }],
      incomplete: false,
    });
    const bad = await api().post(`${G}/selfsubjectrulesreviews`).send({ apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectRulesReview', spec: {} }).expect(400);
    expect(bad.body.message).toBe('no namespace on request');
  });
});
