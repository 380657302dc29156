// Deployment controller (with the ReplicaSet controller): ReplicaSet names and revisions, rolling
// updates within the surge/unavailability bounds at every step, Recreate, proportional scaling,
// history limit, pause/resume, progress deadline on a FakeClock, rollbackTo. Pod readiness is
// written by the test through pods/status (no scheduler or node agent).
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { startServer, testControllerOptions } from '../helpers/server.js';
import type { KubeEmulator } from '../../src/server/app.js';
import { ControllerManager } from '../../src/controllers/manager.js';
import { deploymentController } from '../../src/controllers/deployment/index.js';
import { replicaSetController } from '../../src/controllers/replicaset/index.js';
import { garbageCollectorController } from '../../src/controllers/garbagecollector.js';
import { FakeClock, computeTemplateHash, rfc3339 } from '../../src/controllers/runtime/index.js';
import { resolveFenceposts, getProportion } from '../../src/controllers/deployment/util.js';
import { deploymentDef } from '../../src/resources/apps/deployment.js';
import type { KObject } from '../../src/resources/types.js';

let emu: KubeEmulator;
let mgr: ControllerManager;
const clock = new FakeClock(Date.now());
const NS = 'default';
const def = (g: string, p: string) => emu.registry.mustDef(g, p);
const dDef = () => def('apps', 'deployments');
const rsDef = () => def('apps', 'replicasets');
const podDef = () => def('', 'pods');

beforeAll(async () => {
  emu = await startServer({ controllers: [] });
  mgr = new ControllerManager(emu.registry, emu.logger, testControllerOptions({ clock }), [deploymentController, replicaSetController, garbageCollectorController()]);
  mgr.start(['*']);
});
afterAll(async () => {
  mgr.stop();
  await emu.close();
});

function deployment(name: string, replicas: number, spec: KObject = {}): KObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'nginx', image: 'nginx:1.25' }] } },
      ...spec,
    },
  };
}

const settle = () => mgr.settled();
const getD = (n: string) => emu.registry.get(dDef(), NS, n);
const modifyD = (n: string, f: (d: KObject) => void) => emu.registry.modify(dDef(), NS, n, (o) => void f(o));
const setImage = (n: string, image: string) => modifyD(n, (d) => void (d.spec.template.spec.containers[0].image = image));
const rsOf = (n: string): KObject[] =>
  emu.registry
    .list(rsDef(), NS)
    .items.filter((r: KObject) => r.metadata.ownerReferences?.some((o: KObject) => o.kind === 'Deployment' && o.name === n))
    .sort((a: KObject, b: KObject) => Number(a.metadata.annotations?.['deployment.kubernetes.io/revision'] ?? 0) - Number(b.metadata.annotations?.['deployment.kubernetes.io/revision'] ?? 0));
const podsOf = (app: string): KObject[] => emu.registry.list(podDef(), NS).items.filter((p: KObject) => p.metadata.labels?.app === app && !p.metadata.deletionTimestamp);
const isReady = (p: KObject) => p.status?.conditions?.some((c: KObject) => c.type === 'Ready' && c.status === 'True');
const cond = (d: KObject, type: string) => d.status?.conditions?.find((c: KObject) => c.type === type);
const events = (name: string): string[] =>
  emu.registry
    .list(def('', 'events'), NS)
    .items.filter((e: KObject) => e.involvedObject?.name === name && e.involvedObject?.kind === 'Deployment')
    .map((e: KObject) => `${e.reason}: ${e.message}`);

function markReady(p: KObject): void {
  emu.registry.modify(
    podDef(),
    NS,
    p.metadata.name,
    (o) => {
      o.status = { ...o.status, phase: 'Running', conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: rfc3339(clock.now()) }] };
    },
    { subresource: 'status' },
  );
}

/** Marks every pod of the app ready, settling in between, until none is left. */
async function readyAll(app: string, rounds = 30): Promise<void> {
  for (let i = 0; i < rounds; i++) {
    await settle();
    const todo = podsOf(app).filter((p) => !isReady(p));
    if (!todo.length) return;
    for (const p of todo) markReady(p);
  }
  throw new Error('pods kept appearing');
}

