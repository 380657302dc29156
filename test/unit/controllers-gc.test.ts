// Garbage collector: background / foreground / orphan cascades, dangling references, invalid owners.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { startServer, testControllerOptions, untilSettled } from '../helpers/server.js';
import type { KubeEmulator } from '../../src/server/app.js';
import { ControllerManager } from '../../src/controllers/manager.js';
import { garbageCollectorController } from '../../src/controllers/garbagecollector.js';
import type { KObject, ResourceDef } from '../../src/resources/types.js';

let emu: KubeEmulator;
let mgr: ControllerManager;
let cm: ResourceDef, pod: ResourceDef, secret: ResourceDef, nsDef: ResourceDef, node: ResourceDef, ev: ResourceDef;

beforeAll(async () => {
  emu = await startServer({ controllers: [] });
  const opts = testControllerOptions();
  mgr = new ControllerManager(emu.registry, emu.logger, opts, [garbageCollectorController()]);
  mgr.start(['garbagecollector']);
  const r = emu.registry;
  [cm, pod, secret, nsDef, node, ev] = [r.mustDef('', 'configmaps'), r.mustDef('', 'pods'), r.mustDef('', 'secrets'), r.mustDef('', 'namespaces'), r.mustDef('', 'nodes'), r.mustDef('', 'events')];
  for (const n of ['gc-bg', 'gc-fg', 'gc-or', 'gc-dg', 'gc-x', 'gc-big']) r.create(nsDef, '', { metadata: { name: n } });
});

afterAll(async () => {
  mgr.stop();
  await emu.close();
});

const until = async (cond: () => boolean, ms?: number): Promise<void> => {
  await untilSettled(mgr, cond, ms);
};

function ref(owner: KObject, extra: KObject = {}): KObject {
  return { apiVersion: owner.apiVersion, kind: owner.kind, name: owner.metadata.name, uid: owner.metadata.uid, ...extra };
}
const mkCM = (ns: string, name: string, meta: KObject = {}) => emu.registry.create(cm, ns, { metadata: { name, ...meta }, data: { a: '1' } }).object;
const mkPod = (ns: string, name: string, meta: KObject = {}) =>
  emu.registry.create(pod, ns, { metadata: { name, ...meta }, spec: { containers: [{ name: 'c', image: 'busybox' }] } }).object;
const get = (def: ResourceDef, ns: string, name: string) => emu.registry.tryGet(def, ns, name);

