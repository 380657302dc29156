import { describe, expect, it } from 'vitest';
import {
  bootstrapClusterRoleBindings,
  bootstrapClusterRoles,
  bootstrapRoleBindings,
  bootstrapRoles,
  ensureBootstrapPolicy,
  reconcileBinding,
  reconcileRole,
} from '../../src/auth/rbac/bootstrap.js';
import { breakdownRule, covers } from '../../src/auth/rbac/rules.js';
import { aggregatedRules } from '../../src/controllers/clusterroleaggregation.js';

const byName = (list: any[], name: string) => list.find((o) => o.metadata.name === name);

describe('bootstrap policy data', () => {
  it('has upstream ClusterRoles with the bootstrapping label and the autoupdate annotation', () => {
    const roles = bootstrapClusterRoles();
    const names = roles.map((r) => r.metadata.name);
    for (const n of ['cluster-admin', 'admin', 'edit', 'view', 'system:discovery', 'system:basic-user', 'system:public-info-viewer', 'system:service-account-issuer-discovery', 'system:node', 'system:node-proxier', 'system:kube-scheduler', 'system:kube-controller-manager', 'system:controller:deployment-controller', 'system:controller:clusterrole-aggregation-controller'])
      expect(names).toContain(n);
    expect(new Set(names).size).toBe(names.length);
    for (const r of roles) {
      expect(r.apiVersion).toBe('rbac.authorization.k8s.io/v1');
      expect(r.kind).toBe('ClusterRole');
      expect(r.metadata.labels['kubernetes.io/bootstrapping']).toBe('rbac-defaults');
      expect(r.metadata.annotations['rbac.authorization.kubernetes.io/autoupdate']).toBe('true');
    }
    expect(byName(roles, 'cluster-admin').rules).toEqual([
      { apiGroups: ['*'], resources: ['*'], verbs: ['*'] },
      { nonResourceURLs: ['*'], verbs: ['*'] },
    ]);
    expect(byName(roles, 'admin').aggregationRule).toEqual({ clusterRoleSelectors: [{ matchLabels: { 'rbac.authorization.k8s.io/aggregate-to-admin': 'true' } }] });
    expect(byName(roles, 'edit').metadata.labels['rbac.authorization.k8s.io/aggregate-to-admin']).toBe('true');
    expect(byName(roles, 'view').metadata.labels['rbac.authorization.k8s.io/aggregate-to-edit']).toBe('true');
    expect(byName(roles, 'system:certificates.k8s.io:kubelet-serving-approver').rules).toEqual([
      { apiGroups: ['certificates.k8s.io'], resourceNames: ['kubernetes.io/kubelet-serving'], resources: ['signers'], verbs: ['approve'] },
    ]);
    expect(byName(roles, 'system:controller:node-controller').rules[4]).toEqual({ apiGroups: ['', 'events.k8s.io'], resources: ['events'], verbs: ['create', 'patch', 'update'] });
  });

  it('binds the roles as upstream', () => {
    const b = bootstrapClusterRoleBindings();
    expect(byName(b, 'cluster-admin')).toMatchObject({
      kind: 'ClusterRoleBinding',
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'system:masters' }],
    });
    expect(byName(b, 'system:node').subjects).toBeUndefined();
    expect(byName(b, 'system:controller:job-controller').subjects).toEqual([{ kind: 'ServiceAccount', name: 'job-controller', namespace: 'kube-system' }]);
    expect(bootstrapRoles().map((r) => `${r.metadata.namespace}/${r.metadata.name}`)).toContain('kube-system/extension-apiserver-authentication-reader');
    expect(byName(bootstrapRoleBindings(), 'system::leader-locking-kube-scheduler')).toMatchObject({
      kind: 'RoleBinding',
      metadata: { namespace: 'kube-system' },
      roleRef: { kind: 'Role', name: 'system::leader-locking-kube-scheduler' },
    });
  });
});

