// The disruption controller (pkg/controller/disruption/disruption.go): PodDisruptionBudget status
// from the matching pods and their controllers' scale, the DisruptionAllowed condition, events,
// disruptedPods expiry and the stale DisruptionTarget reset on the injectable clock. Pods are made
// Running+Ready through pods/status by the test itself; no other controller runs.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, testControllerOptions } from '../helpers/server.js';
import type { KubeEmulator } from '../../src/server/app.js';
import { ControllerManager } from '../../src/controllers/manager.js';
import { disruptionController, DELETION_TIMEOUT_MS } from '../../src/controllers/disruption/index.js';
import { FakeClock, rfc3339 } from '../../src/controllers/runtime/index.js';
import { evictPod } from '../../src/resources/policy/eviction.js';
import type { KObject } from '../../src/resources/types.js';

let emu: KubeEmulator;
let mgr: ControllerManager;
const clock = new FakeClock(Date.now());
const NS = 'default';
const def = (g: string, p: string) => emu.registry.mustDef(g, p);

beforeAll(async () => {
  emu = await startServer({ controllers: [] });
  mgr = new ControllerManager(emu.registry, emu.logger, testControllerOptions({ clock }), [disruptionController]);
  mgr.start(['*']);
});
afterAll(async () => {
  mgr.stop();
  await emu.close();
});

const settle = () => mgr.settled();

function statefulSet(name: string, replicas: number): KObject {
  return emu.registry.create(def('apps', 'statefulsets'), NS, {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name },
    spec: { replicas, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } },
  }).object;
}

/** A Running pod, Ready or not, owned by `owner` when given. */
function pod(name: string, labels: Record<string, string>, opts: { ready?: boolean; owner?: KObject; ownerRef?: KObject } = {}): KObject {
  const meta: KObject = { name, labels };
  const ref = opts.ownerRef ?? (opts.owner && { apiVersion: opts.owner.apiVersion, kind: opts.owner.kind, name: opts.owner.metadata.name, uid: opts.owner.metadata.uid, controller: true });
  if (ref) meta.ownerReferences = [ref];
  emu.registry.create(def('', 'pods'), NS, { metadata: meta, spec: { nodeName: 'node-1', containers: [{ name: 'c', image: 'nginx' }] } });
  return setReady(name, opts.ready ?? true);
}

function setReady(name: string, ready: boolean): KObject {
  return emu.registry.modify(
    def('', 'pods'),
    NS,
    name,
    (p) => {
      p.status = { ...p.status, phase: 'Running', conditions: [{ type: 'Ready', status: ready ? 'True' : 'False', lastTransitionTime: rfc3339(clock.now()) }] };
    },
    { subresource: 'status' },
  ).object;
}

function pdb(name: string, spec: KObject): KObject {
  return emu.registry.create(def('policy', 'poddisruptionbudgets'), NS, { metadata: { name }, spec }).object;
}
const getPdb = (name: string) => emu.registry.get(def('policy', 'poddisruptionbudgets'), NS, name);
const counts = (name: string) => {
  const s = getPdb(name).status;
  return { currentHealthy: s.currentHealthy, desiredHealthy: s.desiredHealthy, expectedPods: s.expectedPods, disruptionsAllowed: s.disruptionsAllowed };
};
const condition = (name: string) => getPdb(name).status.conditions?.find((c: KObject) => c.type === 'DisruptionAllowed');
const events = (name: string, reason?: string) =>
  emu.registry.list(def('', 'events'), NS).items.filter((e: KObject) => e.involvedObject?.name === name && (!reason || e.reason === reason));