describe('fenceposts and proportions', () => {
  it('surge rounds up, unavailable down, both zero gives unavailable 1', () => {
    expect(resolveFenceposts('25%', '25%', 10)).toEqual([3, 2]);
    expect(resolveFenceposts('25%', '25%', 1)).toEqual([1, 0]);
    expect(resolveFenceposts('1%', '1%', 2)).toEqual([1, 0]);
    expect(resolveFenceposts('0%', '1%', 2)).toEqual([0, 1]);
    expect(resolveFenceposts(0, '49%', 2)).toEqual([0, 1]);
    expect(resolveFenceposts(2, 0, 5)).toEqual([2, 0]);
  });
  it('getProportion stays within what may be added', () => {
    const d = { spec: { replicas: 20, strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } } }, status: { replicas: 13 } };
    const rs = (n: number) => ({ metadata: { annotations: { 'deployment.kubernetes.io/max-replicas': '13' } }, spec: { replicas: n } });
    expect(getProportion(rs(8), d, 12, 0)).toBe(7);
    expect(getProportion(rs(5), d, 12, 7)).toBe(5);
    expect(getProportion(rs(5), d, 12, 12)).toBe(0);
  });
});

describe('creating a Deployment', () => {
  it('creates the ReplicaSet <name>-<pod-template-hash> with revision annotations and rolls out', async () => {
    const d = emu.registry.create(dDef(), NS, deployment('web', 3)).object;
    await readyAll('web');
    const [rs] = rsOf('web');
    const hash = computeTemplateHash(d.spec.template, undefined);
    expect(rs.metadata.name).toBe(`web-${hash}`);
    expect(rs.metadata.labels).toEqual({ app: 'web', 'pod-template-hash': hash });
    expect(rs.spec.selector).toEqual({ matchLabels: { app: 'web', 'pod-template-hash': hash } });
    expect(rs.spec.template.metadata.labels).toEqual({ app: 'web', 'pod-template-hash': hash });
    expect(rs.metadata.annotations).toEqual({ 'deployment.kubernetes.io/revision': '1', 'deployment.kubernetes.io/desired-replicas': '3', 'deployment.kubernetes.io/max-replicas': '4' });
    expect(rs.metadata.ownerReferences).toEqual([{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: d.metadata.uid, controller: true, blockOwnerDeletion: true }]);
    expect(podsOf('web').every((p) => p.metadata.labels['pod-template-hash'] === hash)).toBe(true);
    const got = getD('web');
    expect(got.metadata.annotations).toEqual({ 'deployment.kubernetes.io/revision': '1' });
    expect(got.status).toMatchObject({ observedGeneration: 1, replicas: 3, updatedReplicas: 3, readyReplicas: 3, availableReplicas: 3 });
    expect(got.status.unavailableReplicas).toBeUndefined();
    expect(got.status.conditions.map((c: KObject) => [c.type, c.status, c.reason, c.message])).toEqual([
      ['Available', 'True', 'MinimumReplicasAvailable', 'Deployment has minimum availability.'],
      ['Progressing', 'True', 'NewReplicaSetAvailable', `ReplicaSet "web-${hash}" has successfully progressed.`],
    ]);
    expect(events('web')).toEqual([`ScalingReplicaSet: Scaled up replica set web-${hash} from 0 to 3`]);
  });

  it('the same template gives the same hash, and going back to it reuses the ReplicaSet', async () => {
    emu.registry.create(dDef(), NS, deployment('same', 2));
    await readyAll('same');
    const first = rsOf('same')[0].metadata.name;
    setImage('same', 'nginx:1.26');
    await readyAll('same');
    setImage('same', 'nginx:1.25');
    await readyAll('same');
    const rss = rsOf('same');
    expect(rss).toHaveLength(2);
    const back = rss.find((r) => r.metadata.name === first)!;
    expect(back.metadata.annotations['deployment.kubernetes.io/revision']).toBe('3');
    expect(back.metadata.annotations['deployment.kubernetes.io/revision-history']).toBe('1');
    expect(back.spec.replicas).toBe(2);
    expect(getD('same').metadata.annotations['deployment.kubernetes.io/revision']).toBe('3');
  });
});

