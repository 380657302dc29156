// E2E with real kubectl: one object of each kind this file covers (PriorityClass, RuntimeClass,
// CSIDriver, CSINode, VolumeAttachment, PodTemplate, ReplicationController) applied from one
// manifest and read back with upstream's printer columns; ComponentStatus with its deprecation
// warning; `kubectl create priorityclass`; Priority / RuntimeClass admission on pods; refusals
// in upstream's words.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer } from '../helpers/server.js';
import { Kubectl, availableKubectls } from '../helpers/kubectl.js';
import type { KubeEmulator } from '../../src/server/app.js';
import { AGE, CORE_ONLY, lines, manifest, parseTable } from './fixtures/util.js';

const MANIFEST = `apiVersion: scheduling.k8s.io/v1
kind: PriorityClass
metadata:
  name: batch-high
value: 100000
description: batch jobs that matter
---
apiVersion: node.k8s.io/v1
kind: RuntimeClass
metadata:
  name: gvisor
handler: runsc
overhead:
  podFixed:
    cpu: 100m
---
apiVersion: storage.k8s.io/v1
kind: CSIDriver
metadata:
  name: hostpath.csi.k8s.io
spec:
  attachRequired: false
  podInfoOnMount: true
  volumeLifecycleModes: [Persistent, Ephemeral]
---
apiVersion: storage.k8s.io/v1
kind: CSINode
metadata:
  name: node-1
spec:
  drivers:
  - name: hostpath.csi.k8s.io
    nodeID: node-1
    topologyKeys: [topology.hostpath.csi/node]
---
apiVersion: storage.k8s.io/v1
kind: VolumeAttachment
metadata:
  name: csi-attach-1
spec:
  attacher: hostpath.csi.k8s.io
  nodeName: node-1
  source:
    persistentVolumeName: pv-1
---
apiVersion: v1
kind: PodTemplate
metadata:
  name: web-template
  namespace: default
template:
  metadata:
    labels:
      app: web
  spec:
    containers:
    - name: nginx
      image: nginx:1.27
---
apiVersion: v1
kind: ReplicationController
metadata:
  name: web-rc
  namespace: default
spec:
  replicas: 2
  template:
    metadata:
      labels:
        app: web-rc
    spec:
      containers:
      - name: nginx
        image: nginx:1.27
`;

const POD = (name: string, extra: string) => `apiVersion: v1
kind: Pod
metadata:
  name: ${name}
  namespace: default
spec:
${extra}  containers:
  - name: c
    image: busybox
`;