describe('disruption controller', () => {
  it('minAvailable as an integer: counts the matching ready pods, allows the surplus, SufficientPods', async () => {
    for (const n of ['a-0', 'a-1', 'a-2']) pod(n, { app: 'a' });
    pdb('a', { minAvailable: 2, selector: { matchLabels: { app: 'a' } } });
    await settle();
    expect(counts('a')).toEqual({ currentHealthy: 3, desiredHealthy: 2, expectedPods: 3, disruptionsAllowed: 1 });
    const b = getPdb('a');
    expect(b.status.observedGeneration).toBe(1);
    expect(b.status.disruptedPods).toBeUndefined();
    expect(condition('a')).toEqual({ type: 'DisruptionAllowed', status: 'True', observedGeneration: 1, lastTransitionTime: expect.any(String), reason: 'SufficientPods', message: '' });
    // a pod turning unready takes the allowance away
    setReady('a-1', false);
    await settle();
    expect(counts('a')).toEqual({ currentHealthy: 2, desiredHealthy: 2, expectedPods: 3, disruptionsAllowed: 0 });
    expect(condition('a')).toMatchObject({ status: 'False', reason: 'InsufficientPods' });
    // a spec change is observed: observedGeneration follows the generation
    emu.registry.modify(def('policy', 'poddisruptionbudgets'), NS, 'a', (o) => void (o.spec.minAvailable = 1));
    await settle();
    expect(getPdb('a').metadata.generation).toBe(2);
    expect(getPdb('a').status.observedGeneration).toBe(2);
    expect(counts('a')).toEqual({ currentHealthy: 2, desiredHealthy: 1, expectedPods: 3, disruptionsAllowed: 1 });
    expect(condition('a')).toMatchObject({ status: 'True', reason: 'SufficientPods', observedGeneration: 2 });
  });

  it('no matching pods: the NoPods event and nothing allowed', async () => {
    pdb('empty', { minAvailable: 1, selector: { matchLabels: { app: 'nothing-here' } } });
    await settle();
    expect(counts('empty')).toEqual({ currentHealthy: 0, desiredHealthy: 1, expectedPods: 0, disruptionsAllowed: 0 });
    const ev = events('empty', 'NoPods');
    expect(ev).toHaveLength(1);
    expect(ev[0]).toMatchObject({ type: 'Normal', message: 'No matching pods found', source: { component: 'controllermanager' } });
  });

  it('percentages and maxUnavailable use the StatefulSet scale (spec.replicas), rounding up', async () => {
    const ss = statefulSet('web', 4);
    for (const n of ['web-0', 'web-1', 'web-2']) pod(n, { app: 'web' }, { owner: ss });
    pdb('web-pct', { minAvailable: '50%', selector: { matchLabels: { app: 'web' } } });
    await settle();
    // expected = scale 4, desired = ceil(50% of 4) = 2, 3 healthy
    expect(counts('web-pct')).toEqual({ currentHealthy: 3, desiredHealthy: 2, expectedPods: 4, disruptionsAllowed: 1 });
    emu.registry.delete(def('policy', 'poddisruptionbudgets'), NS, 'web-pct');

    pdb('web-max', { maxUnavailable: '30%', selector: { matchLabels: { app: 'web' } } });
    await settle();
    // maxUnavailable = ceil(30% of 4) = 2: desired 2
    expect(counts('web-max')).toEqual({ currentHealthy: 3, desiredHealthy: 2, expectedPods: 4, disruptionsAllowed: 1 });
    emu.registry.modify(def('apps', 'statefulsets'), NS, 'web', (o) => void (o.spec.replicas = 6));
    // the scale is read when a pod or the budget changes (upstream watches neither controllers nor scales)
    setReady('web-2', true);
    emu.registry.modify(def('', 'pods'), NS, 'web-2', (p) => void (p.metadata.labels.touched = 'yes'));
    await settle();
    expect(counts('web-max')).toEqual({ currentHealthy: 3, desiredHealthy: 4, expectedPods: 6, disruptionsAllowed: 0 });
  });

  it('unmanaged pods under a percentage: the UnmanagedPods warning, worded as upstream', async () => {
    pod('lone-0', { app: 'lone' });
    pdb('lone', { minAvailable: '50%', selector: { matchLabels: { app: 'lone' } } });
    await settle();
    expect(counts('lone')).toEqual({ currentHealthy: 1, desiredHealthy: 0, expectedPods: 0, disruptionsAllowed: 0 });
    const ev = events('lone', 'UnmanagedPods');
    expect(ev[0].type).toBe('Warning');
    expect(ev[0].message).toBe(
      'Pods selected by this PodDisruptionBudget (selector: &LabelSelector{MatchLabels:map[string]string{app: lone,},MatchExpressions:[]LabelSelectorRequirement{},}) were found to be unmanaged. As a result, the status of the PDB cannot be calculated correctly, which may result in undefined behavior. To account for these pods please set ".spec.minAvailable" field of the PDB to an integer value.',
    );
  });

  it('a controller that cannot be found: CalculateExpectedPodCountFailed and the SyncFailed fail-safe', async () => {
    pod('ghost-0', { app: 'ghost' }, { ownerRef: { apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'gone', uid: 'no-such-uid', controller: true } });
    pod('odd-0', { app: 'odd' }, { ownerRef: { apiVersion: 'example.com/v1', kind: 'Widget', name: 'w', uid: 'u1', controller: true } });
    pdb('ghost', { maxUnavailable: 1, selector: { matchLabels: { app: 'ghost' } } });
    pdb('odd', { maxUnavailable: 1, selector: { matchLabels: { app: 'odd' } } });
    await settle();
    expect(getPdb('ghost').status.disruptionsAllowed).toBe(0);
    expect(condition('ghost')).toMatchObject({ status: 'False', reason: 'SyncFailed', message: 'found no controllers for pod "ghost-0"' });
    expect(events('ghost', 'CalculateExpectedPodCountFailed')[0]).toMatchObject({
      type: 'Warning',
      message: 'Failed to calculate the number of expected pods: found no controllers for pod "ghost-0"',
    });
    expect(condition('odd')).toMatchObject({ reason: 'SyncFailed', message: 'no matches for kind "Widget" in version "example.com/v1"' });
  });

  it('other controllers: a ReplicationController, any kind with a scale subresource (a custom resource), none for kinds without', async () => {
    const rc = emu.registry.create(def('', 'replicationcontrollers'), NS, {
      metadata: { name: 'rc' },
      spec: { replicas: 5, selector: { app: 'rc' }, template: { metadata: { labels: { app: 'rc' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } },
    }).object;
    for (const n of ['rc-a', 'rc-b']) pod(n, { app: 'rc' }, { owner: { ...rc, apiVersion: 'v1', kind: 'ReplicationController' } });
    pdb('rc', { maxUnavailable: '50%', selector: { matchLabels: { app: 'rc' } } });

    emu.registry.create(def('apiextensions.k8s.io', 'customresourcedefinitions'), '', {
      metadata: { name: 'widgets.example.com' },
      spec: {
        group: 'example.com',
        scope: 'Namespaced',
        names: { plural: 'widgets', singular: 'widget', kind: 'Widget', listKind: 'WidgetList' },
        versions: [
          {
            name: 'v1',
            served: true,
            storage: true,
            schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
            subresources: { scale: { specReplicasPath: '.spec.size', statusReplicasPath: '.status.size' } },
          },
        ],
      },
    });
    const widgetDef = await (async () => {
      for (let i = 0; i < 100; i++) {
        const d = emu.registry.def('example.com', 'widgets');
        if (d) return d;
        await new Promise((r) => setTimeout(r, 20));
      }
      throw new Error('widgets not served');
    })();
    const w = emu.registry.create(widgetDef, NS, { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' }, spec: { size: 4 } }).object;
    pod('wd-0', { app: 'wd' }, { owner: w });
    pdb('wd', { minAvailable: '50%', selector: { matchLabels: { app: 'wd' } } });

    const cm = emu.registry.create(def('', 'configmaps'), NS, { metadata: { name: 'cm' } }).object;
    pod('cm-0', { app: 'cm' }, { owner: { ...cm, apiVersion: 'v1', kind: 'ConfigMap' } });
    pdb('cm', { minAvailable: '50%', selector: { matchLabels: { app: 'cm' } } });
    await settle();
    // RC scale 5, maxUnavailable ceil(2.5) = 3: desired 2
    expect(counts('rc')).toEqual({ currentHealthy: 2, desiredHealthy: 2, expectedPods: 5, disruptionsAllowed: 0 });
    // the Widget's scale (spec.size 4): desired ceil(2) = 2
    expect(counts('wd')).toEqual({ currentHealthy: 1, desiredHealthy: 2, expectedPods: 4, disruptionsAllowed: 0 });
    expect(condition('wd')).toMatchObject({ reason: 'InsufficientPods' });
    expect(condition('cm')).toMatchObject({ status: 'False', reason: 'SyncFailed', message: 'configmaps does not implement the scale subresource' });
  });

  it('an eviction reserves a disruption; the controller keeps the entry until the pod goes, then drops it after 2 minutes', async () => {
    for (const n of ['ev-0', 'ev-1', 'ev-2']) pod(n, { app: 'ev' });
    pdb('ev', { minAvailable: 1, selector: { matchLabels: { app: 'ev' } } });
    await settle();
    expect(counts('ev').disruptionsAllowed).toBe(2);
    // dry-run evictions leave the pod and the budget alone; a real one reserves
    evictPod(emu.registry, NS, 'ev-0', { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: 'ev-0' } });
    await settle();
    // the evicted pod is terminating: neither healthy nor in disruptedPods any more
    expect(counts('ev')).toEqual({ currentHealthy: 2, desiredHealthy: 1, expectedPods: 3, disruptionsAllowed: 1 });
    expect(getPdb('ev').status.disruptedPods).toBeUndefined();

    // an entry whose pod was never deleted (say the delete failed) stops counting it as healthy...
    const b = getPdb('ev');
    emu.registry.update(def('policy', 'poddisruptionbudgets'), NS, 'ev', { ...b, status: { ...b.status, disruptedPods: { 'ev-1': rfc3339(clock.now()) } } }, { subresource: 'status' });
    await settle();
    expect(counts('ev')).toEqual({ currentHealthy: 1, desiredHealthy: 1, expectedPods: 3, disruptionsAllowed: 0 });
    expect(Object.keys(getPdb('ev').status.disruptedPods)).toEqual(['ev-1']);
    // ...until DeletionTimeout: the recheck drops it and warns on the pod
    clock.advance(DELETION_TIMEOUT_MS + 1000);
    await settle();
    expect(getPdb('ev').status.disruptedPods).toBeUndefined();
    expect(counts('ev')).toEqual({ currentHealthy: 2, desiredHealthy: 1, expectedPods: 3, disruptionsAllowed: 1 });
    expect(events('ev-1', 'NotDeleted')[0]).toMatchObject({ type: 'Warning', message: "Pod was expected by PDB default/default to be deleted but it wasn't" });
  });

  it('a stale DisruptionTarget condition on a pod that is not deleting is reset to False after 2 minutes', async () => {
    pod('stale-0', { app: 'stale' });
    emu.registry.modify(
      def('', 'pods'),
      NS,
      'stale-0',
      (p) => void p.status.conditions.push({ type: 'DisruptionTarget', status: 'True', reason: 'EvictionByEvictionAPI', message: 'Eviction API: evicting', lastTransitionTime: rfc3339(clock.now()) }),
      { subresource: 'status' },
    );
    await settle();
    const cond = () => emu.registry.get(def('', 'pods'), NS, 'stale-0').status.conditions.find((c: KObject) => c.type === 'DisruptionTarget');
    expect(cond().status).toBe('True');
    clock.advance(60_000);
    await settle();
    expect(cond().status).toBe('True');
    clock.advance(61_000);
    await settle();
    expect(cond()).toEqual({ type: 'DisruptionTarget', status: 'False', lastProbeTime: null, lastTransitionTime: rfc3339(clock.now()) });
  });

  it('several budgets on one pod: the MultiplePodDisruptionBudgets warning on the pod', async () => {
    pdb('m-a', { minAvailable: 1, selector: { matchLabels: { app: 'm' } } });
    pdb('m-b', { minAvailable: 1, selector: { matchLabels: { tier: 'm' } } });
    pod('m-0', { app: 'm', tier: 'm' });
    await settle();
    const ev = events('m-0', 'MultiplePodDisruptionBudgets');
    expect(ev[0].type).toBe('Warning');
    expect(ev[0].message).toMatch(/^Pod "default"\/"m-0" matches multiple PodDisruptionBudgets\. {2}Chose "m-[ab]" arbitrarily\.$/);
  });
});
