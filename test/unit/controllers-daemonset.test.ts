// DaemonSet controller: one pod per eligible node on a 3-node cluster (nodes, scheduler and node
// agent with zero-delay stages), node selection and taints, nodes appearing and changing,
// RollingUpdate within maxUnavailable / maxSurge, OnDelete, ControllerRevision history, status, events.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { startServer, testControllerOptions } from '../helpers/server.js';
import type { KubeEmulator } from '../../src/server/app.js';
import { ControllerManager } from '../../src/controllers/manager.js';
import { nodesController } from '../../src/controllers/nodes.js';
import { schedulerController } from '../../src/controllers/scheduler.js';
import { nodeAgentController } from '../../src/controllers/nodeagent/index.js';
import { daemonSetController } from '../../src/controllers/daemonset/index.js';
import type { KObject } from '../../src/resources/types.js';
import { FakeClock, rfc3339 } from '../../src/controllers/runtime/index.js';
import { createPodTemplate, nodeShouldRunDaemonPod, replaceNodeNameAffinity, surgeCount, targetNodeName, unavailableCount } from '../../src/controllers/daemonset/util.js';

let emu: KubeEmulator;
let mgr: ControllerManager;
const NS = 'default';
const NODES = ['kube-emulator-node', 'kube-emulator-node-2', 'kube-emulator-node-3'];
const def = (g: string, p: string) => emu.registry.mustDef(g, p);

beforeAll(async () => {
  emu = await startServer({ controllers: [] });
  mgr = new ControllerManager(emu.registry, emu.logger, testControllerOptions({ nodes: 3 }), [
    nodesController(),
    schedulerController(),
    nodeAgentController(),
    daemonSetController,
  ]);
  mgr.start(['*']);
  await until(() => emu.registry.list(def('', 'nodes'), '').items.length === 3);
});
afterAll(async () => {
  mgr.stop();
  await emu.close();
});

async function until<T>(fn: () => T | undefined | false, ms = 8000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    await mgr.settled();
    const v = fn();
    if (v) return v;
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

function ds(name: string, spec: KObject = {}, podSpec: KObject = {}): KObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name },
    spec: {
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image: 'nginx:1.25' }], ...podSpec } },
      ...spec,
    },
  };
}

const create = (o: KObject) => emu.registry.create(def('apps', 'daemonsets'), NS, o).object;
const getDS = (n: string) => emu.registry.get(def('apps', 'daemonsets'), NS, n);
const setImage = (n: string, image: string) =>
  emu.registry.modify(def('apps', 'daemonsets'), NS, n, (o) => void (o.spec.template.spec.containers[0].image = image));
const pods = (app: string): KObject[] => emu.registry.list(def('', 'pods'), NS).items.filter((p: KObject) => p.metadata.labels?.app === app);
const live = (app: string) => pods(app).filter((p) => !p.metadata.deletionTimestamp);
const ready = (p: KObject) => p.status?.conditions?.some((c: KObject) => c.type === 'Ready' && c.status === 'True');
const revisionsOf = (name: string): KObject[] =>
  emu.registry
    .list(def('apps', 'controllerrevisions'), NS)
    .items.filter((r: KObject) => r.metadata.ownerReferences?.some((o: KObject) => o.kind === 'DaemonSet' && o.name === name))
    .sort((a: KObject, b: KObject) => a.revision - b.revision);
const events = (name: string): KObject[] => emu.registry.list(def('', 'events'), NS).items.filter((e: KObject) => e.involvedObject?.name === name && e.involvedObject?.kind === 'DaemonSet');
const modifyNode = (name: string, f: (n: KObject) => void) => emu.registry.modify(def('', 'nodes'), '', name, f);

/** every node has exactly one Ready live pod of the image, and the status says so */
async function rolledOut(name: string, image: string, nodes = 3): Promise<void> {
  await until(() => {
    const ps = live(name);
    const st = getDS(name).status ?? {};
    return (
      ps.length === nodes &&
      ps.every((p) => ready(p) && p.spec.containers[0].image === image) &&
      new Set(ps.map((p) => p.spec.nodeName)).size === nodes &&
      st.updatedNumberScheduled === nodes &&
      st.numberAvailable === nodes &&
      st.observedGeneration === getDS(name).metadata.generation
    );
  });
}

