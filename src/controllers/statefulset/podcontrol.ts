// Pod and claim writes of the StatefulSet controller, with upstream's events
// (pkg/controller/statefulset/stateful_pod_control.go) and the claim retention ownerRefs
// (stateful_set_utils.go: isClaimOwnerUpToDate, updateClaimOwnerRefForSetAndPod, hasStaleOwnerRef).
import type { KObject, ResourceDef } from '../../resources/types.js';
import type { Registry } from '../../registry/registry.js';
import type { Informer } from '../informer.js';
import { StatusError } from '../../registry/errors.js';
import { aggregate, WRITE } from '../runtime/controllerref.js';
import { controllerClient, type ControllerClient } from '../runtime/client.js';
import { claimName, claimTemplates, getOrdinal, identityMatches, inOrdinalRange, podClaims, storageMatches, updateIdentity, updateStorage } from './utils.js';


export type Recorder = (obj: KObject, type: 'Normal' | 'Warning', reason: string, message: string) => void;


const errText = (err: unknown): string => (err instanceof Error ? err.message : String(err));
const isCode = (err: unknown, code: number): boolean => err instanceof StatusError && err.code === code;
const title = (verb: string): string => verb[0].toUpperCase() + verb.slice(1);

function retention(set: KObject): { whenDeleted: string; whenScaled: string } {
  const p = set.spec?.persistentVolumeClaimRetentionPolicy ?? {};
  return { whenDeleted: p.whenDeleted || 'Retain', whenScaled: p.whenScaled || 'Retain' };
}

const refTo = (apiVersion: string, kind: string, obj: KObject) => (r: KObject) => r?.apiVersion === apiVersion && r?.kind === kind && r?.name === obj.metadata?.name;
const setRef = (set: KObject) => refTo('apps/v1', 'StatefulSet', set);
const podRef = (pod: KObject) => refTo('v1', 'Pod', pod);
const refs = (o: KObject): KObject[] => o.metadata?.ownerReferences ?? [];
const hasOwnerRef = (target: KObject, owner: KObject): boolean => refs(target).some((r) => r?.uid === (owner.metadata?.uid ?? ''));

function hasStaleOwnerRef(claim: KObject, owner: KObject, match: (r: KObject) => boolean): boolean {
  const r = refs(claim).find(match);
  return !!r && r.uid !== (owner.metadata?.uid ?? '');
}

function hasUnexpectedController(claim: KObject, set: KObject, pod: KObject): boolean {
  const p = retention(set);
  if (p.whenScaled === 'Retain' && p.whenDeleted === 'Retain') return false;
  for (const r of refs(claim)) {
    if (setRef(set)(r)) {
      if (r.uid !== set.metadata.uid) return true;
      continue;
    }
    if (podRef(pod)(r)) {
      if (r.uid !== (pod.metadata?.uid ?? '')) return true;
      continue;
    }
    if (r?.controller === true) return true;
  }
  return false;
}

function hasNonControllerOwner(claim: KObject, set: KObject, pod: KObject): boolean {
  return refs(claim).some((r) => (r.uid === set.metadata.uid || r.uid === (pod.metadata?.uid ?? '')) && r.controller !== true);
}

export function isClaimOwnerUpToDate(claim: KObject, set: KObject, pod: KObject): boolean {
  if (hasStaleOwnerRef(claim, set, setRef(set)) || hasStaleOwnerRef(claim, pod, podRef(pod))) return true;
  if (hasUnexpectedController(claim, set, pod)) return !(hasOwnerRef(claim, set) || hasOwnerRef(claim, pod));
  if (hasNonControllerOwner(claim, set, pod)) return false;
  const p = retention(set);
  const scaledDown = !inOrdinalRange(pod, set);
  if (p.whenScaled === 'Delete' && p.whenDeleted === 'Delete') return scaledDown !== hasOwnerRef(claim, set) && scaledDown === hasOwnerRef(claim, pod);
  if (p.whenScaled === 'Delete') return !hasOwnerRef(claim, set) && scaledDown === hasOwnerRef(claim, pod);
  if (p.whenDeleted === 'Delete') return hasOwnerRef(claim, set) && !hasOwnerRef(claim, pod);
  return !hasOwnerRef(claim, set) && !hasOwnerRef(claim, pod);
}

function addControllerRef(list: KObject[], owner: KObject, apiVersion: string, kind: string): KObject[] {
  if (list.some((r) => r.uid === owner.metadata.uid)) return list;
  return [...list, { apiVersion, kind, name: owner.metadata.name, uid: owner.metadata.uid, controller: true, blockOwnerDeletion: true }];
}

