// RBAC over HTTP: the four rbac.authorization.k8s.io/v1 kinds (validation, defaults, printers),
// the authorizer's 403s as upstream words them, and escalation prevention (upstream:
// pkg/apis/rbac/validation/validation.go, plugin/pkg/auth/authorizer/rbac/rbac.go,
// pkg/registry/rbac/*/policybased/storage.go, pkg/registry/rbac/validation/rule.go).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KubeEmulator } from '../../src/server/app.js';
import { startServer } from '../helpers/server.js';

let emu: KubeEmulator;
const api = () => request(emu.app.server);
const NS = 'team';
const bearer = (t: string) => ({ Authorization: `Bearer ${t}` });
const ADMIN = bearer('admin-token');
const ALICE = bearer('alice-token');
const BOB = bearer('bob-token');
const TABLE = 'application/json;as=Table;v=v1;g=meta.k8s.io';
const RBAC = '/apis/rbac.authorization.k8s.io/v1';

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rbac-'));
  const file = join(dir, 'tokens.csv');
  writeFileSync(file, 'admin-token,kubernetes-admin,admin-uid,"system:masters"\nalice-token,alice,alice-uid,"dev"\nbob-token,bob,bob-uid\n');
  emu = await startServer({ security: { insecureHTTP: true, tokenAuthFile: file } });
  await api().post('/api/v1/namespaces').set(ADMIN).send({ metadata: { name: NS } }).expect(201);
});
afterAll(async () => {
  await emu.close();
});

describe('the authorizer', () => {
  it('system:anonymous is refused with upstream 403 body', async () => {
    const r = await api().get('/api/v1/pods').expect(403);
    expect(r.body).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'pods is forbidden: User "system:anonymous" cannot list resource "pods" in API group "" at the cluster scope',
      reason: 'Forbidden',
      details: { kind: 'pods' },
      code: 403,
    });
  });
  it('system:masters may do anything', async () => {
    await api().get('/api/v1/pods').set(ADMIN).expect(200);
    await api().get('/metrics-or-anything').set(ADMIN).expect(404);
  });
  it('a RoleBinding grants its Role in its namespace only; denials name the namespace', async () => {
    await api().post(`${RBAC}/namespaces/${NS}/roles`).set(ADMIN).send({ metadata: { name: 'pod-reader' }, rules: [{ apiGroups: [''], resources: ['pods', 'pods/log'], verbs: ['get', 'list'] }] }).expect(201);
    await api().post(`${RBAC}/namespaces/${NS}/rolebindings`).set(ADMIN).send({ metadata: { name: 'alice-reads' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'pod-reader' }, subjects: [{ kind: 'User', name: 'alice' }] }).expect(201);
    await api().get(`/api/v1/namespaces/${NS}/pods`).set(ALICE).expect(200);
    const secrets = await api().get(`/api/v1/namespaces/${NS}/secrets`).set(ALICE).expect(403);
    expect(secrets.body.message).toBe('secrets is forbidden: User "alice" cannot list resource "secrets" in API group "" in the namespace "team"');
    const other = await api().get('/api/v1/namespaces/default/pods').set(ALICE).expect(403);
    expect(other.body.message).toBe('pods is forbidden: User "alice" cannot list resource "pods" in API group "" in the namespace "default"');
    const del = await api().delete(`/api/v1/namespaces/${NS}/pods/p1`).set(ALICE).expect(403);
    expect(del.body.message).toBe('pods "p1" is forbidden: User "alice" cannot delete resource "pods" in API group "" in the namespace "team"');
    // bob has no binding
    await api().get(`/api/v1/namespaces/${NS}/pods`).set(BOB).expect(403);
  });
  it('a binding to a missing role: the reason names it', async () => {
    await api().post(`${RBAC}/clusterrolebindings`).set(ADMIN).send({ metadata: { name: 'bob-ghost' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'ghost' }, subjects: [{ kind: 'User', name: 'bob' }] }).expect(201);
    const r = await api().get('/api/v1/nodes').set(BOB).expect(403);
    expect(r.body.message).toBe('nodes is forbidden: User "bob" cannot list resource "nodes" in API group "" at the cluster scope: RBAC: clusterrole.rbac.authorization.k8s.io "ghost" not found');
    await api().delete(`${RBAC}/clusterrolebindings/bob-ghost`).set(ADMIN).expect(200);
    expect((await api().get('/api/v1/nodes').set(BOB).expect(403)).body.message).toBe('nodes is forbidden: User "bob" cannot list resource "nodes" in API group "" at the cluster scope');
  });
  it('group subjects, non-resource URLs and changes seen at once', async () => {
    // (/version and /healthz are everyone's through the bootstrap system:public-info-viewer binding)
    await api().post(`${RBAC}/clusterroles`).set(ADMIN).send({ metadata: { name: 'healthz' }, rules: [{ nonResourceURLs: ['/metrics', '/debug/*'], verbs: ['get'] }] }).expect(201);
    expect((await api().get('/metrics').set(ALICE).expect(403)).body.message).toBe('forbidden: User "alice" cannot get path "/metrics"');
    await api().post(`${RBAC}/clusterrolebindings`).set(ADMIN).send({ metadata: { name: 'dev-healthz' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'healthz' }, subjects: [{ kind: 'Group', name: 'dev' }] }).expect(201);
    // authorized now: the answer is the server's own (this server has no /metrics)
    await api().get('/metrics').set(ALICE).expect(404);
    await api().get('/debug/pprof').set(ALICE).expect(404);
    await api().get('/metrics').set(BOB).expect(403);
  });
});

