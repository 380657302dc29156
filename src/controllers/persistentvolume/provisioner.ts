// The emulator's own external provisioner ('volume-provisioner', provisioner name
// kube-emulator.io/hostpath), in the manner of sigs.k8s.io/sig-storage-lib-external-provisioner
// (controller.go shouldProvision / provisionClaimOperation / shouldDelete) and kind's
// local-path-provisioner: a directory under the volumes dir per claim, a PV pre-bound to the claim.
// It also installs the built-in StorageClass `standard` on first start.
import { mkdirSync, rmSync } from 'node:fs';
import { join, relative, resolve, isAbsolute } from 'node:path';
import type { KObject, ResourceDef } from '../../resources/types.js';
import type { Controller, ControllerContext } from '../manager.js';
import type { Informer } from '../informer.js';
import { objectKey } from '../informer.js';
import { StatusError } from '../../registry/errors.js';
import { IS_DEFAULT_CLASS_ANNOTATION, pickDefaultClass } from '../../resources/core/storage-admission.js';
import {
  ANN_BETA_STORAGE_PROVISIONER,
  ANN_PROVISIONED_BY,
  ANN_SELECTED_NODE,
  ANN_STORAGE_PROVISIONER,
  EMULATOR_PROVISIONER,
  PROVISIONER_FINALIZER,
  annotations,
  claimClass,
  claimRefOf,
  hasFinalizer,
} from './helpers.js';

export const STANDARD_CLASS = 'standard';
/** Marks (on the kube-system namespace) that `standard` was installed once, so a user's deletion sticks. */
export const INSTALLED_ANNOTATION = 'kube-emulator.io/standard-storageclass-installed';

/**
 * Creates StorageClass `standard` the first time the emulator's data sees this controller start.
 * With `defaultStorageClass`, it is created as the default class; on later starts the flag marks
 * an existing `standard` of ours as default when no class is default.
 */
export function installStandardStorageClass(ctx: ControllerContext): void {
  const { registry } = ctx;
  const scDef = registry.def('storage.k8s.io', 'storageclasses');
  const nsDef = registry.def('', 'namespaces');
  if (!scDef || !nsDef) return;
  const ns = registry.tryGet(nsDef, '', 'kube-system');
  const existing = registry.tryGet(scDef, '', STANDARD_CLASS);
  if (ns && annotations(ns)[INSTALLED_ANNOTATION]) {
    if (ctx.options.defaultStorageClass && existing?.provisioner === EMULATOR_PROVISIONER && !pickDefaultClass(registry.list(scDef, undefined).items)) {
      registry.modify(scDef, '', STANDARD_CLASS, (o) => {
        o.metadata.annotations = { ...(o.metadata.annotations ?? {}), [IS_DEFAULT_CLASS_ANNOTATION]: 'true' };
      });
    }
    return;
  }
  if (!existing) {
    const sc: KObject = {
      apiVersion: 'storage.k8s.io/v1',
      kind: 'StorageClass',
      metadata: { name: STANDARD_CLASS },
      provisioner: EMULATOR_PROVISIONER,
      reclaimPolicy: 'Delete',
      volumeBindingMode: 'Immediate',
    };
    if (ctx.options.defaultStorageClass) sc.metadata.annotations = { [IS_DEFAULT_CLASS_ANNOTATION]: 'true' };
    try {
      registry.create(scDef, '', sc);
    } catch (err) {
      if (!(err instanceof StatusError && err.code === 409)) throw err;
    }
  }
  if (ns) {
    registry.modify(nsDef, '', 'kube-system', (o) => {
      o.metadata.annotations = { ...(o.metadata.annotations ?? {}), [INSTALLED_ANNOTATION]: 'true' };
    });
  }
}

/** Whether `path` lies strictly inside `dir` (never delete anything else). */
function inside(dir: string, path: string): boolean {
  const rel = relative(resolve(dir), resolve(path));
  return !!rel && !rel.startsWith('..') && !isAbsolute(rel);
}

export class VolumeProvisioner implements Controller {
  readonly name = 'volume-provisioner';
  private ctx!: ControllerContext;
  private pvDef!: ResourceDef;
  private pvcs!: Informer;
  private pvs!: Informer;
  private classes!: Informer;
  private nodes?: Informer;
  private event!: (obj: KObject, type: 'Normal' | 'Warning', reason: string, message: string) => void;

  start(ctx: ControllerContext): void {
    this.ctx = ctx;
    installStandardStorageClass(ctx);
    this.pvDef = ctx.registry.mustDef('', 'persistentvolumes');
    this.pvcs = ctx.informers.for('', 'persistentvolumeclaims');
    this.pvs = ctx.informers.for('', 'persistentvolumes');
    this.classes = ctx.informers.for('storage.k8s.io', 'storageclasses');
    if (ctx.registry.def('', 'nodes')) this.nodes = ctx.informers.for('', 'nodes');
    this.event = ctx.recorder.for({ component: EMULATOR_PROVISIONER });
    const q = ctx.newQueue(this.name, (key) => this.sync(key), 1);
    const claim = (c: KObject) => q.add(`claim:${objectKey(c)}`);
    const volume = (v: KObject) => q.add(`volume:${v.metadata.name}`);
    this.pvcs.addHandler({ add: claim, update: (_o, n) => claim(n) });
    this.pvs.addHandler({ add: volume, update: (_o, n) => volume(n) });
    this.classes.addHandler({ add: () => this.pvcs.list().forEach(claim), update: () => this.pvcs.list().forEach(claim) });
  }

