// Volume side of the PV controller: syncVolume, unbindVolume and reclaimVolume
// (pkg/controller/volume/persistentvolume/pv_controller.go). Deleting volumes of an external
// provisioner (including the emulator's own) is left to that provisioner, as upstream.
import type { KObject } from '../../resources/types.js';
import type { BinderState } from './binder.js';
import { ANN_BOUND_BY_CONTROLLER, ANN_MIGRATED_TO, ANN_PROVISIONED_BY, annotations, hasAnnotation } from './helpers.js';
import { StatusError } from '../../registry/errors.js';

export function syncVolume(s: BinderState, volume: KObject): void {
  const ref = volume.spec?.claimRef;
  if (!ref || !ref.uid) {
    // unused, or pre-bound to a claim that the claim sync will bind
    s.updateVolumePhase(volume, 'Available');
    return;
  }
  let claim = s.pvcs.get(ref.namespace ?? '', ref.name);
  // a claim of the same name but another uid: the bound one was deleted
  if (claim && claim.metadata.uid !== ref.uid) claim = undefined;
  if (!claim) {
    // keep a Failed phase visible while reclaiming is retried
    if (volume.status?.phase !== 'Released' && volume.status?.phase !== 'Failed') volume = s.updateVolumePhase(volume, 'Released');
    reclaimVolume(s, volume);
    return;
  }
  if (!claim.spec?.volumeName) {
    // not bound yet (e.g. just provisioned): the claim sync completes it
    s.queue.add(`claim:${ref.namespace}/${ref.name}`);
    return;
  }
  if (claim.spec.volumeName === volume.metadata.name) {
    s.updateVolumePhase(volume, 'Bound');
    return;
  }
  // bound to a claim that is bound to another volume
  if (hasAnnotation(volume, ANN_PROVISIONED_BY) && volume.spec?.persistentVolumeReclaimPolicy === 'Delete') {
    if (volume.status?.phase !== 'Released' && volume.status?.phase !== 'Failed') volume = s.updateVolumePhase(volume, 'Released');
    reclaimVolume(s, volume);
    return;
  }
  unbindVolume(s, volume);
}

/** unbindVolume: a controller binding is dropped; a user's pre-binding only loses the claim uid. */
export function unbindVolume(s: BinderState, volume: KObject): void {
  const v = s.ctx.registry.modify(s.pvDef, '', volume.metadata.name, (o) => {
    if (o.metadata.uid !== volume.metadata.uid) throw new Error('volume was replaced');
    if (hasAnnotation(o, ANN_BOUND_BY_CONTROLLER)) {
      delete o.spec.claimRef;
      delete o.metadata.annotations[ANN_BOUND_BY_CONTROLLER];
      if (Object.keys(o.metadata.annotations).length === 0) delete o.metadata.annotations;
    } else if (o.spec.claimRef) {
      delete o.spec.claimRef.uid;
    }
  }).object;
  s.updateVolumePhase(v, 'Available');
}

function recyclable(volume: KObject): boolean {
  return !!(volume.spec?.hostPath || volume.spec?.nfs);
}

/** reclaimVolume: Retain keeps it Released, Recycle scrubs it back to Available, Delete deletes it. */
export function reclaimVolume(s: BinderState, volume: KObject): void {
  if (annotations(volume)[ANN_MIGRATED_TO]) return;
  switch (volume.spec?.persistentVolumeReclaimPolicy) {
    case 'Retain':
      return;
    case 'Recycle':
      if (!recyclable(volume)) {
        s.updateVolumePhaseWithEvent(volume, 'Failed', 'Warning', 'VolumeFailedRecycle', 'No recycler plugin found for the volume!');
        return;
      }
      s.event(volume, 'Normal', 'VolumeRecycled', 'Volume recycled');
      unbindVolume(s, volume);
      return;
    case 'Delete':
      deleteVolume(s, volume);
      return;
    default:
      s.updateVolumePhaseWithEvent(volume, 'Failed', 'Warning', 'VolumeUnknownReclaimPolicy', 'Volume has unrecognized PersistentVolumeReclaimPolicy');
  }
}

/** deleteVolumeOperation with the in-tree deleters the emulator can play (hostPath under /tmp). */
function deleteVolume(s: BinderState, volume: KObject): void {
  if (volume.metadata.deletionTimestamp) return; // already being deleted
  const provisionedBy = annotations(volume)[ANN_PROVISIONED_BY];
  if (provisionedBy && !provisionedBy.startsWith('kubernetes.io/')) return; // the external provisioner deletes it
  let error: string | undefined;
  const hp = volume.spec?.hostPath;
  if (hp) {
    if (!/^\/tmp\/.+/.test(String(hp.path ?? ''))) error = `host_path deleter only supports /tmp/.+ but received provided ${hp.path}`;
  } else {
    error = `error getting deleter volume plugin for volume ${JSON.stringify(volume.metadata.name)}: no deletable volume plugin matched`;
  }
  if (error) {
    s.updateVolumePhaseWithEvent(volume, 'Failed', 'Warning', 'VolumeFailedDelete', error);
    return;
  }
  try {
    s.ctx.registry.delete(s.pvDef, '', volume.metadata.name, { preconditions: { uid: volume.metadata.uid } });
  } catch (err) {
    if (!(err instanceof StatusError && err.code === 404)) throw err;
  }
}
