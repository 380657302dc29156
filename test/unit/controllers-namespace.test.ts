// Namespace lifecycle controller: content deletion, status conditions, finalize, refused creates.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { startServer, testControllerOptions, untilSettled } from '../helpers/server.js';
import type { KubeEmulator } from '../../src/server/app.js';
import { ControllerManager } from '../../src/controllers/manager.js';
import { garbageCollectorController } from '../../src/controllers/garbagecollector.js';
import { applyNamespaceConditions, namespaceConditions, namespaceController } from '../../src/controllers/namespace.js';
import { StatusError } from '../../src/registry/errors.js';
import type { KObject, ResourceDef } from '../../src/resources/types.js';

let emu: KubeEmulator;
let mgr: ControllerManager;
let cm: ResourceDef, pod: ResourceDef, secret: ResourceDef, nsDef: ResourceDef, sts: ResourceDef;

beforeAll(async () => {
  emu = await startServer({ controllers: [] });
  const opts = testControllerOptions();
  mgr = new ControllerManager(emu.registry, emu.logger, opts, [garbageCollectorController(), namespaceController({ podRequeueMs: 50, finalizerRequeueMs: 100 })]);
  mgr.start(['namespace', 'garbagecollector']);
  const r = emu.registry;
  [cm, pod, secret, nsDef, sts] = [r.mustDef('', 'configmaps'), r.mustDef('', 'pods'), r.mustDef('', 'secrets'), r.mustDef('', 'namespaces'), r.mustDef('apps', 'statefulsets')];
});

afterAll(async () => {
  mgr.stop();
  await emu.close();
});

const until = async (cond: () => boolean, ms?: number): Promise<void> => {
  await untilSettled(mgr, cond, ms);
};

const ns = (name: string) => emu.registry.tryGet(nsDef, '', name);
const cond = (n: KObject | undefined, type: string) => n?.status?.conditions?.find((c: KObject) => c.type === type);
const mkPod = (nsName: string, name: string, spec: KObject = {}) =>
  emu.registry.create(pod, nsName, { metadata: { name }, spec: { containers: [{ name: 'c', image: 'busybox' }], ...spec } }).object;

