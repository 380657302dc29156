// The PersistentVolume controller ('persistentvolume-binder'): binds claims to volumes, tracks PV
// and PVC phases, hands provisioning to the class's provisioner and reclaims released volumes.
// The model: pkg/controller/volume/persistentvolume/pv_controller.go (syncClaim, syncUnboundClaim,
// syncBoundClaim, bind) and pv_controller_base.go (informer handlers, 15 s resync).
// One worker handles both claims and volumes, so matching never races with another bind.
import type { KObject, ResourceDef } from '../../resources/types.js';
import type { Controller, ControllerContext } from '../manager.js';
import type { Informer } from '../informer.js';
import type { WorkQueue } from '../workqueue.js';
import { objectKey } from '../informer.js';
import { claimHasClass, pickDefaultClass } from '../../resources/core/storage-admission.js';
import {
  ANN_BETA_STORAGE_PROVISIONER,
  ANN_BIND_COMPLETED,
  ANN_BOUND_BY_CONTROLLER,
  ANN_SELECTED_NODE,
  ANN_STORAGE_PROVISIONER,
  annotations,
  claimClass,
  claimRefOf,
  findBestMatchForClaim,
  hasAnnotation,
  isVolumeBoundToClaim,
  podUsesClaim,
  volumeSatisfiesClaim,
} from './helpers.js';
import { syncVolume } from './volumes.js';

export const RESYNC_MS = 15_000;
type Recorder = (obj: KObject, type: 'Normal' | 'Warning', reason: string, message: string) => void;

export class BinderState {
  pvDef!: ResourceDef;
  pvcDef!: ResourceDef;
  pvs!: Informer;
  pvcs!: Informer;
  classes!: Informer;
  pods!: Informer;
  nodes?: Informer;
  queue!: WorkQueue;
  event!: Recorder;

  constructor(readonly ctx: ControllerContext) {}

  // ---- writes (registry = the API client) ------------------------------------------------

  /** updateClaimStatus: phase, and accessModes/capacity from the volume (capacity only when becoming Bound). */
  updateClaimStatus(claim: KObject, phase: string, volume?: KObject): KObject {
    const cur = claim.status ?? {};
    const dirty =
      cur.phase !== phase ||
      (volume
        ? JSON.stringify(cur.accessModes) !== JSON.stringify(volume.spec?.accessModes) ||
          (cur.phase !== phase && cur.capacity?.storage !== volume.spec?.capacity?.storage)
        : cur.accessModes !== undefined || cur.capacity !== undefined);
    if (!dirty) return claim;
    const r = this.ctx.registry.modify(
      this.pvcDef,
      claim.metadata.namespace,
      claim.metadata.name,
      (o) => {
        if (o.metadata.uid !== claim.metadata.uid) throw new Error('claim was replaced');
        o.status ??= {};
        const becoming = o.status.phase !== phase;
        o.status.phase = phase;
        if (!volume) {
          delete o.status.accessModes;
          delete o.status.capacity;
        } else {
          o.status.accessModes = structuredClone(volume.spec?.accessModes);
          if (becoming) o.status.capacity = structuredClone(volume.spec?.capacity);
        }
      },
      { subresource: 'status' },
    );
    return r.object;
  }

  updateClaimStatusWithEvent(claim: KObject, phase: string, type: 'Normal' | 'Warning', reason: string, message: string): void {
    if (claim.status?.phase === phase) return;
    const c = this.updateClaimStatus(claim, phase);
    this.event(c, type, reason, message);
  }

  /** updateVolumePhase (lastPhaseTransitionTime is stamped by the status strategy). */
  updateVolumePhase(volume: KObject, phase: string, message = ''): KObject {
    if (volume.status?.phase === phase) return volume;
    return this.ctx.registry.modify(
      this.pvDef,
      '',
      volume.metadata.name,
      (o) => {
        if (o.metadata.uid !== volume.metadata.uid) throw new Error('volume was replaced');
        o.status ??= {};
        o.status.phase = phase;
        if (message) o.status.message = message;
        else delete o.status.message;
      },
      { subresource: 'status' },
    ).object;
  }

  updateVolumePhaseWithEvent(volume: KObject, phase: string, type: 'Normal' | 'Warning', reason: string, message: string): KObject {
    if (volume.status?.phase === phase) return volume;
    const v = this.updateVolumePhase(volume, phase, message);
    this.event(v, type, reason, message);
    return v;
  }

