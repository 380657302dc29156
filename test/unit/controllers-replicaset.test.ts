// ReplicaSet and ReplicationController controllers: scaling, deletion ranking, adoption and release,
// status counts (minReadySeconds on a FakeClock), ReplicaFailure and events (in-memory server, pod
// states written by the test itself through pods/status; no scheduler or node agent).
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { startServer, testControllerOptions } from '../helpers/server.js';
import type { KubeEmulator } from '../../src/server/app.js';
import { ControllerManager } from '../../src/controllers/manager.js';
import { replicaSetController, replicationControllerController } from '../../src/controllers/replicaset/index.js';
import { garbageCollectorController } from '../../src/controllers/garbagecollector.js';
import { FakeClock, rfc3339 } from '../../src/controllers/runtime/index.js';
import { getPodsToDelete, podDeletionCost, sortActivePodsWithRanks } from '../../src/controllers/runtime/podranking.js';
import { slowStartBatch } from '../../src/controllers/runtime/slowstart.js';
import type { KObject } from '../../src/resources/types.js';
import { bindPod } from '../../src/registry/binding.js';

let emu: KubeEmulator;
let mgr: ControllerManager;
const clock = new FakeClock(Date.parse('2026-03-01T10:00:00Z'));
const NS = 'default';
const def = (g: string, p: string) => emu.registry.mustDef(g, p);
const rsDef = () => def('apps', 'replicasets');
const rcDef = () => def('', 'replicationcontrollers');
const podDef = () => def('', 'pods');

beforeAll(async () => {
  emu = await startServer({ controllers: [] });
  mgr = new ControllerManager(emu.registry, emu.logger, testControllerOptions({ clock }), [replicaSetController, replicationControllerController, garbageCollectorController()]);
  mgr.start(['*']);
});
afterAll(async () => {
  mgr.stop();
  await emu.close();
});

function rs(name: string, replicas: number, extra: KObject = {}, podSpec: KObject = {}): KObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { name },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name, tier: 'web' } }, spec: { containers: [{ name: 'c', image: 'nginx:1.25' }], ...podSpec } },
      ...extra,
    },
  };
}

const settle = () => mgr.settled();
const getRS = (n: string) => emu.registry.get(rsDef(), NS, n);
const scale = (n: string, replicas: number) => emu.registry.modify(rsDef(), NS, n, (o) => void (o.spec.replicas = replicas));

function podsOf(app: string, includeTerminating = false): KObject[] {
  return emu.registry
    .list(podDef(), NS)
    .items.filter((p: KObject) => p.metadata.labels?.app === app && (includeTerminating || !p.metadata.deletionTimestamp))
    .sort((a: KObject, b: KObject) => a.metadata.name.localeCompare(b.metadata.name));
}

function events(name: string): KObject[] {
  return emu.registry.list(def('', 'events'), NS).items.filter((e: KObject) => e.involvedObject?.name === name);
}

/** Writes a pod's node, phase and Ready condition (ready since `readyAt`, ms). */
function setPod(name: string, o: { node?: string; phase?: string; ready?: boolean; readyAt?: number; restarts?: number }): void {
  if (o.node !== undefined) bindPod(emu.registry, NS, name, o.node);
  emu.registry.modify(
    podDef(),
    NS,
    name,
    (p) => {
      const conditions = o.ready === undefined ? [] : [{ type: 'Ready', status: o.ready ? 'True' : 'False', lastTransitionTime: rfc3339(o.readyAt ?? clock.now()) }];
      p.status = {
        ...p.status,
        phase: o.phase ?? 'Pending',
        conditions,
        ...(o.restarts !== undefined ? { containerStatuses: [{ name: 'c', image: 'nginx:1.25', imageID: '', ready: !!o.ready, restartCount: o.restarts, state: {} }] } : {}),
      };
    },
    { subresource: 'status' },
  );
}