export function updateClaimOwnerRefs(claim: KObject, set: KObject, pod: KObject): void {
  const unexpected = hasUnexpectedController(claim, set, pod);
  let list = refs(claim).filter((r) => !setRef(set)(r) && !podRef(pod)(r));
  if (!unexpected) {
    const p = retention(set);
    const scaledDown = !inOrdinalRange(pod, set);
    if (p.whenScaled === 'Delete' && scaledDown) list = addControllerRef(list, pod, 'v1', 'Pod');
    if (p.whenDeleted === 'Delete' && (p.whenScaled !== 'Delete' || !scaledDown)) list = addControllerRef(list, set, 'apps/v1', 'StatefulSet');
  }
  if (list.length) claim.metadata.ownerReferences = list;
  else delete claim.metadata.ownerReferences;
}

export class PodControl {
  /** writes issued so far (lets a long burst pass yield to the event loop only when it wrote) */
  writes = 0;
  /** the writes of pods and claims, as upstream's statefulset-controller service account (through admission) */
  private readonly client: ControllerClient;

  constructor(
    private readonly registry: Registry,
    private readonly podDef: ResourceDef,
    private readonly pvcDef: ResourceDef,
    private readonly claims: Informer,
    private readonly record: Recorder,
    private readonly podIndexLabel: boolean,
  ) {
    this.client = controllerClient(registry, 'statefulset-controller');
  }

  event(set: KObject, type: 'Normal' | 'Warning', reason: string, message: string): void {
    this.record(set, type, reason, message);
  }

  private podEvent(verb: string, set: KObject, pod: KObject, err?: unknown): void {
    if (err === undefined) this.record(set, 'Normal', `Successful${title(verb)}`, `${verb} Pod ${pod.metadata.name} in StatefulSet ${set.metadata.name} successful`);
    else this.record(set, 'Warning', `Failed${title(verb)}`, `${verb} Pod ${pod.metadata.name} in StatefulSet ${set.metadata.name} failed error: ${errText(err)}`);
  }

  private claimEvent(verb: string, set: KObject, pod: KObject, claim: KObject, err?: unknown): void {
    if (err === undefined)
      this.record(set, 'Normal', `Successful${title(verb)}`, `${verb} Claim ${claim.metadata.name} Pod ${pod.metadata.name} in StatefulSet ${set.metadata.name} success`);
    else
      this.record(set, 'Warning', `Failed${title(verb)}`, `${verb} Claim ${claim.metadata.name} for Pod ${pod.metadata.name} in StatefulSet ${set.metadata.name} failed error: ${errText(err)}`);
  }

  private getClaim(namespace: string, name: string): KObject | undefined {
    return this.claims.get(namespace, name);
  }

  /** createPersistentVolumeClaims: create the missing ones; a claim being deleted is an error. */
  async createPersistentVolumeClaims(set: KObject, pod: KObject): Promise<void> {
    const errs: string[] = [];
    for (const claim of podClaims(set, pod).values()) {
      const existing = this.getClaim(claim.metadata.namespace, claim.metadata.name);
      if (!existing) {
        try {
          this.writes++;
          await this.client.create(this.pvcDef, claim.metadata.namespace, structuredClone(claim), WRITE);
          this.claimEvent('create', set, pod, claim);
        } catch (err) {
          errs.push(`failed to create PVC ${claim.metadata.name}: ${errText(err)}`);
          if (!isCode(err, 409)) this.claimEvent('create', set, pod, claim, err);
        }
      } else if (existing.metadata?.deletionTimestamp) {
        errs.push(`pvc ${claim.metadata.name} is being deleted`);
      }
    }
    const e = aggregate(errs);
    if (e) throw e;
  }

  async createMissingPersistentVolumeClaims(set: KObject, pod: KObject): Promise<void> {
    await this.createPersistentVolumeClaims(set, pod);
    try {
      const u = this.updatePodClaimForRetentionPolicy(set, pod);
      if (u) await u;
    } catch (err) {
      this.podEvent('update', set, pod, err);
      throw err;
    }
  }

  async createStatefulPod(set: KObject, pod: KObject): Promise<void> {
    try {
      await this.createPersistentVolumeClaims(set, pod);
    } catch (err) {
      this.podEvent('create', set, pod, err);
      throw err;
    }
    let createErr: unknown;
    try {
      this.writes++;
      await this.client.create(this.podDef, pod.metadata.namespace, structuredClone(pod), WRITE);
    } catch (err) {
      if (isCode(err, 409)) throw err; // AlreadyExists is sunk without an event
      createErr = err;
    }
    try {
      const u = this.updatePodClaimForRetentionPolicy(set, pod);
      if (u) await u;
    } catch (err) {
      this.podEvent('update', set, pod, err);
      throw err;
    }
    this.podEvent('create', set, pod, createErr);
    if (createErr !== undefined) throw createErr;
  }

