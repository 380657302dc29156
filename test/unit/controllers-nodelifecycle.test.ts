// Node lifecycle controller with a short grace period: a node whose kubelet never reports goes
// Unknown with upstream's reasons and messages and gets the unreachable taints; the simulated
// nodes, which renew their Leases, stay Ready; a node that reports again loses the taints.
import { afterEach, describe, expect, it } from 'vitest';
import { startCluster, until, type Cluster } from './controllers-node-helpers.js';
import { nodesController } from '../../src/controllers/nodes.js';
import { defaultNodeMonitorGracePeriodMs, nodeLifecycleController, reconcileTaints } from '../../src/controllers/nodes/lifecycle.js';
import { nowRFC3339 } from '../../src/registry/meta.js';
import type { KObject } from '../../src/resources/types.js';

let c: Cluster | undefined;
afterEach(async () => {
  await c?.close();
  c = undefined;
});

const nodeDef = () => c!.emu.registry.mustDef('', 'nodes');
const getNode = (name: string) => c!.emu.registry.get(nodeDef(), '', name);
const cond = (n: KObject, type: string) => n.status?.conditions?.find((x: KObject) => x.type === type);
const taints = (n: KObject) => (n.spec?.taints ?? []).map((t: KObject) => `${t.key}:${t.effect}`).sort();

