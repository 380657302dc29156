// StatefulSet controller: identity, ordering, scaling, PVCs, status and events (in-memory server,
// pods made Running+Ready through pods/status by the test itself).
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { startServer, testControllerOptions } from '../helpers/server.js';
import type { KubeEmulator } from '../../src/server/app.js';
import { ControllerManager } from '../../src/controllers/manager.js';
import { statefulSetController } from '../../src/controllers/statefulset/index.js';
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

function sts(name: string, extra: KObject = {}, tplExtra: KObject = {}): KObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name },
    spec: {
      replicas: 3,
      serviceName: `${name}-svc`,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image: 'nginx:1.25', ...tplExtra }] } },
      ...extra,
    },
  };
}

const create = (o: KObject) => emu.registry.create(def('apps', 'statefulsets'), NS, o).object;
const getSet = (n: string) => emu.registry.get(def('apps', 'statefulsets'), NS, n);
const patchSpec = (n: string, f: (spec: KObject) => void) => emu.registry.modify(def('apps', 'statefulsets'), NS, n, (o) => void f(o.spec));
const settle = () => mgr.settled();

function podsOf(app: string): KObject[] {
  return emu.registry
    .list(def('', 'pods'), NS)
    .items.filter((p: KObject) => p.metadata.labels?.app === app)
    .sort((a: KObject, b: KObject) => a.metadata.name.localeCompare(b.metadata.name));
}
const podNames = (app: string) => podsOf(app).map((p) => p.metadata.name);

function setStatus(name: string, phase: string, ready: boolean, ago = 0): void {
  emu.registry.modify(
    def('', 'pods'),
    NS,
    name,
    (p) => {
      p.status = { ...p.status, phase, conditions: [{ type: 'Ready', status: ready ? 'True' : 'False', lastTransitionTime: new Date(Date.now() - ago).toISOString().replace(/\.\d+Z$/, 'Z') }] };
    },
    { subresource: 'status' },
  );
}

/** Marks every pod of the app Running+Ready and settles, until nothing changes. */
async function driveReady(app: string, rounds = 20): Promise<void> {
  for (let i = 0; i < rounds; i++) {
    await settle();
    const todo = podsOf(app).filter((p) => p.status?.phase !== 'Running' && !p.metadata.deletionTimestamp);
    if (!todo.length) return;
    for (const p of todo) setStatus(p.metadata.name, 'Running', true, 60_000);
  }
}

function events(setName: string): KObject[] {
  return emu.registry.list(def('', 'events'), NS).items.filter((e: KObject) => e.involvedObject?.name === setName);
}

describe('statefulset controller: OrderedReady', () => {
  it('creates pod N+1 only after pod N is Running and Ready, with full identity', async () => {
    const set = create(sts('web'));
    await settle();
    expect(podNames('web')).toEqual(['web-0']);
    const p0 = podsOf('web')[0];
    const rev = getSet('web').status.updateRevision;
    expect(rev).toMatch(/^web-[bcdfghjklmnpqrstvwxz2456789]+$/);
    expect(p0.metadata.labels).toMatchObject({ app: 'web', 'statefulset.kubernetes.io/pod-name': 'web-0', 'apps.kubernetes.io/pod-index': '0', 'controller-revision-hash': rev });
    expect(p0.metadata.generateName).toBe('web-');
    expect(p0.metadata.ownerReferences).toEqual([{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'web', uid: set.metadata.uid, controller: true, blockOwnerDeletion: true }]);
    expect(p0.spec.hostname).toBe('web-0');
    expect(p0.spec.subdomain).toBe('web-svc');

    setStatus('web-0', 'Running', false);
    await settle();
    expect(podNames('web')).toEqual(['web-0']);
    setStatus('web-0', 'Running', true, 5000);
    await settle();
    expect(podNames('web')).toEqual(['web-0', 'web-1']);
    await driveReady('web');
    expect(podNames('web')).toEqual(['web-0', 'web-1', 'web-2']);

    const st = getSet('web').status;
    expect(st).toMatchObject({ observedGeneration: 1, replicas: 3, readyReplicas: 3, currentReplicas: 3, updatedReplicas: 3, availableReplicas: 3, collisionCount: 0, currentRevision: rev, updateRevision: rev });
    const msgs = events('web').map((e) => `${e.type}/${e.reason}: ${e.message}`);
    expect(msgs).toContain('Normal/SuccessfulCreate: create Pod web-0 in StatefulSet web successful');
    expect(msgs).toContain('Normal/SuccessfulCreate: create Pod web-2 in StatefulSet web successful');
    expect(events('web')[0].source).toEqual({ component: 'statefulset-controller' });
  });

  it('scales down from the highest ordinal, one at a time, and halts on an unhealthy pod', async () => {
    create(sts('down', { replicas: 4 }));
    await driveReady('down');
    expect(podNames('down')).toHaveLength(4);
    setStatus('down-0', 'Running', false);
    patchSpec('down', (s) => (s.replicas = 2));
    await settle();
    expect(podNames('down')).toHaveLength(4); // halted: down-0 is not ready
    setStatus('down-0', 'Running', true, 60_000);
    await settle();
    expect(podNames('down')).toEqual(['down-0', 'down-1']);
    const deletes = events('down').filter((e) => e.reason === 'SuccessfulDelete').map((e) => e.message);
    expect(deletes).toEqual(['delete Pod down-3 in StatefulSet down successful', 'delete Pod down-2 in StatefulSet down successful']);
    expect(getSet('down').status).toMatchObject({ replicas: 2, readyReplicas: 2, availableReplicas: 2 });
  });

  it('honours ordinals.start', async () => {
    create(sts('ord', { replicas: 2, ordinals: { start: 5 } }));
    await driveReady('ord');
    expect(podNames('ord')).toEqual(['ord-5', 'ord-6']);
    expect(podsOf('ord')[0].metadata.labels['apps.kubernetes.io/pod-index']).toBe('5');
  });
});

