// The Deployment controller as kube-controller-manager runs it, on the shared runtime: upstream
// pkg/controller/deployment/deployment_controller.go (syncDeployment, ReplicaSet claiming, the
// Recreate pod-deletion handler), sync.go (new/old ReplicaSets, revisions, proportional scale,
// history clean-up, status), rolling.go, recreate.go, progress.go (Progressing condition and the
// requeue for the deadline check) and rollback.go (the deprecated rollbackTo annotation).
import type { KObject, ResourceDef } from '../../resources/types.js';
import { StatusError } from '../../registry/errors.js';
import { labelSelectorFromObject, type LabelSelector } from '../../registry/selectors.js';
import { jsonEqual } from '../../util/equal.js';
import { cloneJSON } from '../../util/clone.js';
import { controllerClient, type ControllerClient, defineController, claimObjects, computeTemplateHash, controllerOf, newControllerRef, recheckDeletionTimestamp, rfc3339, WRITE, type Informer, type Runtime } from '../runtime/index.js';
import { DEPRECATED_ROLLBACK_TO } from '../../resources/apps/deployment.js';
import * as u from './util.js';

type Recorder = (obj: KObject, type: 'Normal' | 'Warning', reason: string, message: string) => void;

interface State {
  dDef: ResourceDef;
  rsDef: ResourceDef;
  rsInformer: Informer;
  pods: Informer;
  record: Recorder;
  /** writes as upstream's deployment-controller service account, through admission */
  client: ControllerClient;
}

type RT = Runtime<State>;
// what the controller writes is built from objects the API validated: no decode check (fieldsChecked)
const STATUS = { ...WRITE, subresource: 'status', fieldsChecked: true };

/** One pass of syncDeployment: the working copy and the writes it makes. */
class Sync {
  requeueAfterMs: number | undefined;
  constructor(
    readonly rt: RT,
    public d: KObject,
  ) {}

  get s(): State {
    return this.rt.state;
  }
  now(): string {
    return rfc3339(this.rt.clock.now());
  }
  event(type: 'Normal' | 'Warning', reason: string, message: string): void {
    this.s.record(this.d, type, reason, message);
  }

  /** UpdateStatus with the working copy (its resourceVersion follows the write). */
  async updateStatus(): Promise<void> {
    const out = (await this.s.client.update(this.s.dDef, this.d.metadata.namespace, this.d.metadata.name, this.d, STATUS)).object;
    this.d.metadata.resourceVersion = out.metadata.resourceVersion;
  }
  async updateDeployment(): Promise<void> {
    const out = (await this.s.client.update(this.s.dDef, this.d.metadata.namespace, this.d.metadata.name, this.d, WRITE)).object;
    this.d.metadata.resourceVersion = out.metadata.resourceVersion;
  }
  async updateRS(rs: KObject): Promise<KObject> {
    return (await this.s.client.update(this.s.rsDef, rs.metadata.namespace, rs.metadata.name, rs, WRITE)).object;
  }

  // ---- deployment_controller.go

  async run(): Promise<void> {
    const d = this.d;
    const sel = d.spec?.selector;
    if (sel && typeof sel === 'object' && !Object.keys(sel.matchLabels ?? {}).length && !(sel.matchExpressions ?? []).length) {
      this.event('Warning', 'SelectingAll', 'This deployment is selecting all pods. A non-empty selector is required.');
      if (u.num(d.status?.observedGeneration) < u.num(d.metadata.generation)) {
        d.status = { ...(d.status ?? {}), observedGeneration: d.metadata.generation };
        await this.updateStatus();
      }
      return;
    }
    const got = this.getReplicaSetsForDeployment();
    // adoption through admission (a webhook or policy on replicasets) answers later
    const rsList = got instanceof Promise ? await got : got;
    if (d.metadata.deletionTimestamp) return await this.syncStatusOnly(rsList);
    await this.checkPausedConditions();
    if (d.spec.paused) return await this.sync(rsList);
    if (u.getRollbackTo(d) !== undefined) return await this.rollback(rsList);
    if (await this.isScalingEvent(rsList)) return await this.sync(rsList);
    switch (d.spec.strategy?.type) {
      case 'Recreate':
        return await this.rolloutRecreate(rsList);
      case 'RollingUpdate':
        return await this.rolloutRolling(rsList);
    }
    throw new Error(`unexpected deployment strategy type: ${d.spec.strategy?.type}`);
  }

