// E2E with real kubectl: ResourceQuota enforced at admission and kept by the quota controller
// (kubectl create quota, the Forbidden lines kubectl prints, describe quota), and LimitRange
// defaults and refusals on pods created directly (fast pod stages, every controller).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer } from '../helpers/server.js';
import { Kubectl, availableKubectls } from '../helpers/kubectl.js';
import type { KubeEmulator } from '../../src/server/app.js';

const versions = availableKubectls([29, 33]);
if (versions.length === 0) console.warn('policy-quota e2e: no kubectl.1.29 / kubectl.1.33 found, skipping');

/** Polls `f` until it gives a truthy value (20 s). */
async function poll<T>(f: () => Promise<T | undefined | false>, what: string): Promise<T> {
  const end = Date.now() + 20_000;
  for (;;) {
    const v = await f();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe.each(versions)('kubectl 1.$minor: ResourceQuota and LimitRange', ({ minor, bin }) => {
  let emu: KubeEmulator;
  let k: Kubectl;
  const NS = `quota-${minor}`;
  const LR = `limits-${minor}`;
  beforeAll(async () => {
    emu = await startServer({ controllers: ['*'], podStages: 'fast' });
    k = new Kubectl(bin, emu.url);
    await k.ok(['create', 'ns', NS]);
    await k.ok(['create', 'ns', LR]);
  });
  afterAll(async () => {
    await emu?.close();
  });
  const used = async (name: string) => JSON.parse((await k.ok(['get', 'quota', name, '-n', NS, '-o', 'jsonpath={.status.used}'])) || 'null');

  it('create quota; creates past it are refused with the Forbidden kubectl prints; describe shows Used / Hard', async () => {
    expect(await k.ok(['create', 'quota', 'q', '--hard=pods=2,count/configmaps=3', '-n', NS])).toBe('resourcequota/q created\n');
    // the quota controller fills the status; the namespace's kube-root-ca.crt (root CA publisher)
    // counts, as upstream
    await poll(async () => JSON.stringify(await used('q')) === JSON.stringify({ 'count/configmaps': '1', pods: '0' }), 'quota status');
    expect(await k.ok(['run', 'p1', '--image=busybox', '-n', NS])).toBe('pod/p1 created\n');
    expect(await k.ok(['run', 'p2', '--image=busybox', '-n', NS])).toBe('pod/p2 created\n');
    const p3 = await k.run(['run', 'p3', '--image=busybox', '-n', NS]);
    expect(p3.code).toBe(1);
    expect(p3.stderr).toBe('Error from server (Forbidden): pods "p3" is forbidden: exceeded quota: q, requested: pods=1, used: pods=2, limited: pods=2\n');
    for (const c of ['a', 'b']) await k.ok(['create', 'configmap', c, '-n', NS]);
    const d = await k.run(['create', 'configmap', 'd', '-n', NS]);
    expect(d.stderr).toBe(
      'error: failed to create configmap: configmaps "d" is forbidden: exceeded quota: q, requested: count/configmaps=1, used: count/configmaps=3, limited: count/configmaps=3\n',
    );
    const e = await k.run(['create', '-f', '-', '-n', NS], { input: 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: e\n' });
    expect(e.stderr).toBe(
      'Error from server (Forbidden): error when creating "STDIN": configmaps "e" is forbidden: exceeded quota: q, requested: count/configmaps=1, used: count/configmaps=3, limited: count/configmaps=3\n',
    );
    expect(await k.ok(['describe', 'quota', 'q', '-n', NS])).toBe(
      [`Name:             q`, `Namespace:        ${NS}`, 'Resource          Used  Hard', '--------          ----  ----', 'count/configmaps  3     3', 'pods              2     2', ''].join('\n'),
    );
    const table = (await k.ok(['get', 'quota', '-n', NS])).split('\n');
    expect(table[0]).toMatch(/^NAME\s+REQUEST\s+LIMIT\s+AGE$/);
    expect(table[1]).toMatch(/^q\s+count\/configmaps: 3\/3, pods: 2\/2\s+\d+s$/);
  });

  it('deleting pods gives their quota back, and the next pod fits', async () => {
    await k.ok(['delete', 'pod', 'p1', '-n', NS, '--grace-period=0', '--force']);
    await poll(async () => (await used('q'))?.pods === '1', 'pods used back to 1');
    expect(await k.ok(['run', 'p3', '--image=busybox', '-n', NS])).toBe('pod/p3 created\n');
    expect((await used('q')).pods).toBe('2');
    await k.ok(['delete', 'configmap', 'a', '-n', NS]);
    await poll(async () => (await used('q'))?.['count/configmaps'] === '2', 'configmaps used back to 2');
  });

  it('a compute quota makes pods state their resources', async () => {
    await k.ok(['create', 'quota', 'compute', '--hard=requests.cpu=1,limits.cpu=2', '-n', NS]);
    await poll(async () => !!(await used('compute')), 'compute quota status');
    await k.ok(['delete', 'quota', 'q', '-n', NS]);
    const r = await k.run(['run', 'bare', '--image=busybox', '-n', NS]);
    expect(r.stderr).toBe('Error from server (Forbidden): pods "bare" is forbidden: failed quota: compute: must specify limits.cpu for: bare; requests.cpu for: bare\n');
  });

  it('count/<resource>.<group> counts custom resources too', async () => {
    const crd = [
      'apiVersion: apiextensions.k8s.io/v1',
      'kind: CustomResourceDefinition',
      'metadata:',
      '  name: widgets.quota.example.com',
      'spec:',
      '  group: quota.example.com',
      '  scope: Namespaced',
      '  names: {plural: widgets, singular: widget, kind: Widget, listKind: WidgetList}',
      '  versions:',
      '  - name: v1',
      '    served: true',
      '    storage: true',
      '    schema: {openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}}',
      '',
    ].join('\n');
    await k.ok(['apply', '-f', '-'], { input: crd });
    await k.ok(['wait', '--for=condition=Established', 'crd/widgets.quota.example.com', '--timeout=20s']);
    await k.ok(['create', 'quota', 'widgets', '--hard=count/widgets.quota.example.com=1', '-n', NS]);
    await poll(async () => (await used('widgets'))?.['count/widgets.quota.example.com'] === '0', 'widgets quota status');
    const w = (name: string) => `apiVersion: quota.example.com/v1\nkind: Widget\nmetadata:\n  name: ${name}\n`;
    expect(await k.ok(['create', '-f', '-', '-n', NS], { input: w('one') })).toBe('widget.quota.example.com/one created\n');
    const r = await k.run(['create', '-f', '-', '-n', NS], { input: w('two') });
    expect(r.stderr).toBe(
      'Error from server (Forbidden): error when creating "STDIN": widgets.quota.example.com "two" is forbidden: exceeded quota: widgets, requested: count/widgets.quota.example.com=1, used: count/widgets.quota.example.com=1, limited: count/widgets.quota.example.com=1\n',
    );
    // deleting one gives it back (the controller watches the kinds its quotas count)
    await k.ok(['delete', 'widget', 'one', '-n', NS]);
    await poll(async () => (await used('widgets'))?.['count/widgets.quota.example.com'] === '0', 'widget usage given back');
    expect(await k.ok(['create', '-f', '-', '-n', NS], { input: w('two') })).toBe('widget.quota.example.com/two created\n');
  });

  it('a LimitRange gives pods their default resources, annotated, and refuses what is over its max', async () => {
    const lr = [
      'apiVersion: v1',
      'kind: LimitRange',
      'metadata:',
      '  name: defaults',
      'spec:',
      '  limits:',
      '  - type: Container',
      '    max:',
      '      cpu: "1"',
      '    default:',
      '      cpu: 500m',
      '      memory: 128Mi',
      '    defaultRequest:',
      '      cpu: 100m',
      '',
    ].join('\n');
    expect(await k.ok(['create', '-f', '-', '-n', LR], { input: lr })).toBe('limitrange/defaults created\n');
    expect(await k.ok(['run', 'web', '--image=nginx', '-n', LR])).toBe('pod/web created\n');
    const res = JSON.parse(await k.ok(['get', 'pod', 'web', '-n', LR, '-o', 'jsonpath={.spec.containers[0].resources}']));
    expect(res).toEqual({ limits: { cpu: '500m', memory: '128Mi' }, requests: { cpu: '100m', memory: '128Mi' } });
    expect(await k.ok(['get', 'pod', 'web', '-n', LR, '-o', 'jsonpath={.metadata.annotations.kubernetes\\.io/limit-ranger}'])).toBe(
      'LimitRanger plugin set: cpu, memory request for container web; cpu, memory limit for container web',
    );
    expect(await k.ok(['get', 'pod', 'web', '-n', LR, '-o', 'jsonpath={.status.qosClass}'])).toBe('Burstable');
    const big = [
      'apiVersion: v1',
      'kind: Pod',
      'metadata:',
      '  name: big',
      'spec:',
      '  containers:',
      '  - name: c',
      '    image: busybox',
      '    resources:',
      '      limits:',
      '        cpu: "2"',
      '',
    ].join('\n');
    const r = await k.run(['create', '-f', '-', '-n', LR], { input: big });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('Error from server (Forbidden): error when creating "STDIN": pods "big" is forbidden: maximum cpu usage per Container is 1, but limit is 2.\n');
    // the pod created directly runs
    await poll(async () => (await k.ok(['get', 'pod', 'web', '-n', LR, '-o', 'jsonpath={.status.phase}'])) === 'Running', 'web Running');
  });
});