describe('covers', () => {
  it('breaks rules down and finds the uncovered atoms', () => {
    expect(breakdownRule({ apiGroups: [''], resources: ['pods', 'services'], verbs: ['get'] })).toHaveLength(2);
    expect(covers([{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }], [{ apiGroups: ['apps'], resources: ['deployments/scale'], verbs: ['patch'] }]).covered).toBe(true);
    expect(covers([{ apiGroups: ['*'], resources: ['*/scale'], verbs: ['get'] }], [{ apiGroups: ['apps'], resources: ['deployments/scale'], verbs: ['get'] }]).covered).toBe(true);
    expect(covers([{ nonResourceURLs: ['/healthz/*'], verbs: ['get'] }], [{ nonResourceURLs: ['/healthz/etcd'], verbs: ['get'] }]).covered).toBe(true);
    const { covered: ok, missing } = covers([{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }], [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list'] }]);
    expect(ok).toBe(false);
    expect(missing).toEqual([{ apiGroups: [''], resources: ['pods'], verbs: ['list'] }]);
    // a rule limited to names does not cover the whole resource
    expect(covers([{ apiGroups: [''], resources: ['configmaps'], resourceNames: ['a'], verbs: ['get'] }], [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get'] }]).covered).toBe(false);
  });
});

describe('reconciliation', () => {
  const expected = () => byName(bootstrapClusterRoles(), 'system:discovery');

  it('leaves an unchanged role alone', () => {
    expect(reconcileRole(structuredClone(expected()), expected())).toBeUndefined();
  });

  it('adds missing rules, labels and annotations and keeps user additions', () => {
    const existing = structuredClone(expected());
    existing.rules = [{ nonResourceURLs: ['/api', '/custom'], verbs: ['get'] }];
    existing.metadata.labels = { mine: 'x', 'kubernetes.io/bootstrapping': 'changed' };
    delete existing.metadata.annotations;
    const out = reconcileRole(existing, expected())!;
    expect(out.rules[0]).toEqual({ nonResourceURLs: ['/api', '/custom'], verbs: ['get'] });
    expect(out.rules.slice(1)).toContainEqual({ nonResourceURLs: ['/version'], verbs: ['get'] });
    expect(out.rules.slice(1)).not.toContainEqual({ nonResourceURLs: ['/api'], verbs: ['get'] });
    expect(out.metadata.labels).toEqual({ mine: 'x', 'kubernetes.io/bootstrapping': 'changed' });
    expect(out.metadata.annotations).toEqual({ 'rbac.authorization.kubernetes.io/autoupdate': 'true' });
  });

  it('does not touch objects with autoupdate=false', () => {
    const existing = structuredClone(expected());
    existing.rules = [];
    existing.metadata.annotations['rbac.authorization.kubernetes.io/autoupdate'] = 'false';
    expect(reconcileRole(existing, expected())).toBeUndefined();
  });

  it('adds missing aggregation selectors and keeps the aggregated rules', () => {
    const want = byName(bootstrapClusterRoles(), 'admin');
    const existing = structuredClone(want);
    existing.rules = [{ apiGroups: ['x'], resources: ['y'], verbs: ['get'] }];
    existing.aggregationRule = { clusterRoleSelectors: [{ matchLabels: { mine: 'true' } }] };
    const out = reconcileRole(existing, want)!;
    expect(out.aggregationRule.clusterRoleSelectors).toEqual([{ matchLabels: { mine: 'true' } }, { matchLabels: { 'rbac.authorization.k8s.io/aggregate-to-admin': 'true' } }]);
    expect(out.rules).toEqual(existing.rules);
  });

  it('adds missing subjects, keeps extra ones, recreates on a changed roleRef', () => {
    const want = byName(bootstrapClusterRoleBindings(), 'system:public-info-viewer');
    const existing = structuredClone(want);
    existing.subjects = [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'me' }, want.subjects[1]];
    const out = reconcileBinding(existing, want) as any;
    expect(out.subjects).toEqual([existing.subjects[0], want.subjects[1], want.subjects[0]]);
    expect(reconcileBinding(structuredClone(want), want)).toBeUndefined();
    expect(reconcileBinding({ ...structuredClone(want), roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'other' } }, want)).toBe('recreate');
    const prot = structuredClone(existing);
    prot.metadata.annotations['rbac.authorization.kubernetes.io/autoupdate'] = 'false';
    expect(reconcileBinding(prot, want)).toBeUndefined();
  });

  it('ensureBootstrapPolicy creates what is missing and writes nothing the second time', () => {
    const store = new Map<string, any>();
    const writes: string[] = [];
    const defs: Record<string, any> = { clusterroles: { plural: 'clusterroles' }, clusterrolebindings: { plural: 'clusterrolebindings' }, roles: { plural: 'roles' }, rolebindings: { plural: 'rolebindings' } };
    const key = (d: any, ns: string, n: string) => `${d.plural}/${ns}/${n}`;
    const registry: any = {
      def: (_g: string, p: string) => defs[p],
      tryGet: (d: any, ns: string, n: string) => structuredClone(store.get(key(d, ns, n))),
      create: (d: any, ns: string, o: any) => (writes.push(`create ${key(d, ns, o.metadata.name)}`), store.set(key(d, ns, o.metadata.name), structuredClone(o))),
      update: (d: any, ns: string, n: string, o: any) => (writes.push(`update ${key(d, ns, n)}`), store.set(key(d, ns, n), structuredClone(o))),
      delete: (d: any, ns: string, n: string) => (writes.push(`delete ${key(d, ns, n)}`), store.delete(key(d, ns, n))),
    };
    ensureBootstrapPolicy(registry);
    const total = bootstrapClusterRoles().length + bootstrapClusterRoleBindings().length + bootstrapRoles().length + bootstrapRoleBindings().length;
    expect(writes).toHaveLength(total);
    writes.length = 0;
    const t0 = performance.now();
    ensureBootstrapPolicy(registry);
    expect(performance.now() - t0).toBeLessThan(100);
    expect(writes).toEqual([]);
    // a user's edit survives, a deleted rule comes back
    const v = store.get('clusterroles//system:discovery');
    v.rules = [{ nonResourceURLs: ['/mine'], verbs: ['get'] }];
    ensureBootstrapPolicy(registry);
    expect(writes).toEqual(['update clusterroles//system:discovery']);
    expect(store.get('clusterroles//system:discovery').rules[0]).toEqual({ nonResourceURLs: ['/mine'], verbs: ['get'] });
    // no RBAC kinds: nothing happens
    const none: any = { def: () => undefined };
    expect(() => ensureBootstrapPolicy(none)).not.toThrow();
  });
});

describe('aggregation', () => {
  const role = (name: string, labels: Record<string, string>, rules: any[], aggregationRule?: any) => ({ metadata: { name, labels }, rules, ...(aggregationRule ? { aggregationRule } : {}) });
  it('is the union of the matching roles, by name, each rule once, itself excluded', () => {
    const sel = (l: string) => ({ matchLabels: { [l]: 'true' } });
    const r1 = { apiGroups: [''], resources: ['pods'], verbs: ['get'] };
    const r2 = { apiGroups: ['example.com'], resources: ['widgets'], verbs: ['get', 'list'] };
    const r3 = { apiGroups: [''], resources: ['secrets'], verbs: ['get'] };
    const admin = role('admin', {}, [], { clusterRoleSelectors: [sel('to-admin'), sel('other')] });
    const all = [
      admin,
      role('z-crd', { 'to-admin': 'true' }, [r2, r1]),
      role('a-base', { 'to-admin': 'true' }, [r1]),
      role('b-other', { other: 'true' }, [r3, { verbs: ['get'], apiGroups: [''], resources: ['pods'], resourceNames: [] }]),
      role('unrelated', {}, [r3]),
    ];
    expect(aggregatedRules(admin, all)).toEqual([r1, r2, r3]);
    expect(aggregatedRules(role('self', { 'to-admin': 'true' }, [], { clusterRoleSelectors: [sel('to-admin')] }), [role('self', { 'to-admin': 'true' }, [r3])])).toEqual([]);
  });
});