  /** getReplicaSetsForDeployment: ClaimReplicaSets over every ReplicaSet of the namespace. */
  getReplicaSetsForDeployment(): KObject[] | Promise<KObject[]> {
    const d = this.d;
    let selector: LabelSelector;
    try {
      selector = labelSelectorFromObject(d.spec.selector);
    } catch (e) {
      throw new Error(`deployment ${d.metadata.namespace}/${d.metadata.name} has invalid label selector: ${(e as Error).message}`);
    }
    const claimed = claimObjects({
      registry: this.rt.registry,
      def: this.s.rsDef,
      owner: d,
      ownerApiVersion: 'apps/v1',
      ownerKind: 'Deployment',
      selector,
      candidates: this.s.rsInformer.list(d.metadata.namespace),
      canAdopt: recheckDeletionTimestamp(this.rt.registry, this.s.dDef, d),
    });
    // adoption wrote the ReplicaSets: read them back from the cache
    const fresh = (l: KObject[]) => l.map((rs) => this.s.rsInformer.get(rs.metadata.namespace, rs.metadata.name) ?? rs);
    return claimed instanceof Promise ? claimed.then(fresh) : fresh(claimed);
  }

  /** getPodMapForDeployment: the pods of each ReplicaSet, by ReplicaSet uid. */
  podMap(rsList: KObject[]): Map<string, KObject[]> {
    const m = new Map<string, KObject[]>();
    for (const rs of rsList) m.set(rs.metadata.uid, this.s.pods.byOwner(rs.metadata.uid).filter((p) => controllerOf(p)?.uid === rs.metadata.uid));
    return m;
  }

  // ---- sync.go

  async syncStatusOnly(rsList: KObject[]): Promise<void> {
    const { newRS, oldRSs } = await this.getAllReplicaSetsAndSyncRevision(rsList, false);
    await this.syncDeploymentStatus([...oldRSs, newRS], newRS);
  }

  async sync(rsList: KObject[]): Promise<void> {
    const { newRS, oldRSs } = await this.getAllReplicaSetsAndSyncRevision(rsList, false);
    await this.scale(newRS, oldRSs);
    if (this.d.spec.paused && u.getRollbackTo(this.d) === undefined) await this.cleanupDeployment(oldRSs);
    await this.syncDeploymentStatus([...oldRSs, newRS], newRS);
  }

  async checkPausedConditions(): Promise<void> {
    const d = this.d;
    if (!u.hasProgressDeadline(d)) return;
    d.status ??= {};
    const cond = u.getCondition(d.status, 'Progressing');
    if (cond?.reason === u.TimedOutReason) return;
    const pausedCondExists = cond?.reason === u.PausedDeployReason;
    let needsUpdate = false;
    if (d.spec.paused && !pausedCondExists) {
      u.setCondition(d.status, u.newCondition('Progressing', 'Unknown', u.PausedDeployReason, 'Deployment is paused', this.now()));
      needsUpdate = true;
    } else if (!d.spec.paused && pausedCondExists) {
      u.setCondition(d.status, u.newCondition('Progressing', 'Unknown', u.ResumedDeployReason, 'Deployment is resumed', this.now()));
      needsUpdate = true;
    }
    if (needsUpdate) await this.updateStatus();
  }

  async getAllReplicaSetsAndSyncRevision(rsList: KObject[], create: boolean): Promise<{ newRS: KObject | undefined; oldRSs: KObject[] }> {
    const newFound = u.findNewReplicaSet(this.d, rsList);
    const { all } = u.findOldReplicaSets(this.d, rsList, newFound);
    const newRS = await this.getNewReplicaSet(rsList, all, newFound, create);
    return { newRS, oldRSs: all };
  }