  /** bind (pv_controller.go): PV claimRef, PV phase, claim volumeName + annotations, claim status. */
  bind(volume: KObject, claim: KObject): void {
    const { registry } = this.ctx;
    // 1. bindVolumeToClaim
    const setByController = !isVolumeBoundToClaim(volume, claim);
    const ref = volume.spec?.claimRef;
    if (!ref || ref.name !== claim.metadata.name || ref.namespace !== claim.metadata.namespace || ref.uid !== claim.metadata.uid || (setByController && !hasAnnotation(volume, ANN_BOUND_BY_CONTROLLER))) {
      volume = registry.modify(this.pvDef, '', volume.metadata.name, (o) => {
        if (o.metadata.uid !== volume.metadata.uid) throw new Error('volume was replaced');
        o.spec.claimRef = claimRefOf(claim);
        if (setByController) o.metadata.annotations = { ...(o.metadata.annotations ?? {}), [ANN_BOUND_BY_CONTROLLER]: 'yes' };
      }).object;
    }
    // 2. volume phase
    volume = this.updateVolumePhase(volume, 'Bound');
    // 3. bindClaimToVolume
    const needName = claim.spec?.volumeName !== volume.metadata.name;
    if (needName || !hasAnnotation(claim, ANN_BIND_COMPLETED)) {
      claim = registry.modify(this.pvcDef, claim.metadata.namespace, claim.metadata.name, (o) => {
        if (o.metadata.uid !== claim.metadata.uid) throw new Error('claim was replaced');
        const ann = { ...(o.metadata.annotations ?? {}) };
        if (o.spec.volumeName !== volume.metadata.name) {
          o.spec.volumeName = volume.metadata.name;
          if (ann[ANN_BOUND_BY_CONTROLLER] === undefined) ann[ANN_BOUND_BY_CONTROLLER] = 'yes';
        }
        if (ann[ANN_BIND_COMPLETED] === undefined) ann[ANN_BIND_COMPLETED] = 'yes';
        o.metadata.annotations = ann;
      }).object;
    }
    // 4. claim status
    this.updateClaimStatus(claim, 'Bound', volume);
  }

  // ---- claim sync ------------------------------------------------------------------------

  syncClaim(claim: KObject): void {
    if (!hasAnnotation(claim, ANN_BIND_COMPLETED)) this.syncUnboundClaim(claim);
    else this.syncBoundClaim(claim);
  }

  classOf(claim: KObject): KObject | undefined {
    const name = claimClass(claim);
    return name ? this.classes.get('', name) : undefined;
  }

  /** storagehelpers.IsDelayBindingMode. */
  isDelayBinding(claim: KObject): boolean {
    return this.classOf(claim)?.volumeBindingMode === 'WaitForFirstConsumer';
  }

  /** The node a delayed-binding claim is wanted on: the scheduler's annotation, else a scheduled pod using it. */
  private selectedNode(claim: KObject): string | undefined {
    const sel = annotations(claim)[ANN_SELECTED_NODE];
    if (sel) return sel;
    const pod = this.pods.list(claim.metadata.namespace).find((p) => p.spec?.nodeName && podUsesClaim(p, claim.metadata.name));
    return pod?.spec?.nodeName;
  }

  private nodeLabels(node: string): Record<string, string> {
    const n = this.nodes?.get('', node);
    return n?.metadata?.labels ?? { 'kubernetes.io/hostname': node };
  }

