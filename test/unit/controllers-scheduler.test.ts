import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { startCluster, until, podManifest, eventsFor, type Cluster } from './controllers-node-helpers.js';
import { nodesController } from '../../src/controllers/nodes.js';
import { schedulerController, fitErrorMessage } from '../../src/controllers/scheduler.js';
import type { KObject } from '../../src/resources/types.js';

let c: Cluster;
beforeAll(async () => {
  c = await startCluster([nodesController(), schedulerController()], { nodes: 2 });
});
afterAll(async () => c?.close());

const R = () => c.emu.registry;
const pods = () => R().mustDef('', 'pods');
const nodes = () => R().mustDef('', 'nodes');
const pvcs = () => R().mustDef('', 'persistentvolumeclaims');
const get = (name: string) => R().tryGet(pods(), 'default', name);
const create = (m: KObject) => R().create(pods(), 'default', m).object;
const cond = (p: KObject | undefined) => p?.status?.conditions?.find((x: KObject) => x.type === 'PodScheduled');
const PREEMPT = 'preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling.';

describe('scheduler', () => {
  it('binds a pod, sets PodScheduled=True and records Scheduled', async () => {
    create(podManifest('a'));
    const p = await until(() => get('a')?.spec?.nodeName && get('a'));
    expect(['kube-emulator-node', 'kube-emulator-node-2']).toContain(p.spec.nodeName);
    expect(cond(p)).toMatchObject({ status: 'True', lastProbeTime: null });
    expect(p.status.phase).toBe('Pending');
    const ev = await until(() => eventsFor(c.emu, 'a').find((e) => e.reason === 'Scheduled'));
    expect(ev).toMatchObject({ type: 'Normal', message: `Successfully assigned default/a to ${p.spec.nodeName}`, source: { component: 'default-scheduler' } });
  });

  it('spreads pods over the nodes', async () => {
    for (let i = 0; i < 4; i++) create(podManifest(`s${i}`));
    const names = await until(() => {
      const n = [0, 1, 2, 3].map((i) => get(`s${i}`)?.spec?.nodeName);
      return n.every(Boolean) && n;
    });
    expect(new Set(names).size).toBe(2);
  });

  it('leaves pods of another scheduler alone', async () => {
    create(podManifest('other', { spec: { schedulerName: 'my-scheduler' } }));
    await c.mgr.settled();
    expect(get('other')!.spec.nodeName).toBeUndefined();
  });

  it('reports a nodeSelector mismatch and retries when a node changes', async () => {
    create(podManifest('sel', { spec: { nodeSelector: { disk: 'ssd' } } }));
    const p = await until(() => cond(get('sel'))?.status === 'False' && get('sel'));
    const msg = `0/2 nodes are available: 2 node(s) didn't match Pod's node affinity/selector. ${PREEMPT}`;
    expect(cond(p)).toMatchObject({ status: 'False', reason: 'Unschedulable', message: msg, lastProbeTime: null });
    const ev = await until(() => eventsFor(c.emu, 'sel').find((e) => e.reason === 'FailedScheduling'));
    expect(ev).toMatchObject({ type: 'Warning', message: msg });
    R().modify(nodes(), '', 'kube-emulator-node-2', (n) => {
      n.metadata.labels.disk = 'ssd';
    });
    const bound = await until(() => get('sel')?.spec?.nodeName && get('sel'));
    expect(bound.spec.nodeName).toBe('kube-emulator-node-2');
    expect(cond(bound)?.status).toBe('True');
  });

  it('honours NoSchedule taints and tolerations', async () => {
    for (const n of ['kube-emulator-node', 'kube-emulator-node-2'])
      R().modify(nodes(), '', n, (o) => {
        o.spec.taints = [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }];
      });
    create(podManifest('t1'));
    create(podManifest('t2', { spec: { tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'gpu', effect: 'NoSchedule' }] } }));
    await until(() => get('t2')?.spec?.nodeName);
    const p = await until(() => cond(get('t1'))?.status === 'False' && get('t1'));
    expect(cond(p)!.message).toBe(`0/2 nodes are available: 2 node(s) had untolerated taint {dedicated: gpu}. ${PREEMPT}`);
    for (const n of ['kube-emulator-node', 'kube-emulator-node-2'])
      R().modify(nodes(), '', n, (o) => {
        delete o.spec.taints;
      });
    await until(() => get('t1')?.spec?.nodeName);
  });

  it('reports insufficient resources with the preemption text', async () => {
    create(podManifest('big', { spec: { containers: [{ name: 'c', image: 'nginx', resources: { requests: { cpu: '100' } } }] } }));
    const p = await until(() => cond(get('big'))?.status === 'False' && get('big'));
    expect(cond(p)!.message).toBe('0/2 nodes are available: 2 Insufficient cpu. preemption: 0/2 nodes are available: 2 No preemption victims found for incoming pod.');
  });

  it('waits for missing and unbound claims', async () => {
    const vol = (claim: string) => ({ volumes: [{ name: 'data', persistentVolumeClaim: { claimName: claim } }] });
    create(podManifest('nopvc', { spec: vol('missing') }));
    const p = await until(() => cond(get('nopvc'))?.status === 'False' && get('nopvc'));
    expect(cond(p)!.message).toBe(`0/2 nodes are available: persistentvolumeclaim "missing" not found. ${PREEMPT}`);

    const claim = (name: string, cls?: string) =>
      R().create(pvcs(), 'default', {
        apiVersion: 'v1',
        kind: 'PersistentVolumeClaim',
        metadata: { name },
        spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, ...(cls ? { storageClassName: cls } : {}) },
      });
    claim('imm', 'none-such');
    create(podManifest('immpod', { spec: vol('imm') }));
    const q = await until(() => cond(get('immpod'))?.status === 'False' && get('immpod'));
    expect(cond(q)!.message).toBe(`0/2 nodes are available: pod has unbound immediate PersistentVolumeClaims. ${PREEMPT}`);

    R().create(R().mustDef('storage.k8s.io', 'storageclasses'), '', {
      apiVersion: 'storage.k8s.io/v1',
      kind: 'StorageClass',
      metadata: { name: 'wffc' },
      provisioner: 'example.com/p',
      volumeBindingMode: 'WaitForFirstConsumer',
    });
    claim('late', 'wffc');
    create(podManifest('latepod', { spec: vol('late') }));
    const annotated = await until(() => R().get(pvcs(), 'default', 'late').metadata.annotations?.['volume.kubernetes.io/selected-node']);
    expect(['kube-emulator-node', 'kube-emulator-node-2']).toContain(annotated);
    expect(get('latepod')!.spec.nodeName).toBeUndefined();
    // the PV binder's work, by hand
    R().modify(pvcs(), 'default', 'late', (o) => {
      o.spec.volumeName = 'pv-late';
    });
    R().modify(pvcs(), 'default', 'late', (o) => {
      o.status = { phase: 'Bound', accessModes: ['ReadWriteOnce'], capacity: { storage: '1Gi' } };
    }, { subresource: 'status' });
    const bound = await until(() => get('latepod')?.spec?.nodeName);
    expect(bound).toBe(annotated);
  });

  it('formats FitError messages like upstream', () => {
    const m = new Map([["node(s) didn't match Pod's node affinity/selector", 1], ['node(s) had untolerated taint {a: }', 2]]);
    expect(fitErrorMessage(3, m)).toBe(
      "0/3 nodes are available: 1 node(s) didn't match Pod's node affinity/selector, 2 node(s) had untolerated taint {a: }. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.",
    );
  });

  it('serves pods/binding over HTTP through the same helper', async () => {
    create(podManifest('manual', { spec: { schedulerName: 'none' } }));
    const url = `${c.emu.url}/api/v1/namespaces/default/pods/manual/binding`;
    const body = { apiVersion: 'v1', kind: 'Binding', metadata: { name: 'manual' }, target: { apiVersion: 'v1', kind: 'Node', name: 'kube-emulator-node' } };
    const r1 = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect(r1.status).toBe(201);
    expect(get('manual')!.spec.nodeName).toBe('kube-emulator-node');
    expect(cond(get('manual'))?.status).toBe('True');
    const r2 = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect(r2.status).toBe(409);
    expect((await r2.json()).message).toBe('Operation cannot be fulfilled on pods/binding "manual": pod manual is already assigned to node "kube-emulator-node"');
  });
});