describe('replicaset controller: scaling', () => {
  it('creates the pods from the template with generated names, controllerRef and events', async () => {
    emu.registry.create(rsDef(), NS, rs('web', 3));
    await settle();
    const pods = podsOf('web');
    expect(pods).toHaveLength(3);
    const set = getRS('web');
    for (const p of pods) {
      expect(p.metadata.name).toMatch(/^web-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
      expect(p.metadata.generateName).toBe('web-');
      expect(p.metadata.labels).toEqual({ app: 'web', tier: 'web' });
      expect(p.metadata.ownerReferences).toEqual([{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web', uid: set.metadata.uid, controller: true, blockOwnerDeletion: true }]);
      expect(p.spec.containers[0].image).toBe('nginx:1.25');
    }
    const created = events('web').filter((e) => e.reason === 'SuccessfulCreate');
    expect(created.map((e) => e.message).sort()).toEqual(pods.map((p) => `Created pod: ${p.metadata.name}`).sort());
    expect(created[0]).toMatchObject({ type: 'Normal', source: { component: 'replicaset-controller' }, involvedObject: { kind: 'ReplicaSet', name: 'web' } });
    expect(set.status).toEqual({ replicas: 3, fullyLabeledReplicas: 3, observedGeneration: 1 });
  });

  it('counts ready pods and scales up and down to spec.replicas', async () => {
    for (const p of podsOf('web')) setPod(p.metadata.name, { node: 'node-1', phase: 'Running', ready: true });
    await settle();
    expect(getRS('web').status).toMatchObject({ replicas: 3, readyReplicas: 3, availableReplicas: 3 });
    scale('web', 5);
    await settle();
    expect(podsOf('web')).toHaveLength(5);
    expect(getRS('web').status).toMatchObject({ replicas: 5, readyReplicas: 3, observedGeneration: 2 });
    scale('web', 0);
    await settle();
    expect(podsOf('web')).toHaveLength(0);
    const deleted = events('web').filter((e) => e.reason === 'SuccessfulDelete');
    expect(deleted).toHaveLength(5);
    expect(deleted[0].message).toMatch(/^Deleted pod: web-[a-z0-9]{5}$/);
    expect(getRS('web').status).toEqual({ replicas: 0, observedGeneration: 3 });
  });

  it('copies the template labels, annotations and finalizers; a long name is cut to 58 characters plus 5', async () => {
    const name = 'a-very-long-replicaset-name-that-goes-on-and-on-and-on-for-ever';
    const o = rs(name, 1);
    o.spec.selector = { matchLabels: { app: 'long' } };
    o.spec.template.metadata = { labels: { app: 'long' }, annotations: { note: 'x' }, finalizers: ['example.com/keep'] };
    emu.registry.create(rsDef(), NS, o);
    await settle();
    const [p] = podsOf('long');
    expect(p.metadata.name).toHaveLength(63);
    expect(p.metadata.name.startsWith(`${name}-`.slice(0, 58))).toBe(true);
    expect(p.metadata.generateName).toBe(`${name}-`);
    expect(p.metadata.annotations).toEqual({ note: 'x' });
    expect(p.metadata.finalizers).toEqual(['example.com/keep']);
    emu.registry.modify(podDef(), NS, p.metadata.name, (x) => void (x.metadata.finalizers = []));
    emu.registry.delete(rsDef(), NS, name, { propagationPolicy: 'Orphan' });
    emu.registry.delete(podDef(), NS, p.metadata.name);
    await settle();
  });

  it('replaces a deleted pod', async () => {
    emu.registry.create(rsDef(), NS, rs('again', 2));
    await settle();
    const [first] = podsOf('again');
    emu.registry.delete(podDef(), NS, first.metadata.name);
    await settle();
    const now = podsOf('again');
    expect(now).toHaveLength(2);
    expect(now.map((p) => p.metadata.name)).not.toContain(first.metadata.name);
  });
});

describe('replicaset controller: terminating pods', () => {
  it('replaces a pod as soon as its graceful deletion starts, and does not count it', async () => {
    emu.registry.create(rsDef(), NS, rs('grace', 2));
    await settle();
    for (const p of podsOf('grace')) setPod(p.metadata.name, { node: 'node-1', phase: 'Running', ready: true });
    await settle();
    const [victim] = podsOf('grace');
    // a bound pod is deleted gracefully: it stays, terminating, until its kubelet lets go (none here)
    emu.registry.delete(podDef(), NS, victim.metadata.name);
    await settle();
    const all = podsOf('grace', true);
    expect(all).toHaveLength(3);
    expect(all.find((p) => p.metadata.name === victim.metadata.name)?.metadata.deletionTimestamp).toBeTruthy();
    expect(podsOf('grace')).toHaveLength(2);
    expect(getRS('grace').status).toMatchObject({ replicas: 2, readyReplicas: 1 });
  });
});

describe('replicaset controller: which pods go first on scale-down', () => {
  it('unassigned, then pending, then not ready, then the lower deletion cost, then the newer', async () => {
    emu.registry.create(rsDef(), NS, rs('rank', 6));
    await settle();
    const names = podsOf('rank').map((p) => p.metadata.name);
    const [unassigned, pending, notReady, cheap, older, newer] = names;
    const t0 = clock.now();
    setPod(pending, { node: 'node-1', phase: 'Pending' });
    setPod(notReady, { node: 'node-1', phase: 'Running', ready: false });
    setPod(cheap, { node: 'node-1', phase: 'Running', ready: true, readyAt: t0 - 3_600_000 });
    emu.registry.modify(podDef(), NS, cheap, (p) => void (p.metadata.annotations = { 'controller.kubernetes.io/pod-deletion-cost': '-5' }));
    // ready for an hour against ready for a minute: the logarithmic ranks differ
    setPod(older, { node: 'node-1', phase: 'Running', ready: true, readyAt: t0 - 3_600_000 });
    setPod(newer, { node: 'node-1', phase: 'Running', ready: true, readyAt: t0 - 60_000 });
    expect(unassigned).toBeDefined();
    await settle();
    const order: string[] = [];
    for (let n = 5; n >= 1; n--) {
      const before = new Set(podsOf('rank').map((p) => p.metadata.name));
      scale('rank', n);
      await settle();
      const after = new Set(podsOf('rank').map((p) => p.metadata.name));
      order.push(...[...before].filter((x) => !after.has(x)));
    }
    expect(order).toEqual([unassigned, pending, notReady, cheap, newer]);
    expect(podsOf('rank').map((p) => p.metadata.name)).toEqual([older]);
  });

  it('ranks pure functions as upstream ActivePodsWithRanks (restarts, creation time, doubled-up nodes)', () => {
    const now = Date.parse('2026-03-01T10:00:00Z');
    const pod = (name: string, o: KObject = {}): KObject => ({
      metadata: { name, uid: name, creationTimestamp: o.created ?? '2026-03-01T09:00:00Z', annotations: o.annotations },
      spec: { nodeName: o.node ?? 'n1' },
      status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: '2026-03-01T09:00:00Z' }], containerStatuses: [{ restartCount: o.restarts ?? 0 }] },
    });
    const a = pod('a', { restarts: 3 });
    const b = pod('b', { created: '2026-03-01T09:59:00Z' });
    const c = pod('c');
    expect(sortActivePodsWithRanks([c, b, a], [0, 0, 0], now).map((p) => p.metadata.name)).toEqual(['a', 'b', 'c']);
    // more related pods on the same node first
    const d = pod('d', { node: 'n2' });
    const related = [pod('x1', { node: 'n2' }), pod('x2', { node: 'n2' }), d, c];
    expect(getPodsToDelete([c, d], related, 1, now).map((p) => p.metadata.name)).toEqual(['d']);
    expect(podDeletionCost(pod('p', { annotations: { 'controller.kubernetes.io/pod-deletion-cost': '+3' } }))).toBe(0);
    expect(podDeletionCost(pod('p', { annotations: { 'controller.kubernetes.io/pod-deletion-cost': '-12' } }))).toBe(-12);
    expect(podDeletionCost(pod('p', { annotations: { 'controller.kubernetes.io/pod-deletion-cost': '007' } }))).toBe(0);
  });
});

describe('slowStartBatch', () => {
  it('doubles batches and stops after the batch with a failure', async () => {
    let calls = 0;
    const r = await slowStartBatch(100, 1, () => {
      calls++;
      if (calls === 6) throw new Error('quota');
    });
    // batches 1, 2, 4: the 6th call is in the third batch, which still completes
    expect(calls).toBe(7);
    expect(r.successes).toBe(6);
    expect((r.error as Error).message).toBe('quota');
    expect(await slowStartBatch(10, 1, () => undefined)).toEqual({ successes: 10 });
  });
});

describe('replicaset controller: status follows each pod change', () => {
  it('counts a pod turning un-Ready, losing a template label, finishing and coming back, one change at a time', async () => {
    emu.registry.create(rsDef(), NS, rs('counts', 3));
    await settle();
    const [a, b, c] = podsOf('counts').map((p) => p.metadata.name);
    for (const n of [a, b, c]) setPod(n, { node: 'node-1', phase: 'Running', ready: true });
    await settle();
    expect(getRS('counts').status).toEqual({ replicas: 3, fullyLabeledReplicas: 3, readyReplicas: 3, availableReplicas: 3, observedGeneration: 1 });
    setPod(a, { phase: 'Running', ready: false });
    await settle();
    expect(getRS('counts').status).toEqual({ replicas: 3, fullyLabeledReplicas: 3, readyReplicas: 2, availableReplicas: 2, observedGeneration: 1 });
    // still selected (app=counts) but no longer carrying every template label (tier)
    emu.registry.modify(podDef(), NS, b, (p) => void delete p.metadata.labels.tier);
    await settle();
    expect(getRS('counts').status).toEqual({ replicas: 3, fullyLabeledReplicas: 2, readyReplicas: 2, availableReplicas: 2, observedGeneration: 1 });
    // a finished pod is not active: it stops counting and gets a replacement
    setPod(c, { phase: 'Succeeded', ready: false });
    await settle();
    const names = podsOf('counts').map((p) => p.metadata.name);
    expect(names).toHaveLength(4);
    const fresh = names.filter((n) => ![a, b, c].includes(n));
    expect(fresh).toHaveLength(1);
    expect(getRS('counts').status).toEqual({ replicas: 3, fullyLabeledReplicas: 2, readyReplicas: 1, availableReplicas: 1, observedGeneration: 1 });
    setPod(a, { phase: 'Running', ready: true });
    setPod(fresh[0], { node: 'node-1', phase: 'Running', ready: true });
    await settle();
    expect(getRS('counts').status).toEqual({ replicas: 3, fullyLabeledReplicas: 2, readyReplicas: 3, availableReplicas: 3, observedGeneration: 1 });
    emu.registry.delete(rsDef(), NS, 'counts');
    await settle();
  });
});

describe('replicaset controller: adoption and release', () => {
  it('adopts a matching orphan, releases a pod whose labels stop matching, and replaces it', async () => {
    emu.registry.create(podDef(), NS, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'stray', labels: { app: 'adopt' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } });
    emu.registry.create(rsDef(), NS, rs('adopt', 2));
    await settle();
    const set = getRS('adopt');
    const pods = podsOf('adopt');
    expect(pods).toHaveLength(2);
    const stray = pods.find((p) => p.metadata.name === 'stray')!;
    expect(stray.metadata.ownerReferences).toEqual([{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'adopt', uid: set.metadata.uid, controller: true, blockOwnerDeletion: true }]);
    // fully labelled counts the template's labels (tier=web), which the adopted pod lacks
    expect(set.status).toMatchObject({ replicas: 2, fullyLabeledReplicas: 1 });

    emu.registry.modify(podDef(), NS, 'stray', (p) => void (p.metadata.labels = { app: 'gone' }));
    await settle();
    expect(emu.registry.get(podDef(), NS, 'stray').metadata.ownerReferences).toBeUndefined();
    expect(podsOf('adopt')).toHaveLength(2);
    expect(podsOf('adopt').map((p) => p.metadata.name)).not.toContain('stray');
    expect(getRS('adopt').status).toMatchObject({ replicas: 2, fullyLabeledReplicas: 2 });
  });

  it('leaves the pods behind on an orphaning delete (the garbage collector drops the references)', async () => {
    emu.registry.create(rsDef(), NS, rs('orph', 2));
    await settle();
    emu.registry.delete(rsDef(), NS, 'orph', { propagationPolicy: 'Orphan' });
    await settle();
    expect(emu.registry.tryGet(rsDef(), NS, 'orph')).toBeUndefined();
    const pods = podsOf('orph');
    expect(pods).toHaveLength(2);
    for (const p of pods) expect(p.metadata.ownerReferences).toBeUndefined();
  });

  it('deletes its pods on a background delete', async () => {
    emu.registry.create(rsDef(), NS, rs('bg', 2));
    await settle();
    emu.registry.delete(rsDef(), NS, 'bg');
    for (let i = 0; i < 5 && podsOf('bg').length; i++) await settle();
    expect(podsOf('bg')).toHaveLength(0);
  });
});

