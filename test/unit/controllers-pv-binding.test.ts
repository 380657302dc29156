import { describe, it, expect, afterEach } from 'vitest';
import { storageEnv, seedObjects, pvObj, pvcObj, type StorageEnv } from './controllers-pv-helpers.js';

let env: StorageEnv | undefined;
afterEach(async () => {
  await env?.close();
  env = undefined;
});

describe('persistentvolume-binder: static binding', () => {
  it('binds the seed claims (class-less 2G RWO) one PV each, with upstream annotations and status', async () => {
    env = await storageEnv({ controllers: ['persistentvolume-binder'] });
    const r = env.emu.registry;
    for (const o of seedObjects()) {
      const def = o.kind === 'Namespace' ? r.mustDef('', 'namespaces') : r.mustDef('', 'persistentvolumes');
      r.create(def, o.metadata.namespace ?? '', o);
    }
    await env.until(() => [0, 1, 2, 3, 4, 5, 6].every((i) => env!.pv(`sts-pv-v${i}`)?.status?.phase === 'Available'), 'PVs Available');
    const pv0 = env.pv('sts-pv-v0')!;
    expect(pv0.metadata.namespace).toBeUndefined();
    expect(pv0.spec.persistentVolumeReclaimPolicy).toBe('Retain');
    expect(pv0.status.lastPhaseTransitionTime).toMatch(/Z$/);
    expect(pv0.metadata.finalizers).toEqual(['kubernetes.io/pv-protection']);

    for (const i of [0, 1]) env.createPVC('sts', pvcObj(`sts-pvc-sts-pod-contoller-${i}`));
    await env.until(() => [0, 1].every((i) => env!.pvc('sts', `sts-pvc-sts-pod-contoller-${i}`)?.status?.phase === 'Bound'), 'claims Bound');
    const bound = new Set<string>();
    for (const i of [0, 1]) {
      const c = env.pvc('sts', `sts-pvc-sts-pod-contoller-${i}`)!;
      expect(c.status.capacity).toEqual({ storage: '5G' });
      expect(c.status.accessModes).toEqual(['ReadWriteOnce']);
      expect(c.metadata.annotations).toMatchObject({ 'pv.kubernetes.io/bind-completed': 'yes', 'pv.kubernetes.io/bound-by-controller': 'yes' });
      expect(c.metadata.finalizers).toEqual(['kubernetes.io/pvc-protection']);
      expect(c.spec.storageClassName).toBeUndefined();
      const pv = env.pv(c.spec.volumeName)!;
      expect(pv.status.phase).toBe('Bound');
      expect(pv.spec.claimRef).toMatchObject({ kind: 'PersistentVolumeClaim', namespace: 'sts', name: c.metadata.name, uid: c.metadata.uid, apiVersion: 'v1' });
      expect(pv.metadata.annotations['pv.kubernetes.io/bound-by-controller']).toBe('yes');
      bound.add(pv.metadata.name);
    }
    expect(bound.size).toBe(2);
    const available = [0, 1, 2, 3, 4, 5, 6].filter((i) => env!.pv(`sts-pv-v${i}`)!.status.phase === 'Available');
    expect(available).toHaveLength(5);
  });

  it('chooses the smallest fitting volume in the narrowest access-mode group', async () => {
    env = await storageEnv({ controllers: ['persistentvolume-binder'] });
    env.createPV(pvObj('big', { size: '10Gi' }));
    env.createPV(pvObj('small', { size: '1Gi' }));
    env.createPV(pvObj('fit', { size: '3Gi' }));
    env.createPV(pvObj('fit-multi', { size: '2Gi', modes: ['ReadWriteOnce', 'ReadOnlyMany'] }));
    await env.until(() => env!.pv('fit-multi')?.status?.phase === 'Available');
    env.createPVC('default', pvcObj('c', { size: '2Gi' }));
    await env.until(() => env!.pvc('default', 'c')?.status?.phase === 'Bound');
    // RWO-only group first, smallest fitting there (3Gi), although a 2Gi RWO+ROX volume exists
    expect(env.pvc('default', 'c')!.spec.volumeName).toBe('fit');
    expect(env.pvc('default', 'c')!.status.capacity).toEqual({ storage: '3Gi' });
    env.createPVC('default', pvcObj('multi', { size: '2Gi', modes: ['ReadOnlyMany'] }));
    await env.until(() => env!.pvc('default', 'multi')?.status?.phase === 'Bound');
    expect(env.pvc('default', 'multi')!.spec.volumeName).toBe('fit-multi');
  });

  it('leaves a claim Pending with FailedBinding when no access mode matches', async () => {
    env = await storageEnv({ controllers: ['persistentvolume-binder'] });
    env.createPV(pvObj('rwo', { size: '5Gi' }));
    await env.until(() => env!.pv('rwo')?.status?.phase === 'Available');
    env.createPVC('default', pvcObj('rwx', { modes: ['ReadWriteMany'] }));
    await env.until(() => env!.events('rwx').some((e) => e.reason === 'FailedBinding'), 'FailedBinding');
    const ev = env.events('rwx').find((e) => e.reason === 'FailedBinding')!;
    expect(ev.type).toBe('Normal');
    expect(ev.message).toBe('no persistent volumes available for this claim and no storage class is set');
    expect(ev.source).toEqual({ component: 'persistentvolume-controller' });
    expect(env.pvc('default', 'rwx')!.status.phase).toBe('Pending');
    expect(env.pv('rwo')!.status.phase).toBe('Available');
  });

  it('honours the claim selector and the class (empty class matches class-less volumes only)', async () => {
    env = await storageEnv({ controllers: ['persistentvolume-binder'] });
    env.createPV(pvObj('blue', { labels: { color: 'blue' } }));
    env.createPV(pvObj('red', { labels: { color: 'red' }, size: '10G' }));
    env.createPV(pvObj('gold', { cls: 'gold', size: '3G' }));
    await env.until(() => ['blue', 'red', 'gold'].every((n) => env!.pv(n)?.status?.phase === 'Available'));
    env.createPVC('default', pvcObj('want-red', { selector: { matchLabels: { color: 'red' } } }));
    env.createPVC('default', pvcObj('want-gold', { cls: 'gold' }));
    env.createPVC('default', pvcObj('no-class', { cls: '' }));
    await env.until(() => ['want-red', 'want-gold', 'no-class'].every((n) => env!.pvc('default', n)?.status?.phase === 'Bound'));
    expect(env.pvc('default', 'want-red')!.spec.volumeName).toBe('red');
    expect(env.pvc('default', 'want-gold')!.spec.volumeName).toBe('gold');
    expect(env.pvc('default', 'no-class')!.spec.volumeName).toBe('blue');
  });

  it('binds a claim naming its volume, and reports a mismatching one', async () => {
    env = await storageEnv({ controllers: ['persistentvolume-binder'] });
    env.createPV(pvObj('a', { size: '10G' }));
    env.createPV(pvObj('b', { size: '5G' }));
    env.createPV(pvObj('tiny', { size: '1G' }));
    await env.until(() => env!.pv('tiny')?.status?.phase === 'Available');
    env.createPVC('default', pvcObj('named', { volumeName: 'a' }));
    env.createPVC('default', pvcObj('too-big', { volumeName: 'tiny' }));
    await env.until(() => env!.pvc('default', 'named')?.status?.phase === 'Bound');
    const c = env.pvc('default', 'named')!;
    expect(c.spec.volumeName).toBe('a');
    // the controller did not choose the volume: no bound-by-controller on the claim, but on the PV
    expect(c.metadata.annotations['pv.kubernetes.io/bound-by-controller']).toBeUndefined();
    expect(c.metadata.annotations['pv.kubernetes.io/bind-completed']).toBe('yes');
    expect(env.pv('a')!.metadata.annotations['pv.kubernetes.io/bound-by-controller']).toBe('yes');
    await env.until(() => env!.events('too-big').some((e) => e.reason === 'VolumeMismatch'));
    const ev = env.events('too-big').find((e) => e.reason === 'VolumeMismatch')!;
    expect(ev.type).toBe('Warning');
    expect(ev.message).toBe('Cannot bind to requested volume "tiny": requested PV is too small');
    expect(env.pvc('default', 'too-big')!.status.phase).toBe('Pending');
  });

  it('binds a PV pre-bound by claimRef without marking the PV bound-by-controller', async () => {
    env = await storageEnv({ controllers: ['persistentvolume-binder'] });
    env.createPV(pvObj('reserved', { claimRef: { namespace: 'default', name: 'mine' } }));
    env.createPV(pvObj('other', { size: '3G' }));
    await env.until(() => env!.pv('reserved')?.status?.phase === 'Available');
    env.createPVC('default', pvcObj('mine'));
    env.createPVC('default', pvcObj('someone'));
    await env.until(() => ['mine', 'someone'].every((n) => env!.pvc('default', n)?.status?.phase === 'Bound'));
    expect(env.pvc('default', 'mine')!.spec.volumeName).toBe('reserved');
    expect(env.pvc('default', 'someone')!.spec.volumeName).toBe('other');
    const pv = env.pv('reserved')!;
    expect(pv.spec.claimRef.uid).toBe(env.pvc('default', 'mine')!.metadata.uid);
    expect(pv.metadata.annotations?.['pv.kubernetes.io/bound-by-controller']).toBeUndefined();
  });

  it('Retain: deleting the claim releases the PV and keeps its claimRef', async () => {
    env = await storageEnv({ controllers: ['persistentvolume-binder', 'pvc-protection', 'pv-protection'] });
    env.createPV(pvObj('keep'));
    env.createPVC('default', pvcObj('c'));
    await env.until(() => env!.pvc('default', 'c')?.status?.phase === 'Bound');
    const t0 = env.pv('keep')!.status.lastPhaseTransitionTime;
    expect(t0).toBeTruthy();
    env.emu.registry.delete(env.emu.registry.mustDef('', 'persistentvolumeclaims'), 'default', 'c');
    await env.until(() => env!.pv('keep')?.status?.phase === 'Released', 'Released');
    expect(env.pvc('default', 'c')).toBeUndefined();
    const pv = env.pv('keep')!;
    expect(pv.spec.claimRef).toMatchObject({ namespace: 'default', name: 'c' });
    expect(pv.status.lastPhaseTransitionTime).toBeTruthy();
    // a new claim of the same name does not get the released volume
    env.createPVC('default', pvcObj('c'));
    await env.until(() => env!.events('c').some((e) => e.reason === 'FailedBinding'));
    expect(env.pvc('default', 'c')!.status.phase).toBe('Pending');
    expect(env.pv('keep')!.status.phase).toBe('Released');
  });

  it('binds a waiting claim as soon as a fitting volume appears', async () => {
    env = await storageEnv({ controllers: ['persistentvolume-binder'] });
    env.createPVC('default', pvcObj('early'));
    await env.until(() => env!.events('early').some((e) => e.reason === 'FailedBinding'));
    env.createPV(pvObj('late'));
    await env.until(() => env!.pvc('default', 'early')?.status?.phase === 'Bound', 'Bound');
    expect(env.pv('late')!.spec.claimRef.name).toBe('early');
  });

  it('marks a bound claim Lost when its volume disappears', async () => {
    env = await storageEnv({ controllers: ['persistentvolume-binder'] });
    env.createPV(pvObj('v'));
    env.createPVC('default', pvcObj('c'));
    await env.until(() => env!.pvc('default', 'c')?.status?.phase === 'Bound');
    const pvDef = env.emu.registry.mustDef('', 'persistentvolumes');
    env.emu.registry.modify(pvDef, '', 'v', (o) => {
      delete o.metadata.finalizers;
    });
    env.emu.registry.delete(pvDef, '', 'v');
    await env.until(() => env!.pvc('default', 'c')?.status?.phase === 'Lost', 'Lost');
    const ev = env.events('c').find((e) => e.reason === 'ClaimLost')!;
    expect(ev.type).toBe('Warning');
    expect(ev.message).toBe('Bound claim has lost its PersistentVolume. Data on the volume is lost!');
  });
});
