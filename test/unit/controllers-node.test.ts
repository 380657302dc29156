import { describe, it, expect, afterEach } from 'vitest';
import { startCluster, until, type Cluster } from './controllers-node-helpers.js';
import { nodesController, nodeNames, nodeIndex } from '../../src/controllers/nodes.js';
import { nodeAgentController } from '../../src/controllers/nodeagent/index.js';
import { schedulerController } from '../../src/controllers/scheduler.js';
import { podManifest } from './controllers-node-helpers.js';
import { printers } from '../helpers/printers.js';
import type { KObject } from '../../src/resources/types.js';

let c: Cluster | undefined;
afterEach(async () => {
  await c?.close();
  c = undefined;
});

describe('simulated nodes', () => {
  it('names nodes kube-emulator-node, kube-emulator-node-2, ...', () => {
    expect(nodeNames(3)).toEqual(['kube-emulator-node', 'kube-emulator-node-2', 'kube-emulator-node-3']);
    expect(nodeIndex('kube-emulator-node')).toBe(0);
    expect(nodeIndex('kube-emulator-node-3')).toBe(2);
    expect(nodeIndex('kube-emulator-node-1')).toBe(-1);
    expect(nodeIndex('kube-emulator-node-02')).toBe(-1);
    expect(nodeIndex('other')).toBe(-1);
  });

  it('registers Ready nodes with kubelet-reported status and a lease each', async () => {
    c = await startCluster([nodesController({ leaseRenewMs: 30 })], { nodes: 2, minor: 31 });
    const R = c.emu.registry;
    const items: KObject[] = R.list(R.mustDef('', 'nodes'), undefined).items;
    expect(items.map((n) => n.metadata.name)).toEqual(['kube-emulator-node', 'kube-emulator-node-2']);
    const [n1, n2] = items;
    expect(n1.metadata.labels).toMatchObject({
      'kubernetes.io/hostname': 'kube-emulator-node',
      'kubernetes.io/os': 'linux',
      'kubernetes.io/arch': 'amd64',
      'node-role.kubernetes.io/control-plane': '',
    });
    expect(n2.metadata.labels['node-role.kubernetes.io/control-plane']).toBeUndefined();
    expect(n1.spec).toMatchObject({ podCIDR: '10.244.0.0/24', podCIDRs: ['10.244.0.0/24'] });
    expect(n2.spec.podCIDR).toBe('10.244.1.0/24');
    expect(n1.spec.taints).toBeUndefined();
    expect(n1.status.capacity).toMatchObject({ cpu: '8', pods: '110' });
    expect(n1.status.allocatable.pods).toBe('110');
    expect(n1.status.capacity['ephemeral-storage']).toBeDefined();
    expect(n1.status.addresses).toEqual([
      { type: 'InternalIP', address: '172.18.0.2' },
      { type: 'Hostname', address: 'kube-emulator-node' },
    ]);
    expect(n2.status.addresses[0].address).toBe('172.18.0.3');
    expect(n1.status.nodeInfo).toMatchObject({ kubeletVersion: 'v1.31.0', kubeProxyVersion: 'v1.31.0', operatingSystem: 'linux', architecture: 'amd64' });
    expect(n1.status.nodeInfo.containerRuntimeVersion).toMatch(/^containerd:\/\//);
    expect(n1.status.nodeInfo.bootID).not.toBe(n2.status.nodeInfo.bootID);
    expect(n1.status.conditions.map((x: KObject) => `${x.type}=${x.status}/${x.reason}`)).toEqual([
      'MemoryPressure=False/KubeletHasSufficientMemory',
      'DiskPressure=False/KubeletHasNoDiskPressure',
      'PIDPressure=False/KubeletHasSufficientPID',
      'Ready=True/KubeletReady',
    ]);
    const row = printers.nodes?.row(n1, Date.now()) as string[] | undefined;
    if (row) expect(row.slice(0, 3)).toEqual(['kube-emulator-node', 'Ready', 'control-plane']);

    const leaseDef = R.mustDef('coordination.k8s.io', 'leases');
    const lease = R.get(leaseDef, 'kube-node-lease', 'kube-emulator-node');
    expect(lease.spec).toMatchObject({ holderIdentity: 'kube-emulator-node', leaseDurationSeconds: 40 });
    expect(lease.spec.renewTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    expect(lease.metadata.ownerReferences).toEqual([{ apiVersion: 'v1', kind: 'Node', name: 'kube-emulator-node', uid: n1.metadata.uid }]);
    const first = lease.spec.renewTime;
    await until(() => R.get(leaseDef, 'kube-node-lease', 'kube-emulator-node').spec.renewTime !== first, 2000);
    expect(R.tryGet(leaseDef, 'kube-node-lease', 'kube-emulator-node-2')).toBeDefined();
  });

  it('keeps an existing node on restart and re-reports it Ready', async () => {
    c = await startCluster([nodesController()], { nodes: 1 });
    const R = c.emu.registry;
    const def = R.mustDef('', 'nodes');
    const before = R.get(def, '', 'kube-emulator-node');
    R.modify(def, '', 'kube-emulator-node', (n) => {
      n.status.conditions = n.status.conditions.map((x: KObject) => (x.type === 'Ready' ? { ...x, status: 'Unknown', reason: 'NodeStatusUnknown' } : x));
    }, { subresource: 'status' });
    c.mgr.stop();
    const { ControllerManager } = await import('../../src/controllers/manager.js');
    const pino = (await import('pino')).default;
    const m2 = new ControllerManager(R, pino({ level: 'silent' }), { nodes: 1, podStages: 'fast', emulatedMinor: 33, kubeletVersion: 'v1.33.0', defaultStorageClass: false, volumesDir: '/tmp/x' }, [nodesController()]);
    m2.start(['*']);
    const after = R.get(def, '', 'kube-emulator-node');
    m2.stop();
    expect(after.metadata.uid).toBe(before.metadata.uid);
    expect(after.status.conditions.find((x: KObject) => x.type === 'Ready')).toMatchObject({ status: 'True', reason: 'KubeletReady' });
    expect(after.status.nodeInfo.kubeProxyVersion).toBe('');
  });

  it('runs pods on the second node with its own CIDR and host IP', async () => {
    c = await startCluster([nodesController(), nodeAgentController()], { nodes: 2 });
    const def = c.emu.registry.mustDef('', 'pods');
    c.emu.registry.create(def, 'default', podManifest('n2', { spec: { nodeName: 'kube-emulator-node-2' } }));
    const p = await until(() => c!.emu.registry.get(def, 'default', 'n2').status.phase === 'Running' && c!.emu.registry.get(def, 'default', 'n2'));
    expect(p.status.hostIP).toBe('172.18.0.3');
    expect(p.status.podIP).toMatch(/^10\.244\.1\.\d+$/);
    // bound without the scheduler: the kubelet reports PodScheduled itself
    expect(p.status.conditions.find((x: KObject) => x.type === 'PodScheduled')?.status).toBe('True');
  });

  it('reports no nodes to the scheduler when none exist', async () => {
    c = await startCluster([schedulerController()], { nodes: 0 });
    const def = c.emu.registry.mustDef('', 'pods');
    c.emu.registry.create(def, 'default', podManifest('lonely'));
    const cond = await until(() => c!.emu.registry.get(def, 'default', 'lonely').status.conditions?.[0]);
    expect(cond).toMatchObject({ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: 'no nodes available to schedule pods' });
  });
});