describe('RollingUpdate', () => {
  async function rollWithinBounds(name: string, replicas: number, strategy: KObject, bounds: { surge: number; unavailable: number }) {
    emu.registry.create(dDef(), NS, deployment(name, replicas, { strategy: { type: 'RollingUpdate', rollingUpdate: strategy } }));
    await readyAll(name);
    setImage(name, 'nginx:1.26');
    const seen = new Set<string>();
    for (let step = 0; step < 200; step++) {
      await settle();
      const pods = podsOf(name);
      const rss = rsOf(name);
      // bounds at every step: total pods and ReplicaSet sizes never above replicas + surge,
      // available (ready) pods never below replicas - unavailable
      expect(pods.length).toBeLessThanOrEqual(replicas + bounds.surge);
      expect(rss.reduce((n, r) => n + r.spec.replicas, 0)).toBeLessThanOrEqual(replicas + bounds.surge);
      expect(pods.filter(isReady).length).toBeGreaterThanOrEqual(replicas - bounds.unavailable);
      seen.add(rss.map((r) => r.spec.replicas).join('/'));
      const d = getD(name);
      if (d.status.updatedReplicas === replicas && d.status.availableReplicas === replicas && d.status.replicas === replicas && cond(d, 'Progressing')?.reason === 'NewReplicaSetAvailable') break;
      // one new pod becomes ready at a time
      const next = pods.find((p) => !isReady(p));
      if (next) markReady(next);
    }
    const d = getD(name);
    expect(d.status).toMatchObject({ replicas, updatedReplicas: replicas, availableReplicas: replicas, observedGeneration: 2 });
    const rss = rsOf(name);
    expect(rss.map((r) => r.spec.replicas)).toEqual([0, replicas]);
    return { seen, d };
  }

  it('maxSurge 25% / maxUnavailable 25% of 10: at most 13 pods, at least 8 ready, at every step', async () => {
    const { seen, d } = await rollWithinBounds('roll', 10, { maxSurge: '25%', maxUnavailable: '25%' }, { surge: 3, unavailable: 2 });
    // the surge was used: some step ran 13 pods (old + new)
    expect([...seen].some((x) => x.split('/').reduce((n, v) => n + Number(v), 0) === 13)).toBe(true);
    const ev = events('roll');
    const newRS = rsOf('roll')[1].metadata.name;
    expect(ev).toContain(`ScalingReplicaSet: Scaled up replica set ${newRS} from 0 to 3`);
    expect(ev.some((e) => /Scaled down replica set roll-\w+ from 10 to 8/.test(e))).toBe(true);
    expect(d.metadata.annotations['deployment.kubernetes.io/revision']).toBe('2');
  });

  it('maxSurge 0 / maxUnavailable 1: never more pods than replicas', async () => {
    await rollWithinBounds('nosurge', 4, { maxSurge: 0, maxUnavailable: 1 }, { surge: 0, unavailable: 1 });
  });

  it('maxSurge 1 / maxUnavailable 0: never fewer ready pods than replicas', async () => {
    await rollWithinBounds('noloss', 3, { maxSurge: 1, maxUnavailable: 0 }, { surge: 1, unavailable: 0 });
  });
});

describe('Recreate', () => {
  it('scales the old ReplicaSet to 0 and creates the new one only when the old pods are gone', async () => {
    emu.registry.create(dDef(), NS, deployment('rec', 3, { strategy: { type: 'Recreate' } }));
    await readyAll('rec');
    setImage('rec', 'nginx:1.26');
    await settle();
    const rss = rsOf('rec');
    // the old pods are deleted (no kubelet here: gone at once), then the new ReplicaSet comes
    expect(rss).toHaveLength(2);
    expect(rss[0].spec.replicas).toBe(0);
    expect(rss[1].spec.replicas).toBe(3);
    await readyAll('rec');
    const ev = events('rec');
    const down = ev.findIndex((e) => /Scaled down replica set rec-\w+ from 3 to 0/.test(e));
    const up = ev.findIndex((e) => e === `ScalingReplicaSet: Scaled up replica set ${rss[1].metadata.name} from 0 to 3`);
    expect(down).toBeGreaterThanOrEqual(0);
    expect(up).toBeGreaterThan(down);
    expect(getD('rec').status).toMatchObject({ replicas: 3, updatedReplicas: 3, availableReplicas: 3 });
  });

  it('does not create the new ReplicaSet while an old pod still runs', async () => {
    emu.registry.create(dDef(), NS, deployment('rec2', 2, { strategy: { type: 'Recreate' } }));
    await readyAll('rec2');
    // a finalizer keeps an old pod around after its deletion
    const pod = podsOf('rec2')[0];
    emu.registry.modify(podDef(), NS, pod.metadata.name, (p) => void (p.metadata.finalizers = ['test/hold']));
    setImage('rec2', 'nginx:1.26');
    await settle();
    expect(rsOf('rec2')).toHaveLength(1);
    emu.registry.modify(podDef(), NS, pod.metadata.name, (p) => void (p.metadata.finalizers = []));
    await settle();
    expect(rsOf('rec2')).toHaveLength(2);
  });
});