describe('namespace controller', () => {
  it('deletes all content, then the namespace', async () => {
    emu.registry.create(nsDef, '', { metadata: { name: 'ns-a' } });
    for (let i = 0; i < 3; i++) emu.registry.create(cm, 'ns-a', { metadata: { name: `cm-${i}` } });
    emu.registry.create(secret, 'ns-a', { metadata: { name: 's' } });
    mkPod('ns-a', 'p1');
    mkPod('ns-a', 'p2');
    emu.registry.create(sts, 'ns-a', {
      metadata: { name: 'web' },
      spec: { selector: { matchLabels: { app: 'w' } }, serviceName: 'w', template: { metadata: { labels: { app: 'w' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } },
    });
    const r = emu.registry.delete(nsDef, '', 'ns-a');
    expect(r.deleted).toBe(false);
    expect(r.object.status.phase).toBe('Terminating');
    await until(() => !ns('ns-a'));
    for (const d of [cm, secret, pod, sts]) expect(emu.registry.listEntries(d, 'ns-a').entries).toHaveLength(0);
  });

  it('refuses creates in a terminating namespace', async () => {
    emu.registry.create(nsDef, '', { metadata: { name: 'ns-t' } });
    emu.registry.create(cm, 'ns-t', { metadata: { name: 'held', finalizers: ['example.com/hold'] } });
    emu.registry.delete(nsDef, '', 'ns-t');
    let err: unknown;
    try {
      emu.registry.create(cm, 'ns-t', { metadata: { name: 'late' } });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(StatusError);
    const se = err as StatusError;
    expect(se.code).toBe(403);
    expect(se.message).toContain('unable to create new content in namespace ns-t because it is being terminated');
    expect((se.details?.causes ?? [])[0]?.reason).toBe('NamespaceTerminating');
    // over HTTP too
    const res = await fetch(`${emu.url}/api/v1/namespaces/ns-t/configmaps`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'late2' } }),
    });
    expect(res.status).toBe(403);
    expect((await res.json()).details.causes[0].reason).toBe('NamespaceTerminating');
    emu.registry.modify(cm, 'ns-t', 'held', (o) => void delete o.metadata.finalizers);
    await until(() => !ns('ns-t'));
  });

  it('content with finalizers keeps the namespace Terminating with the conditions upstream writes', async () => {
    emu.registry.create(nsDef, '', { metadata: { name: 'ns-f' } });
    emu.registry.create(cm, 'ns-f', { metadata: { name: 'held', finalizers: ['example.com/hold'] } });
    emu.registry.create(secret, 'ns-f', { metadata: { name: 'held2', finalizers: ['example.com/hold', 'example.com/other'] } });
    emu.registry.create(cm, 'ns-f', { metadata: { name: 'free' } });
    emu.registry.delete(nsDef, '', 'ns-f');
    await until(() => cond(ns('ns-f'), 'NamespaceFinalizersRemaining')?.status === 'True');
    const n = ns('ns-f')!;
    expect(n.status.phase).toBe('Terminating');
    expect(n.spec.finalizers).toEqual(['kubernetes']);
    const byType = Object.fromEntries(n.status.conditions.map((c: KObject) => [c.type, c]));
    expect(n.status.conditions.map((c: KObject) => c.type)).toEqual([
      'NamespaceDeletionDiscoveryFailure',
      'NamespaceDeletionGroupVersionParsingFailure',
      'NamespaceDeletionContentFailure',
      'NamespaceContentRemaining',
      'NamespaceFinalizersRemaining',
    ]);
    expect(byType.NamespaceDeletionDiscoveryFailure).toMatchObject({ status: 'False', reason: 'ResourcesDiscovered', message: 'All resources successfully discovered' });
    expect(byType.NamespaceDeletionGroupVersionParsingFailure).toMatchObject({ status: 'False', reason: 'ParsedGroupVersions', message: 'All legacy kube types successfully parsed' });
    expect(byType.NamespaceDeletionContentFailure).toMatchObject({
      status: 'False',
      reason: 'ContentDeleted',
      message: 'All content successfully deleted, may be waiting on finalization',
    });
    expect(byType.NamespaceContentRemaining).toMatchObject({
      status: 'True',
      reason: 'SomeResourcesRemain',
      message: 'Some resources are remaining: configmaps. has 1 resource instances, secrets. has 1 resource instances',
    });
    expect(byType.NamespaceFinalizersRemaining).toMatchObject({
      status: 'True',
      reason: 'SomeFinalizersRemain',
      message: 'Some content in the namespace has finalizers remaining: example.com/hold in 2 resource instances, example.com/other in 1 resource instances',
    });
    expect(byType.NamespaceContentRemaining.lastTransitionTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(emu.registry.tryGet(cm, 'ns-f', 'free')).toBeUndefined();
    expect(emu.registry.tryGet(cm, 'ns-f', 'held')!.metadata.deletionTimestamp).toBeTruthy();

    // one finalizer gone: the conditions follow (event-driven, no long wait)
    emu.registry.modify(cm, 'ns-f', 'held', (o) => void delete o.metadata.finalizers);
    await until(() => cond(ns('ns-f'), 'NamespaceContentRemaining')?.message === 'Some resources are remaining: secrets. has 1 resource instances');
    expect(cond(ns('ns-f'), 'NamespaceFinalizersRemaining')?.message).toBe(
      'Some content in the namespace has finalizers remaining: example.com/hold in 1 resource instances, example.com/other in 1 resource instances',
    );
    emu.registry.modify(secret, 'ns-f', 'held2', (o) => void delete o.metadata.finalizers);
    await until(() => !ns('ns-f'));
  });

  it('pods on a node wait for their grace period; pods without a node vanish at once', async () => {
    emu.registry.create(nsDef, '', { metadata: { name: 'ns-p' } });
    mkPod('ns-p', 'unscheduled');
    mkPod('ns-p', 'running', { nodeName: 'node-1', terminationGracePeriodSeconds: 30 });
    mkPod('ns-p', 'running2', { nodeName: 'node-1', terminationGracePeriodSeconds: 30 });
    emu.registry.delete(nsDef, '', 'ns-p');
    await until(() => cond(ns('ns-p'), 'NamespaceContentRemaining')?.status === 'True');
    expect(emu.registry.tryGet(pod, 'ns-p', 'unscheduled')).toBeUndefined();
    const n = ns('ns-p')!;
    expect(cond(n, 'NamespaceContentRemaining')).toMatchObject({ reason: 'SomeResourcesRemain', message: 'Some resources are remaining: pods. has 2 resource instances' });
    expect(cond(n, 'NamespaceFinalizersRemaining')).toMatchObject({ status: 'False', reason: 'ContentHasNoFinalizers', message: 'All content-preserving finalizers finished' });
    const p = emu.registry.tryGet(pod, 'ns-p', 'running')!;
    expect(p.metadata.deletionTimestamp).toBeTruthy();
    expect(p.metadata.deletionGracePeriodSeconds).toBe(30);
    // what the node agent does once the containers stopped
    emu.registry.delete(pod, 'ns-p', 'running', { gracePeriodSeconds: 0 });
    emu.registry.delete(pod, 'ns-p', 'running2', { gracePeriodSeconds: 0 });
    await until(() => !ns('ns-p'));
  });

  it('PUT .../finalize with no finalizers releases a terminating namespace', async () => {
    emu.registry.create(nsDef, '', { metadata: { name: 'ns-h', finalizers: ['example.com/keep'] } });
    emu.registry.create(cm, 'ns-h', { metadata: { name: 'held', finalizers: ['example.com/hold'] } });
    emu.registry.delete(nsDef, '', 'ns-h');
    const res = await fetch(`${emu.url}/api/v1/namespaces/ns-h/finalize`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'ns-h' }, spec: { finalizers: [] } }),
    });
    expect(res.status).toBe(200);
    expect(ns('ns-h')!.spec.finalizers ?? []).toEqual([]);
    expect(ns('ns-h')!.status.phase).toBe('Terminating');
    // metadata.finalizers still hold it; removing the last one deletes it
    emu.registry.modify(nsDef, '', 'ns-h', (o) => void delete o.metadata.finalizers);
    expect(ns('ns-h')).toBeUndefined();
    emu.registry.modify(cm, 'ns-h', 'held', (o) => void delete o.metadata.finalizers);
  });

  it('an empty namespace is deleted as soon as it is marked', async () => {
    emu.registry.create(nsDef, '', { metadata: { name: 'ns-e' } });
    emu.registry.delete(nsDef, '', 'ns-e');
    await until(() => !ns('ns-e'));
  });
});

describe('namespace conditions', () => {
  it('fills the ok variants and only changes what changed', () => {
    const status: KObject = { phase: 'Terminating' };
    expect(applyNamespaceConditions(status, namespaceConditions({ resources: new Map(), finalizers: new Map(), errors: [] }), 't1')).toBe(true);
    expect(status.conditions).toHaveLength(5);
    expect(status.conditions[3]).toEqual({ type: 'NamespaceContentRemaining', status: 'False', lastTransitionTime: 't1', reason: 'ContentRemoved', message: 'All content successfully removed' });
    expect(applyNamespaceConditions(status, [], 't2')).toBe(false);
    const bad = namespaceConditions({ resources: new Map([['pods.', 2]]), finalizers: new Map(), errors: ['b failed', 'a failed'] });
    expect(applyNamespaceConditions(status, bad, 't3')).toBe(true);
    expect(status.conditions[2]).toEqual({
      type: 'NamespaceDeletionContentFailure',
      status: 'True',
      lastTransitionTime: 't3',
      reason: 'ContentDeletionFailed',
      message: 'Failed to delete all resource types, 2 remaining: a failed, b failed',
    });
  });
});