  private syncUnboundClaim(claim: KObject): void {
    if (!claim.spec?.volumeName) {
      const delay = this.isDelayBinding(claim);
      const node = delay ? this.selectedNode(claim) : undefined;
      const volume = findBestMatchForClaim(claim, this.pvs.list(), delay, node ? this.nodeLabels(node) : undefined);
      if (volume) return this.bind(volume, claim);
      // 1.28+: a class-less claim gets the default class retroactively
      if (this.assignDefaultStorageClass(claim)) return;
      if (delay && !hasAnnotation(claim, ANN_SELECTED_NODE)) {
        // emulator: a pod using the claim was placed without the volume scheduler's help; the
        // claim follows the pod (what the scheduler's VolumeBinding plugin would have annotated)
        if (node) return this.selectNode(claim, node);
        this.emitDelayBindingEvent(claim);
      } else if (claimClass(claim) !== '') {
        this.provisionClaim(claim);
        return;
      } else {
        this.event(claim, 'Normal', 'FailedBinding', 'no persistent volumes available for this claim and no storage class is set');
      }
      this.updateClaimStatus(claim, 'Pending');
      return;
    }
    // the user asked for a specific volume
    const volume = this.pvs.get('', claim.spec.volumeName);
    if (!volume) {
      this.updateClaimStatus(claim, 'Pending');
      return;
    }
    if (!volume.spec?.claimRef) {
      const why = volumeSatisfiesClaim(volume, claim);
      if (why) {
        this.event(claim, 'Warning', 'VolumeMismatch', `Cannot bind to requested volume ${JSON.stringify(volume.metadata.name)}: ${why}`);
        this.updateClaimStatus(claim, 'Pending');
        return;
      }
      return this.bind(volume, claim);
    }
    if (isVolumeBoundToClaim(volume, claim)) return this.bind(volume, claim);
    if (!hasAnnotation(claim, ANN_BOUND_BY_CONTROLLER)) {
      this.event(claim, 'Warning', 'FailedBinding', `volume ${JSON.stringify(volume.metadata.name)} already bound to a different claim.`);
      this.updateClaimStatus(claim, 'Pending');
      return;
    }
    throw new Error(`invalid binding of claim ${objectKey(claim)} to volume ${volume.metadata.name}: volume already claimed by ${objectKey(volume.spec.claimRef)}`);
  }

  private syncBoundClaim(claim: KObject): void {
    if (!claim.spec?.volumeName) {
      this.updateClaimStatusWithEvent(claim, 'Lost', 'Warning', 'ClaimLost', 'Bound claim has lost reference to PersistentVolume. Data on the volume is lost!');
      return;
    }
    const volume = this.pvs.get('', claim.spec.volumeName);
    if (!volume) {
      this.updateClaimStatusWithEvent(claim, 'Lost', 'Warning', 'ClaimLost', 'Bound claim has lost its PersistentVolume. Data on the volume is lost!');
      return;
    }
    const ref = volume.spec?.claimRef;
    if (!ref || ref.uid === claim.metadata.uid) return this.bind(volume, claim);
    this.updateClaimStatusWithEvent(claim, 'Lost', 'Warning', 'ClaimMisbound', 'Two claims are bound to the same volume, this one is bound incorrectly');
  }

  private selectNode(claim: KObject, node: string): void {
    this.ctx.registry.modify(this.pvcDef, claim.metadata.namespace, claim.metadata.name, (o) => {
      if (o.metadata.uid !== claim.metadata.uid) throw new Error('claim was replaced');
      o.metadata.annotations = { ...(o.metadata.annotations ?? {}), [ANN_SELECTED_NODE]: node };
    });
  }

  /** assignDefaultStorageClass: true when the claim was updated (its next sync continues). */
  private assignDefaultStorageClass(claim: KObject): boolean {
    if (claimHasClass(claim)) return false;
    const def = pickDefaultClass(this.classes.list());
    if (!def) return false;
    this.ctx.registry.modify(this.pvcDef, claim.metadata.namespace, claim.metadata.name, (o) => {
      if (o.metadata.uid !== claim.metadata.uid) throw new Error('claim was replaced');
      if (!claimHasClass(o)) o.spec.storageClassName = def.metadata.name;
    });
    return true;
  }

  /** emitEventForUnboundDelayBindingClaim. */
  private emitDelayBindingEvent(claim: KObject): void {
    const names = this.pods
      .list(claim.metadata.namespace)
      .filter((p) => !p.spec?.nodeName && podUsesClaim(p, claim.metadata.name))
      .map((p) => p.metadata.name)
      .sort();
    if (names.length === 0) this.event(claim, 'Normal', 'WaitForFirstConsumer', 'waiting for first consumer to be created before binding');
    else if (names.length === 1) this.event(claim, 'Normal', 'WaitForPodScheduled', `waiting for pod ${names[0]} to be scheduled`);
    else this.event(claim, 'Normal', 'WaitForPodScheduled', `waiting for pods ${names.join(',')} to be scheduled`);
  }

