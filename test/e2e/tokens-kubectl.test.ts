// E2E: service-account tokens and identities with real kubectl: `create token` (audience,
// duration, bound objects), `auth whoami` with the token, and --as / --as-group impersonation.
// Over HTTPS (client-go sends no bearer token over plain HTTP): the kubeconfig trusts the cluster
// CA and carries the token `t`, an administrator in the server's static token file.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer } from '../helpers/server.js';
import { Kubectl, availableKubectls } from '../helpers/kubectl.js';
import type { KubeEmulator } from '../../src/server/app.js';

const claimsOf = (token: string) => JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8'));

describe.each(availableKubectls([33, 29]))('kubectl 1.$minor: tokens and identities', ({ bin }) => {
  let srv: KubeEmulator;
  let k: Kubectl;
  /** false until the server speaks HTTPS (the TLS part): kubectl sends no bearer token over plain HTTP */
  let https = false;
  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tokens-e2e-'));
    writeFileSync(join(dir, 'tokens.csv'), 't,kubernetes-admin,admin,system:masters\n');
    srv = await startServer({ security: { tokenAuthFile: join(dir, 'tokens.csv') }, controllers: ['serviceaccount-token', 'clusterrole-aggregation'] });
    k = new Kubectl(bin, srv.url);
    const ca = (srv as { ca?: string }).ca;
    https = srv.url.startsWith('https:') && !!ca;
    if (!https) return;
    writeFileSync(
      k.kubeconfig,
      `apiVersion: v1\nkind: Config\nclusters:\n- cluster:\n    server: ${srv.url}\n    certificate-authority-data: ${Buffer.from(ca!).toString('base64')}\n  name: e\ncontexts:\n- context:\n    cluster: e\n    user: e\n  name: e\ncurrent-context: e\nusers:\n- name: e\n  user:\n    token: t\n`,
    );
    await k.ok(['create', 'namespace', 'apps']);
    await k.ok(['create', 'serviceaccount', 'robot', '-n', 'apps']);
  });
  afterAll(async () => {
    await srv?.close();
  });

  it('create token, then auth whoami with it', async ({ skip }) => {
    if (!https) skip();
    const token = (await k.ok(['create', 'token', 'robot', '-n', 'apps'])).trim();
    const c = claimsOf(token);
    expect(c).toMatchObject({ iss: 'https://kubernetes.default.svc.cluster.local', sub: 'system:serviceaccount:apps:robot', aud: ['https://kubernetes.default.svc.cluster.local'] });
    expect(c.exp - c.iat).toBe(3600);
    const who = await k.ok(['auth', 'whoami', '--token', token]);
    const rows = who.trim().split('\n').map((l) => l.split(/\s{2,}/));
    expect(rows[0]).toEqual(['ATTRIBUTE', 'VALUE']);
    expect(rows).toContainEqual(['Username', 'system:serviceaccount:apps:robot']);
    expect(rows).toContainEqual(['Groups', '[system:serviceaccounts system:serviceaccounts:apps system:authenticated]']);
    const json = JSON.parse(await k.ok(['auth', 'whoami', '--token', token, '-o', 'json']));
    expect(json.status.userInfo.username).toBe('system:serviceaccount:apps:robot');
  });

  it('create token with --audience, --duration and a bound pod', async ({ skip }) => {
    if (!https) skip();
    const t = (await k.ok(['create', 'token', 'robot', '-n', 'apps', '--audience', 'vault', '--audience', 'other', '--duration', '2h'])).trim();
    const c = claimsOf(t);
    expect(c.aud).toEqual(['vault', 'other']);
    expect(c.exp - c.iat).toBe(7200);
    // not for the API server
    const r = await k.run(['auth', 'whoami', '--token', t]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('Unauthorized');
    await k.ok(['run', 'p', '-n', 'apps', '--image', 'nginx', '--overrides', '{"spec":{"serviceAccountName":"robot"}}']);
    const bound = (await k.ok(['create', 'token', 'robot', '-n', 'apps', '--bound-object-kind', 'Pod', '--bound-object-name', 'p'])).trim();
    expect(claimsOf(bound)['kubernetes.io'].pod.name).toBe('p');
    const who = JSON.parse(await k.ok(['auth', 'whoami', '--token', bound, '-o', 'json']));
    expect(who.status.userInfo.extra['authentication.kubernetes.io/pod-name']).toEqual(['p']);
  });

  it('create token errors as upstream words them', async ({ skip }) => {
    if (!https) skip();
    const r = await k.run(['create', 'token', 'ghost', '-n', 'apps']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('serviceaccounts "ghost" not found');
    const short = await k.run(['create', 'token', 'robot', '-n', 'apps', '--duration', '1m']);
    expect(short.code).toBe(1);
    expect(short.stderr).toContain('may not specify a duration less than 10 minutes');
  });

  it('--as and --as-group', async ({ skip }) => {
    if (!https) skip();
    const who = JSON.parse(await k.ok(['auth', 'whoami', '--as', 'jane', '--as-group', 'devs', '--as-group', 'ops', '-o', 'json']));
    expect(who.status.userInfo).toEqual({ username: 'jane', groups: ['devs', 'ops', 'system:authenticated'] });
    // RBAC sees the impersonated identity: the group's binding lets jane list pods, jane alone may not
    await k.ok(['create', 'rolebinding', 'devs-view', '--clusterrole', 'view', '--group', 'devs', '-n', 'apps']);
    expect(await k.ok(['get', 'pods', '-n', 'apps', '--as', 'jane', '--as-group', 'devs', '-o', 'name'])).toBe('pod/p\n');
    const alone = await k.run(['get', 'pods', '-n', 'apps', '--as', 'jane']);
    expect(alone.code).toBe(1);
    expect(alone.stderr).toContain('Error from server (Forbidden): pods is forbidden: User "jane" cannot list resource "pods" in API group "" in the namespace "apps"');
    const sa = JSON.parse(await k.ok(['auth', 'whoami', '--as', 'system:serviceaccount:apps:robot', '-o', 'json']));
    expect(sa.status.userInfo.groups).toEqual(['system:serviceaccounts', 'system:serviceaccounts:apps', 'system:authenticated']);
  });
});
