import { describe, it, expect, afterEach } from 'vitest';
import { storageEnv, pvObj, pvcObj, type StorageEnv } from './controllers-pv-helpers.js';

let env: StorageEnv | undefined;
afterEach(async () => {
  await env?.close();
  env = undefined;
});

function podObj(name: string, claim: string, nodeName?: string) {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name },
    spec: { nodeName, containers: [{ name: 'c', image: 'busybox' }], volumes: [{ name: 'data', persistentVolumeClaim: { claimName: claim } }] },
  };
}

describe('storage object in-use protection', () => {
  it('admission adds the protection finalizers on create only', async () => {
    env = await storageEnv({ controllers: [] });
    const pv = env.createPV(pvObj('p'));
    const pvc = env.createPVC('default', pvcObj('c'));
    expect(pv.metadata.finalizers).toEqual(['kubernetes.io/pv-protection']);
    expect(pvc.metadata.finalizers).toEqual(['kubernetes.io/pvc-protection']);
    // a user may remove them afterwards
    const r = env.emu.registry;
    r.modify(r.mustDef('', 'persistentvolumeclaims'), 'default', 'c', (o) => {
      delete o.metadata.finalizers;
    });
    expect(env.pvc('default', 'c')!.metadata.finalizers).toBeUndefined();
  });

  it('keeps a deleted claim while a scheduled pod uses it, then lets it go', async () => {
    env = await storageEnv({ controllers: ['pvc-protection'] });
    const r = env.emu.registry;
    const podDef = r.mustDef('', 'pods');
    const pvcDef = r.mustDef('', 'persistentvolumeclaims');
    env.createPVC('default', pvcObj('used'));
    env.createPVC('default', pvcObj('unused'));
    r.create(podDef, 'default', podObj('user', 'used', 'node-1'));
    r.create(podDef, 'default', podObj('pending', 'unused'));
    r.delete(pvcDef, 'default', 'used');
    r.delete(pvcDef, 'default', 'unused');
    await env.until(() => !env!.pvc('default', 'unused'), 'unused claim gone');
    await env.mgr.settled();
    const c = env.pvc('default', 'used')!;
    expect(c.metadata.deletionTimestamp).toBeTruthy();
    expect(c.metadata.finalizers).toEqual(['kubernetes.io/pvc-protection']);
    // the pod finishes: the claim is released
    r.modify(podDef, 'default', 'user', (o) => {
      o.status = { ...(o.status ?? {}), phase: 'Succeeded' };
    }, { subresource: 'status' });
    await env.until(() => !env!.pvc('default', 'used'), 'used claim gone');
  });

  it('keeps a deleted PV while Bound, removes it once released', async () => {
    env = await storageEnv({ controllers: ['persistentvolume-binder', 'pv-protection', 'pvc-protection'] });
    const r = env.emu.registry;
    env.createPV(pvObj('v'));
    env.createPVC('default', pvcObj('c'));
    await env.until(() => env!.pvc('default', 'c')?.status?.phase === 'Bound');
    r.delete(r.mustDef('', 'persistentvolumes'), '', 'v');
    await env.mgr.settled();
    const pv = env.pv('v')!;
    expect(pv.metadata.deletionTimestamp).toBeTruthy();
    expect(pv.status.phase).toBe('Bound');
    r.delete(r.mustDef('', 'persistentvolumeclaims'), 'default', 'c');
    await env.until(() => !env!.pv('v'), 'PV gone');
    expect(env.pvc('default', 'c')).toBeUndefined();
  });
});