  /** provisionClaim: in 1.33 every provisioner is external; the claim is annotated for it. */
  private provisionClaim(claim: KObject): void {
    const name = claimClass(claim);
    const sc = this.classes.get('', name);
    if (!sc) {
      this.event(claim, 'Warning', 'ProvisioningFailed', `storageclass.storage.k8s.io ${JSON.stringify(name)} not found`);
      return;
    }
    const provisioner = String(sc.provisioner ?? '');
    if (provisioner.startsWith('kubernetes.io/')) {
      this.event(claim, 'Warning', 'ProvisioningFailed', `no volume plugin matched name: ${provisioner}`);
      return;
    }
    const ann = annotations(claim);
    if (ann[ANN_STORAGE_PROVISIONER] !== provisioner || ann[ANN_BETA_STORAGE_PROVISIONER] !== provisioner) {
      claim = this.ctx.registry.modify(this.pvcDef, claim.metadata.namespace, claim.metadata.name, (o) => {
        if (o.metadata.uid !== claim.metadata.uid) throw new Error('claim was replaced');
        o.metadata.annotations = { ...(o.metadata.annotations ?? {}), [ANN_STORAGE_PROVISIONER]: provisioner, [ANN_BETA_STORAGE_PROVISIONER]: provisioner };
      }).object;
    }
    this.event(
      claim,
      'Normal',
      'ExternalProvisioning',
      `Waiting for a volume to be created either by the external provisioner '${provisioner}' or manually by the system administrator. If volume creation is delayed, please verify that the provisioner is running and correctly registered.`,
    );
  }
}

function unboundClaim(c: KObject): boolean {
  return !hasAnnotation(c, ANN_BIND_COMPLETED);
}

export class PersistentVolumeBinder implements Controller {
  readonly name = 'persistentvolume-binder';
  private timer?: NodeJS.Timeout;

  start(ctx: ControllerContext): void {
    const s = new BinderState(ctx);
    s.pvDef = ctx.registry.mustDef('', 'persistentvolumes');
    s.pvcDef = ctx.registry.mustDef('', 'persistentvolumeclaims');
    s.pvs = ctx.informers.for('', 'persistentvolumes');
    s.pvcs = ctx.informers.for('', 'persistentvolumeclaims');
    s.classes = ctx.informers.for('storage.k8s.io', 'storageclasses');
    s.pods = ctx.informers.for('', 'pods');
    if (ctx.registry.def('', 'nodes')) s.nodes = ctx.informers.for('', 'nodes');
    s.event = ctx.recorder.for({ component: 'persistentvolume-controller' });
    const q = (s.queue = ctx.newQueue(this.name, (key) => this.sync(s, key), 1));
    const claim = (c: KObject) => q.add(`claim:${objectKey(c)}`);
    const volume = (v: KObject) => q.add(`volume:${v.metadata.name}`);
    const pendingClaims = () => s.pvcs.list().filter(unboundClaim).forEach(claim);

    s.pvcs.addHandler({
      add: claim,
      update: (_o, n) => claim(n),
      delete: (c) => {
        // the volumes bound (or pre-bound) to it are released
        for (const v of s.pvs.list()) {
          const ref = v.spec?.claimRef;
          if (ref && ref.name === c.metadata.name && ref.namespace === c.metadata.namespace) volume(v);
        }
      },
    });
    const onVolume = (v: KObject) => {
      volume(v);
      const ref = v.spec?.claimRef;
      if (ref?.namespace && ref?.name) q.add(`claim:${ref.namespace}/${ref.name}`);
      if (v.status?.phase === 'Available') pendingClaims();
    };
    s.pvs.addHandler({
      add: onVolume,
      update: (_o, n) => onVolume(n),
      delete: (v) => {
        const ref = v.spec?.claimRef;
        if (ref?.namespace && ref?.name) q.add(`claim:${ref.namespace}/${ref.name}`);
      },
    });
    s.classes.addHandler({ add: pendingClaims, update: pendingClaims });
    const onPod = (p: KObject) => {
      for (const c of s.pvcs.list(p.metadata?.namespace)) if (unboundClaim(c) && podUsesClaim(p, c.metadata.name)) claim(c);
    };
    s.pods.addHandler({ add: onPod, update: (o, n) => (o.spec?.nodeName !== n.spec?.nodeName ? onPod(n) : undefined) });
    this.timer = setInterval(() => {
      s.pvs.list().forEach(volume);
      s.pvcs.list().forEach(claim);
    }, RESYNC_MS);
    this.timer.unref();
  }

  private sync(s: BinderState, key: string): void {
    if (key.startsWith('claim:')) {
      const c = s.pvcs.getByKey(key.slice(6));
      if (c) s.syncClaim(c);
    } else if (key.startsWith('volume:')) {
      const v = s.pvs.get('', key.slice(7));
      if (v) syncVolume(s, v);
    }
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }
}
