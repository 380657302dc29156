// StatefulSet controller: ControllerRevisions (hash, names, numbering, rollback, truncation,
// collisions) and update strategies (RollingUpdate, partition, OnDelete).
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { startServer, testControllerOptions } from '../helpers/server.js';
import type { KubeEmulator } from '../../src/server/app.js';
import { ControllerManager } from '../../src/controllers/manager.js';
import { statefulSetController } from '../../src/controllers/statefulset/index.js';
import { newRevision, patchData } from '../../src/controllers/statefulset/revision.js';
import { goJSON, hashRevisionData } from '../../src/controllers/runtime/history.js';
import type { KObject } from '../../src/resources/types.js';

let emu: KubeEmulator;
let mgr: ControllerManager;
const NS = 'default';
const def = (g: string, p: string) => emu.registry.mustDef(g, p);

beforeAll(async () => {
  emu = await startServer({ controllers: [] });
  mgr = new ControllerManager(emu.registry, emu.logger, testControllerOptions(), [statefulSetController]);
  mgr.start(['*']);
});
afterAll(async () => {
  mgr.stop();
  await emu.close();
});

function sts(name: string, extra: KObject = {}, image = 'nginx:1.25'): KObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name },
    spec: {
      replicas: 3,
      serviceName: name,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image }] } },
      ...extra,
    },
  };
}
const create = (o: KObject) => emu.registry.create(def('apps', 'statefulsets'), NS, o).object;
const getSet = (n: string) => emu.registry.get(def('apps', 'statefulsets'), NS, n);
const setImage = (n: string, image: string) => emu.registry.modify(def('apps', 'statefulsets'), NS, n, (o) => void (o.spec.template.spec.containers[0].image = image));
const settle = () => mgr.settled();
const podsOf = (app: string): KObject[] =>
  emu.registry
    .list(def('', 'pods'), NS)
    .items.filter((p: KObject) => p.metadata.labels?.app === app)
    .sort((a: KObject, b: KObject) => a.metadata.name.localeCompare(b.metadata.name));
const revOf = (app: string) => Object.fromEntries(podsOf(app).map((p) => [p.metadata.name, p.metadata.labels['controller-revision-hash']]));
const revisions = (app: string): KObject[] =>
  emu.registry
    .list(def('apps', 'controllerrevisions'), NS)
    .items.filter((r: KObject) => r.metadata.labels?.app === app)
    .sort((a: KObject, b: KObject) => a.revision - b.revision);

function markReady(name: string): void {
  emu.registry.modify(
    def('', 'pods'),
    NS,
    name,
    (p) => void (p.status = { ...p.status, phase: 'Running', conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: '2020-01-01T00:00:00Z' }] }),
    { subresource: 'status' },
  );
}
async function driveReady(app: string, rounds = 30): Promise<void> {
  for (let i = 0; i < rounds; i++) {
    await settle();
    const todo = podsOf(app).filter((p) => p.status?.phase !== 'Running' && !p.metadata.deletionTimestamp);
    if (!todo.length) return;
    for (const p of todo) markReady(p.metadata.name);
  }
}
const deletions = (app: string) =>
  emu.registry
    .list(def('', 'events'), NS)
    .items.filter((e: KObject) => e.involvedObject?.name === app && e.reason === 'SuccessfulDelete')
    .map((e: KObject) => e.message.split(' ')[2]);