describe('daemonset controller: placement', () => {
  it('runs one pod per node, aimed at its node by matchFields affinity, with the daemon tolerations and labels', async () => {
    create(ds('agent'));
    await rolledOut('agent', 'nginx:1.25');
    const ps = live('agent');
    const d = getDS('agent');
    const rev = revisionsOf('agent');
    expect(rev.map((r) => r.revision)).toEqual([1]);
    const hash = rev[0].metadata.labels['controller-revision-hash'];
    expect(rev[0].metadata.name).toBe(`agent-${hash}`);
    expect(rev[0].data.spec.template.$patch).toBe('replace');
    for (const p of ps) {
      expect(p.metadata.name).toMatch(/^agent-[a-z0-9]{5}$/);
      expect(p.metadata.labels).toEqual({ app: 'agent', 'controller-revision-hash': hash, 'pod-template-generation': '1' });
      expect(p.metadata.ownerReferences).toEqual([{ apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'agent', uid: d.metadata.uid, controller: true, blockOwnerDeletion: true }]);
      expect(p.spec.affinity).toEqual({
        nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: [p.spec.nodeName] }] }] } },
      });
      expect(p.spec.tolerations.map((t: KObject) => `${t.key}:${t.operator}:${t.effect}`)).toEqual([
        'node.kubernetes.io/not-ready:Exists:NoExecute',
        'node.kubernetes.io/unreachable:Exists:NoExecute',
        'node.kubernetes.io/disk-pressure:Exists:NoSchedule',
        'node.kubernetes.io/memory-pressure:Exists:NoSchedule',
        'node.kubernetes.io/pid-pressure:Exists:NoSchedule',
        'node.kubernetes.io/unschedulable:Exists:NoSchedule',
      ]);
    }
    expect(ps.map((p) => p.spec.nodeName).sort()).toEqual(NODES);
    expect(d.status).toEqual({
      currentNumberScheduled: 3,
      desiredNumberScheduled: 3,
      numberMisscheduled: 0,
      numberReady: 3,
      numberAvailable: 3,
      updatedNumberScheduled: 3,
      observedGeneration: 1,
    });
    const created = events('agent').filter((e) => e.reason === 'SuccessfulCreate');
    expect(created.map((e) => e.message).sort()).toEqual(ps.map((p) => `Created pod: ${p.metadata.name}`).sort());
    expect(created[0].source?.component ?? created[0].reportingComponent).toBe('daemonset-controller');
  });

  it('a hostNetwork pod also tolerates network-unavailable', async () => {
    create(ds('hostnet', {}, { hostNetwork: true }));
    const p = await until(() => live('hostnet')[0]);
    expect(p.spec.tolerations.at(-1)).toEqual({ key: 'node.kubernetes.io/network-unavailable', operator: 'Exists', effect: 'NoSchedule' });
  });

  it('follows the nodeSelector as node labels change: a relabelled node loses its pod, a labelled one gains one', async () => {
    modifyNode(NODES[1], (n) => void (n.metadata.labels.disk = 'ssd'));
    create(ds('sel', {}, { nodeSelector: { disk: 'ssd' } }));
    await until(() => live('sel').length === 1 && ready(live('sel')[0]) && getDS('sel').status?.numberAvailable === 1);
    expect(live('sel')[0].spec.nodeName).toBe(NODES[1]);
    expect(getDS('sel').status.desiredNumberScheduled).toBe(1);
    modifyNode(NODES[2], (n) => void (n.metadata.labels.disk = 'ssd'));
    modifyNode(NODES[1], (n) => void delete n.metadata.labels.disk);
    await until(() => live('sel').length === 1 && live('sel')[0].spec.nodeName === NODES[2] && pods('sel').length === 1);
    expect(events('sel').some((e) => e.reason === 'SuccessfulDelete')).toBe(true);
    await until(() => getDS('sel').status?.numberAvailable === 1 && getDS('sel').status?.desiredNumberScheduled === 1);
    modifyNode(NODES[2], (n) => void delete n.metadata.labels.disk);
    await until(() => pods('sel').length === 0 && getDS('sel').status?.desiredNumberScheduled === 0);
  });

  it('a NoSchedule taint keeps new pods off unless tolerated, a NoExecute taint evicts a running one', async () => {
    modifyNode(NODES[2], (n) => void (n.spec.taints = [{ key: 'dedicated', value: 'db', effect: 'NoSchedule' }]));
    create(ds('plain'));
    create(ds('tolerant', {}, { tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'db', effect: 'NoSchedule' }] }));
    await until(() => live('plain').length === 2 && live('tolerant').length === 3 && getDS('plain').status?.desiredNumberScheduled === 2);
    expect(live('plain').map((p) => p.spec.nodeName).sort()).toEqual([NODES[0], NODES[1]]);
    // the agent pod already on node 3 keeps running under NoSchedule
    expect(live('agent').some((p) => p.spec.nodeName === NODES[2])).toBe(true);
    modifyNode(NODES[2], (n) => void (n.spec.taints = [{ key: 'dedicated', value: 'db', effect: 'NoExecute' }]));
    await until(() => !live('agent').some((p) => p.spec.nodeName === NODES[2]) && !live('tolerant').some((p) => p.spec.nodeName === NODES[2]));
    await until(() => getDS('agent').status?.desiredNumberScheduled === 2 && getDS('agent').status?.currentNumberScheduled === 2);
    modifyNode(NODES[2], (n) => void delete n.spec.taints);
    await until(() => live('agent').length === 3 && live('plain').length === 3 && live('tolerant').length === 3);
    await rolledOut('agent', 'nginx:1.25');
  });

  it('a new node gets a pod, one that goes away is no longer counted', async () => {
    emu.registry.create(def('', 'nodes'), '', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'extra', labels: { 'kubernetes.io/hostname': 'extra' } } });
    emu.registry.modify(
      def('', 'nodes'),
      '',
      'extra',
      (n) => void (n.status = { conditions: [{ type: 'Ready', status: 'True', lastHeartbeatTime: new Date().toISOString(), lastTransitionTime: new Date().toISOString() }] }),
      { subresource: 'status' },
    );
    const p = await until(() => live('agent').find((x) => x.spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms?.[0]?.matchFields?.[0]?.values?.[0] === 'extra'));
    await until(() => getDS('agent').status?.desiredNumberScheduled === 4 && getDS('agent').status?.currentNumberScheduled === 4);
    expect(await until(() => emu.registry.get(def('', 'pods'), NS, p.metadata.name).spec.nodeName)).toBe('extra');
    emu.registry.delete(def('', 'nodes'), '', 'extra');
    await until(() => getDS('agent').status?.desiredNumberScheduled === 3 && getDS('agent').status?.currentNumberScheduled === 3);
  });
});