describe('proportional scaling during a rollout', () => {
  it('a scaling event spreads the new replicas over the active ReplicaSets by their share', async () => {
    emu.registry.create(dDef(), NS, deployment('prop', 10));
    await readyAll('prop');
    setImage('prop', 'nginx:does-not-become-ready');
    await settle();
    // no new pod becomes ready: old 8, new 5 (13 = 10 + 3 surge)
    expect(rsOf('prop').map((r) => r.spec.replicas)).toEqual([8, 5]);
    modifyD('prop', (d) => void (d.spec.replicas = 20));
    await settle();
    // 25 = 20 + 5 surge: old 8*25/13 -> 15, new 5*25/13 -> 10
    const rss = rsOf('prop');
    expect(rss.map((r) => r.spec.replicas)).toEqual([15, 10]);
    expect(rss.map((r) => [r.metadata.annotations['deployment.kubernetes.io/desired-replicas'], r.metadata.annotations['deployment.kubernetes.io/max-replicas']])).toEqual([
      ['20', '25'],
      ['20', '25'],
    ]);
    await readyAll('prop');
    expect(rsOf('prop').map((r) => r.spec.replicas)).toEqual([0, 20]);
  });
});

describe('revisionHistoryLimit', () => {
  it('keeps only the newest old ReplicaSets', async () => {
    emu.registry.create(dDef(), NS, deployment('hist', 1, { revisionHistoryLimit: 2 }));
    await readyAll('hist');
    for (const tag of ['1.26', '1.27', '1.28', '1.29']) {
      setImage('hist', `nginx:${tag}`);
      await readyAll('hist');
    }
    await settle();
    const rss = rsOf('hist');
    expect(rss.map((r) => r.metadata.annotations['deployment.kubernetes.io/revision'])).toEqual(['3', '4', '5']);
    expect(rss.map((r) => r.spec.template.spec.containers[0].image)).toEqual(['nginx:1.27', 'nginx:1.28', 'nginx:1.29']);
  });
});

describe('paused', () => {
  it('no rollout while paused; scaling still works; resume rolls out', async () => {
    emu.registry.create(dDef(), NS, deployment('pz', 2));
    await readyAll('pz');
    modifyD('pz', (d) => void (d.spec.paused = true));
    await settle();
    let d = getD('pz');
    expect(cond(d, 'Progressing')).toMatchObject({ status: 'Unknown', reason: 'DeploymentPaused', message: 'Deployment is paused' });
    setImage('pz', 'nginx:1.26');
    await settle();
    expect(rsOf('pz')).toHaveLength(1);
    modifyD('pz', (d) => void (d.spec.replicas = 4));
    await readyAll('pz');
    expect(rsOf('pz').map((r) => r.spec.replicas)).toEqual([4]);
    d = getD('pz');
    expect(d.status.updatedReplicas).toBeUndefined();
    modifyD('pz', (d) => void (d.spec.paused = false));
    await settle();
    d = getD('pz');
    expect(rsOf('pz')).toHaveLength(2);
    expect(['DeploymentResumed', 'ReplicaSetUpdated', 'NewReplicaSetCreated']).toContain(cond(d, 'Progressing').reason);
    await readyAll('pz');
    expect(rsOf('pz').map((r) => r.spec.replicas)).toEqual([0, 4]);
  });
});

