// The bootstrap RBAC policy and the access reviews in the RBAC mode (needs the RBAC kinds):
// answers and reasons from the RBAC authorizer, the rules of SelfSubjectRulesReview, and a restart
// with an existing data dir rewriting nothing (storage_rbac.go, subjectaccessreview/rest.go).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KubeEmulator } from '../../src/server/app.js';
import { startServer } from '../helpers/server.js';

let emu: KubeEmulator;
const api = () => request(emu.app.server);
const G = '/apis/authorization.k8s.io/v1';
const admin = { Authorization: 'Bearer admin-token' };
const alice = { Authorization: 'Bearer alice-token' };
let tokens: string;

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rbacpolicy-'));
  tokens = join(dir, 'tokens.csv');
  writeFileSync(tokens, `admin-token,kubernetes-admin,admin-uid,"system:masters"\nalice-token,alice,alice-uid,"dev"\n`);
  emu = await startServer({ security: { insecureHTTP: true, tokenAuthFile: tokens } });
});
afterAll(async () => {
  await emu.close();
});

describe('access reviews with RBAC', () => {
  it('SubjectAccessReview: no opinion for an unbound user, the binding in the reason once bound', async () => {
    const sar = (user: string) => ({ apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview', spec: { user, resourceAttributes: { verb: 'get', resource: 'pods', namespace: 'default' } } });
    const no = await api().post(`${G}/subjectaccessreviews`).set(admin).send(sar('bob')).expect(201);
    expect(no.body.status).toEqual({ allowed: false });
    await api()
      .post('/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings')
      .set(admin)
      .send({ metadata: { name: 'bob-view' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'system:aggregate-to-view' }, subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'bob' }] })
      .expect(201);
    const yes = await api().post(`${G}/subjectaccessreviews`).set(admin).send(sar('bob')).expect(201);
    expect(yes.body.status).toEqual({ allowed: true, reason: 'RBAC: allowed by RoleBinding "bob-view/default" of ClusterRole "system:aggregate-to-view" to User "bob"' });
  });
  it('SelfSubjectAccessReview for an authenticated user: basic-user and discovery', async () => {
    const r = await api().post(`${G}/selfsubjectaccessreviews`).set(alice).send({ apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', spec: { nonResourceAttributes: { verb: 'get', path: '/api' } } }).expect(201);
    expect(r.body.status).toEqual({ allowed: true, reason: 'RBAC: allowed by ClusterRoleBinding "system:discovery" of ClusterRole "system:discovery" to Group "system:authenticated"' });
  });
  it('SelfSubjectRulesReview: the rules the bootstrap policy gives every authenticated user', async () => {
    const r = await api().post(`${G}/selfsubjectrulesreviews`).set(alice).send({ apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectRulesReview', spec: { namespace: 'default' } }).expect(201);
    expect(r.body.status.incomplete).toBe(false);
    expect(r.body.status.resourceRules).toContainEqual({ verbs: ['create'], apiGroups: ['authorization.k8s.io'], resources: ['selfsubjectaccessreviews', 'selfsubjectrulesreviews'] });
    expect(r.body.status.nonResourceRules).toContainEqual({ verbs: ['get'], nonResourceURLs: ['/healthz', '/livez', '/readyz', '/version', '/version/'] });
  });
});

describe('bootstrap policy on restart', () => {
  it('an existing data dir: nothing is rewritten; a user edit to a role is kept, autoupdate=false respected', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'rbacpolicy-data-'));
    const opts = { inMemory: false, dataDir, security: { insecureHTTP: true, tokenAuthFile: tokens } };
    let s = await startServer(opts);
    const a = () => request(s.app.server);
    await a()
      .patch('/apis/rbac.authorization.k8s.io/v1/clusterroles/system:heapster')
      .set(admin)
      .set('Content-Type', 'application/merge-patch+json')
      .send({ metadata: { annotations: { 'rbac.authorization.kubernetes.io/autoupdate': 'false' } }, rules: [] })
      .expect(200);
    const rev = s.store.revision();
    await s.close();
    const t0 = performance.now();
    s = await startServer(opts);
    const took = performance.now() - t0;
    expect(s.store.revision()).toBe(rev);
    const h = await a().get('/apis/rbac.authorization.k8s.io/v1/clusterroles/system:heapster').set(admin).expect(200);
    expect(h.body.rules ?? []).toEqual([]);
    expect(took).toBeLessThan(5000);
    await s.close();
  });
});
