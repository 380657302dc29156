// RBAC rule matching (rbac.go RuleAllows), Covers (policy_comparator.go), the rule resolver
// (rule.go: subjects, namespaces, missing roles) and the authorizer's decisions and reasons.
import { describe, expect, it } from 'vitest';
import { compactRules, compactString, covers, ruleAllows } from '../../src/auth/rbac/rules.js';
import { RBACResolver } from '../../src/auth/rbac/resolver.js';
import { RBACAuthorizer } from '../../src/auth/rbac/authorizer.js';
import { confirmNoEscalation } from '../../src/auth/rbac/escalation.js';
import type { AuthzAttributes, UserInfo } from '../../src/auth/types.js';

const alice: UserInfo = { username: 'alice', groups: ['dev', 'system:authenticated'] };
function res(verb: string, resource: string, o: Partial<AuthzAttributes> = {}): AuthzAttributes {
  return { user: alice, verb, isResourceRequest: true, path: '', namespace: 'ns', apiGroup: '', apiVersion: 'v1', resource, subresource: '', name: '', ...o };
}
function url(verb: string, path: string): AuthzAttributes {
  return { user: alice, verb, isResourceRequest: false, path, namespace: '', apiGroup: '', apiVersion: '', resource: '', subresource: '', name: '' };
}

describe('RuleAllows', () => {
  it('verbs, groups and resources, with "*"', () => {
    expect(ruleAllows(res('get', 'pods'), { verbs: ['get'], apiGroups: [''], resources: ['pods'] })).toBe(true);
    expect(ruleAllows(res('list', 'pods'), { verbs: ['get'], apiGroups: [''], resources: ['pods'] })).toBe(false);
    expect(ruleAllows(res('list', 'deployments', { apiGroup: 'apps' }), { verbs: ['*'], apiGroups: ['*'], resources: ['*'] })).toBe(true);
    expect(ruleAllows(res('list', 'deployments', { apiGroup: 'apps' }), { verbs: ['*'], apiGroups: [''], resources: ['*'] })).toBe(false);
  });
  it('subresources: exact, "pods/*" is not a wildcard, "*/scale" is', () => {
    const log = res('get', 'pods', { subresource: 'log' });
    expect(ruleAllows(log, { verbs: ['get'], apiGroups: [''], resources: ['pods'] })).toBe(false);
    expect(ruleAllows(log, { verbs: ['get'], apiGroups: [''], resources: ['pods/log'] })).toBe(true);
    expect(ruleAllows(log, { verbs: ['get'], apiGroups: [''], resources: ['pods/*'] })).toBe(false);
    expect(ruleAllows(log, { verbs: ['get'], apiGroups: [''], resources: ['*/log'] })).toBe(true);
    const scale = res('update', 'deployments', { apiGroup: 'apps', subresource: 'scale' });
    expect(ruleAllows(scale, { verbs: ['update'], apiGroups: ['apps'], resources: ['*/scale'] })).toBe(true);
    expect(ruleAllows(res('get', 'pods'), { verbs: ['get'], apiGroups: [''], resources: ['*/log'] })).toBe(false);
  });
  it('resourceNames', () => {
    const rule = { verbs: ['get'], apiGroups: [''], resources: ['configmaps'], resourceNames: ['a'] };
    expect(ruleAllows(res('get', 'configmaps', { name: 'a' }), rule)).toBe(true);
    expect(ruleAllows(res('get', 'configmaps', { name: 'b' }), rule)).toBe(false);
    expect(ruleAllows(res('list', 'configmaps', { verb: 'get' }), rule)).toBe(false);
  });
  it('non-resource URLs with a trailing "*"', () => {
    const rule = { verbs: ['get'], nonResourceURLs: ['/healthz', '/apis/*'] };
    expect(ruleAllows(url('get', '/healthz'), rule)).toBe(true);
    expect(ruleAllows(url('get', '/healthz/etcd'), rule)).toBe(false);
    expect(ruleAllows(url('get', '/apis/apps'), rule)).toBe(true);
    expect(ruleAllows(url('get', '/apis'), rule)).toBe(false);
    expect(ruleAllows(url('post', '/healthz'), rule)).toBe(false);
    expect(ruleAllows(url('get', '/anything'), { verbs: ['*'], nonResourceURLs: ['*'] })).toBe(true);
    // a resource rule never allows a URL
    expect(ruleAllows(url('get', '/healthz'), { verbs: ['*'], apiGroups: ['*'], resources: ['*'] })).toBe(false);
  });
});

