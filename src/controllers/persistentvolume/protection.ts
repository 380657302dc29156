// Storage object in-use protection: the finalizers that StorageObjectInUseProtection admission adds
// are removed once the object is no longer in use
// (pkg/controller/volume/pvcprotection/pvc_protection_controller.go,
// pkg/controller/volume/pvprotection/pv_protection_controller.go).
import type { KObject, ResourceDef } from '../../resources/types.js';
import type { Controller, ControllerContext } from '../manager.js';
import type { Informer } from '../informer.js';
import { objectKey, splitObjectKey } from '../informer.js';
import { StatusError } from '../../registry/errors.js';
import { PV_PROTECTION_FINALIZER, PVC_PROTECTION_FINALIZER } from '../../resources/core/storage-admission.js';
import { hasFinalizer, podUsesClaim } from './helpers.js';

function removeFinalizer(ctx: ControllerContext, def: ResourceDef, obj: KObject, f: string): void {
  try {
    ctx.registry.modify(def, obj.metadata.namespace ?? '', obj.metadata.name, (o) => {
      if (o.metadata.uid !== obj.metadata.uid) throw new Error('object was replaced');
      o.metadata.finalizers = (o.metadata.finalizers ?? []).filter((x: string) => x !== f);
      if (o.metadata.finalizers.length === 0) delete o.metadata.finalizers;
    });
  } catch (err) {
    if (!(err instanceof StatusError && err.code === 404)) throw err;
  }
}

/**
 * podIsShutDown: deleted with a zero grace period (processed by the kubelet, or force-deleted);
 * pods that finished (Succeeded/Failed) no longer use their volumes either.
 */
function podDone(pod: KObject): boolean {
  const phase = pod.status?.phase;
  if (phase === 'Succeeded' || phase === 'Failed') return true;
  return !!pod.metadata?.deletionTimestamp && pod.metadata?.deletionGracePeriodSeconds === 0;
}

/** podUsesPVC: only scheduled pods count (the kubelet refuses to start a pod on a deleting claim). */
function podBlocks(pod: KObject, claimName: string): boolean {
  return !!pod.spec?.nodeName && !podDone(pod) && podUsesClaim(pod, claimName);
}

export class PVCProtectionController implements Controller {
  readonly name = 'pvc-protection';

  start(ctx: ControllerContext): void {
    const def = ctx.registry.mustDef('', 'persistentvolumeclaims');
    const pvcs = ctx.informers.for('', 'persistentvolumeclaims');
    const pods = ctx.informers.for('', 'pods');
    const q = ctx.newQueue(this.name, (key) => {
      const pvc = pvcs.getByKey(key);
      if (!pvc || !pvc.metadata.deletionTimestamp || !hasFinalizer(pvc, PVC_PROTECTION_FINALIZER)) return;
      const { namespace, name } = splitObjectKey(key);
      if (pods.list(namespace).some((p) => podBlocks(p, name))) return;
      removeFinalizer(ctx, def, pvc, PVC_PROTECTION_FINALIZER);
    });
    const claim = (c: KObject) => {
      if (c.metadata.deletionTimestamp && hasFinalizer(c, PVC_PROTECTION_FINALIZER)) q.add(objectKey(c));
    };
    pvcs.addHandler({ add: claim, update: (_o, n) => claim(n) });
    const onPod = (p: KObject) => {
      for (const v of p.spec?.volumes ?? []) {
        const name = v?.persistentVolumeClaim?.claimName ?? (v?.ephemeral ? `${p.metadata.name}-${v.name}` : undefined);
        const c = name ? pvcs.get(p.metadata.namespace, name) : undefined;
        if (c) claim(c);
      }
    };
    pods.addHandler({ update: (_o, n) => onPod(n), delete: onPod });
  }
}

/** isBeingUsed: a PV is in use while Bound (to a claim that still exists). */
function pvInUse(pv: KObject, pvcs: Informer): boolean {
  if (pv.status?.phase !== 'Bound') return false;
  const ref = pv.spec?.claimRef;
  if (!ref?.name) return false;
  const c = pvcs.get(ref.namespace ?? '', ref.name);
  return !!c && (!ref.uid || c.metadata.uid === ref.uid);
}

export class PVProtectionController implements Controller {
  readonly name = 'pv-protection';

  start(ctx: ControllerContext): void {
    const def = ctx.registry.mustDef('', 'persistentvolumes');
    const pvs = ctx.informers.for('', 'persistentvolumes');
    const pvcs = ctx.informers.for('', 'persistentvolumeclaims');
    const q = ctx.newQueue(this.name, (key) => {
      const pv = pvs.getByKey(key);
      if (!pv || !pv.metadata.deletionTimestamp || !hasFinalizer(pv, PV_PROTECTION_FINALIZER)) return;
      if (pvInUse(pv, pvcs)) return;
      removeFinalizer(ctx, def, pv, PV_PROTECTION_FINALIZER);
    });
    const volume = (v: KObject) => {
      if (v.metadata.deletionTimestamp && hasFinalizer(v, PV_PROTECTION_FINALIZER)) q.add(objectKey(v));
    };
    pvs.addHandler({ add: volume, update: (_o, n) => volume(n) });
    pvcs.addHandler({
      delete: (c) => {
        for (const v of pvs.list()) if (v.spec?.claimRef?.name === c.metadata.name && v.spec?.claimRef?.namespace === c.metadata.namespace) volume(v);
      },
    });
  }
}