describe('progressDeadlineSeconds', () => {
  it('a rollout without progress is ProgressDeadlineExceeded once the deadline passes (FakeClock)', async () => {
    emu.registry.create(dDef(), NS, deployment('slow', 1, { progressDeadlineSeconds: 60 }));
    await settle();
    let d = getD('slow');
    const rsName = rsOf('slow')[0].metadata.name;
    // NewReplicaSetCreated, then ReplicaSetUpdated once the pod exists
    expect(cond(d, 'Progressing')).toMatchObject({ status: 'True', reason: 'ReplicaSetUpdated', message: `ReplicaSet "${rsName}" is progressing.` });
    expect(cond(d, 'Available')).toMatchObject({ status: 'False', reason: 'MinimumReplicasUnavailable', message: 'Deployment does not have minimum availability.' });
    clock.advance(30_000);
    await settle();
    expect(cond(getD('slow'), 'Progressing').reason).not.toBe('ProgressDeadlineExceeded');
    clock.advance(32_000);
    await settle();
    d = getD('slow');
    expect(cond(d, 'Progressing')).toMatchObject({ status: 'False', reason: 'ProgressDeadlineExceeded', message: `ReplicaSet "${rsName}" has timed out progressing.` });
    // progress after the deadline makes it complete again
    await readyAll('slow');
    d = getD('slow');
    expect(cond(d, 'Progressing')).toMatchObject({ status: 'True', reason: 'NewReplicaSetAvailable' });
    expect(cond(d, 'Available')).toMatchObject({ status: 'True', reason: 'MinimumReplicasAvailable' });
  });
});

describe('rollbackTo (deprecated annotation)', () => {
  it('rolls the template back to the revision and clears the annotation', async () => {
    emu.registry.create(dDef(), NS, deployment('rb', 1));
    await readyAll('rb');
    setImage('rb', 'nginx:1.26');
    await readyAll('rb');
    modifyD('rb', (d) => void (d.metadata.annotations = { ...d.metadata.annotations, 'deprecated.deployment.rollback.to': '1' }));
    await readyAll('rb');
    const d = getD('rb');
    expect(d.spec.template.spec.containers[0].image).toBe('nginx:1.25');
    expect(d.metadata.annotations['deprecated.deployment.rollback.to']).toBeUndefined();
    expect(d.metadata.annotations['deployment.kubernetes.io/revision']).toBe('3');
    expect(events('rb')).toContain('DeploymentRollback: Rolled back deployment "rb" to revision 1');
  });
});

describe('minReadySeconds', () => {
  it('passes to the ReplicaSet; pods count as available only after it (FakeClock)', async () => {
    emu.registry.create(dDef(), NS, deployment('mrs', 2, { minReadySeconds: 10 }));
    await readyAll('mrs');
    const [rs] = rsOf('mrs');
    expect(rs.spec.minReadySeconds).toBe(10);
    let d = getD('mrs');
    expect(d.status).toMatchObject({ replicas: 2, readyReplicas: 2 });
    expect(d.status.availableReplicas).toBeUndefined();
    expect(d.status.unavailableReplicas).toBe(2);
    clock.advance(11_000);
    await settle();
    d = getD('mrs');
    expect(d.status).toMatchObject({ replicas: 2, readyReplicas: 2, availableReplicas: 2 });
    expect(cond(d, 'Progressing')?.reason).toBe('NewReplicaSetAvailable');
    // a change of minReadySeconds alone updates the ReplicaSet, no new one
    modifyD('mrs', (x) => void (x.spec.minReadySeconds = 0));
    await settle();
    expect(rsOf('mrs').map((r) => [r.metadata.name, r.spec.minReadySeconds])).toEqual([[rs.metadata.name, undefined]]);
  });
});

describe('hash collisions', () => {
  it('a ReplicaSet already holding the name bumps status.collisionCount and the next name is used', async () => {
    const d = deployment('coll', 1);
    // the template as the apiserver will store it (defaulted)
    const probe = structuredClone(d);
    deploymentDef.defaults!(probe);
    const hash = computeTemplateHash(probe.spec.template, undefined);
    // someone else's ReplicaSet with the name the Deployment wants (and another template)
    emu.registry.create(rsDef(), NS, {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: { name: `coll-${hash}` },
      spec: { replicas: 0, selector: { matchLabels: { other: 'x' } }, template: { metadata: { labels: { other: 'x' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } } },
    });
    const created = emu.registry.create(dDef(), NS, d).object;
    expect(computeTemplateHash(created.spec.template, undefined)).toBe(hash);
    await readyAll('coll');
    const got = getD('coll');
    expect(got.status.collisionCount).toBe(1);
    const [rs] = rsOf('coll');
    expect(rs.metadata.name).toBe(`coll-${computeTemplateHash(created.spec.template, 1)}`);
    expect(rs.metadata.name).not.toBe(`coll-${hash}`);
    expect(got.status).toMatchObject({ availableReplicas: 1, updatedReplicas: 1 });
  });
});