describe.each(availableKubectls([33, 29]))('kubectl 1.$minor: scheduling, node, storage and core kinds', ({ minor, bin }) => {
  let srv: KubeEmulator;
  let k: Kubectl;
  beforeAll(async () => {
    srv = await startServer(CORE_ONLY);
    k = new Kubectl(bin, srv.url);
  });
  afterAll(async () => {
    await srv?.close();
  });

  it('apply creates one object of each kind', async () => {
    const out = lines(await k.ok(['apply', '-f', manifest(`kinds-${minor}.yaml`, MANIFEST)]));
    expect(out).toEqual([
      'priorityclass.scheduling.k8s.io/batch-high created',
      'runtimeclass.node.k8s.io/gvisor created',
      'csidriver.storage.k8s.io/hostpath.csi.k8s.io created',
      'csinode.storage.k8s.io/node-1 created',
      'volumeattachment.storage.k8s.io/csi-attach-1 created',
      'podtemplate/web-template created',
      'replicationcontroller/web-rc created',
    ]);
    // a re-apply writes nothing
    expect(lines(await k.ok(['apply', '-f', manifest(`kinds-again-${minor}.yaml`, MANIFEST)])).every((l) => l.endsWith(' unchanged'))).toBe(true);
  });

  it('get pc: the system classes and ours, with upstream columns', async () => {
    const t = parseTable(await k.ok(['get', 'pc']));
    expect(t.header).toEqual(['NAME', 'VALUE', 'GLOBAL-DEFAULT', 'AGE', 'PREEMPTIONPOLICY']);
    const rows = Object.fromEntries(t.rows.map((r) => [r[0], r]));
    expect(rows['batch-high']).toEqual(['batch-high', '100000', 'false', expect.stringMatching(AGE), 'PreemptLowerPriority']);
    expect(rows['system-node-critical'].slice(0, 3)).toEqual(['system-node-critical', '2000001000', 'false']);
    expect(rows['system-cluster-critical'].slice(0, 3)).toEqual(['system-cluster-critical', '2000000000', 'false']);
  });

  it('get runtimeclass, csidriver, csinode, volumeattachment', async () => {
    let t = parseTable(await k.ok(['get', 'runtimeclass']));
    expect(t).toEqual({ header: ['NAME', 'HANDLER', 'AGE'], rows: [['gvisor', 'runsc', expect.stringMatching(AGE)]] });
    t = parseTable(await k.ok(['get', 'csidriver']));
    expect(t.header).toEqual(['NAME', 'ATTACHREQUIRED', 'PODINFOONMOUNT', 'STORAGECAPACITY', 'TOKENREQUESTS', 'REQUIRESREPUBLISH', 'MODES', 'AGE']);
    expect(t.rows).toEqual([['hostpath.csi.k8s.io', 'false', 'true', 'false', '<unset>', 'false', 'Persistent,Ephemeral', expect.stringMatching(AGE)]]);
    t = parseTable(await k.ok(['get', 'csinode']));
    expect(t).toEqual({ header: ['NAME', 'DRIVERS', 'AGE'], rows: [['node-1', '1', expect.stringMatching(AGE)]] });
    t = parseTable(await k.ok(['get', 'volumeattachment']));
    expect(t).toEqual({ header: ['NAME', 'ATTACHER', 'PV', 'NODE', 'ATTACHED', 'AGE'], rows: [['csi-attach-1', 'hostpath.csi.k8s.io', 'pv-1', 'node-1', 'false', expect.stringMatching(AGE)]] });
  });

  it('get podtemplate and rc (wide)', async () => {
    let t = parseTable(await k.ok(['get', 'podtemplate']));
    expect(t).toEqual({ header: ['NAME', 'CONTAINERS', 'IMAGES', 'POD LABELS'], rows: [['web-template', 'nginx', 'nginx:1.27', 'app=web']] });
    t = parseTable(await k.ok(['get', 'rc', '-o', 'wide']));
    expect(t).toEqual({
      header: ['NAME', 'DESIRED', 'CURRENT', 'READY', 'AGE', 'CONTAINERS', 'IMAGES', 'SELECTOR'],
      rows: [['web-rc', '2', '0', '0', expect.stringMatching(AGE), 'nginx', 'nginx:1.27', 'app=web-rc']],
    });
    const rc = JSON.parse(await k.ok(['get', 'rc', 'web-rc', '-o', 'json']));
    expect(rc.spec.selector).toEqual({ 'app': 'web-rc' });
    expect(rc.metadata.labels).toEqual({ 'app': 'web-rc' });
    expect(lines(await k.ok(['scale', 'rc', 'web-rc', '--replicas=3']))).toEqual(['replicationcontroller/web-rc scaled']);
    expect((await k.ok(['get', 'rc', 'web-rc', '-o', 'jsonpath={.spec.replicas}'])).trim()).toBe('3');
  });

  it('explain reads the published schemas of the new groups', async () => {
    for (const [what, group, kind] of [['priorityclass.value', 'scheduling.k8s.io', 'PriorityClass'], ['runtimeclass.handler', 'node.k8s.io', 'RuntimeClass'], ['rc.spec.selector', '', 'ReplicationController'], ['csinode.spec.drivers', 'storage.k8s.io', 'CSINode']]) {
      const r = await k.run(['explain', what]);
      expect(r.code, r.stderr).toBe(0);
      const ls = r.stdout.split('\n');
      if (group) expect(ls[0]).toBe(`GROUP:      ${group}`);
      expect(ls).toContain(`KIND:       ${kind}`);
    }
  });

  it('get cs: healthy components and the deprecation warning', async () => {
    const r = await k.run(['get', 'cs']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('Warning: v1 ComponentStatus is deprecated in v1.19+\n');
    const t = parseTable(r.stdout);
    expect(t.header).toEqual(['NAME', 'STATUS', 'MESSAGE', 'ERROR']);
    expect(t.rows.sort()).toEqual([
      ['controller-manager', 'Healthy', 'ok', ''],
      ['etcd-0', 'Healthy', 'ok', ''],
      ['scheduler', 'Healthy', 'ok', ''],
    ]);
    const del = await k.run(['delete', 'cs', 'etcd-0']);
    expect(del.code).toBe(1);
    expect(del.stderr).toContain('Error from server (MethodNotAllowed): ');
  });

  it('kubectl create priorityclass, and a pod naming it gets its priority', async () => {
    expect(lines(await k.ok(['create', 'priorityclass', 'cli-pc', '--value=4242', '--description=from kubectl', '--preemption-policy=Never']))).toEqual([
      'priorityclass.scheduling.k8s.io/cli-pc created',
    ]);
    const pc = JSON.parse(await k.ok(['get', 'pc', 'cli-pc', '-o', 'json']));
    expect(pc).toMatchObject({ value: 4242, description: 'from kubectl', preemptionPolicy: 'Never' });
    expect(pc.globalDefault).toBeUndefined(); // omitempty
    await k.ok(['apply', '-f', manifest(`pod-pc-${minor}.yaml`, POD('prio', '  priorityClassName: cli-pc\n'))]);
    const pod = JSON.parse(await k.ok(['get', 'pod', 'prio', '-o', 'json']));
    expect(pod.spec).toMatchObject({ priorityClassName: 'cli-pc', priority: 4242, preemptionPolicy: 'Never' });
    await k.ok(['apply', '-f', manifest(`pod-rc-${minor}.yaml`, POD('sandboxed', '  runtimeClassName: gvisor\n'))]);
    expect(JSON.parse(await k.ok(['get', 'pod', 'sandboxed', '-o', 'json'])).spec.overhead).toEqual({ cpu: '100m' });
  });

  it('refusals in upstream words', async () => {
    let f = manifest(`pod-bad-pc-${minor}.yaml`, POD('bad-pc', '  priorityClassName: nope\n'));
    let r = await k.run(['apply', '-f', f]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('pods "bad-pc" is forbidden: no PriorityClass with name nope was found');
    f = manifest(`pod-bad-rc-${minor}.yaml`, POD('bad-rc', '  runtimeClassName: kata\n'));
    r = await k.run(['apply', '-f', f]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('pods "bad-rc" is forbidden: pod rejected: RuntimeClass "kata" not found');
    r = await k.run(['create', 'priorityclass', 'system-fake', '--value=5']);
    expect(r).toMatchObject({ code: 1, stdout: '' });
    expect(r.stderr).toBe(
      `error: failed to create priorityclass: PriorityClass.scheduling.k8s.io "system-fake" is invalid: metadata.name: Forbidden: priority class names with 'system-' prefix are reserved for system use only. error: system-fake is not a known system priority class\n`,
    );
    r = await k.run(['create', 'priorityclass', 'huge', '--value=2000000000']);
    expect(r.stderr).toBe('error: failed to create priorityclass: PriorityClass.scheduling.k8s.io "huge" is invalid: value: Forbidden: maximum allowed value of a user defined priority is 1000000000\n');
    await k.ok(['create', 'priorityclass', 'dflt', '--value=1', '--global-default']);
    r = await k.run(['create', 'priorityclass', 'dflt2', '--value=2', '--global-default']);
    expect(r.stderr).toBe('error: failed to create priorityclass: priorityclasses.scheduling.k8s.io "dflt2" is forbidden: PriorityClass dflt is already marked as default. Only one default can exist\n');
    r = await k.run(['patch', 'pc', 'batch-high', '--type=merge', '-p', '{"value":5}']);
    expect(r.stderr).toBe('The PriorityClass "batch-high" is invalid: value: Forbidden: may not be changed in an update.\n');
    r = await k.run(['delete', 'pc', 'system-cluster-critical']);
    expect(r.stderr).toBe('Error from server (Forbidden): priorityclasses.scheduling.k8s.io "system-cluster-critical" is forbidden: this is a system priority class and cannot be deleted\n');
    r = await k.run(['patch', 'runtimeclass', 'gvisor', '--type=merge', '-p', '{"handler":"runc"}']);
    expect(r.stderr).toBe('The RuntimeClass "gvisor" is invalid: handler: Invalid value: "runc": field is immutable\n');
    const badRc = manifest(`rc-bad-${minor}.yaml`, MANIFEST.split('---\n')[6].replace('web-rc\n  namespace', 'bad-rc\n  namespace').replace('  replicas: 2\n', '  replicas: 2\n  selector:\n    app: other\n'));
    r = await k.run(['apply', '-f', badRc]);
    expect(r.stderr).toContain('ReplicationController "bad-rc" is invalid: spec.template.metadata.labels: Invalid value: map[string]string{"app":"web-rc"}: `selector` does not match template `labels`');
  });
});