  async getNewReplicaSet(rsList: KObject[], oldRSs: KObject[], existing: KObject | undefined, create: boolean): Promise<KObject | undefined> {
    const d = this.d;
    const newRevision = String(u.maxRevision(oldRSs) + 1);
    d.status ??= {};
    if (existing) {
      // the annotations are all SetNewReplicaSetAnnotations changes: copy those; the rest of the
      // cached object is only read (a write below gets a deep copy)
      const rsCopy: KObject = { ...existing, metadata: { ...existing.metadata, annotations: { ...(existing.metadata.annotations ?? {}) } } };
      const annotationsUpdated = u.setNewReplicaSetAnnotations(d, rsCopy, newRevision, true);
      const minReadyNeedsUpdate = u.num(rsCopy.spec?.minReadySeconds) !== u.num(d.spec.minReadySeconds);
      if (annotationsUpdated || minReadyNeedsUpdate) {
        const w = cloneJSON(rsCopy);
        // ReplicaSetSpec.minReadySeconds is omitempty
        if (u.num(d.spec.minReadySeconds)) w.spec.minReadySeconds = d.spec.minReadySeconds;
        else delete w.spec.minReadySeconds;
        return await this.updateRS(w);
      }
      let needsUpdate = u.setDeploymentRevision(d, rsCopy.metadata.annotations?.[u.REVISION] ?? '');
      const cond = u.getCondition(d.status, 'Progressing');
      if (u.hasProgressDeadline(d) && !cond) {
        u.setCondition(d.status, u.newCondition('Progressing', 'True', u.FoundNewRSReason, `Found new replica set ${JSON.stringify(rsCopy.metadata.name)}`, this.now()));
        needsUpdate = true;
      }
      if (needsUpdate) await this.updateStatus();
      return rsCopy;
    }
    if (!create) return undefined;

    const collisionCount = typeof d.status.collisionCount === 'number' ? d.status.collisionCount : undefined;
    const hash = computeTemplateHash(d.spec.template, collisionCount);
    const template = cloneJSON(d.spec.template);
    template.metadata ??= {};
    template.metadata.labels = { ...(template.metadata.labels ?? {}), [u.HASH_LABEL]: hash };
    const selector = cloneJSON(d.spec.selector);
    selector.matchLabels = { ...(selector.matchLabels ?? {}), [u.HASH_LABEL]: hash };
    const name = `${d.metadata.name}-${hash}`;
    const newRS: KObject = {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: { name, namespace: d.metadata.namespace, ownerReferences: [newControllerRef(d, 'apps/v1', 'Deployment')], labels: { ...template.metadata.labels } },
      spec: { replicas: 0, selector, template },
    };
    if (u.num(d.spec.minReadySeconds)) newRS.spec.minReadySeconds = d.spec.minReadySeconds;
    const newReplicas = u.newRSNewReplicas(d, [...oldRSs, newRS], newRS);
    newRS.spec.replicas = newReplicas;
    u.setNewReplicaSetAnnotations(d, newRS, newRevision, false);

    let created: KObject;
    let alreadyExists = false;
    try {
      created = (await this.s.client.create(this.s.rsDef, d.metadata.namespace, newRS, WRITE)).object;
    } catch (err) {
      if (err instanceof StatusError && err.reason === 'AlreadyExists') {
        alreadyExists = true;
        const rs = this.s.rsInformer.get(d.metadata.namespace, name) ?? this.rt.registry.get(this.s.rsDef, d.metadata.namespace, name);
        const ref = controllerOf(rs);
        if (ref && ref.uid === d.metadata.uid && u.equalIgnoreHash(d.spec.template, rs.spec?.template)) {
          created = rs;
        } else {
          // a hash collision: bump collisionCount and retry on the requeue
          d.status.collisionCount = (collisionCount ?? 0) + 1;
          await this.updateStatus();
          this.rt.logger.debug({ deployment: `${d.metadata.namespace}/${d.metadata.name}`, collisionCount: d.status.collisionCount }, 'Found a hash collision for deployment - bumping collisionCount to resolve it');
          throw err;
        }
      } else if (err instanceof StatusError && (err.details as KObject | undefined)?.causes?.some((c: KObject) => c.reason === 'NamespaceTerminating')) {
        throw err;
      } else {
        const msg = `Failed to create new replica set ${JSON.stringify(name)}: ${(err as Error).message}`;
        if (u.hasProgressDeadline(d)) {
          u.setCondition(d.status, u.newCondition('Progressing', 'False', u.FailedRSCreateReason, msg, this.now()));
          try {
            await this.updateStatus();
          } catch {
            // the bigger issue is reported below
          }
        }
        this.event('Warning', u.FailedRSCreateReason, msg);
        throw err;
      }
    }
    if (!alreadyExists && newReplicas > 0) this.event('Normal', 'ScalingReplicaSet', `Scaled up replica set ${created.metadata.name} from 0 to ${newReplicas}`);
    let needsUpdate = u.setDeploymentRevision(d, newRevision);
    if (!alreadyExists && u.hasProgressDeadline(d)) {
      u.setCondition(d.status, u.newCondition('Progressing', 'True', u.NewReplicaSetReason, `Created new replica set ${JSON.stringify(created.metadata.name)}`, this.now()));
      needsUpdate = true;
    }
    if (needsUpdate) await this.updateStatus();
    return created;
  }