describe('ControllerRevision format', () => {
  it('hashes the data as upstream does (pkg/controller/statefulset compatibility data, 1.33)', () => {
    const raw =
      '{"spec":{"template":{"$patch":"replace","metadata":{"annotations":{"test":"value"},"creationTimestamp":null,"labels":{"app":"foo"}},"spec":{"containers":[{"image":"test","imagePullPolicy":"Always","name":"test","resources":{},"terminationMessagePath":"/dev/termination-log","terminationMessagePolicy":"File"}],"dnsPolicy":"ClusterFirst","restartPolicy":"Always","schedulerName":"default-scheduler","securityContext":{},"terminationGracePeriodSeconds":30}}}}';
    expect(hashRevisionData(raw, 0)).toBe('c77f6d978');
    expect(goJSON(JSON.parse(raw))).toBe(raw);
    expect(goJSON({ b: '<&>', a: [1, null] })).toBe('{"a":[1,null],"b":"\\u003c\\u0026\\u003e"}');
  });

  it('names the first revision of the upstream compatibility set test-c77f6d978', async () => {
    const set = create({
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: { name: 'test', labels: { sslabel: 'value' }, annotations: { 'kubernetes.io/change-cause': 'first' } },
      spec: {
        selector: { matchLabels: { app: 'foo' } },
        template: { metadata: { annotations: { test: 'value' }, labels: { app: 'foo' } }, spec: { containers: [{ image: 'test', name: 'test' }] } },
        volumeClaimTemplates: [{ metadata: { annotations: { key: 'value' }, labels: { key: 'value' }, name: 'test' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }],
      },
    });
    await settle();
    expect(getSet('test').status).toMatchObject({ currentRevision: 'test-c77f6d978', updateRevision: 'test-c77f6d978', collisionCount: 0 });
    const rev = emu.registry.get(def('apps', 'controllerrevisions'), NS, 'test-c77f6d978');
    expect(rev.revision).toBe(1);
    expect(rev.metadata.labels).toEqual({ app: 'foo', 'controller.kubernetes.io/hash': 'c77f6d978' });
    expect(rev.metadata.annotations).toEqual({ 'kubernetes.io/change-cause': 'first' });
    expect(rev.metadata.ownerReferences).toEqual([{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'test', uid: set.metadata.uid, controller: true, blockOwnerDeletion: true }]);
    expect(JSON.stringify(rev.data)).toBe(goJSON(patchData(getSet('test'))));
  });

  it('handles a name collision by bumping collisionCount', async () => {
    const defaulted = emu.registry.create(def('apps', 'statefulsets'), NS, sts('coll'), { dryRun: true }).object;
    const taken = newRevision(defaulted, 1, 0);
    emu.registry.create(def('apps', 'controllerrevisions'), NS, { metadata: { name: taken.metadata.name, labels: { other: 'x' } }, data: { spec: {} }, revision: 1 });
    create(sts('coll', { replicas: 0 }));
    await settle();
    const st = getSet('coll').status;
    expect(st.collisionCount).toBe(1);
    expect(st.updateRevision).toBe(`coll-${hashRevisionData(goJSON(taken.data), 1)}`);
    expect(st.updateRevision).not.toBe(taken.metadata.name);
  });
  it('adopts an orphaned revision with the same data instead of creating one', async () => {
    const defaulted = emu.registry.create(def('apps', 'statefulsets'), NS, sts('adopt', { replicas: 0 }), { dryRun: true }).object;
    const orphan = newRevision(defaulted, 7, 0);
    delete orphan.metadata.ownerReferences;
    emu.registry.create(def('apps', 'controllerrevisions'), NS, orphan);
    const set = create(sts('adopt', { replicas: 0 }));
    await settle();
    const revs = revisions('adopt');
    expect(revs.map((r) => [r.metadata.name, r.revision])).toEqual([[orphan.metadata.name, 7]]);
    expect(revs[0].metadata.ownerReferences).toEqual([{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'adopt', uid: set.metadata.uid, controller: true, blockOwnerDeletion: true }]);
    expect(getSet('adopt').status.updateRevision).toBe(orphan.metadata.name);
  });
});

describe('update strategies', () => {
  it('rolls pods from the highest ordinal down and promotes the revision', async () => {
    create(sts('roll'));
    await driveReady('roll');
    const r1 = getSet('roll').status.currentRevision;
    setImage('roll', 'nginx:1.26');
    await settle();
    const mid = getSet('roll').status;
    expect(mid.updateRevision).not.toBe(r1);
    expect(mid.currentRevision).toBe(r1);
    await driveReady('roll');
    expect(deletions('roll')).toEqual(['roll-2', 'roll-1', 'roll-0']);
    const r2 = getSet('roll').status.updateRevision;
    expect(Object.values(revOf('roll'))).toEqual([r2, r2, r2]);
    expect(getSet('roll').status).toMatchObject({ currentRevision: r2, updateRevision: r2, currentReplicas: 3, updatedReplicas: 3, readyReplicas: 3, observedGeneration: 2 });
    expect(revisions('roll').map((r) => [r.metadata.name, r.revision])).toEqual([
      [r1, 1],
      [r2, 2],
    ]);
    expect(podsOf('roll')[0].spec.containers[0].image).toBe('nginx:1.26');
  });

  it('stops at the partition', async () => {
    create(sts('part', { updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 2 } } }));
    await driveReady('part');
    const r1 = getSet('part').status.currentRevision;
    setImage('part', 'nginx:1.26');
    await driveReady('part');
    const st = getSet('part').status;
    expect(revOf('part')).toEqual({ 'part-0': r1, 'part-1': r1, 'part-2': st.updateRevision });
    expect(st).toMatchObject({ currentRevision: r1, currentReplicas: 2, updatedReplicas: 1 });
  });

  it('OnDelete replaces pods only when they are deleted', async () => {
    create(sts('ondel', { updateStrategy: { type: 'OnDelete' } }));
    await driveReady('ondel');
    const r1 = getSet('ondel').status.currentRevision;
    setImage('ondel', 'nginx:1.26');
    await driveReady('ondel');
    expect(Object.values(revOf('ondel'))).toEqual([r1, r1, r1]);
    emu.registry.delete(def('', 'pods'), NS, 'ondel-1');
    await driveReady('ondel');
    const st = getSet('ondel').status;
    expect(revOf('ondel')['ondel-1']).toBe(st.updateRevision);
    expect(st).toMatchObject({ currentRevision: r1, currentReplicas: 2, updatedReplicas: 1 });
  });

  it('re-numbers an equal older revision on rollback', async () => {
    create(sts('rb', { replicas: 1 }));
    await driveReady('rb');
    const a = getSet('rb').status.updateRevision;
    setImage('rb', 'nginx:1.26');
    await driveReady('rb');
    const b = getSet('rb').status.updateRevision;
    setImage('rb', 'nginx:1.25');
    await driveReady('rb');
    expect(getSet('rb').status).toMatchObject({ currentRevision: a, updateRevision: a });
    expect(revisions('rb').map((r) => [r.metadata.name, r.revision])).toEqual([
      [b, 2],
      [a, 3],
    ]);
  });

  it('truncates history to revisionHistoryLimit, keeping live revisions', async () => {
    create(sts('hist', { replicas: 0, revisionHistoryLimit: 1 }));
    await settle();
    for (const tag of ['1.1', '1.2', '1.3', '1.4']) {
      setImage('hist', `nginx:${tag}`);
      await settle();
    }
    const revs = revisions('hist');
    expect(revs.map((r) => r.revision)).toEqual([4, 5]);
    expect(getSet('hist').status.updateRevision).toBe(revs[1].metadata.name);
  });
});