describe('replicaset controller: availability with minReadySeconds', () => {
  it('counts a ready pod available only minReadySeconds later (requeued on the clock)', async () => {
    emu.registry.create(rsDef(), NS, rs('slow', 2, { minReadySeconds: 10 }));
    await settle();
    for (const p of podsOf('slow')) setPod(p.metadata.name, { node: 'node-1', phase: 'Running', ready: true, readyAt: clock.now() });
    await settle();
    expect(getRS('slow').status).toMatchObject({ replicas: 2, readyReplicas: 2 });
    expect(getRS('slow').status.availableReplicas).toBeUndefined();
    clock.advance(5_000);
    await settle();
    expect(getRS('slow').status.availableReplicas).toBeUndefined();
    clock.advance(7_000);
    await settle();
    expect(getRS('slow').status).toMatchObject({ replicas: 2, readyReplicas: 2, availableReplicas: 2 });
  });
});

describe('replicaset controller: ReplicaFailure', () => {
  it('sets FailedCreate with the error and a Warning event, and clears it once pods can be created', async () => {
    emu.registry.create(rsDef(), NS, rs('fail', 2, {}, { priorityClassName: 'missing-class' }));
    await settle();
    const set = getRS('fail');
    expect(podsOf('fail')).toHaveLength(0);
    const cond = set.status.conditions?.find((c: KObject) => c.type === 'ReplicaFailure');
    expect(cond).toMatchObject({ type: 'ReplicaFailure', status: 'True', reason: 'FailedCreate' });
    expect(cond.message).toContain('no PriorityClass with name missing-class was found');
    const warn = events('fail').find((e) => e.reason === 'FailedCreate');
    expect(warn).toMatchObject({ type: 'Warning' });
    expect(warn!.message).toMatch(/^Error creating: pods "fail-" is forbidden: no PriorityClass with name missing-class was found/);

    emu.registry.create(def('scheduling.k8s.io', 'priorityclasses'), '', { apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name: 'missing-class' }, value: 10 });
    for (let i = 0; i < 50 && podsOf('fail').length < 2; i++) {
      await new Promise((r) => setTimeout(r, 20));
      await settle();
    }
    expect(podsOf('fail')).toHaveLength(2);
    expect(getRS('fail').status.conditions).toBeUndefined();
  });
});

