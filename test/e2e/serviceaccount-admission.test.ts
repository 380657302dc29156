// E2E (real kubectl, full cluster): the ServiceAccount admission plugin. `kubectl run` in a brand
// new namespace works (its `default` account exists before the next request), the pod carries the
// kube-api-access projected volume, a missing account is refused in upstream words, and one
// `kubectl apply -f` of a namespace and a pod never meets a missing account.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer } from '../helpers/server.js';
import { Kubectl, availableKubectls } from '../helpers/kubectl.js';
import type { KubeEmulator } from '../../src/server/app.js';

const MOUNT = '/var/run/secrets/kubernetes.io/serviceaccount';

describe.each(availableKubectls([33, 29]))('kubectl 1.$minor: ServiceAccount admission', ({ minor, bin }) => {
  let srv: KubeEmulator;
  let k: Kubectl;
  beforeAll(async () => {
    srv = await startServer({ controllers: ['*'] });
    k = new Kubectl(bin, srv.url);
  });
  afterAll(async () => {
    await srv?.close();
  });

  it('kubectl run in a new namespace; get pod -o yaml shows the kube-api-access volume', async () => {
    const ns = `run-${minor}`;
    await k.ok(['create', 'ns', ns]);
    expect(await k.ok(['run', 'web', '--image', 'nginx', '-n', ns])).toBe('pod/web created\n');
    const yaml = await k.ok(['get', 'pod', 'web', '-n', ns, '-o', 'yaml']);
    const name = /- name: (kube-api-access-[bcdfghjklmnpqrstvwxz2456789]{5})\n\s+projected:/.exec(yaml)?.[1];
    expect(name, yaml).toBeDefined();
    expect(yaml).toContain(`    - mountPath: ${MOUNT}\n      name: ${name}\n      readOnly: true\n`);
    expect(yaml).toContain('  serviceAccount: default\n  serviceAccountName: default\n');
    expect(yaml).toContain(
      [
        `  - name: ${name}`,
        '    projected:',
        '      defaultMode: 420',
        '      sources:',
        '      - serviceAccountToken:',
        '          expirationSeconds: 3607',
        '          path: token',
        '      - configMap:',
        '          items:',
        '          - key: ca.crt',
        '            path: ca.crt',
        '          name: kube-root-ca.crt',
        '      - downwardAPI:',
        '          items:',
        '          - fieldRef:',
        '              apiVersion: v1',
        '              fieldPath: metadata.namespace',
        '            path: namespace',
      ].join('\n'),
    );
  });

  it('kubectl describe pod shows the account, the mount and the projected volume', async () => {
    const ns = `run-${minor}`;
    const out = await k.ok(['describe', 'pod', 'web', '-n', ns]);
    expect(out).toMatch(/^Service Account: +default$/m);
    expect(out).toMatch(/^ {6}\/var\/run\/secrets\/kubernetes\.io\/serviceaccount from kube-api-access-[a-z0-9]{5} \(ro\)$/m);
    expect(out).toMatch(/^ {2}kube-api-access-[a-z0-9]{5}:\n {4}Type: +Projected \(a volume that contains injected data from multiple sources\)$/m);
    expect(out).toMatch(/^ {4}ConfigMapName: +kube-root-ca\.crt$/m);
  });

  it('a pod naming a missing account is refused with upstream words', async () => {
    const ns = `run-${minor}`;
    const r = await k.run(['run', 'x', '--image', 'nginx', '-n', ns, '--overrides', '{"apiVersion":"v1","spec":{"serviceAccountName":"nope"}}']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`Error from server (Forbidden): pods "x" is forbidden: error looking up service account ${ns}/nope: serviceaccount "nope" not found\n`);
    await k.ok(['create', 'serviceaccount', 'nope', '-n', ns]);
    await k.ok(['run', 'x', '--image', 'nginx', '-n', ns, '--overrides', '{"apiVersion":"v1","spec":{"serviceAccountName":"nope"}}']);
    expect(await k.ok(['get', 'pod', 'x', '-n', ns, '-o', 'jsonpath={.spec.serviceAccountName}'])).toBe('nope');
  });

  it('kubectl apply -f of a namespace and a pod in it', async () => {
    const ns = `applied-${minor}`;
    const out = await k.ok(['apply', '-f', '-'], {
      input: `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${ns}\n---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  namespace: ${ns}\nspec:\n  automountServiceAccountToken: false\n  containers:\n  - name: c\n    image: nginx\n`,
    });
    expect(out).toBe(`namespace/${ns} created\npod/p created\n`);
    // the pod opted out: no token volume
    expect(await k.ok(['get', 'pod', 'p', '-n', ns, '-o', 'jsonpath={.spec.serviceAccountName} {.spec.volumes}'])).toBe('default ');
  });
});