/** Watches pods of an app and records the fewest nodes with an available (Ready, not deleting) pod and the most live pods. */
function watchRollout(app: string) {
  let minAvailable = Infinity;
  let maxLive = 0;
  const inf = mgr.informers.for('', 'pods');
  const check = () => {
    const ps = inf.list(NS).filter((p) => p.metadata.labels?.app === app && !p.metadata.deletionTimestamp);
    const nodes = new Set(ps.filter(ready).map((p) => p.spec.nodeName ?? 'unscheduled'));
    minAvailable = Math.min(minAvailable, nodes.size);
    maxLive = Math.max(maxLive, ps.length);
  };
  inf.addHandler({ add: check, update: check, delete: check });
  return { get minAvailable() { return minAvailable; }, get maxLive() { return maxLive; } };
}

describe('daemonset controller: updates and history', () => {
  it('RollingUpdate replaces pods one node at a time (maxUnavailable 1), bumping generation and history', async () => {
    create(ds('roll'));
    await rolledOut('roll', 'nginx:1.25');
    const before = new Set(live('roll').map((p) => p.metadata.name));
    const w = watchRollout('roll');
    setImage('roll', 'nginx:1.26');
    await rolledOut('roll', 'nginx:1.26');
    expect(w.minAvailable).toBe(2);
    expect(w.maxLive).toBe(3);
    const after = live('roll');
    expect(after.some((p) => before.has(p.metadata.name))).toBe(false);
    expect(after.every((p) => p.metadata.labels['pod-template-generation'] === '2')).toBe(true);
    const d = getDS('roll');
    expect(d.metadata.generation).toBe(2);
    expect(d.metadata.annotations['deprecated.daemonset.template.generation']).toBe('2');
    const revs = revisionsOf('roll');
    expect(revs.map((r) => r.revision)).toEqual([1, 2]);
    expect(after.every((p) => p.metadata.labels['controller-revision-hash'] === revs[1].metadata.labels['controller-revision-hash'])).toBe(true);
    expect(events('roll').filter((e) => e.reason === 'SuccessfulDelete').length).toBeGreaterThanOrEqual(3);
  });

  it('maxUnavailable 100% replaces every pod at once', async () => {
    create(ds('all', { updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '100%' } } }));
    await rolledOut('all', 'nginx:1.25');
    const w = watchRollout('all');
    setImage('all', 'nginx:1.26');
    await rolledOut('all', 'nginx:1.26');
    expect(w.minAvailable).toBe(0);
  });

  it('maxSurge 1 starts the new pod before the old one goes: never fewer than 3 available, at most 4 pods', async () => {
    create(ds('surge', { updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } } }));
    await rolledOut('surge', 'nginx:1.25');
    const w = watchRollout('surge');
    setImage('surge', 'nginx:1.26');
    await rolledOut('surge', 'nginx:1.26');
    expect(w.minAvailable).toBe(3);
    expect(w.maxLive).toBe(4);
  });

  it('OnDelete leaves pods alone until they are deleted', async () => {
    create(ds('manual', { updateStrategy: { type: 'OnDelete' } }));
    await rolledOut('manual', 'nginx:1.25');
    setImage('manual', 'nginx:1.26');
    await until(() => getDS('manual').status?.observedGeneration === 2);
    await mgr.settled();
    expect(live('manual').every((p) => p.spec.containers[0].image === 'nginx:1.25')).toBe(true);
    expect(getDS('manual').status.updatedNumberScheduled ?? 0).toBe(0);
    const victim = live('manual')[0];
    emu.registry.delete(def('', 'pods'), NS, victim.metadata.name);
    await until(() => live('manual').filter((p) => p.spec.containers[0].image === 'nginx:1.26' && ready(p)).length === 1 && getDS('manual').status?.updatedNumberScheduled === 1);
    expect(live('manual').find((p) => p.spec.containers[0].image === 'nginx:1.26')!.spec.nodeName).toBe(victim.spec.nodeName);
  });

  it('a rollback to an earlier template reuses its revision under the next number; revisionHistoryLimit prunes', async () => {
    create(ds('hist', { revisionHistoryLimit: 1 }));
    await rolledOut('hist', 'nginx:1.25');
    const first = revisionsOf('hist')[0];
    setImage('hist', 'nginx:1.26');
    await rolledOut('hist', 'nginx:1.26');
    expect(revisionsOf('hist').map((r) => r.revision)).toEqual([1, 2]);
    setImage('hist', 'nginx:1.25');
    await rolledOut('hist', 'nginx:1.25');
    const revs = revisionsOf('hist');
    expect(revs.map((r) => r.revision)).toEqual([2, 3]);
    expect(revs[1].metadata.name).toBe(first.metadata.name);
    setImage('hist', 'nginx:1.27');
    await rolledOut('hist', 'nginx:1.27');
    // one old revision kept beside the current one
    expect(revisionsOf('hist').map((r) => r.revision)).toEqual([3, 4]);
  });

  it('a revision name taken by other data bumps status.collisionCount and picks another name', async () => {
    create(ds('coll'));
    const first = await until(() => revisionsOf('coll')[0]);
    await until(() => live('coll').length === 3);
    emu.registry.delete(def('apps', 'daemonsets'), NS, 'coll');
    emu.registry.delete(def('apps', 'controllerrevisions'), NS, first.metadata.name);
    for (const p of pods('coll')) emu.registry.delete(def('', 'pods'), NS, p.metadata.name, { gracePeriodSeconds: 0 });
    await until(() => pods('coll').length === 0);
    emu.registry.create(def('apps', 'controllerrevisions'), NS, { apiVersion: 'apps/v1', kind: 'ControllerRevision', metadata: { name: first.metadata.name, labels: { other: 'x' } }, data: { other: true }, revision: 1 });
    create(ds('coll'));
    const rev = await until(() => revisionsOf('coll')[0]);
    expect(getDS('coll').status.collisionCount).toBe(1);
    expect(rev.metadata.name).not.toBe(first.metadata.name);
    expect(rev.metadata.name).toBe(`coll-${rev.metadata.labels['controller-revision-hash']}`);
    await rolledOut('coll', 'nginx:1.25');
  });

  it('a failed daemon pod is deleted and replaced, with a FailedDaemonPod event', async () => {
    create(ds('flaky'));
    await rolledOut('flaky', 'nginx:1.25');
    const victim = live('flaky')[0];
    emu.registry.modify(def('', 'pods'), NS, victim.metadata.name, (p) => void (p.status = { ...p.status, phase: 'Failed' }), { subresource: 'status' });
    await until(() => events('flaky').some((e) => e.reason === 'FailedDaemonPod'));
    const ev = events('flaky').find((e) => e.reason === 'FailedDaemonPod')!;
    expect(ev.type).toBe('Warning');
    expect(ev.message).toBe(`Found failed daemon pod default/${victim.metadata.name} on node ${victim.spec.nodeName}, will try to kill it`);
    await until(() => live('flaky').length === 3 && !live('flaky').some((p) => p.metadata.name === victim.metadata.name));
  });
});