describe('Covers', () => {
  it('broken down to one verb, resource and name', () => {
    const owner = [{ verbs: ['get', 'list'], apiGroups: [''], resources: ['pods'] }];
    expect(covers(owner, [{ verbs: ['get'], apiGroups: [''], resources: ['pods'] }]).covered).toBe(true);
    const r = covers(owner, [{ verbs: ['get', 'delete'], apiGroups: ['', 'apps'], resources: ['pods'] }]);
    expect(r.covered).toBe(false);
    expect(r.missing.map(compactString)).toEqual([
      '{APIGroups:[""], Resources:["pods"], Verbs:["delete"]}',
      '{APIGroups:["apps"], Resources:["pods"], Verbs:["get"]}',
      '{APIGroups:["apps"], Resources:["pods"], Verbs:["delete"]}',
    ]);
  });
  it('subresources via "*/sub"; resourceNames; URLs with "*"', () => {
    expect(covers([{ verbs: ['get'], apiGroups: [''], resources: ['*/log'] }], [{ verbs: ['get'], apiGroups: [''], resources: ['pods/log'] }]).covered).toBe(true);
    expect(covers([{ verbs: ['get'], apiGroups: [''], resources: ['pods'], resourceNames: ['a'] }], [{ verbs: ['get'], apiGroups: [''], resources: ['pods'] }]).covered).toBe(false);
    expect(covers([{ verbs: ['get'], apiGroups: [''], resources: ['pods'] }], [{ verbs: ['get'], apiGroups: [''], resources: ['pods'], resourceNames: ['a'] }]).covered).toBe(true);
    expect(covers([{ verbs: ['get'], nonResourceURLs: ['/api/*'] }], [{ verbs: ['get'], nonResourceURLs: ['/api/v1'] }]).covered).toBe(true);
    expect(covers([{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }], [{ verbs: ['get'], nonResourceURLs: ['/x'] }]).covered).toBe(false);
  });
  it('CompactRules merges verbs of simple rules', () => {
    expect(compactRules([
      { apiGroups: [''], resources: ['pods'], verbs: ['get'] },
      { apiGroups: [''], resources: ['pods'], verbs: ['list'] },
      { nonResourceURLs: ['/x'], verbs: ['get'] },
    ])).toEqual([{ nonResourceURLs: ['/x'], verbs: ['get'] }, { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list'] }]);
  });
});

function fixture(): RBACResolver {
  const r = new RBACResolver();
  r.putClusterRole({ metadata: { name: 'view' }, rules: [{ verbs: ['get', 'list'], apiGroups: [''], resources: ['pods'] }] });
  r.putRole({ metadata: { name: 'cm', namespace: 'ns' }, rules: [{ verbs: ['get'], apiGroups: [''], resources: ['configmaps'] }] });
  r.putClusterRoleBinding({ metadata: { name: 'devs-view' }, roleRef: { kind: 'ClusterRole', name: 'view' }, subjects: [{ kind: 'Group', name: 'dev' }] });
  r.putRoleBinding({ metadata: { name: 'alice-cm', namespace: 'ns' }, roleRef: { kind: 'Role', name: 'cm' }, subjects: [{ kind: 'User', name: 'alice' }] });
  r.putRoleBinding({ metadata: { name: 'sa-view', namespace: 'ns' }, roleRef: { kind: 'ClusterRole', name: 'view' }, subjects: [{ kind: 'ServiceAccount', name: 'builder' }] });
  return r;
}

describe('the resolver', () => {
  it('cluster rules everywhere; a namespace adds its RoleBindings', () => {
    const r = fixture();
    expect(r.rulesFor(alice, '')).toEqual({ rules: [{ verbs: ['get', 'list'], apiGroups: [''], resources: ['pods'] }], errors: [] });
    expect(r.rulesFor(alice, 'ns').rules).toHaveLength(2);
    expect(r.rulesFor(alice, 'other').rules).toHaveLength(1);
    expect(r.rulesFor({ username: 'bob', groups: [] }, 'ns').rules).toEqual([]);
  });
  it('service accounts: the binding namespace is the default of the subject', () => {
    const r = fixture();
    const sa: UserInfo = { username: 'system:serviceaccount:ns:builder', groups: ['system:serviceaccounts'] };
    expect(r.rulesFor(sa, 'ns').rules).toHaveLength(1);
    expect(r.rulesFor({ ...sa, username: 'system:serviceaccount:other:builder' }, 'ns').rules).toHaveLength(0);
  });
  it('missing roles are errors worded as the listers word them; the rest still resolves', () => {
    const r = fixture();
    r.deleteRole('ns', 'cm');
    r.putClusterRoleBinding({ metadata: { name: 'ghost' }, roleRef: { kind: 'ClusterRole', name: 'ghost' }, subjects: [{ kind: 'User', name: 'alice' }] });
    const out = r.rulesFor(alice, 'ns');
    expect(out.rules).toHaveLength(1);
    expect(out.errors.sort()).toEqual(['clusterrole.rbac.authorization.k8s.io "ghost" not found', 'role.rbac.authorization.k8s.io "cm" not found']);
  });
  it('updates and deletes of bindings re-index', () => {
    const r = fixture();
    r.putRoleBinding({ metadata: { name: 'alice-cm', namespace: 'ns' }, roleRef: { kind: 'Role', name: 'cm' }, subjects: [{ kind: 'User', name: 'carol' }] });
    expect(r.rulesFor(alice, 'ns').rules).toHaveLength(1);
    expect(r.rulesFor({ username: 'carol', groups: [] }, 'ns').rules).toHaveLength(1);
    r.deleteClusterRoleBinding('devs-view');
    expect(r.rulesFor(alice, 'ns').rules).toHaveLength(0);
  });
});

describe('the authorizer', () => {
  it('system:masters first, then RBAC; no opinion without a rule; reasons as upstream', () => {
    const r = fixture();
    const a = new RBACAuthorizer(r);
    expect(a.authorize(res('delete', 'nodes', { user: { username: 'root', groups: ['system:masters'] } })).decision).toBe('allow');
    expect(a.authorize(res('get', 'configmaps'))).toEqual({ decision: 'allow', reason: 'RBAC: allowed by RoleBinding "alice-cm/ns" of Role "cm" to User "alice"' });
    expect(a.authorize(res('list', 'pods', { namespace: '' }))).toEqual({ decision: 'allow', reason: 'RBAC: allowed by ClusterRoleBinding "devs-view" of ClusterRole "view" to Group "dev"' });
    expect(a.authorize(res('delete', 'pods'))).toEqual({ decision: 'noopinion', reason: '' });
    r.putClusterRoleBinding({ metadata: { name: 'g1' }, roleRef: { kind: 'ClusterRole', name: 'ghost1' }, subjects: [{ kind: 'User', name: 'alice' }] });
    r.putClusterRoleBinding({ metadata: { name: 'g2' }, roleRef: { kind: 'ClusterRole', name: 'ghost2' }, subjects: [{ kind: 'User', name: 'alice' }] });
    expect(a.authorize(res('delete', 'pods')).reason).toBe('RBAC: [clusterrole.rbac.authorization.k8s.io "ghost1" not found, clusterrole.rbac.authorization.k8s.io "ghost2" not found]');
  });
  it('ConfirmNoEscalation words the missing rules as upstream', () => {
    const r = fixture();
    expect(confirmNoEscalation(r, alice, 'ns', [{ verbs: ['get'], apiGroups: [''], resources: ['pods'] }])).toBeUndefined();
    expect(confirmNoEscalation(r, alice, 'ns', [{ verbs: ['get', 'watch'], apiGroups: [''], resources: ['pods', 'secrets'] }])).toBe(
      'user "alice" (groups=["dev" "system:authenticated"]) is attempting to grant RBAC permissions not currently held:\n{APIGroups:[""], Resources:["pods"], Verbs:["watch"]}\n{APIGroups:[""], Resources:["secrets"], Verbs:["get" "watch"]}',
    );
  });
});