  /** scale: proportional scaling of every active ReplicaSet on a scaling event or while paused. */
  async scale(newRS: KObject | undefined, oldRSs: KObject[]): Promise<void> {
    const d = this.d;
    const activeOrLatest = u.findActiveOrLatest(newRS, oldRSs);
    if (activeOrLatest) {
      if (u.replicas(activeOrLatest) === u.replicas(d)) return;
      await this.scaleReplicaSetAndRecordEvent(activeOrLatest, u.replicas(d));
      return;
    }
    if (u.isSaturated(d, newRS)) {
      for (const old of u.filterActive(oldRSs)) await this.scaleReplicaSetAndRecordEvent(old, 0);
      return;
    }
    if (!u.isRollingUpdate(d)) return;
    const allRSs = u.filterActive([...oldRSs, newRS]);
    const allRSsReplicas = u.sumReplicas(allRSs);
    const allowedSize = u.replicas(d) > 0 ? u.replicas(d) + u.maxSurge(d) : 0;
    const toAdd = allowedSize - allRSsReplicas;
    let op = '';
    if (toAdd > 0) {
      allRSs.sort(u.bySizeNewer);
      op = 'up';
    } else if (toAdd < 0) {
      allRSs.sort(u.bySizeOlder);
      op = 'down';
    }
    let added = 0;
    const sizes = new Map<string, number>();
    for (const rs of allRSs) {
      if (toAdd !== 0) {
        const p = u.getProportion(rs, d, toAdd, added);
        sizes.set(rs.metadata.name, u.replicas(rs) + p);
        added += p;
      } else sizes.set(rs.metadata.name, u.replicas(rs));
    }
    for (const [i, rs] of allRSs.entries()) {
      if (i === 0 && toAdd !== 0) {
        const leftover = toAdd - added;
        sizes.set(rs.metadata.name, Math.max(0, sizes.get(rs.metadata.name)! + leftover));
      }
      await this.scaleReplicaSet(rs, sizes.get(rs.metadata.name)!, op);
    }
  }

  async scaleReplicaSetAndRecordEvent(rs: KObject, newScale: number): Promise<{ scaled: boolean; rs: KObject }> {
    if (u.replicas(rs) === newScale) return { scaled: false, rs };
    return await this.scaleReplicaSet(rs, newScale, u.replicas(rs) < newScale ? 'up' : 'down');
  }

  async scaleReplicaSet(rs: KObject, newScale: number, op: string): Promise<{ scaled: boolean; rs: KObject }> {
    const d = this.d;
    const sizeNeedsUpdate = u.replicas(rs) !== newScale;
    const max = u.replicas(d) + u.maxSurge(d);
    const annotationsNeedUpdate = u.replicasAnnotationsNeedUpdate(rs, u.replicas(d), max);
    if (!sizeNeedsUpdate && !annotationsNeedUpdate) return { scaled: false, rs };
    const oldScale = u.replicas(rs);
    const copy = cloneJSON(rs);
    copy.spec.replicas = newScale;
    u.setReplicasAnnotations(copy, u.replicas(d), max);
    const out = await this.updateRS(copy);
    if (sizeNeedsUpdate) this.event('Normal', 'ScalingReplicaSet', `Scaled ${op} replica set ${out.metadata.name} from ${oldScale} to ${newScale}`);
    return { scaled: sizeNeedsUpdate, rs: out };
  }

