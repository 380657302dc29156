import { describe, it, expect, afterEach } from 'vitest';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { storageEnv, pvObj, pvcObj, type StorageEnv } from './controllers-pv-helpers.js';
import type { KObject } from '../../src/resources/types.js';

let env: StorageEnv | undefined;
afterEach(async () => {
  await env?.close();
  env = undefined;
});

const scDef = (e: StorageEnv) => e.emu.registry.mustDef('storage.k8s.io', 'storageclasses');
const pvcDef = (e: StorageEnv) => e.emu.registry.mustDef('', 'persistentvolumeclaims');

describe('StorageClass standard and the hostPath provisioner', () => {
  it('installs standard (not default) once, and does not recreate it after a user deletes it', async () => {
    env = await storageEnv();
    const sc = env.emu.registry.get(scDef(env), '', 'standard');
    expect(sc).toMatchObject({ provisioner: 'kube-emulator.io/hostpath', reclaimPolicy: 'Delete', volumeBindingMode: 'Immediate' });
    expect(sc.metadata.annotations?.['storageclass.kubernetes.io/is-default-class']).toBeUndefined();
    env.emu.registry.delete(scDef(env), '', 'standard');
    const { installStandardStorageClass } = await import('../../src/controllers/persistentvolume/index.js');
    installStandardStorageClass({ registry: env.emu.registry, options: { defaultStorageClass: false } } as any);
    expect(env.emu.registry.tryGet(scDef(env), '', 'standard')).toBeUndefined();
  });

  it('provisions pvc-<uid> for a claim of class standard and binds it', async () => {
    env = await storageEnv();
    env.createPVC('default', pvcObj('data', { cls: 'standard', size: '1Gi' }));
    await env.until(() => env!.pvc('default', 'data')?.status?.phase === 'Bound', 'Bound');
    const c = env.pvc('default', 'data')!;
    const name = `pvc-${c.metadata.uid}`;
    expect(c.spec.volumeName).toBe(name);
    expect(c.metadata.annotations).toMatchObject({
      'pv.kubernetes.io/bind-completed': 'yes',
      'pv.kubernetes.io/bound-by-controller': 'yes',
      'volume.kubernetes.io/storage-provisioner': 'kube-emulator.io/hostpath',
      'volume.beta.kubernetes.io/storage-provisioner': 'kube-emulator.io/hostpath',
    });
    expect(c.status.capacity).toEqual({ storage: '1Gi' });
    const pv = env.pv(name)!;
    expect(pv.status.phase).toBe('Bound');
    expect(pv.spec).toMatchObject({
      storageClassName: 'standard',
      persistentVolumeReclaimPolicy: 'Delete',
      capacity: { storage: '1Gi' },
      accessModes: ['ReadWriteOnce'],
      volumeMode: 'Filesystem',
      hostPath: { path: join(env.volumesDir, name), type: 'DirectoryOrCreate' },
      claimRef: { namespace: 'default', name: 'data', uid: c.metadata.uid, kind: 'PersistentVolumeClaim', apiVersion: 'v1' },
    });
    expect(pv.spec.nodeAffinity).toBeUndefined();
    expect(pv.metadata.annotations['pv.kubernetes.io/provisioned-by']).toBe('kube-emulator.io/hostpath');
    expect(pv.metadata.annotations['pv.kubernetes.io/bound-by-controller']).toBeUndefined();
    expect(pv.metadata.finalizers).toEqual(expect.arrayContaining(['external-provisioner.volume.kubernetes.io/finalizer', 'kubernetes.io/pv-protection']));
    expect(existsSync(join(env.volumesDir, name))).toBe(true);
    const reasons = env.events('data').map((e) => e.reason);
    expect(reasons).toEqual(expect.arrayContaining(['ExternalProvisioning', 'Provisioning', 'ProvisioningSucceeded']));
    const ok = env.events('data').find((e) => e.reason === 'ProvisioningSucceeded')!;
    expect(ok.message).toBe(`Successfully provisioned volume ${name}`);
    const ext = env.events('data').find((e) => e.reason === 'ExternalProvisioning')!;
    expect(ext.message).toContain("external provisioner 'kube-emulator.io/hostpath'");

    // Delete policy: deleting the claim removes the PV and its directory
    env.emu.registry.delete(pvcDef(env), 'default', 'data');
    await env.until(() => !env!.pv(name), 'PV deleted');
    expect(existsSync(join(env.volumesDir, name))).toBe(false);
  });

  it('with defaultStorageClass, class-less claims get standard and are provisioned', async () => {
    env = await storageEnv({ defaultStorageClass: true });
    const sc = env.emu.registry.get(scDef(env), '', 'standard');
    expect(sc.metadata.annotations['storageclass.kubernetes.io/is-default-class']).toBe('true');
    env.createPVC('default', pvcObj('auto'));
    // DefaultStorageClass admission sets the class on create
    expect(env.pvc('default', 'auto')!.spec.storageClassName).toBe('standard');
    // an explicit "" keeps the claim class-less
    env.createPVC('default', pvcObj('none', { cls: '' }));
    expect(env.pvc('default', 'none')!.spec.storageClassName).toBe('');
    await env.until(() => env!.pvc('default', 'auto')?.status?.phase === 'Bound');
    expect(env.pvc('default', 'auto')!.spec.volumeName).toMatch(/^pvc-/);
    await env.until(() => env!.events('none').some((e) => e.reason === 'FailedBinding'));
  });

  it('assigns the default class retroactively to unbound class-less claims', async () => {
    env = await storageEnv();
    env.createPVC('default', pvcObj('late'));
    await env.until(() => env!.events('late').some((e) => e.reason === 'FailedBinding'));
    expect(env.pvc('default', 'late')!.spec.storageClassName).toBeUndefined();
    env.emu.registry.modify(scDef(env), '', 'standard', (o) => {
      o.metadata.annotations = { 'storageclass.kubernetes.io/is-default-class': 'true' };
    });
    await env.until(() => env!.pvc('default', 'late')?.status?.phase === 'Bound', 'Bound');
    expect(env.pvc('default', 'late')!.spec.storageClassName).toBe('standard');
  });

  it('WaitForFirstConsumer waits for the selected-node annotation, then provisions with node affinity', async () => {
    env = await storageEnv();
    env.emu.registry.create(scDef(env), '', {
      apiVersion: 'storage.k8s.io/v1',
      kind: 'StorageClass',
      metadata: { name: 'local' },
      provisioner: 'kube-emulator.io/hostpath',
      volumeBindingMode: 'WaitForFirstConsumer',
      reclaimPolicy: 'Retain',
      mountOptions: ['noatime'],
    });
    env.createPVC('default', pvcObj('w', { cls: 'local' }));
    await env.until(() => env!.events('w').some((e) => e.reason === 'WaitForFirstConsumer'));
    const ev = env.events('w').find((e) => e.reason === 'WaitForFirstConsumer')!;
    expect(ev.message).toBe('waiting for first consumer to be created before binding');
    expect(env.pvc('default', 'w')!.status.phase).toBe('Pending');
    expect(env.emu.registry.list(env.emu.registry.mustDef('', 'persistentvolumes'), undefined).items).toHaveLength(0);

    env.emu.registry.modify(pvcDef(env), 'default', 'w', (o) => {
      o.metadata.annotations = { ...(o.metadata.annotations ?? {}), 'volume.kubernetes.io/selected-node': 'node-1' };
    });
    await env.until(() => env!.pvc('default', 'w')?.status?.phase === 'Bound', 'Bound');
    const pv = env.pv(env.pvc('default', 'w')!.spec.volumeName)! as KObject;
    expect(pv.spec.persistentVolumeReclaimPolicy).toBe('Retain');
    expect(pv.spec.mountOptions).toEqual(['noatime']);
    expect(pv.spec.nodeAffinity.required.nodeSelectorTerms[0].matchExpressions[0]).toEqual({ key: 'kubernetes.io/hostname', operator: 'In', values: ['node-1'] });

    // Retain: the claim goes, the provisioned PV stays Released with its data
    env.emu.registry.delete(pvcDef(env), 'default', 'w');
    await env.until(() => env!.pv(pv.metadata.name)?.status?.phase === 'Released', 'Released');
    expect(existsSync(pv.spec.hostPath.path)).toBe(true);
  });

  it('a WFFC claim used by a pod already placed on a node follows that pod', async () => {
    env = await storageEnv();
    const r = env.emu.registry;
    r.create(scDef(env), '', {
      apiVersion: 'storage.k8s.io/v1',
      kind: 'StorageClass',
      metadata: { name: 'local' },
      provisioner: 'kube-emulator.io/hostpath',
      volumeBindingMode: 'WaitForFirstConsumer',
    });
    env.createPVC('default', pvcObj('w', { cls: 'local' }));
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p' },
      spec: { containers: [{ name: 'c', image: 'busybox' }], volumes: [{ name: 'd', persistentVolumeClaim: { claimName: 'w' } }] },
    };
    r.create(r.mustDef('', 'pods'), 'default', pod);
    await env.until(() => env!.events('w').some((e) => e.reason === 'WaitForPodScheduled'));
    expect(env.events('w').find((e) => e.reason === 'WaitForPodScheduled')!.message).toBe('waiting for pod p to be scheduled');
    r.create(r.mustDef('', 'pods'), 'default', { ...pod, metadata: { name: 'q' }, spec: { ...pod.spec, nodeName: 'node-2' } });
    await env.until(() => env!.pvc('default', 'w')?.status?.phase === 'Bound', 'Bound');
    expect(env.pvc('default', 'w')!.metadata.annotations['volume.kubernetes.io/selected-node']).toBe('node-2');
  });

  it('claims of another provisioner stay Pending with ExternalProvisioning', async () => {
    env = await storageEnv();
    env.emu.registry.create(scDef(env), '', {
      apiVersion: 'storage.k8s.io/v1',
      kind: 'StorageClass',
      metadata: { name: 'csi' },
      provisioner: 'ebs.csi.aws.com',
    });
    env.createPVC('default', pvcObj('x', { cls: 'csi' }));
    await env.until(() => env!.events('x').some((e) => e.reason === 'ExternalProvisioning'));
    const c = env.pvc('default', 'x')!;
    expect(c.status.phase).toBe('Pending');
    expect(c.metadata.annotations['volume.kubernetes.io/storage-provisioner']).toBe('ebs.csi.aws.com');
    expect(env.events('x').find((e) => e.reason === 'ExternalProvisioning')!.message).toBe(
      "Waiting for a volume to be created either by the external provisioner 'ebs.csi.aws.com' or manually by the system administrator. If volume creation is delayed, please verify that the provisioner is running and correctly registered.",
    );
  });

  it('Delete policy on a static non-deletable volume fails with VolumeFailedDelete', async () => {
    env = await storageEnv();
    env.createPV(pvObj('nfs', { policy: 'Delete' }));
    env.createPVC('default', pvcObj('c', { cls: '' }));
    await env.until(() => env!.pvc('default', 'c')?.status?.phase === 'Bound');
    env.emu.registry.delete(pvcDef(env), 'default', 'c');
    await env.until(() => env!.pv('nfs')?.status?.phase === 'Failed', 'Failed');
    const ev = env.events('nfs').find((e) => e.reason === 'VolumeFailedDelete')!;
    expect(ev.message).toBe('error getting deleter volume plugin for volume "nfs": no deletable volume plugin matched');
  });
});