describe('daemonset util: predicates and pod template', () => {
  const node = (extra: KObject = {}): KObject => ({ metadata: { name: 'n1', labels: { zone: 'a' } }, spec: {}, ...extra });
  const set = (podSpec: KObject = {}): KObject => ({ metadata: { namespace: 'default', annotations: { 'deprecated.daemonset.template.generation': '4' } }, spec: { template: { metadata: { labels: { app: 'x' } }, spec: { containers: [], ...podSpec } } } });

  it('nodeShouldRunDaemonPod: node name, selector, required affinity, NoSchedule vs NoExecute taints', () => {
    expect(nodeShouldRunDaemonPod(node(), set())).toEqual([true, true]);
    expect(nodeShouldRunDaemonPod(node(), set({ nodeName: 'other' }))).toEqual([false, false]);
    expect(nodeShouldRunDaemonPod(node(), set({ nodeSelector: { zone: 'b' } }))).toEqual([false, false]);
    const affinity = (op: string) => ({ nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: op, values: ['a'] }] }] } } });
    expect(nodeShouldRunDaemonPod(node(), set({ affinity: affinity('In') }))).toEqual([true, true]);
    expect(nodeShouldRunDaemonPod(node(), set({ affinity: affinity('NotIn') }))).toEqual([false, false]);
    const tainted = (effect: string, key = 'k') => node({ spec: { taints: [{ key, value: 'v', effect }] } });
    expect(nodeShouldRunDaemonPod(tainted('NoSchedule'), set())).toEqual([false, true]);
    expect(nodeShouldRunDaemonPod(tainted('NoExecute'), set())).toEqual([false, false]);
    expect(nodeShouldRunDaemonPod(tainted('PreferNoSchedule'), set())).toEqual([true, true]);
    expect(nodeShouldRunDaemonPod(tainted('NoExecute'), set({ tolerations: [{ key: 'k', operator: 'Exists' }] }))).toEqual([true, true]);
    // the tolerations every daemon pod gets
    expect(nodeShouldRunDaemonPod(tainted('NoSchedule', 'node.kubernetes.io/unschedulable'), set())).toEqual([true, true]);
    expect(nodeShouldRunDaemonPod(tainted('NoExecute', 'node.kubernetes.io/not-ready'), set())).toEqual([true, true]);
    expect(nodeShouldRunDaemonPod(tainted('NoSchedule', 'node.kubernetes.io/network-unavailable'), set())).toEqual([false, true]);
    expect(nodeShouldRunDaemonPod(tainted('NoSchedule', 'node.kubernetes.io/network-unavailable'), set({ hostNetwork: true }))).toEqual([true, true]);
  });

  it('createPodTemplate adds the labels and replaces an equal toleration; the node affinity replaces required terms only', () => {
    const t = createPodTemplate(set({ tolerations: [{ key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 10 }, { key: 'mine', operator: 'Exists' }] }), 'h1');
    expect(t.metadata.labels).toEqual({ app: 'x', 'pod-template-generation': '4', 'controller-revision-hash': 'h1' });
    expect(t.spec.tolerations[0]).toEqual({ key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute' });
    expect(t.spec.tolerations[1]).toEqual({ key: 'mine', operator: 'Exists' });
    expect(t.spec.tolerations).toHaveLength(7);
    const preferred = [{ weight: 1, preference: { matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] } }];
    const a = replaceNodeNameAffinity(
      { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] }] }, preferredDuringSchedulingIgnoredDuringExecution: preferred } },
      'n1',
    );
    expect(a.nodeAffinity).toEqual({
      requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n1'] }] }] },
      preferredDuringSchedulingIgnoredDuringExecution: preferred,
    });
    expect(targetNodeName({ spec: { affinity: a } })).toBe('n1');
    expect(targetNodeName({ spec: { nodeName: 'n2', affinity: a } })).toBe('n2');
  });

  it('surge and unavailable counts round percentages up', () => {
    const ru = (r: KObject) => ({ spec: { updateStrategy: { type: 'RollingUpdate', rollingUpdate: r } } });
    expect(unavailableCount(ru({ maxUnavailable: '10%' }), 15)).toBe(2);
    expect(surgeCount(ru({ maxUnavailable: 0, maxSurge: '25%' }), 3)).toBe(1);
    expect(surgeCount({ spec: { updateStrategy: { type: 'OnDelete' } } }, 3)).toBe(0);
  });
});