  /** cleanupDeployment: keep revisionHistoryLimit old ReplicaSets, deleting the oldest empty ones. */
  async cleanupDeployment(oldRSs: KObject[]): Promise<void> {
    const d = this.d;
    if (!u.hasRevisionHistoryLimit(d)) return;
    const cleanable = oldRSs.filter((rs) => rs && !rs.metadata.deletionTimestamp);
    const diff = cleanable.length - d.spec.revisionHistoryLimit;
    if (diff <= 0) return;
    cleanable.sort(u.byRevision);
    for (let i = 0; i < diff; i++) {
      const rs = cleanable[i];
      if (u.num(rs.status?.replicas) !== 0 || u.replicas(rs) !== 0 || u.num(rs.metadata.generation) > u.num(rs.status?.observedGeneration) || rs.metadata.deletionTimestamp) continue;
      try {
        await this.s.client.delete(this.s.rsDef, rs.metadata.namespace, rs.metadata.name, {});
      } catch (err) {
        if (!(err instanceof StatusError && err.code === 404)) throw err;
      }
    }
  }

  async syncDeploymentStatus(allRSs: (KObject | undefined)[], newRS: KObject | undefined): Promise<void> {
    const status = this.calculateStatus(allRSs, newRS);
    if (jsonEqual(this.d.status ?? {}, status)) return;
    this.d.status = status;
    await this.updateStatus();
  }

  calculateStatus(allRSs: (KObject | undefined)[], newRS: KObject | undefined): KObject {
    const d = this.d;
    const available = u.sumStatus(allRSs, 'availableReplicas');
    const total = u.sumReplicas(allRSs);
    const unavailable = Math.max(0, total - available);
    const status: KObject = {};
    // apps/v1 DeploymentStatus counts are omitempty
    const put = (k: string, v: number) => {
      if (v) status[k] = v;
    };
    put('observedGeneration', u.num(d.metadata.generation));
    put('replicas', u.sumStatus(allRSs, 'replicas'));
    put('updatedReplicas', u.sumStatus([newRS], 'replicas'));
    put('readyReplicas', u.sumStatus(allRSs, 'readyReplicas'));
    put('availableReplicas', available);
    put('unavailableReplicas', unavailable);
    if (d.status?.conditions?.length) status.conditions = d.status.conditions.map((c: KObject) => ({ ...c }));
    if (typeof d.status?.collisionCount === 'number') status.collisionCount = d.status.collisionCount;
    if (available >= u.replicas(d) - u.maxUnavailable(d)) u.setCondition(status, u.newCondition('Available', 'True', u.MinimumReplicasAvailable, 'Deployment has minimum availability.', this.now()));
    else u.setCondition(status, u.newCondition('Available', 'False', u.MinimumReplicasUnavailable, 'Deployment does not have minimum availability.', this.now()));
    return status;
  }

  /** isScalingEvent: an active ReplicaSet's desired-replicas annotation differs from spec.replicas. */
  async isScalingEvent(rsList: KObject[]): Promise<boolean> {
    const { newRS, oldRSs } = await this.getAllReplicaSetsAndSyncRevision(rsList, false);
    for (const rs of u.filterActive([...oldRSs, newRS])) {
      const desired = u.desiredReplicasAnnotation(rs);
      if (desired === undefined) continue;
      if (desired !== u.replicas(this.d)) return true;
    }
    return false;
  }

  // ---- rolling.go

  async rolloutRolling(rsList: KObject[]): Promise<void> {
    const { newRS, oldRSs } = await this.getAllReplicaSetsAndSyncRevision(rsList, true);
    const allRSs = [...oldRSs, newRS!];
    if (await this.reconcileNewReplicaSet(allRSs, newRS!)) return await this.syncRolloutStatus(allRSs, newRS);
    if (await this.reconcileOldReplicaSets(allRSs, u.filterActive(oldRSs), newRS!)) return await this.syncRolloutStatus(allRSs, newRS);
    if (u.deploymentComplete(this.d, this.d.status ?? {})) await this.cleanupDeployment(oldRSs);
    await this.syncRolloutStatus(allRSs, newRS);
  }

  async reconcileNewReplicaSet(allRSs: KObject[], newRS: KObject): Promise<boolean> {
    const d = this.d;
    if (u.replicas(newRS) === u.replicas(d)) return false;
    if (u.replicas(newRS) > u.replicas(d)) return (await this.scaleReplicaSetAndRecordEvent(newRS, u.replicas(d))).scaled;
    return (await this.scaleReplicaSetAndRecordEvent(newRS, u.newRSNewReplicas(d, allRSs, newRS))).scaled;
  }