describe('node lifecycle controller', () => {
  it('defaults: 50 s grace from 1.32 on, 40 s before', () => {
    expect(defaultNodeMonitorGracePeriodMs(33)).toBe(50_000);
    expect(defaultNodeMonitorGracePeriodMs(32)).toBe(50_000);
    expect(defaultNodeMonitorGracePeriodMs(31)).toBe(40_000);
  });

  it('a hand-made Ready node with no heartbeat goes Unknown after the grace period; simulated nodes stay Ready', async () => {
    c = await startCluster([nodesController({ leaseRenewMs: 40 }), nodeLifecycleController({ gracePeriodMs: 250, startupGracePeriodMs: 250, monitorPeriodMs: 50 })]);
    const hb = nowRFC3339(Date.now() - 3_600_000); // an old heartbeat: the grace period counts from when the controller saw it
    const conds = [
      { type: 'MemoryPressure', status: 'False', reason: 'KubeletHasSufficientMemory', message: 'ok', lastHeartbeatTime: hb, lastTransitionTime: hb },
      { type: 'DiskPressure', status: 'False', reason: 'KubeletHasNoDiskPressure', message: 'ok', lastHeartbeatTime: hb, lastTransitionTime: hb },
      { type: 'PIDPressure', status: 'False', reason: 'KubeletHasSufficientPID', message: 'ok', lastHeartbeatTime: hb, lastTransitionTime: hb },
      { type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status', lastHeartbeatTime: hb, lastTransitionTime: hb },
    ];
    const r = c.emu.registry;
    r.create(nodeDef(), '', { metadata: { name: 'manual' } });
    r.modify(nodeDef(), '', 'manual', (n) => void (n.status = { conditions: conds }), { subresource: 'status' });
    // a pod on it that its (absent) kubelet once reported Ready
    const podDef = r.mustDef('', 'pods');
    r.create(podDef, 'default', { metadata: { name: 'on-manual' }, spec: { nodeName: 'manual', containers: [{ name: 'c', image: 'busybox' }] } });
    r.modify(podDef, 'default', 'on-manual', (p) => void (p.status = { phase: 'Running', conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: hb }] }), { subresource: 'status' });
    const start = Date.now();
    // still Ready well inside the grace period
    await new Promise((res) => setTimeout(res, 100));
    expect(cond(getNode('manual'), 'Ready').status).toBe('True');
    const n = await until(() => {
      const x = getNode('manual');
      return cond(x, 'Ready').status === 'Unknown' && taints(x).length === 2 ? x : undefined;
    }, 3000);
    expect(Date.now() - start).toBeGreaterThanOrEqual(250);
    for (const type of ['Ready', 'MemoryPressure', 'DiskPressure', 'PIDPressure']) {
      expect(cond(n, type)).toMatchObject({ status: 'Unknown', reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.', lastHeartbeatTime: hb });
      expect(cond(n, type).lastTransitionTime).not.toBe(hb);
    }
    expect(taints(n)).toEqual(['node.kubernetes.io/unreachable:NoExecute', 'node.kubernetes.io/unreachable:NoSchedule']);
    expect(n.spec.taints.every((t: KObject) => typeof t.timeAdded === 'string')).toBe(true);
    const events = r.list(r.mustDef('', 'events'), 'default').items.filter((e: KObject) => e.involvedObject.name === 'manual' || e.involvedObject.name === 'on-manual');
    expect(events.map((e: KObject) => [e.type, e.reason, e.message, e.source.component, e.involvedObject.kind]).sort()).toEqual([
      ['Normal', 'NodeNotReady', 'Node manual status is now: NodeNotReady', 'node-controller', 'Node'],
      ['Warning', 'NodeNotReady', 'Node is not ready', 'node-controller', 'Pod'],
    ]);
    // MarkPodsNotReady
    expect(cond(r.get(podDef, 'default', 'on-manual'), 'Ready')).toMatchObject({ status: 'False' });
    // the simulated node renews its Lease: still Ready, untainted
    const sim = getNode('kube-emulator-node');
    expect(cond(sim, 'Ready').status).toBe('True');
    expect(sim.spec.taints).toBeUndefined();

    // the kubelet comes back: Ready again, the controller takes its taints off
    const hb2 = nowRFC3339(Date.now() + 1000);
    r.modify(nodeDef(), '', 'manual', (x) => void (x.status = { conditions: conds.map((k) => ({ ...k, lastHeartbeatTime: hb2, lastTransitionTime: hb2 })) }), { subresource: 'status' });
    await until(() => getNode('manual').spec.taints === undefined, 3000);
    expect(cond(getNode('manual'), 'Ready').status).toBe('True');
  });

  it('a node that never posted status: Unknown with NodeStatusNeverUpdated after the startup grace period', async () => {
    c = await startCluster([nodeLifecycleController({ gracePeriodMs: 10_000, startupGracePeriodMs: 150, monitorPeriodMs: 50 })]);
    const created = c.emu.registry.create(nodeDef(), '', { metadata: { name: 'bare' } }).object;
    const n = await until(() => {
      const x = getNode('bare');
      return cond(x, 'Ready') ? x : undefined;
    }, 3000);
    expect(n.status.conditions.map((x: KObject) => x.type)).toEqual(['Ready', 'MemoryPressure', 'DiskPressure', 'PIDPressure']);
    for (const x of n.status.conditions)
      expect(x).toMatchObject({ status: 'Unknown', reason: 'NodeStatusNeverUpdated', message: 'Kubelet never posted node status.', lastHeartbeatTime: created.metadata.creationTimestamp });
    await until(() => taints(getNode('bare')).length === 2, 3000);
  });

  it('taints follow conditions and cordoning; other taints are left alone', () => {
    const now = nowRFC3339();
    const node = {
      metadata: { name: 'n' },
      spec: { unschedulable: true, taints: [{ key: 'dedicated', value: 'x', effect: 'NoSchedule' }, { key: 'node.kubernetes.io/unreachable', effect: 'NoExecute', timeAdded: 'old' }] },
      status: { conditions: [{ type: 'Ready', status: 'False' }, { type: 'DiskPressure', status: 'True' }] },
    };
    const next = reconcileTaints(node, now)!;
    expect(next.map((t) => `${t.key}:${t.effect}`).sort()).toEqual([
      'dedicated:NoSchedule',
      'node.kubernetes.io/disk-pressure:NoSchedule',
      'node.kubernetes.io/not-ready:NoExecute',
      'node.kubernetes.io/not-ready:NoSchedule',
      'node.kubernetes.io/unschedulable:NoSchedule',
    ]);
    expect(reconcileTaints({ ...node, spec: { ...node.spec, taints: next } }, now)).toBeUndefined();
  });
});