describe('the RBAC kinds', () => {
  it('defaults the subject and roleRef apiGroup; prints bindings as upstream (wide columns)', async () => {
    const rb = await api()
      .post(`${RBAC}/namespaces/${NS}/rolebindings`)
      .set(ADMIN)
      .send({ metadata: { name: 'mixed' }, roleRef: { kind: 'ClusterRole', name: 'view' }, subjects: [{ kind: 'User', name: 'u1' }, { kind: 'Group', name: 'g1' }, { kind: 'ServiceAccount', name: 'sa1', namespace: NS }] })
      .expect(201);
    expect(rb.body.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' });
    expect(rb.body.subjects).toEqual([
      { kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'u1' },
      { kind: 'Group', apiGroup: 'rbac.authorization.k8s.io', name: 'g1' },
      { kind: 'ServiceAccount', name: 'sa1', namespace: NS },
    ]);
    const t = await api().get(`${RBAC}/namespaces/${NS}/rolebindings/mixed`).set(ADMIN).set('Accept', TABLE).expect(200);
    expect(t.body.columnDefinitions.map((c: any) => [c.name, c.priority])).toEqual([
      ['Name', 0],
      ['Role', 0],
      ['Age', 0],
      ['Users', 1],
      ['Groups', 1],
      ['ServiceAccounts', 1],
    ]);
    expect(t.body.rows[0].cells).toEqual(['mixed', 'ClusterRole/view', expect.any(String), 'u1', 'g1', `${NS}/sa1`]);
    const roles = await api().get(`${RBAC}/namespaces/${NS}/roles`).set(ADMIN).set('Accept', TABLE).expect(200);
    expect(roles.body.columnDefinitions.map((c: any) => c.name)).toEqual(['Name', 'Created At']);
    expect(roles.body.rows[0].cells[1]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const crb = await api().get(`${RBAC}/clusterrolebindings`).set(ADMIN).set('Accept', TABLE).expect(200);
    expect(crb.body.rows.find((r: any) => r.cells[0] === 'dev-healthz').cells.slice(0, 2)).toEqual(['dev-healthz', 'ClusterRole/healthz']);
  });
  it('a role without rules has rules: null', async () => {
    const r = await api().post(`${RBAC}/clusterroles`).set(ADMIN).send({ metadata: { name: 'empty' } }).expect(201);
    expect(r.body.rules).toBeNull();
  });
  it('validation worded as upstream', async () => {
    const bad = await api()
      .post(`${RBAC}/namespaces/${NS}/roles`)
      .set(ADMIN)
      .send({ metadata: { name: 'bad' }, rules: [{ apiGroups: [''], resources: ['pods'] }, { nonResourceURLs: ['/x'], verbs: ['get'] }, { verbs: ['get'] }] })
      .expect(422);
    expect(bad.body.message).toBe(
      'Role.rbac.authorization.k8s.io "bad" is invalid: [rules[0].verbs: Required value: verbs must contain at least one value, rules[1].nonResourceURLs: Invalid value: ["/x"]: namespaced rules cannot apply to non-resource URLs, rules[2].apiGroups: Required value: resource rules must supply at least one api group, rules[2].resources: Required value: resource rules must supply at least one resource]',
    );
    const both = await api().post(`${RBAC}/clusterroles`).set(ADMIN).send({ metadata: { name: 'both' }, rules: [{ nonResourceURLs: ['/x'], resources: ['pods'], verbs: ['get'] }] }).expect(422);
    expect(both.body.message).toBe('ClusterRole.rbac.authorization.k8s.io "both" is invalid: rules[0].nonResourceURLs: Invalid value: ["/x"]: rules cannot apply to both regular resources and non-resource URLs');
    const agg = await api().post(`${RBAC}/clusterroles`).set(ADMIN).send({ metadata: { name: 'agg' }, aggregationRule: { clusterRoleSelectors: [] } }).expect(422);
    expect(agg.body.message).toBe('ClusterRole.rbac.authorization.k8s.io "agg" is invalid: aggregationRule.clusterRoleSelectors: Required value: at least one clusterRoleSelector required if aggregationRule is non-nil');
    const name = await api().post(`${RBAC}/clusterroles`).set(ADMIN).send({ metadata: { name: 'a%b' } }).expect(422);
    expect(name.body.message).toBe('ClusterRole.rbac.authorization.k8s.io "a%b" is invalid: metadata.name: Invalid value: "a%b": may not contain \'%\'');
    const crb = await api()
      .post(`${RBAC}/clusterrolebindings`)
      .set(ADMIN)
      .send({ metadata: { name: 'x' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'r' }, subjects: [{ kind: 'ServiceAccount', name: 'sa' }, { kind: 'User', name: 'u', apiGroup: 'other' }, { kind: 'Robot', name: 'r' }] })
      .expect(422);
    expect(crb.body.message).toBe(
      'ClusterRoleBinding.rbac.authorization.k8s.io "x" is invalid: [roleRef.kind: Unsupported value: "Role": supported values: "ClusterRole", subjects[0].namespace: Required value, subjects[1].apiGroup: Unsupported value: "other": supported values: "rbac.authorization.k8s.io", subjects[2].kind: Unsupported value: "Robot": supported values: "ServiceAccount", "User", "Group"]',
    );
  });
  it('the roleRef cannot change', async () => {
    const cur = (await api().get(`${RBAC}/namespaces/${NS}/rolebindings/mixed`).set(ADMIN).expect(200)).body;
    cur.roleRef.name = 'edit';
    const r = await api().put(`${RBAC}/namespaces/${NS}/rolebindings/mixed`).set(ADMIN).send(cur).expect(422);
    expect(r.body.message).toBe(
      'RoleBinding.rbac.authorization.k8s.io "mixed" is invalid: roleRef: Invalid value: rbac.RoleRef{APIGroup:"rbac.authorization.k8s.io", Kind:"ClusterRole", Name:"edit"}: cannot change roleRef',
    );
  });
  it('PUT of a missing role creates it (AllowCreateOnUpdate)', async () => {
    await api().put(`${RBAC}/clusterroles/created-by-put`).set(ADMIN).send({ metadata: { name: 'created-by-put' }, rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }] }).expect(201);
    await api().delete(`${RBAC}/clusterroles/created-by-put`).set(ADMIN).expect(200);
    await api().get(`${RBAC}/clusterroles/created-by-put`).set(ADMIN).expect(404);
  });
});

