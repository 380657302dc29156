// E2E (real kubectl, full cluster): a new namespace gets its ServiceAccount `default` at once
// (pkg/controller/serviceaccount), and default, kube-system and kube-public cannot be deleted
// (NamespaceLifecycle admission's immortal namespaces) while `delete namespace --all` removes the rest.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer } from '../helpers/server.js';
import { Kubectl, availableKubectls } from '../helpers/kubectl.js';
import type { KubeEmulator } from '../../src/server/app.js';
import { lines, poll, records } from './fixtures/util.js';

describe.each(availableKubectls([33, 29]))('kubectl 1.$minor: namespaces and their default ServiceAccount', ({ minor, bin }) => {
  let srv: KubeEmulator;
  let k: Kubectl;
  beforeAll(async () => {
    srv = await startServer({ controllers: ['*'] });
    k = new Kubectl(bin, srv.url);
  });
  afterAll(async () => {
    await srv?.close();
  });

  it('kubectl create ns x; kubectl get sa -n x shows default', async () => {
    expect(await k.ok(['create', 'ns', `sa-${minor}`])).toBe(`namespace/sa-${minor} created\n`);
    const rows = await poll(async () => {
      const r = records(await k.ok(['get', 'sa', '-n', `sa-${minor}`]));
      return r.length ? r : undefined;
    }, 'the default ServiceAccount', 5000);
    expect(rows).toEqual([{ NAME: 'default', SECRETS: '0', AGE: expect.stringMatching(/^\d+s$/) }]);
    // and every system namespace has one
    const all = records(await k.ok(['get', 'sa', '-A']));
    for (const ns of ['default', 'kube-system', 'kube-public', 'kube-node-lease']) expect(all).toContainEqual(expect.objectContaining({ NAMESPACE: ns, NAME: 'default' }));
  });

  it('kubectl delete sa default: it comes back', async () => {
    const ns = `sa-${minor}`;
    const uid = (await k.ok(['get', 'sa', 'default', '-n', ns, '-o', 'jsonpath={.metadata.uid}'])).trim();
    expect(await k.ok(['delete', 'sa', 'default', '-n', ns])).toBe('serviceaccount "default" deleted\n');
    await poll(async () => {
      const r = await k.run(['get', 'sa', 'default', '-n', ns, '-o', 'jsonpath={.metadata.uid}']);
      return r.code === 0 && r.stdout.trim() !== uid;
    }, 'a new default ServiceAccount', 5000);
  });

  it('kubectl delete namespace default is forbidden with upstream words', async () => {
    const r = await k.run(['delete', 'namespace', 'default']);
    expect(r).toMatchObject({ code: 1, stdout: '' });
    expect(r.stderr).toBe('Error from server (Forbidden): namespaces "default" is forbidden: this namespace may not be deleted\n');
  });

  it('kubectl delete namespace --all deletes all but default, kube-system and kube-public', async () => {
    await k.ok(['create', 'ns', `gone-${minor}`]);
    const r = await k.run(['delete', 'namespace', '--all', '--wait=false']);
    expect(r.code).toBe(1);
    expect(lines(r.stdout).sort()).toEqual([`namespace "gone-${minor}" deleted`, 'namespace "kube-node-lease" deleted', `namespace "sa-${minor}" deleted`]);
    expect(lines(r.stderr).sort()).toEqual(
      ['default', 'kube-public', 'kube-system'].map((n) => `Error from server (Forbidden): namespaces "${n}" is forbidden: this namespace may not be deleted`),
    );
    const left = await poll(async () => {
      const names = records(await k.ok(['get', 'ns'])).map((x) => x.NAME);
      return names.length === 3 ? names : undefined;
    }, 'the deleted namespaces to go', 10_000);
    expect(left).toEqual(['default', 'kube-public', 'kube-system']);
  });
});
