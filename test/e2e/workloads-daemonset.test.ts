// E2E: a DaemonSet on a 3-node cluster with real kubectl: apply, get / -o wide, rollout status,
// set image, rollout history (ControllerRevisions), rollout undo, describe (fast pod stages, every controller).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Kubectl, availableKubectls } from '../helpers/kubectl.js';
import { startServer } from '../helpers/server.js';
import type { KubeEmulator } from '../../src/server/app.js';
import { poll } from './fixtures/util.js';

const NS = 'ds';
const NODES = ['kube-emulator-node', 'kube-emulator-node-2', 'kube-emulator-node-3'];

const manifest = (image: string, extra = '') => `apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: logger
  namespace: ${NS}
  labels: {k8s-app: logging}
spec:
  selector:
    matchLabels: {app: logger}
  template:
    metadata:
      labels: {app: logger}
    spec:
      nodeSelector: {kubernetes.io/os: linux}
      containers:
      - name: agent
        image: ${image}
${extra}`;

describe.each(availableKubectls([33, 29]))('kubectl 1.$minor: DaemonSets', ({ bin }) => {
  let emu: KubeEmulator;
  let k: Kubectl;
  beforeAll(async () => {
    emu = await startServer({ controllers: ['*'], podStages: 'fast', nodes: 3 });
    k = new Kubectl(bin, emu.url);
    await k.ok(['create', 'ns', NS]);
  });
  afterAll(async () => {
    await emu?.close();
  });

  const getJSON = async (args: string[]) => JSON.parse(await k.ok(['get', ...args, '-n', NS, '-o', 'json']));
  const podsByNode = async () => {
    const items = (await getJSON(['pods', '-l', 'app=logger'])).items.filter((p: any) => !p.metadata.deletionTimestamp);
    return Object.fromEntries(items.map((p: any) => [p.spec.nodeName, p]));
  };
  const history = async () => {
    const lines = (await k.ok(['rollout', 'history', 'ds/logger', '-n', NS])).split('\n');
    expect(lines[0]).toBe('daemonset.apps/logger ');
    expect(lines[1]).toMatch(/^REVISION\s+CHANGE-CAUSE$/);
    return lines.slice(2).filter(Boolean).map((l) => l.split(/\s+/));
  };
  const rolledOut = (image: string) =>
    poll(async () => {
      const pods = Object.values(await podsByNode()) as any[];
      const ds = await getJSON(['ds', 'logger']);
      return (
        pods.length === 3 &&
        pods.every((p) => p.spec.containers[0].image === image && p.status.phase === 'Running') &&
        ds.status.updatedNumberScheduled === 3 &&
        ds.status.numberAvailable === 3 &&
        ds
      );
    }, `logger rolled out to ${image}`);

  it('apply runs one pod per node; rollout status ends with upstream message; get and -o wide', async () => {
    expect(await k.ok(['apply', '-f', '-'], { input: manifest('busybox:1.36') })).toBe('daemonset.apps/logger created\n');
    const st = await k.ok(['rollout', 'status', 'ds/logger', '-n', NS, '--timeout=30s']);
    expect(st.trimEnd().split('\n').at(-1)).toBe('daemon set "logger" successfully rolled out');
    await rolledOut('busybox:1.36');
    // the same manifest again changes nothing (templateGeneration and status are the server's)
    expect(await k.ok(['apply', '-f', '-'], { input: manifest('busybox:1.36') })).toBe('daemonset.apps/logger unchanged\n');
    const byNode = await podsByNode();
    expect(Object.keys(byNode).sort()).toEqual(NODES);
    for (const [node, p] of Object.entries<any>(byNode)) {
      expect(p.metadata.name).toMatch(/^logger-[a-z0-9]{5}$/);
      expect(p.spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms).toEqual([
        { matchFields: [{ key: 'metadata.name', operator: 'In', values: [node] }] },
      ]);
    }

    const get = (await k.ok(['get', 'ds', '-n', NS])).trimEnd().split('\n');
    expect(get[0].split(/\s{2,}/)).toEqual(['NAME', 'DESIRED', 'CURRENT', 'READY', 'UP-TO-DATE', 'AVAILABLE', 'NODE SELECTOR', 'AGE']);
    expect(get[1].split(/\s{2,}/).slice(0, 7)).toEqual(['logger', '3', '3', '3', '3', '3', 'kubernetes.io/os=linux']);
    const wide = (await k.ok(['get', 'daemonsets', '-n', NS, '-o', 'wide'])).trimEnd().split('\n');
    expect(wide[0].split(/\s{2,}/)).toEqual(['NAME', 'DESIRED', 'CURRENT', 'READY', 'UP-TO-DATE', 'AVAILABLE', 'NODE SELECTOR', 'AGE', 'CONTAINERS', 'IMAGES', 'SELECTOR']);
    expect(wide[1].split(/\s{2,}/).slice(-3)).toEqual(['agent', 'busybox:1.36', 'app=logger']);
    // shortName and the `all` category
    expect(await k.ok(['get', 'all', '-n', NS, '-o', 'name'])).toContain('daemonset.apps/logger\n');

    const ds = await getJSON(['ds', 'logger']);
    expect(ds.metadata.annotations['deprecated.daemonset.template.generation']).toBe('1');
    expect(ds.spec.updateStrategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } });
    expect(ds.spec.revisionHistoryLimit).toBe(10);
    expect(await history()).toEqual([['1', '<none>']]);
  });

  it('set image rolls the pods node by node; history lists revision 2 with its change-cause', async () => {
    await k.ok(['annotate', 'ds/logger', '-n', NS, 'kubernetes.io/change-cause=to-1.37']);
    expect(await k.ok(['set', 'image', 'ds/logger', '-n', NS, 'agent=busybox:1.37'])).toBe('daemonset.apps/logger image updated\n');
    const st = await k.ok(['rollout', 'status', 'ds/logger', '-n', NS, '--timeout=30s']);
    const lines = st.trimEnd().split('\n');
    expect(lines.at(-1)).toBe('daemon set "logger" successfully rolled out');
    for (const l of lines.slice(0, -1)) expect(l).toMatch(/^Waiting for daemon set "logger" rollout to finish: (\d out of 3 new pods have been updated|\d of 3 updated pods are available)\.\.\.$/);
    const ds = await rolledOut('busybox:1.37');
    expect(ds.metadata.generation).toBe(2);
    expect(ds.status.observedGeneration).toBe(2);
    expect(await history()).toEqual([
      ['1', '<none>'],
      ['2', 'to-1.37'],
    ]);
    const rev2 = await k.ok(['rollout', 'history', 'ds/logger', '-n', NS, '--revision=2']);
    expect(rev2).toMatch(/^daemonset\.apps\/logger with revision #2\nPod Template:\n/);
    expect(rev2).toMatch(/Image:\s+busybox:1\.37/);
    const revs = (await getJSON(['controllerrevisions'])).items;
    expect(revs.map((r: any) => r.revision).sort()).toEqual([1, 2]);
    for (const r of revs) {
      expect(r.metadata.ownerReferences[0]).toMatchObject({ apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'logger', controller: true });
      expect(r.metadata.name).toBe(`logger-${r.metadata.labels['controller-revision-hash']}`);
    }
    const rows = (await k.ok(['get', 'controllerrevisions', '-n', NS])).trimEnd().split('\n');
    expect(rows[0].split(/\s{2,}/)).toEqual(['NAME', 'CONTROLLER', 'REVISION', 'AGE']);
    expect(rows.slice(1).map((r) => r.split(/\s{2,}/)[1])).toEqual(['daemonset.apps/logger', 'daemonset.apps/logger']);
  });

  it('rollout undo brings the old template back under revision 3', async () => {
    await k.ok(['annotate', 'ds/logger', '-n', NS, 'kubernetes.io/change-cause-']);
    expect(await k.ok(['rollout', 'undo', 'ds/logger', '-n', NS])).toBe('daemonset.apps/logger rolled back\n');
    await k.ok(['rollout', 'status', 'ds/logger', '-n', NS, '--timeout=30s']);
    const ds = await rolledOut('busybox:1.36');
    expect(ds.metadata.annotations['deprecated.daemonset.template.generation']).toBe('3');
    expect(await history()).toEqual([
      ['2', 'to-1.37'],
      ['3', '<none>'],
    ]);
    const pods = Object.values(await podsByNode()) as any[];
    expect(pods.every((p) => p.metadata.labels['pod-template-generation'] === '3')).toBe(true);
  });

  it('describe shows the counts, the template and the controller events', async () => {
    const out = await k.ok(['describe', 'ds', 'logger', '-n', NS]);
    // kubectl 1.29's describer has no Namespace line
    expect(out).toMatch(/^Name:\s+logger\n(Namespace:\s+ds\n)?Selector:\s+app=logger\nNode-Selector:\s+kubernetes\.io\/os=linux\nLabels:\s+k8s-app=logging\n/);
    expect(out).toMatch(/Annotations:\s+deprecated\.daemonset\.template\.generation: 3\n/);
    expect(out).toContain('Desired Number of Nodes Scheduled: 3\n');
    expect(out).toContain('Current Number of Nodes Scheduled: 3\n');
    expect(out).toContain('Number of Nodes Scheduled with Up-to-date Pods: 3\n');
    expect(out).toContain('Number of Nodes Scheduled with Available Pods: 3\n');
    expect(out).toContain('Number of Nodes Misscheduled: 0\n');
    expect(out).toMatch(/Pods Status:\s+3 Running \/ 0 Waiting \/ 0 Succeeded \/ 0 Failed\n/);
    expect(out).toMatch(/Image:\s+busybox:1\.36\n/);
    expect(out).toMatch(/Normal\s+SuccessfulCreate\s+\S+\s+daemonset-controller\s+Created pod: logger-[a-z0-9]{5}\n/);
    expect(out).toMatch(/Normal\s+SuccessfulDelete\s+\S+\s+daemonset-controller\s+Deleted pod: logger-[a-z0-9]{5}\n/);
  });

  it('a node selector matching no node leaves the set at 0 desired; a labelled node gets its pod', async () => {
    await k.ok(['apply', '-f', '-'], {
      input: `apiVersion: apps/v1
kind: DaemonSet
metadata: {name: gpu, namespace: ${NS}}
spec:
  selector: {matchLabels: {app: gpu}}
  template:
    metadata: {labels: {app: gpu}}
    spec:
      nodeSelector: {gpu: "true"}
      containers: [{name: c, image: busybox:1.36}]
`,
    });
    await poll(async () => (await getJSON(['ds', 'gpu'])).status.observedGeneration === 1, 'gpu observed');
    expect((await getJSON(['ds', 'gpu'])).status.desiredNumberScheduled).toBe(0);
    await k.ok(['label', 'node', NODES[1], 'gpu=true']);
    const pod = await poll(async () => (await getJSON(['pods', '-l', 'app=gpu'])).items.find((p: any) => p.status.phase === 'Running'), 'gpu pod running');
    expect(pod.spec.nodeName).toBe(NODES[1]);
    const row = (await k.ok(['get', 'ds', 'gpu', '-n', NS, '--no-headers'])).split(/\s{2,}/);
    expect(row.slice(0, 7)).toEqual(['gpu', '1', '1', '1', '1', '1', 'gpu=true']);
    await k.ok(['label', 'node', NODES[1], 'gpu-']);
    await poll(async () => (await getJSON(['pods', '-l', 'app=gpu'])).items.length === 0, 'gpu pod gone');
  });

  it('rollout undo --to-revision picks an older revision; an unknown one is refused by kubectl', async () => {
    await k.ok(['set', 'image', 'ds/logger', '-n', NS, 'agent=busybox:1.38']);
    await k.ok(['rollout', 'status', 'ds/logger', '-n', NS, '--timeout=30s']);
    await rolledOut('busybox:1.38');
    expect((await history()).map((r) => r[0])).toEqual(['2', '3', '4']);
    expect(await k.ok(['rollout', 'undo', 'ds/logger', '-n', NS, '--to-revision=2'])).toBe('daemonset.apps/logger rolled back\n');
    await rolledOut('busybox:1.37');
    expect((await history()).map((r) => r[0])).toEqual(['3', '4', '5']);
    const r = await k.run(['rollout', 'undo', 'ds/logger', '-n', NS, '--to-revision=9']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('unable to find specified revision 9 in history');
  });

  it('a cordoned node keeps its daemon pod and a new set still places one there', async () => {
    await k.ok(['cordon', NODES[2]]);
    const before = (await podsByNode())[NODES[2]];
    await k.ok(['apply', '-f', '-'], {
      input: `apiVersion: apps/v1
kind: DaemonSet
metadata: {name: cordoned, namespace: ${NS}}
spec:
  selector: {matchLabels: {app: cordoned}}
  template:
    metadata: {labels: {app: cordoned}}
    spec: {containers: [{name: c, image: busybox:1.36}]}
`,
    });
    await k.ok(['rollout', 'status', 'ds/cordoned', '-n', NS, '--timeout=30s']);
    const pods = (await getJSON(['pods', '-l', 'app=cordoned'])).items;
    expect(pods.map((p: any) => p.spec.nodeName).sort()).toEqual(NODES);
    expect((await podsByNode())[NODES[2]].metadata.uid).toBe(before.metadata.uid);
    await k.ok(['uncordon', NODES[2]]);
    await k.ok(['delete', 'ds', 'cordoned', '-n', NS]);
  });

  it('a selector change is refused as upstream', async () => {
    const r = await k.run(['patch', 'ds', 'logger', '-n', NS, '--type=merge', '-p', '{"spec":{"selector":{"matchLabels":{"app":"other"}},"template":{"metadata":{"labels":{"app":"other"}}}}}']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('The DaemonSet "logger" is invalid: spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"app":"other"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable');
  });
});