describe('statefulset controller: Parallel', () => {
  it('creates and deletes all pods at once, without waiting for readiness', async () => {
    create(sts('par', { replicas: 5, podManagementPolicy: 'Parallel' }));
    await settle();
    expect(podNames('par')).toEqual(['par-0', 'par-1', 'par-2', 'par-3', 'par-4']);
    patchSpec('par', (s) => (s.replicas = 1));
    await settle();
    expect(podNames('par')).toEqual(['par-0']);
  });

  it('converges a 500-replica set quickly', async () => {
    const t0 = Date.now();
    create(sts('big', { replicas: 500, podManagementPolicy: 'Parallel' }));
    await settle();
    expect(podsOf('big')).toHaveLength(500);
    expect(Date.now() - t0).toBeLessThan(15_000);
    expect(getSet('big').status.replicas).toBe(500);
  }, 30_000);
});

describe('statefulset controller: claims', () => {
  const claimTpl = { metadata: { name: 'www', labels: { tier: 'data' } }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } };

  it('creates claims before pods and retains them on scale-down', async () => {
    create(sts('db', { replicas: 2, volumeClaimTemplates: [claimTpl] }));
    await driveReady('db');
    const pvc = emu.registry.get(def('', 'persistentvolumeclaims'), NS, 'www-db-0');
    expect(pvc.metadata.labels).toEqual({ tier: 'data', app: 'db' });
    expect(pvc.metadata.ownerReferences).toBeUndefined();
    const pod = podsOf('db')[0];
    expect(pod.spec.volumes[0]).toEqual({ name: 'www', persistentVolumeClaim: { claimName: 'www-db-0' } });
    const msgs = events('db').map((e) => e.message);
    expect(msgs.indexOf('create Claim www-db-0 Pod db-0 in StatefulSet db success')).toBeLessThan(msgs.indexOf('create Pod db-0 in StatefulSet db successful'));
    patchSpec('db', (s) => (s.replicas = 1));
    await settle();
    expect(podNames('db')).toEqual(['db-0']);
    expect(emu.registry.tryGet(def('', 'persistentvolumeclaims'), NS, 'www-db-1')).toBeDefined();
  });

  it('sets retention ownerRefs: set ref in range, pod ref once condemned', async () => {
    const set = create(sts('ret', { replicas: 2, volumeClaimTemplates: [claimTpl], persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Delete', whenScaled: 'Delete' } }));
    await driveReady('ret');
    const pvcDef = def('', 'persistentvolumeclaims');
    expect(emu.registry.get(pvcDef, NS, 'www-ret-0').metadata.ownerReferences).toEqual([
      { apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'ret', uid: set.metadata.uid, controller: true, blockOwnerDeletion: true },
    ]);
    const pod1 = podsOf('ret')[1];
    patchSpec('ret', (s) => (s.replicas = 1));
    await settle();
    expect(podNames('ret')).toEqual(['ret-0']);
    expect(emu.registry.get(pvcDef, NS, 'www-ret-1').metadata.ownerReferences).toEqual([
      { apiVersion: 'v1', kind: 'Pod', name: 'ret-1', uid: pod1.metadata.uid, controller: true, blockOwnerDeletion: true },
    ]);
    // scaling up again is blocked by the stale claim until the garbage collector removes it
    patchSpec('ret', (s) => (s.replicas = 2));
    await settle();
    expect(podNames('ret')).toEqual(['ret-0']);
    emu.registry.delete(pvcDef, NS, 'www-ret-1');
    // the pvc-protection finalizer (when admission adds it) is released by a controller not running here
    if (emu.registry.tryGet(pvcDef, NS, 'www-ret-1')) emu.registry.modify(pvcDef, NS, 'www-ret-1', (o) => void delete o.metadata.finalizers);
    await driveReady('ret');
    expect(podNames('ret')).toEqual(['ret-0', 'ret-1']);
  });
});

describe('statefulset controller: lifecycle', () => {
  it('replaces a failed pod after the old one is gone', async () => {
    create(sts('fail', { replicas: 2 }));
    await driveReady('fail');
    const old = podsOf('fail')[1];
    setStatus('fail-1', 'Failed', false);
    await driveReady('fail');
    const now = podsOf('fail')[1];
    expect(now.metadata.name).toBe('fail-1');
    expect(now.metadata.uid).not.toBe(old.metadata.uid);
    expect(events('fail').map((e) => e.message)).toContain('delete Pod fail-1 in StatefulSet fail successful');
  });

  it('adopts a matching orphan pod and fixes its identity', async () => {
    emu.registry.create(def('', 'pods'), NS, { metadata: { name: 'orph-0', labels: { app: 'orph' } }, spec: { containers: [{ name: 'c', image: 'nginx:1.25' }] } });
    setStatus('orph-0', 'Running', true, 60_000);
    const set = create(sts('orph', { replicas: 1, updateStrategy: { type: 'OnDelete' } }));
    await settle();
    const pod = emu.registry.get(def('', 'pods'), NS, 'orph-0');
    expect(pod.metadata.ownerReferences).toEqual([{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'orph', uid: set.metadata.uid, controller: true, blockOwnerDeletion: true }]);
    expect(pod.metadata.labels['statefulset.kubernetes.io/pod-name']).toBe('orph-0');
    expect(events('orph').map((e) => e.message)).toContain('update Pod orph-0 in StatefulSet orph successful');
  });

  it('makes pods available only after minReadySeconds', async () => {
    create(sts('mrs', { replicas: 1, minReadySeconds: 1 }));
    await settle();
    setStatus('mrs-0', 'Running', true, 0);
    await settle();
    expect(getSet('mrs').status).toMatchObject({ readyReplicas: 1, availableReplicas: 0 });
    const t0 = Date.now();
    while (getSet('mrs').status.availableReplicas !== 1 && Date.now() - t0 < 5000) await new Promise((r) => setTimeout(r, 50));
    expect(getSet('mrs').status.availableReplicas).toBe(1);
  }, 10_000);

  it('only writes status while the set is being deleted', async () => {
    emu.registry.create(def('apps', 'statefulsets'), NS, { ...sts('gone', { replicas: 2 }), metadata: { name: 'gone', finalizers: ['example.com/hold'] } });
    await settle();
    emu.registry.delete(def('apps', 'statefulsets'), NS, 'gone');
    patchSpec('gone', (s) => (s.replicas = 3));
    setStatus('gone-0', 'Running', true, 60_000);
    await settle();
    expect(podNames('gone')).toEqual(['gone-0']);
    expect(getSet('gone').status.readyReplicas).toBe(1);
  });
});

describe('statefulset controller: older emulated versions', () => {
  it('1.27: no pod-index label; failed pods are re-created in the same pass with RecreatingFailedPod', async () => {
    const old = await startServer({ controllers: [] });
    const m = new ControllerManager(old.registry, old.logger, { nodes: 1, podStages: 'fast', emulatedMinor: 27, kubeletVersion: 'v1.27.0', defaultStorageClass: false, volumesDir: '/tmp' }, [statefulSetController]);
    m.start(['*']);
    try {
      old.registry.create(old.registry.mustDef('apps', 'statefulsets'), NS, sts('legacy', { replicas: 1 }));
      await m.settled();
      const podDef = old.registry.mustDef('', 'pods');
      const p0 = old.registry.get(podDef, NS, 'legacy-0');
      expect(p0.metadata.labels['apps.kubernetes.io/pod-index']).toBeUndefined();
      old.registry.modify(podDef, NS, 'legacy-0', (p) => void (p.status = { ...p.status, phase: 'Failed' }), { subresource: 'status' });
      await m.settled();
      expect(old.registry.get(podDef, NS, 'legacy-0').metadata.uid).not.toBe(p0.metadata.uid);
      const evs = old.registry.list(old.registry.mustDef('', 'events'), NS).items.filter((e: KObject) => e.reason === 'RecreatingFailedPod');
      expect(evs.map((e: KObject) => `${e.type} ${e.message}`)).toEqual(['Warning StatefulSet default/legacy is recreating failed Pod legacy-0']);
    } finally {
      m.stop();
      await old.close();
    }
  });
});