  async reconcileOldReplicaSets(allRSs: KObject[], oldRSs: KObject[], newRS: KObject): Promise<boolean> {
    const d = this.d;
    if (u.sumReplicas(oldRSs) === 0) return false;
    const allPods = u.sumReplicas(allRSs);
    const minAvailable = u.replicas(d) - u.maxUnavailable(d);
    const newUnavailable = u.replicas(newRS) - u.num(newRS.status?.availableReplicas);
    const maxScaledDown = allPods - minAvailable - newUnavailable;
    if (maxScaledDown <= 0) return false;
    let olds: KObject[];
    let cleaned: number;
    try {
      ({ olds, cleaned } = await this.cleanupUnhealthyReplicas(oldRSs, maxScaledDown));
    } catch (err) {
      this.rt.logger.debug({ err: (err as Error).message }, 'cleaning up unhealthy replicas');
      return false;
    }
    let scaledDown = 0;
    try {
      scaledDown = await this.scaleDownOldReplicaSetsForRollingUpdate([...olds, newRS], olds);
    } catch (err) {
      this.rt.logger.debug({ err: (err as Error).message }, 'scaling down old replica sets');
      return false;
    }
    return cleaned + scaledDown > 0;
  }

  async cleanupUnhealthyReplicas(oldRSs: KObject[], maxCleanup: number): Promise<{ olds: KObject[]; cleaned: number }> {
    const olds = [...oldRSs].sort(u.byCreation);
    let total = 0;
    for (let i = 0; i < olds.length; i++) {
      const rs = olds[i];
      if (total >= maxCleanup) break;
      if (u.replicas(rs) === 0) continue;
      const avail = u.num(rs.status?.availableReplicas);
      if (u.replicas(rs) === avail) continue;
      const down = Math.min(maxCleanup - total, u.replicas(rs) - avail);
      const newCount = u.replicas(rs) - down;
      if (newCount > u.replicas(rs)) throw new Error(`when cleaning up unhealthy replicas, got invalid request to scale down ${rs.metadata.namespace}/${rs.metadata.name} ${u.replicas(rs)} -> ${newCount}`);
      olds[i] = (await this.scaleReplicaSetAndRecordEvent(rs, newCount)).rs;
      total += down;
    }
    return { olds, cleaned: total };
  }

  async scaleDownOldReplicaSetsForRollingUpdate(allRSs: KObject[], oldRSs: KObject[]): Promise<number> {
    const d = this.d;
    const minAvailable = u.replicas(d) - u.maxUnavailable(d);
    const availablePods = u.sumStatus(allRSs, 'availableReplicas');
    if (availablePods <= minAvailable) return 0;
    const olds = [...oldRSs].sort(u.byCreation);
    let total = 0;
    const target = availablePods - minAvailable;
    for (const rs of olds) {
      if (total >= target) break;
      if (u.replicas(rs) === 0) continue;
      const down = Math.min(u.replicas(rs), target - total);
      await this.scaleReplicaSetAndRecordEvent(rs, u.replicas(rs) - down);
      total += down;
    }
    return total;
  }

  // ---- recreate.go

  async rolloutRecreate(rsList: KObject[]): Promise<void> {
    let { newRS, oldRSs } = await this.getAllReplicaSetsAndSyncRevision(rsList, false);
    let allRSs = [...oldRSs, newRS];
    let scaled = false;
    for (const rs of u.filterActive(oldRSs)) if ((await this.scaleReplicaSetAndRecordEvent(rs, 0)).scaled) scaled = true;
    if (scaled) return await this.syncRolloutStatus(allRSs, newRS);
    if (this.oldPodsRunning(newRS, oldRSs, this.podMap(rsList))) return await this.syncRolloutStatus(allRSs, newRS);
    if (!newRS) {
      ({ newRS, oldRSs } = await this.getAllReplicaSetsAndSyncRevision(rsList, true));
      allRSs = [...oldRSs, newRS];
    }
    await this.scaleReplicaSetAndRecordEvent(newRS!, u.replicas(this.d));
    if (u.deploymentComplete(this.d, this.d.status ?? {})) await this.cleanupDeployment(oldRSs);
    await this.syncRolloutStatus(allRSs, newRS);
  }