  /** UpdateStatefulPod: fix identity, storage and claim refs; one pod write (retried on conflict). */
  async updateStatefulPod(set: KObject, pod: KObject): Promise<void> {
    let attempted = false;
    let lastErr: unknown;
    for (let attempt = 0; attempt < 5; attempt++) {
      let consistent = true;
      try {
        if (!identityMatches(set, pod)) {
          updateIdentity(set, pod, this.podIndexLabel);
          consistent = false;
        }
        if (!storageMatches(set, pod)) {
          updateStorage(set, pod);
          consistent = false;
          await this.createPersistentVolumeClaims(set, pod);
        }
        if (!this.claimsMatchRetentionPolicy(set, pod)) {
          const u = this.updatePodClaimForRetentionPolicy(set, pod);
          if (u) await u;
          consistent = false;
        }
      } catch (err) {
        this.podEvent('update', set, pod, err);
        throw err;
      }
      if (consistent) return;
      attempted = true;
      try {
        this.writes++;
        await this.client.update(this.podDef, pod.metadata.namespace, pod.metadata.name, structuredClone(pod), WRITE);
        lastErr = undefined;
        break;
      } catch (err) {
        lastErr = err;
        const fresh = this.registry.tryGet(this.podDef, set.metadata.namespace, pod.metadata.name);
        if (fresh) pod = fresh;
        if (!isCode(err, 409)) break;
      }
    }
    if (attempted) this.podEvent('update', set, pod, lastErr);
    if (lastErr !== undefined) throw lastErr;
  }

  async deleteStatefulPod(set: KObject, pod: KObject): Promise<void> {
    try {
      this.writes++;
      await this.client.delete(this.podDef, pod.metadata.namespace, pod.metadata.name);
    } catch (err) {
      this.podEvent('delete', set, pod, err);
      throw err;
    }
    this.podEvent('delete', set, pod);
  }

  claimsMatchRetentionPolicy(set: KObject, pod: KObject): boolean {
    const ordinal = getOrdinal(pod);
    for (const t of claimTemplates(set)) {
      const claim = this.getClaim(set.metadata.namespace, claimName(set, t, ordinal));
      if (claim && !isClaimOwnerUpToDate(claim, set, pod)) return false;
    }
    return true;
  }

  /** the claims' ownerReferences, written as statefulset-controller (a promise when admission applies) */
  updatePodClaimForRetentionPolicy(set: KObject, pod: KObject): void | Promise<void> {
    const ordinal = getOrdinal(pod);
    const pending: Promise<unknown>[] = [];
    for (const t of claimTemplates(set)) {
      const name = claimName(set, t, ordinal);
      const cached = this.getClaim(set.metadata.namespace, name);
      if (!cached) continue;
      if (hasUnexpectedController(cached, set, pod))
        this.record(set, 'Warning', 'ConflictingController', `PersistentVolumeClaim ${name} has a conflicting OwnerReference that acts as a manging controller, the retention policy is ignored for this claim`);
      if (isClaimOwnerUpToDate(cached, set, pod)) continue;
      const claim = structuredClone(cached);
      updateClaimOwnerRefs(claim, set, pod);
      try {
        this.writes++;
        const w = this.client.update(this.pvcDef, claim.metadata.namespace, name, claim, WRITE);
        if (w instanceof Promise)
          pending.push(w.catch((err) => {
            throw new Error(`could not update claim ${name} for delete policy ownerRefs: ${errText(err)}`);
          }));
      } catch (err) {
        throw new Error(`could not update claim ${name} for delete policy ownerRefs: ${errText(err)}`);
      }
    }
    if (pending.length) return Promise.all(pending).then(() => undefined);
  }

  /** PodClaimIsStale: with whenScaled=Delete, a claim owned by an older pod of that name blocks creation. */
  podClaimIsStale(set: KObject, pod: KObject): boolean {
    if (retention(set).whenScaled === 'Retain') return false;
    for (const claim of podClaims(set, pod).values()) {
      const pvc = this.getClaim(claim.metadata.namespace, claim.metadata.name);
      if (pvc && hasStaleOwnerRef(pvc, pod, podRef(pod))) return true;
    }
    return false;
  }
}