describe('escalation prevention', () => {
  beforeAll(async () => {
    // alice may manage roles and rolebindings in the namespace, and holds pod-reader there
    await api().post(`${RBAC}/namespaces/${NS}/roles`).set(ADMIN).send({ metadata: { name: 'rbac-manager' }, rules: [{ apiGroups: ['rbac.authorization.k8s.io'], resources: ['roles', 'rolebindings'], verbs: ['create', 'update', 'get', 'list'] }] }).expect(201);
    await api().post(`${RBAC}/namespaces/${NS}/rolebindings`).set(ADMIN).send({ metadata: { name: 'alice-rbac' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'rbac-manager' }, subjects: [{ kind: 'User', name: 'alice' }] }).expect(201);
  });
  it('a user cannot create a Role granting more than they hold', async () => {
    const r = await api()
      .post(`${RBAC}/namespaces/${NS}/roles`)
      .set(ALICE)
      .send({ metadata: { name: 'too-much' }, rules: [{ apiGroups: [''], resources: ['secrets'], verbs: ['get', 'list'] }, { apiGroups: [''], resources: ['pods'], verbs: ['get', 'delete'] }] })
      .expect(403);
    expect(r.body).toMatchObject({ reason: 'Forbidden', code: 403, details: { name: 'too-much', group: 'rbac.authorization.k8s.io', kind: 'roles' } });
    expect(r.body.message).toBe(
      'roles.rbac.authorization.k8s.io "too-much" is forbidden: user "alice" (groups=["dev" "system:authenticated"]) is attempting to grant RBAC permissions not currently held:\n' +
        '{APIGroups:[""], Resources:["pods"], Verbs:["delete"]}\n' +
        '{APIGroups:[""], Resources:["secrets"], Verbs:["get" "list"]}',
    );
  });
  it('what they hold they may grant', async () => {
    await api().post(`${RBAC}/namespaces/${NS}/roles`).set(ALICE).send({ metadata: { name: 'subset' }, rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }] }).expect(201);
    await api().post(`${RBAC}/namespaces/${NS}/rolebindings`).set(ALICE).send({ metadata: { name: 'bob-subset' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'subset' }, subjects: [{ kind: 'User', name: 'bob' }] }).expect(201);
    await api().get(`/api/v1/namespaces/${NS}/pods/none`).set(BOB).expect(404);
  });
  it('a binding to a role with more than they hold is refused; a missing role is 404', async () => {
    await api().post(`${RBAC}/clusterroles`).set(ADMIN).send({ metadata: { name: 'node-reader' }, rules: [{ apiGroups: [''], resources: ['nodes'], verbs: ['get', 'list', 'watch'] }] }).expect(201);
    const r = await api().post(`${RBAC}/namespaces/${NS}/rolebindings`).set(ALICE).send({ metadata: { name: 'bob-nodes' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'node-reader' }, subjects: [{ kind: 'User', name: 'bob' }] }).expect(403);
    expect(r.body.message).toBe(
      'rolebindings.rbac.authorization.k8s.io "bob-nodes" is forbidden: user "alice" (groups=["dev" "system:authenticated"]) is attempting to grant RBAC permissions not currently held:\n{APIGroups:[""], Resources:["nodes"], Verbs:["get" "list" "watch"]}',
    );
    // what alice holds through the cluster-wide binding of her group she may bind in the namespace
    await api().post(`${RBAC}/namespaces/${NS}/rolebindings`).set(ALICE).send({ metadata: { name: 'bob-healthz' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'healthz' }, subjects: [{ kind: 'User', name: 'bob' }] }).expect(201);
    const missing = await api().post(`${RBAC}/namespaces/${NS}/rolebindings`).set(ALICE).send({ metadata: { name: 'bob-ghost' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'ghost' }, subjects: [{ kind: 'User', name: 'bob' }] }).expect(404);
    expect(missing.body.message).toBe('roles.rbac.authorization.k8s.io "ghost" not found');
  });
  it('the escalate verb lets a role grant more; the bind verb lets a binding refer to it', async () => {
    await api().post(`${RBAC}/namespaces/${NS}/roles`).set(ADMIN).send({ metadata: { name: 'escalator' }, rules: [{ apiGroups: ['rbac.authorization.k8s.io'], resources: ['roles'], verbs: ['escalate'] }, { apiGroups: ['rbac.authorization.k8s.io'], resources: ['clusterroles'], verbs: ['bind'], resourceNames: ['ghost-edit'] }] }).expect(201);
    await api().post(`${RBAC}/namespaces/${NS}/rolebindings`).set(ADMIN).send({ metadata: { name: 'alice-escalator' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'escalator' }, subjects: [{ kind: 'User', name: 'alice' }] }).expect(201);
    await api().post(`${RBAC}/namespaces/${NS}/roles`).set(ALICE).send({ metadata: { name: 'secrets-admin' }, rules: [{ apiGroups: [''], resources: ['secrets'], verbs: ['*'] }] }).expect(201);
    await api().post(`${RBAC}/namespaces/${NS}/rolebindings`).set(ALICE).send({ metadata: { name: 'bob-edit' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'ghost-edit' }, subjects: [{ kind: 'User', name: 'bob' }] }).expect(201);
  });
  it('a PATCH that adds rules is checked too', async () => {
    const r = await api()
      .patch(`${RBAC}/namespaces/${NS}/roles/subset`)
      .set(BOB)
      .set('Content-Type', 'application/merge-patch+json')
      .send({ rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }] })
      .expect(403);
    // bob may not even patch roles: the authorizer answers first (bob-edit refers to a ClusterRole, ghost-edit, that does not exist)
    expect(r.body.message).toBe(
      'roles.rbac.authorization.k8s.io "subset" is forbidden: User "bob" cannot patch resource "roles" in API group "rbac.authorization.k8s.io" in the namespace "team": RBAC: clusterrole.rbac.authorization.k8s.io "ghost-edit" not found',
    );
    await api().post(`${RBAC}/namespaces/${NS}/roles`).set(ADMIN).send({ metadata: { name: 'role-patcher' }, rules: [{ apiGroups: ['rbac.authorization.k8s.io'], resources: ['roles'], verbs: ['patch'] }] }).expect(201);
    await api().post(`${RBAC}/namespaces/${NS}/rolebindings`).set(ADMIN).send({ metadata: { name: 'bob-patcher' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'role-patcher' }, subjects: [{ kind: 'User', name: 'bob' }] }).expect(201);
    const p = await api()
      .patch(`${RBAC}/namespaces/${NS}/roles/subset`)
      .set(BOB)
      .set('Content-Type', 'application/merge-patch+json')
      .send({ rules: [{ apiGroups: [''], resources: ['secrets'], verbs: ['get'] }] })
      .expect(403);
    expect(p.body.message).toBe('roles.rbac.authorization.k8s.io "subset" is forbidden: user "bob" (groups=["system:authenticated"]) is attempting to grant RBAC permissions not currently held:\n{APIGroups:[""], Resources:["secrets"], Verbs:["get"]}; resolution errors: [clusterroles.rbac.authorization.k8s.io "ghost-edit" not found]');
  });
  it('the aggregationRule needs cluster-admin privileges', async () => {
    await api().post(`${RBAC}/clusterroles`).set(ADMIN).send({ metadata: { name: 'clusterrole-creator' }, rules: [{ apiGroups: ['rbac.authorization.k8s.io'], resources: ['clusterroles'], verbs: ['create'] }] }).expect(201);
    await api().post(`${RBAC}/clusterrolebindings`).set(ADMIN).send({ metadata: { name: 'bob-creator' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'clusterrole-creator' }, subjects: [{ kind: 'User', name: 'bob' }] }).expect(201);
    const r = await api().post(`${RBAC}/clusterroles`).set(BOB).send({ metadata: { name: 'aggregated' }, aggregationRule: { clusterRoleSelectors: [{ matchLabels: { a: 'b' } }] } }).expect(403);
    expect(r.body.message).toBe('clusterroles.rbac.authorization.k8s.io "aggregated" is forbidden: must have cluster-admin privileges to use the aggregationRule');
    await api().post(`${RBAC}/clusterroles`).set(BOB).send({ metadata: { name: 'plain' } }).expect(201);
    await api().post(`${RBAC}/clusterroles`).set(ADMIN).send({ metadata: { name: 'aggregated' }, aggregationRule: { clusterRoleSelectors: [{ matchLabels: { a: 'b' } }] } }).expect(201);
  });
});