  oldPodsRunning(newRS: KObject | undefined, oldRSs: KObject[], podMap: Map<string, KObject[]>): boolean {
    if (u.sumStatus(oldRSs, 'replicas') > 0) return true;
    for (const [uid, pods] of podMap) {
      if (newRS && newRS.metadata.uid === uid) continue;
      for (const p of pods) {
        const phase = p.status?.phase;
        if (phase === 'Failed' || phase === 'Succeeded') continue;
        return true;
      }
    }
    return false;
  }

  // ---- progress.go

  async syncRolloutStatus(allRSs: (KObject | undefined)[], newRS: KObject | undefined): Promise<void> {
    const d = this.d;
    const status = this.calculateStatus(allRSs, newRS);
    if (!u.hasProgressDeadline(d)) u.removeCondition(status, 'Progressing');
    const currentCond = u.getCondition(d.status, 'Progressing');
    const isComplete = u.num(status.replicas) === u.num(status.updatedReplicas) && currentCond?.reason === u.NewRSAvailableReason;
    if (u.hasProgressDeadline(d) && !isComplete) {
      const who = newRS ? `ReplicaSet ${JSON.stringify(newRS.metadata.name)}` : `Deployment ${JSON.stringify(d.metadata.name)}`;
      if (u.deploymentComplete(d, status)) {
        u.setCondition(status, u.newCondition('Progressing', 'True', u.NewRSAvailableReason, `${who} has successfully progressed.`, this.now()));
      } else if (u.deploymentProgressing(d, status)) {
        const c = u.newCondition('Progressing', 'True', u.ReplicaSetUpdatedReason, `${who} is progressing.`, this.now());
        if (currentCond) {
          if (currentCond.status === 'True') c.lastTransitionTime = currentCond.lastTransitionTime;
          u.removeCondition(status, 'Progressing');
        }
        u.setCondition(status, c);
      } else if (u.deploymentTimedOut(d, status, this.rt.clock.now())) {
        u.setCondition(status, u.newCondition('Progressing', 'False', u.TimedOutReason, `${who} has timed out progressing.`, this.now()));
      }
    }
    const failures = this.replicaFailures(allRSs, newRS);
    if (failures.length) u.setCondition(status, failures[0]);
    else u.removeCondition(status, 'ReplicaFailure');
    if (jsonEqual(d.status ?? {}, status)) {
      this.requeueStuckDeployment(status);
      return;
    }
    d.status = status;
    await this.updateStatus();
  }

  replicaFailures(allRSs: (KObject | undefined)[], newRS: KObject | undefined): u.Condition[] {
    const of = (rs: KObject | undefined): u.Condition[] =>
      (rs?.status?.conditions ?? [])
        .filter((c: KObject) => c.type === 'ReplicaFailure')
        .map((c: KObject) => ({ type: c.type, status: c.status, lastUpdateTime: c.lastTransitionTime, lastTransitionTime: c.lastTransitionTime, reason: c.reason, message: c.message }));
    const fromNew = of(newRS);
    if (fromNew.length) return fromNew;
    return allRSs.flatMap(of);
  }

  /** requeueStuckDeployment: check the deadline again when it would pass. */
  requeueStuckDeployment(status: KObject): void {
    const d = this.d;
    const cur = u.getCondition(d.status, 'Progressing');
    if (!u.hasProgressDeadline(d) || !cur) return;
    if (u.deploymentComplete(d, status) || cur.reason === u.TimedOutReason) return;
    const last = Date.parse(cur.lastUpdateTime ?? '');
    if (!Number.isFinite(last)) return;
    const after = last + d.spec.progressDeadlineSeconds * 1000 - this.rt.clock.now();
    // under a second: now (rate limited upstream); else a second after the deadline (AddAfter skew)
    this.requeueAfterMs = after < 1000 ? 5 : after + 1000;
  }

  // ---- rollback.go (the deprecated rollbackTo annotation)