  private sync(key: string): void {
    if (key.startsWith('claim:')) {
      const c = this.pvcs.getByKey(key.slice(6));
      if (c) this.syncClaim(c);
    } else {
      const v = this.pvs.get('', key.slice(7));
      if (v) this.syncVolume(v);
    }
  }

  /** shouldProvision: our class, announced to us by the PV controller, not bound, node chosen for WFFC. */
  private syncClaim(claim: KObject): void {
    if (claim.spec?.volumeName || claim.metadata.deletionTimestamp) return;
    const ann = annotations(claim);
    const announced = ann[ANN_STORAGE_PROVISIONER] ?? ann[ANN_BETA_STORAGE_PROVISIONER];
    if (announced !== EMULATOR_PROVISIONER) return;
    const sc = this.classes.get('', claimClass(claim));
    if (!sc || sc.provisioner !== EMULATOR_PROVISIONER) return;
    const wffc = sc.volumeBindingMode === 'WaitForFirstConsumer';
    const node = ann[ANN_SELECTED_NODE];
    if (wffc && !node) return;
    const pvName = `pvc-${claim.metadata.uid}`;
    if (this.pvs.get('', pvName)) return;
    this.event(claim, 'Normal', 'Provisioning', `External provisioner is provisioning volume for claim ${JSON.stringify(objectKey(claim))}`);
    if (claim.spec?.selector) {
      this.event(claim, 'Warning', 'ProvisioningFailed', `failed to provision volume with StorageClass ${JSON.stringify(sc.metadata.name)}: claim Selector is not supported`);
      return;
    }
    if (claim.spec?.dataSource || claim.spec?.dataSourceRef) {
      const ds = claim.spec.dataSourceRef ?? claim.spec.dataSource;
      this.event(claim, 'Warning', 'ProvisioningFailed', `failed to provision volume with StorageClass ${JSON.stringify(sc.metadata.name)}: data source ${ds.kind}/${ds.name} is not supported`);
      return;
    }
    const dir = join(this.ctx.options.volumesDir, pvName);
    mkdirSync(dir, { recursive: true });
    const pv: KObject = {
      apiVersion: 'v1',
      kind: 'PersistentVolume',
      metadata: { name: pvName, annotations: { [ANN_PROVISIONED_BY]: EMULATOR_PROVISIONER }, finalizers: [PROVISIONER_FINALIZER] },
      spec: {
        accessModes: structuredClone(claim.spec.accessModes),
        capacity: { storage: claim.spec.resources.requests.storage },
        claimRef: claimRefOf(claim),
        hostPath: { path: dir, type: 'DirectoryOrCreate' },
        persistentVolumeReclaimPolicy: sc.reclaimPolicy ?? 'Delete',
        storageClassName: sc.metadata.name,
        volumeMode: claim.spec.volumeMode ?? 'Filesystem',
      },
    };
    if (Array.isArray(sc.mountOptions) && sc.mountOptions.length) pv.spec.mountOptions = [...sc.mountOptions];
    if (wffc) {
      const hostname = this.nodes?.get('', node)?.metadata?.labels?.['kubernetes.io/hostname'] ?? node;
      pv.spec.nodeAffinity = {
        required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [hostname] }] }] },
      };
    }
    try {
      this.ctx.registry.create(this.pvDef, '', pv);
    } catch (err) {
      if (err instanceof StatusError && err.code === 409) return;
      this.event(claim, 'Warning', 'ProvisioningFailed', `failed to provision volume with StorageClass ${JSON.stringify(sc.metadata.name)}: ${(err as Error).message}`);
      throw err;
    }
    this.event(claim, 'Normal', 'ProvisioningSucceeded', `Successfully provisioned volume ${pvName}`);
  }

  /** shouldDelete / deleteVolumeOperation for our volumes; the finalizer goes once the data is gone. */
  private syncVolume(pv: KObject): void {
    if (annotations(pv)[ANN_PROVISIONED_BY] !== EMULATOR_PROVISIONER) return;
    const deleting = !!pv.metadata.deletionTimestamp;
    const policy = pv.spec?.persistentVolumeReclaimPolicy;
    if (deleting) {
      if (!hasFinalizer(pv, PROVISIONER_FINALIZER)) return;
      if (policy === 'Delete') this.removeData(pv);
      this.dropFinalizer(pv);
      return;
    }
    if (pv.status?.phase !== 'Released' || policy !== 'Delete') return;
    this.removeData(pv);
    try {
      this.ctx.registry.delete(this.pvDef, '', pv.metadata.name, { preconditions: { uid: pv.metadata.uid } });
    } catch (err) {
      if (err instanceof StatusError && err.code === 404) return;
      throw err;
    }
    const cur = this.ctx.registry.tryGet(this.pvDef, '', pv.metadata.name);
    if (cur && cur.metadata.uid === pv.metadata.uid) this.dropFinalizer(cur);
  }

  private removeData(pv: KObject): void {
    const path = pv.spec?.hostPath?.path;
    if (typeof path === 'string' && inside(this.ctx.options.volumesDir, path)) rmSync(path, { recursive: true, force: true });
  }

  private dropFinalizer(pv: KObject): void {
    try {
      this.ctx.registry.modify(this.pvDef, '', pv.metadata.name, (o) => {
        if (o.metadata.uid !== pv.metadata.uid) throw new Error('volume was replaced');
        o.metadata.finalizers = (o.metadata.finalizers ?? []).filter((f: string) => f !== PROVISIONER_FINALIZER);
        if (o.metadata.finalizers.length === 0) delete o.metadata.finalizers;
      });
    } catch (err) {
      if (!(err instanceof StatusError && err.code === 404)) throw err;
    }
  }
}
