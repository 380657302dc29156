// Controller references and claiming (upstream pkg/controller/controller_ref_manager.go:
// BaseControllerRefManager.ClaimObject, PodControllerRefManager, RecheckDeletionTimestamp, and
// metav1.GetControllerOf / NewControllerRef).
import type { KObject, ResourceDef } from '../../resources/types.js';
import type { Registry } from '../../registry/registry.js';
import { StatusError } from '../../registry/errors.js';
import { matches, type LabelSelector } from '../../registry/selectors.js';

/** the manager name upstream's controllers write with */
export const WRITE = { fieldManager: 'kube-controller-manager' };

/** metav1.GetControllerOf: the ownerReference with controller: true. */
export function controllerOf(obj: KObject): KObject | undefined {
  const refs = obj.metadata?.ownerReferences;
  return Array.isArray(refs) ? refs.find((r: KObject) => r?.controller === true) : undefined;
}

/** metav1.NewControllerRef. */
export function newControllerRef(owner: KObject, apiVersion: string, kind: string): KObject {
  return { apiVersion, kind, name: owner.metadata.name, uid: owner.metadata.uid, controller: true, blockOwnerDeletion: true };
}

/** utilerrors.NewAggregate(...).Error() */
export function aggregate(errs: string[]): Error | undefined {
  if (!errs.length) return undefined;
  return new Error(errs.length === 1 ? errs[0] : `[${errs.join(', ')}]`);
}

/**
 * RecheckDeletionTimestamp: a check run once before the first adoption, on a fresh read of the
 * owner (not the cache): it must still be the same object and not be going away.
 */
export function recheckDeletionTimestamp(registry: Registry, def: ResourceDef, owner: KObject): () => void {
  return () => {
    const fresh = registry.get(def, owner.metadata.namespace ?? '', owner.metadata.name);
    if (fresh.metadata.uid !== owner.metadata.uid)
      throw new Error(`original ${def.kind} ${owner.metadata.namespace}/${owner.metadata.name} is gone: got uid ${fresh.metadata.uid}, wanted ${owner.metadata.uid}`);
    if (fresh.metadata.deletionTimestamp) throw new Error(`${owner.metadata.namespace}/${owner.metadata.name} has just been deleted at ${fresh.metadata.deletionTimestamp}`);
  };
}

export interface ClaimOptions {
  registry: Registry;
  /** the dependents' kind (pods, replicasets, controllerrevisions) */
  def: ResourceDef;
  owner: KObject;
  ownerApiVersion: string;
  ownerKind: string;
  selector: LabelSelector;
  /** the dependents to consider (usually the informer's objects in the owner's namespace) */
  candidates: KObject[];
  /** RecheckDeletionTimestamp: throws when the owner may not adopt (run once, before the first adoption) */
  canAdopt: () => void;
  /** a further condition for a match (the StatefulSet's name-prefix check) */
  filter?: (obj: KObject) => boolean;
  fieldManager?: string;
}

/**
 * ClaimObjects: the candidates this owner controls after adopting orphans that match and releasing
 * owned ones that no longer do. An owner being deleted adopts nothing and releases nothing;
 * dependents being deleted are not adopted. A dependent gone (404) or already invalid (422) on
 * release, or gone on adoption, is skipped, as upstream ignores those.
 */
export function claimObjects(o: ClaimOptions): KObject[] {
  const { registry, def, owner, selector } = o;
  const uid = owner.metadata.uid;
  const deleting = !!owner.metadata.deletionTimestamp;
  const opts = { fieldManager: o.fieldManager ?? WRITE.fieldManager };
  const claimed: KObject[] = [];
  let adoptChecked = false;
  for (const obj of o.candidates) {
    const match = matches(selector, obj.metadata?.labels) && (!o.filter || o.filter(obj));
    const ref = controllerOf(obj);
    if (ref) {
      if (ref.uid !== uid) continue;
      if (match) claimed.push(obj);
      else if (!deleting) release(registry, def, obj, uid, opts);
      continue;
    }
    if (deleting || !match || obj.metadata.deletionTimestamp) continue;
    if (!adoptChecked) {
      o.canAdopt();
      adoptChecked = true;
    }
    try {
      registry.modify(def, obj.metadata.namespace ?? '', obj.metadata.name, (cur) => {
        if (cur.metadata.uid !== obj.metadata.uid) throw new StatusError(404, 'NotFound', `${def.plural} "${obj.metadata.name}" not found`);
        if (controllerOf(cur)) throw new StatusError(409, 'Conflict', `${obj.metadata.name} is already owned`);
        cur.metadata.ownerReferences = [...(cur.metadata.ownerReferences ?? []), newControllerRef(owner, o.ownerApiVersion, o.ownerKind)];
      }, opts);
      claimed.push(obj);
    } catch (err) {
      if (!(err instanceof StatusError && err.code === 404)) throw err;
    }
  }
  return claimed;
}

/** ReleasePod / ReleaseControllerRevision: drops the owner's reference (a strategic-merge `$patch: delete` upstream). */
function release(registry: Registry, def: ResourceDef, obj: KObject, uid: string, opts: { fieldManager: string }): void {
  try {
    registry.modify(def, obj.metadata.namespace ?? '', obj.metadata.name, (cur) => {
      if (cur.metadata.uid !== obj.metadata.uid) throw new StatusError(404, 'NotFound', `${def.plural} "${obj.metadata.name}" not found`);
      cur.metadata.ownerReferences = (cur.metadata.ownerReferences ?? []).filter((r: KObject) => r.uid !== uid);
      if (!cur.metadata.ownerReferences.length) delete cur.metadata.ownerReferences;
    }, opts);
  } catch (err) {
    if (!(err instanceof StatusError && (err.code === 404 || err.code === 422))) throw err;
  }
}