  async rollback(rsList: KObject[]): Promise<void> {
    const { newRS, oldRSs } = await this.getAllReplicaSetsAndSyncRevision(rsList, true);
    const allRSs = [...oldRSs, newRS].filter((x): x is KObject => !!x);
    let revision = u.getRollbackTo(this.d)!;
    if (revision === 0) {
      revision = u.lastRevision(allRSs);
      if (revision === 0) {
        this.event('Warning', u.RollbackRevisionNotFound, 'Unable to find last revision.');
        return await this.clearRollbackTo();
      }
    }
    for (const rs of allRSs) {
      const v = u.revisionOf(rs);
      if (Number.isNaN(v) || v !== revision) continue;
      const performed = await this.rollbackToTemplate(rs);
      if (performed) this.event('Normal', u.RollbackDone, `Rolled back deployment ${JSON.stringify(this.d.metadata.name)} to revision ${revision}`);
      return;
    }
    this.event('Warning', u.RollbackRevisionNotFound, 'Unable to find the revision to rollback to.');
    await this.clearRollbackTo();
  }

  async rollbackToTemplate(rs: KObject): Promise<boolean> {
    const d = this.d;
    let performed = false;
    if (!u.equalIgnoreHash(d.spec.template, rs.spec?.template)) {
      const tpl = cloneJSON(rs.spec.template);
      if (tpl.metadata?.labels) delete tpl.metadata.labels[u.HASH_LABEL];
      d.spec.template = tpl;
      u.setDeploymentAnnotationsTo(d, rs);
      performed = true;
    } else {
      this.event('Warning', u.RollbackTemplateUnchanged, `The rollback revision contains the same template as current deployment ${JSON.stringify(d.metadata.name)}`);
    }
    await this.clearRollbackTo();
    return performed;
  }

  async clearRollbackTo(): Promise<void> {
    if (this.d.metadata.annotations) delete this.d.metadata.annotations[DEPRECATED_ROLLBACK_TO];
    await this.updateDeployment();
  }
}

/** The Deployment a ReplicaSet's controllerRef names (for pod events). */
function deploymentKeyOfPod(pod: KObject, rt: RT): string | undefined {
  const rsRef = controllerOf(pod);
  if (!rsRef || rsRef.kind !== 'ReplicaSet') return undefined;
  const rs = rt.state.rsInformer.get(pod.metadata.namespace, rsRef.name);
  if (!rs || rs.metadata.uid !== rsRef.uid) return undefined;
  const dRef = controllerOf(rs);
  if (!dRef || dRef.kind !== 'Deployment') return undefined;
  const d = rt.primary.get(pod.metadata.namespace, dRef.name);
  if (!d || d.metadata.uid !== dRef.uid) return undefined;
  return rt.keyOf(d);
}

export const deploymentController = defineController<State>({
  name: 'deployment',
  primary: { group: 'apps', plural: 'deployments' },
  owns: [{ group: 'apps', plural: 'replicasets' }],
  watches: [
    {
      group: '',
      plural: 'pods',
      // deletePod: a Recreate Deployment waits for its old pods to be gone
      keys(pod, _old, rt, type) {
        if (type !== 'delete') return [];
        const key = deploymentKeyOfPod(pod, rt as RT);
        if (!key) return [];
        const d = (rt as RT).primary.getByKey(key);
        return d?.spec?.strategy?.type === 'Recreate' ? [key] : [];
      },
    },
  ],
  workers: 5,
  setup: (rt) => ({
    dDef: rt.registry.mustDef('apps', 'deployments'),
    rsDef: rt.registry.mustDef('apps', 'replicasets'),
    rsInformer: rt.informer('apps', 'replicasets'),
    pods: rt.informer('', 'pods'),
    record: rt.recorder.for({ component: 'deployment-controller' }),
    client: controllerClient(rt.registry, 'deployment-controller'),
  }),
  async reconcile(key, rt) {
    const cached = rt.primary.getByKey(key);
    if (!cached) return;
    const sync = new Sync(rt, cloneJSON(cached));
    try {
      await sync.run();
    } catch (err) {
      // a write lost to a newer version of the object: the update event requeues it
      if (err instanceof StatusError && (err.code === 409 || err.code === 404)) return { requeueAfterMs: 5 };
      throw err;
    }
    return sync.requeueAfterMs !== undefined ? { requeueAfterMs: sync.requeueAfterMs } : undefined;
  },
});