describe('daemonset controller: minReadySeconds on the injectable clock', () => {
  let e: KubeEmulator;
  let m: ControllerManager;
  const clock = new FakeClock(Date.now());
  beforeAll(async () => {
    e = await startServer({ controllers: [] });
    m = new ControllerManager(e.registry, e.logger, testControllerOptions({ nodes: 0, clock }), [daemonSetController]);
    m.start(['*']);
  });
  afterAll(async () => {
    m.stop();
    await e.close();
  });

  it('counts a Ready pod available only minReadySeconds after it turned Ready', async () => {
    const d = (g: string, p: string) => e.registry.mustDef(g, p);
    for (const n of ['m1', 'm2']) e.registry.create(d('', 'nodes'), '', { apiVersion: 'v1', kind: 'Node', metadata: { name: n } });
    e.registry.create(d('apps', 'daemonsets'), NS, ds('slow', { minReadySeconds: 30 }));
    const podsOfSlow = () => e.registry.list(d('', 'pods'), NS).items.filter((p: KObject) => p.metadata.labels?.app === 'slow');
    const status = () => e.registry.get(d('apps', 'daemonsets'), NS, 'slow').status ?? {};
    const wait = async (f: () => boolean) => {
      for (let i = 0; i < 200 && !f(); i++) {
        await m.settled();
        await new Promise((r) => setTimeout(r, 5));
      }
      return f();
    };
    expect(await wait(() => podsOfSlow().length === 2)).toBe(true);
    const at = rfc3339(clock.now());
    for (const p of podsOfSlow())
      e.registry.modify(d('', 'pods'), NS, p.metadata.name, (o) => void (o.status = { phase: 'Running', conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: at }] }), { subresource: 'status' });
    expect(await wait(() => status().numberReady === 2)).toBe(true);
    expect(status().numberAvailable ?? 0).toBe(0);
    expect(status().numberUnavailable).toBe(2);
    clock.advance(20_000);
    await m.settled();
    expect(status().numberAvailable ?? 0).toBe(0);
    clock.advance(11_000);
    expect(await wait(() => status().numberAvailable === 2)).toBe(true);
    expect(status().numberUnavailable).toBeUndefined();
  });
});