describe('garbage collector', () => {
  it('background: deleting the owner deletes its dependents', async () => {
    const owner = mkCM('gc-bg', 'owner');
    mkCM('gc-bg', 'dep-cm', { ownerReferences: [ref(owner, { controller: true })] });
    mkPod('gc-bg', 'dep-pod', { ownerReferences: [ref(owner)] });
    emu.registry.create(secret, 'gc-bg', { metadata: { name: 'dep-secret', ownerReferences: [ref(owner)] } });
    mkCM('gc-bg', 'bystander');
    await mgr.settled();
    expect(get(cm, 'gc-bg', 'dep-cm')).toBeDefined();
    emu.registry.delete(cm, 'gc-bg', 'owner', { propagationPolicy: 'Background' });
    await until(() => !get(cm, 'gc-bg', 'dep-cm') && !get(pod, 'gc-bg', 'dep-pod') && !get(secret, 'gc-bg', 'dep-secret'));
    expect(get(cm, 'gc-bg', 'bystander')).toBeDefined();
  });

  it('background cascades through several levels', async () => {
    const a = mkCM('gc-bg', 'a');
    const b = mkCM('gc-bg', 'b', { ownerReferences: [ref(a)] });
    mkCM('gc-bg', 'c', { ownerReferences: [ref(b)] });
    emu.registry.delete(cm, 'gc-bg', 'a');
    await until(() => !get(cm, 'gc-bg', 'b') && !get(cm, 'gc-bg', 'c'));
  });

  it('a dependent whose only owner never existed is collected', async () => {
    mkCM('gc-bg', 'lost', { ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'nobody', uid: '3b0a5e3e-0000-4000-8000-000000000001' }] });
    await until(() => !get(cm, 'gc-bg', 'lost'));
  });

  it('a dependent whose owner name was reused (uid mismatch) is collected', async () => {
    const o = mkCM('gc-bg', 'reused');
    emu.registry.delete(cm, 'gc-bg', 'reused');
    mkCM('gc-bg', 'reused');
    mkCM('gc-bg', 'stale-dep', { ownerReferences: [ref(o)] });
    await until(() => !get(cm, 'gc-bg', 'stale-dep'));
    expect(get(cm, 'gc-bg', 'reused')).toBeDefined();
  });

  it('foreground: the owner waits for its blocking dependents, then disappears', async () => {
    const owner = mkCM('gc-fg', 'owner');
    mkCM('gc-fg', 'held', { ownerReferences: [ref(owner, { blockOwnerDeletion: true })], finalizers: ['example.com/hold'] });
    mkCM('gc-fg', 'free', { ownerReferences: [ref(owner, { blockOwnerDeletion: true })] });
    mkCM('gc-fg', 'nonblocking', { ownerReferences: [ref(owner)] });
    const r = emu.registry.delete(cm, 'gc-fg', 'owner', { propagationPolicy: 'Foreground' });
    expect(r.deleted).toBe(false);
    await until(() => !get(cm, 'gc-fg', 'free') && !get(cm, 'gc-fg', 'nonblocking'));
    const held = get(cm, 'gc-fg', 'held')!;
    expect(held.metadata.deletionTimestamp).toBeTruthy();
    const o = get(cm, 'gc-fg', 'owner')!;
    expect(o.metadata.deletionTimestamp).toBeTruthy();
    expect(o.metadata.finalizers).toEqual(['foregroundDeletion']);
    // release the blocking dependent: it goes, then the owner goes
    emu.registry.modify(cm, 'gc-fg', 'held', (x) => void delete x.metadata.finalizers);
    await until(() => !get(cm, 'gc-fg', 'held') && !get(cm, 'gc-fg', 'owner'));
  });

  it('foreground: an owner without blocking dependents goes at once', async () => {
    const owner = mkCM('gc-fg', 'lonely');
    mkCM('gc-fg', 'lonely-dep', { ownerReferences: [ref(owner)] });
    emu.registry.delete(cm, 'gc-fg', 'lonely', { propagationPolicy: 'Foreground' });
    await until(() => !get(cm, 'gc-fg', 'lonely') && !get(cm, 'gc-fg', 'lonely-dep'));
  });

  it('foreground propagates: a dependent with its own dependents is deleted in foreground', async () => {
    const top = mkCM('gc-fg', 'top');
    const mid = mkCM('gc-fg', 'mid', { ownerReferences: [ref(top, { blockOwnerDeletion: true })] });
    mkCM('gc-fg', 'leaf', { ownerReferences: [ref(mid, { blockOwnerDeletion: true })], finalizers: ['example.com/hold'] });
    emu.registry.delete(cm, 'gc-fg', 'top', { propagationPolicy: 'Foreground' });
    await until(() => get(cm, 'gc-fg', 'mid')?.metadata?.finalizers?.includes('foregroundDeletion') === true);
    expect(get(cm, 'gc-fg', 'top')?.metadata?.deletionTimestamp).toBeTruthy();
    expect(get(cm, 'gc-fg', 'leaf')?.metadata?.deletionTimestamp).toBeTruthy();
    emu.registry.modify(cm, 'gc-fg', 'leaf', (x) => void delete x.metadata.finalizers);
    await until(() => !get(cm, 'gc-fg', 'top') && !get(cm, 'gc-fg', 'mid') && !get(cm, 'gc-fg', 'leaf'));
  });

  it('orphan: dependents lose the reference and stay', async () => {
    const owner = mkCM('gc-or', 'owner');
    const other = mkCM('gc-or', 'other');
    mkCM('gc-or', 'd1', { ownerReferences: [ref(owner, { controller: true, blockOwnerDeletion: true })] });
    mkCM('gc-or', 'd2', { ownerReferences: [ref(owner), ref(other)] });
    emu.registry.delete(cm, 'gc-or', 'owner', { propagationPolicy: 'Orphan' });
    await until(() => !get(cm, 'gc-or', 'owner'));
    expect(get(cm, 'gc-or', 'd1')!.metadata.ownerReferences).toBeUndefined();
    expect(get(cm, 'gc-or', 'd2')!.metadata.ownerReferences).toEqual([ref(other)]);
  });

  it('a dangling reference is stripped when another owner is solid', async () => {
    const solid = mkCM('gc-dg', 'solid');
    const gone = mkCM('gc-dg', 'gone');
    emu.registry.delete(cm, 'gc-dg', 'gone');
    mkCM('gc-dg', 'dep', { ownerReferences: [ref(gone), ref(solid)] });
    await until(() => get(cm, 'gc-dg', 'dep')?.metadata?.ownerReferences?.length === 1);
    expect(get(cm, 'gc-dg', 'dep')!.metadata.ownerReferences).toEqual([ref(solid)]);
    // and when the solid owner goes too, the dependent follows
    emu.registry.delete(cm, 'gc-dg', 'solid');
    await until(() => !get(cm, 'gc-dg', 'dep'));
  });

  it('owners of another kind and cluster-scoped owners are resolved', async () => {
    const s = emu.registry.create(secret, 'gc-x', { metadata: { name: 'owner-secret' } }).object;
    mkCM('gc-x', 'of-secret', { ownerReferences: [ref(s)] });
    const n = emu.registry.create(node, '', { metadata: { name: 'gc-owner-node' } }).object;
    mkCM('gc-x', 'of-node', { ownerReferences: [ref(n)] });
    await mgr.settled();
    expect(get(cm, 'gc-x', 'of-secret')).toBeDefined();
    expect(get(cm, 'gc-x', 'of-node')).toBeDefined();
    emu.registry.delete(secret, 'gc-x', 'owner-secret');
    emu.registry.delete(node, '', 'gc-owner-node');
    await until(() => !get(cm, 'gc-x', 'of-secret') && !get(cm, 'gc-x', 'of-node'));
  });

  it('a cluster-scoped object with a namespaced owner is never collected and gets an event', async () => {
    const o = mkCM('gc-x', 'ns-owner');
    emu.registry.create(node, '', { metadata: { name: 'gc-bad-node', ownerReferences: [ref(o)] } });
    await mgr.settled();
    await until(() =>
      emu.registry.list(ev, 'default').items.some((e: KObject) => e.reason === 'OwnerRefInvalidNamespace' && e.involvedObject?.name === 'gc-bad-node'),
    );
    const e = emu.registry.list(ev, 'default').items.find((x: KObject) => x.involvedObject?.name === 'gc-bad-node');
    expect(e.type).toBe('Warning');
    expect(e.message).toBe(`ownerRef [v1/ConfigMap, namespace: , name: ns-owner, uid: ${o.metadata.uid}] does not exist in namespace ""`);
    expect(get(node, '', 'gc-bad-node')).toBeDefined();
  });

  it('a namespaced owner in another namespace is dangling (OwnerRefInvalidNamespace)', async () => {
    const o = mkCM('gc-x', 'elsewhere');
    mkCM('gc-dg', 'cross', { ownerReferences: [ref(o)] });
    await until(() => !get(cm, 'gc-dg', 'cross'));
    const evs = emu.registry.list(ev, 'gc-dg').items.filter((e: KObject) => e.reason === 'OwnerRefInvalidNamespace');
    expect(evs[0]?.message).toBe(`ownerRef [v1/ConfigMap, namespace: gc-dg, name: elsewhere, uid: ${o.metadata.uid}] does not exist in namespace "gc-dg"`);
    expect(get(cm, 'gc-x', 'elsewhere')).toBeDefined();
  });

  it('scales: 10000 dependents of one owner are collected', async () => {
    const owner = mkCM('gc-big', 'owner');
    const refs = [ref(owner)];
    for (let i = 0; i < 10_000; i++) emu.registry.create(cm, 'gc-big', { metadata: { name: `d-${i}`, ownerReferences: refs } });
    await mgr.settled();
    expect(emu.registry.listEntries(cm, 'gc-big').entries.length).toBe(10_001);
    const t0 = Date.now();
    emu.registry.delete(cm, 'gc-big', 'owner');
    await until(() => emu.registry.listEntries(cm, 'gc-big').entries.length === 0, 20_000);
    expect(Date.now() - t0).toBeLessThan(20_000);
  }, 60_000);
});