describe('replicationcontroller controller', () => {
  it('manages pods of a ReplicationController with its own controllerRef, events and status', async () => {
    emu.registry.create(rcDef(), NS, {
      apiVersion: 'v1',
      kind: 'ReplicationController',
      metadata: { name: 'legacy' },
      spec: { replicas: 2, template: { metadata: { labels: { app: 'legacy' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } },
    });
    await settle();
    const rc = emu.registry.get(rcDef(), NS, 'legacy');
    const pods = podsOf('legacy');
    expect(pods).toHaveLength(2);
    for (const p of pods) {
      expect(p.metadata.name).toMatch(/^legacy-[a-z0-9]{5}$/);
      expect(p.metadata.ownerReferences).toEqual([{ apiVersion: 'v1', kind: 'ReplicationController', name: 'legacy', uid: rc.metadata.uid, controller: true, blockOwnerDeletion: true }]);
    }
    expect(rc.status).toEqual({ replicas: 2, fullyLabeledReplicas: 2, observedGeneration: 1 });
    // defaulted as a 1.33 apiserver serves it: selector and labels from the template, the template's zero time
    expect(rc.spec.selector).toEqual({ app: 'legacy' });
    expect(rc.metadata.labels).toEqual({ app: 'legacy' });
    expect(rc.spec.template.metadata.creationTimestamp).toBeNull();
    const ev = events('legacy').filter((e) => e.reason === 'SuccessfulCreate');
    expect(ev).toHaveLength(2);
    expect(ev[0]).toMatchObject({ source: { component: 'replication-controller' }, involvedObject: { kind: 'ReplicationController' } });

    for (const p of pods) setPod(p.metadata.name, { node: 'node-1', phase: 'Running', ready: true });
    emu.registry.modify(rcDef(), NS, 'legacy', (o) => void (o.spec.replicas = 1));
    await settle();
    expect(podsOf('legacy')).toHaveLength(1);
    expect(emu.registry.get(rcDef(), NS, 'legacy').status).toEqual({ replicas: 1, fullyLabeledReplicas: 1, readyReplicas: 1, availableReplicas: 1, observedGeneration: 2 });
  });
});
