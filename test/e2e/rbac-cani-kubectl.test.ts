// E2E: `kubectl auth can-i` with real kubectl against the bootstrap RBAC policy: the cluster
// administrator (system:masters, bound to cluster-admin) may do anything; another user (by
// impersonation) may do nothing until a RoleBinding gives them `edit`, whose rules the ClusterRole
// aggregation controller gathers from system:aggregate-to-edit (and from a CRD's role labelled
// aggregate-to-edit). kubectl sends SelfSubjectAccessReviews (can-i) and SelfSubjectRulesReviews
// (--list): staging/src/k8s.io/kubectl/pkg/cmd/auth/cani.go.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer } from '../helpers/server.js';
import { Kubectl, availableKubectls } from '../helpers/kubectl.js';
import type { KubeEmulator } from '../../src/server/app.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.each(availableKubectls([33, 29]))('kubectl 1.$minor: auth can-i', ({ bin }) => {
  let srv: KubeEmulator;
  let k: Kubectl;
  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cani-e2e-'));
    writeFileSync(join(dir, 'tokens.csv'), 't,kubernetes-admin,admin,system:masters\n');
    srv = await startServer({ security: { tokenAuthFile: join(dir, 'tokens.csv') }, controllers: ['clusterrole-aggregation'] });
    k = new Kubectl(bin, srv.url);
    const ca = (srv as { ca?: string }).ca;
    if (!srv.url.startsWith('https:') || !ca) throw new Error('the server does not serve HTTPS: kubectl would send no token');
    writeFileSync(
      k.kubeconfig,
      `apiVersion: v1\nkind: Config\nclusters:\n- cluster:\n    server: ${srv.url}\n    certificate-authority-data: ${Buffer.from(ca).toString('base64')}\n  name: e\ncontexts:\n- context:\n    cluster: e\n    user: e\n  name: e\ncurrent-context: e\nusers:\n- name: e\n  user:\n    token: t\n`,
    );
    await k.ok(['create', 'namespace', 'y']);
  });
  afterAll(async () => {
    await srv?.close();
  });

  it('the administrator can do anything', async () => {
    expect(await k.ok(['auth', 'can-i', 'get', 'pods'])).toBe('yes\n');
    expect(await k.ok(['auth', 'can-i', '*', '*'])).toBe('yes\n');
    const list = await k.ok(['auth', 'can-i', '--list']);
    const rows = list.trim().split('\n').map((l) => l.trim().split(/\s{2,}/));
    expect(rows[0]).toEqual(['Resources', 'Non-Resource URLs', 'Resource Names', 'Verbs']);
    expect(rows).toContainEqual(['*.*', '[]', '[]', '[*]']);
    expect(rows).toContainEqual(['[*]', '[]', '[*]']);
  });

  it('another user may not, until a RoleBinding gives them edit', async () => {
    const no = await k.run(['auth', 'can-i', 'create', 'deployments', '--as', 'x', '-n', 'y']);
    expect(no.code).toBe(1);
    expect(no.stdout).toBe('no\n');
    await k.ok(['create', 'rolebinding', 'x-edit', '--clusterrole', 'edit', '--user', 'x', '-n', 'y']);
    // the aggregation controller fills edit's rules
    let yes = '';
    for (let i = 0; i < 50 && yes !== 'yes\n'; i++) {
      yes = (await k.run(['auth', 'can-i', 'create', 'deployments', '--as', 'x', '-n', 'y'])).stdout;
      if (yes !== 'yes\n') await sleep(100);
    }
    expect(yes).toBe('yes\n');
    expect((await k.run(['auth', 'can-i', 'create', 'deployments', '--as', 'x', '-n', 'default'])).stdout).toBe('no\n');
    // edit does not grant RBAC itself
    expect((await k.run(['auth', 'can-i', 'create', 'rolebindings', '--as', 'x', '-n', 'y'])).stdout).toBe('no\n');
    const list = await k.ok(['auth', 'can-i', '--list', '--as', 'x', '-n', 'y']);
    const rows = list.trim().split('\n').map((l) => l.trim().split(/\s{2,}/));
    expect(rows.map((r) => r[0])).toEqual(expect.arrayContaining(['deployments.apps', 'pods', 'selfsubjectaccessreviews.authorization.k8s.io']));
    expect(rows.some((r) => r.some((c) => c.includes('/api/*')))).toBe(true);
  });

  it('a CRD role labelled aggregate-to-edit joins edit', async () => {
    await k.ok(['apply', '-f', '-'], {
      input: JSON.stringify({
        apiVersion: 'apiextensions.k8s.io/v1',
        kind: 'CustomResourceDefinition',
        metadata: { name: 'widgets.example.com' },
        spec: {
          group: 'example.com',
          scope: 'Namespaced',
          names: { plural: 'widgets', singular: 'widget', kind: 'Widget', listKind: 'WidgetList' },
          versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } }],
        },
      }),
    });
    await k.ok(['wait', '--for', 'condition=Established', 'crd/widgets.example.com', '--timeout', '20s']);
    await k.ok(['apply', '-f', '-'], {
      input: JSON.stringify({
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRole',
        metadata: { name: 'widgets-edit', labels: { 'rbac.authorization.k8s.io/aggregate-to-edit': 'true' } },
        rules: [{ apiGroups: ['example.com'], resources: ['widgets'], verbs: ['get', 'list', 'create'] }],
      }),
    });
    let yes = '';
    for (let i = 0; i < 50 && yes !== 'yes\n'; i++) {
      yes = (await k.run(['auth', 'can-i', 'create', 'widgets.example.com', '--as', 'x', '-n', 'y'])).stdout;
      if (yes !== 'yes\n') await sleep(100);
    }
    expect(yes).toBe('yes\n');
    const edit = JSON.parse(await k.ok(['get', 'clusterrole', 'edit', '-o', 'json']));
    expect(edit.rules).toContainEqual({ apiGroups: ['example.com'], resources: ['widgets'], verbs: ['get', 'list', 'create'] });
  });

  it('the bootstrap policy is there', async () => {
    const names = (await k.ok(['get', 'clusterroles', '-o', 'name'])).trim().split('\n');
    expect(names).toEqual(expect.arrayContaining(['clusterrole.rbac.authorization.k8s.io/cluster-admin', 'clusterrole.rbac.authorization.k8s.io/system:discovery', 'clusterrole.rbac.authorization.k8s.io/view']));
    const crb = JSON.parse(await k.ok(['get', 'clusterrolebinding', 'cluster-admin', '-o', 'json']));
    expect(crb.metadata.labels).toEqual({ 'kubernetes.io/bootstrapping': 'rbac-defaults' });
    expect(crb.metadata.annotations).toEqual({ 'rbac.authorization.kubernetes.io/autoupdate': 'true' });
    expect(crb.subjects).toEqual([{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'system:masters' }]);
  });
});
