// Controller references and claiming (upstream pkg/controller/controller_ref_manager.go:
// BaseControllerRefManager.ClaimObject, PodControllerRefManager, RecheckDeletionTimestamp, and
// metav1.GetControllerOf / NewControllerRef).
import type { KObject, ResourceDef } from '../../resources/types.js';
import type { Registry } from '../../registry/registry.js';
import { StatusError } from '../../registry/errors.js';
import { matches, type LabelSelector } from '../../registry/selectors.js';
import type { WriteOptions } from '../../registry/registry.js';
import { admissionChainOf, admissionFor, controllerModify, controllerUser } from '../../admission/run.js';

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
  /** the owner's controller's service account (default: from ownerKind) */
  account?: string;
}

/** the account of the controller that owns a kind's dependents (kube-controller-manager's service accounts) */
const OWNER_ACCOUNTS: Record<string, string> = {
  ReplicaSet: 'replicaset-controller',
  ReplicationController: 'replication-controller',
  Deployment: 'deployment-controller',
  DaemonSet: 'daemon-set-controller',
  StatefulSet: 'statefulset-controller',
  Job: 'job-controller',
};

type Modify = (def: ResourceDef, ns: string, name: string, mutate: (o: KObject) => void, opts: WriteOptions) => unknown;

/**
 * ClaimObjects: the candidates this owner controls after adopting orphans that match and releasing
 * owned ones that no longer do. An owner being deleted adopts nothing and releases nothing;
 * dependents being deleted are not adopted. A dependent gone (404) or already invalid (422) on
 * release, or gone on adoption, is skipped, as upstream ignores those.
 *
 * Adoption and release are PATCHes of the dependent's metadata.ownerReferences as the owner's
 * controller (AdoptPod / ReleasePod): when a webhook or policy applies to the dependents' updates
 * they go through admission and the answer is a promise; otherwise all stays synchronous.
 */
export function claimObjects(o: ClaimOptions): KObject[] | Promise<KObject[]> {
  const { registry, def, owner, selector } = o;
  const chain = admissionChainOf(registry);
  const need = admissionFor(chain, def, 'UPDATE');
  const user = controllerUser(o.account ?? OWNER_ACCOUNTS[o.ownerKind] ?? 'kube-controller-manager');
  const modify: Modify = !need.mutating && !need.validating
    ? (d, ns, name, mutate, opts) => registry.modify(d, ns, name, mutate, opts)
    : (d, ns, name, mutate, opts) => controllerModify(registry, d, ns, name, mutate, opts, user, true);
  const uid = owner.metadata.uid;
  const deleting = !!owner.metadata.deletionTimestamp;
  const opts = { fieldManager: o.fieldManager ?? WRITE.fieldManager };
  const claimed: (KObject | Promise<KObject | undefined>)[] = [];
  const pending: Promise<unknown>[] = [];
  let adoptChecked = false;
  for (const obj of o.candidates) {
    const match = matches(selector, obj.metadata?.labels) && (!o.filter || o.filter(obj));
    const ref = controllerOf(obj);
    if (ref) {
      if (ref.uid !== uid) continue;
      if (match) claimed.push(obj);
      else if (!deleting) {
        const r = release(modify, def, obj, uid, opts);
        if (r) pending.push(r);
      }
      continue;
    }
    if (deleting || !match || obj.metadata.deletionTimestamp) continue;
    if (!adoptChecked) {
      o.canAdopt();
      adoptChecked = true;
    }
    const skipGone = (err: unknown) => {
      if (!(err instanceof StatusError && err.code === 404)) throw err;
      return undefined;
    };
    try {
      const w = modify(def, obj.metadata.namespace ?? '', obj.metadata.name, (cur) => {
        if (cur.metadata.uid !== obj.metadata.uid) throw new StatusError(404, 'NotFound', `${def.plural} "${obj.metadata.name}" not found`);
        if (controllerOf(cur)) throw new StatusError(409, 'Conflict', `${obj.metadata.name} is already owned`);
        cur.metadata.ownerReferences = [...(cur.metadata.ownerReferences ?? []), newControllerRef(owner, o.ownerApiVersion, o.ownerKind)];
      }, opts);
      claimed.push(w instanceof Promise ? w.then(() => obj, skipGone) : obj);
    } catch (err) {
      skipGone(err);
    }
  }
  if (!pending.length && !claimed.some((c) => c instanceof Promise)) return claimed as KObject[];
  return Promise.all([Promise.all(claimed), Promise.all(pending)]).then(([c]) => c.filter((x): x is KObject => !!x));
}

/** ReleasePod / ReleaseControllerRevision: drops the owner's reference (a strategic-merge `$patch: delete` upstream). */
function release(modify: Modify, def: ResourceDef, obj: KObject, uid: string, opts: { fieldManager: string }): Promise<unknown> | undefined {
  const ignore = (err: unknown) => {
    if (!(err instanceof StatusError && (err.code === 404 || err.code === 422))) throw err;
  };
  try {
    const w = modify(def, obj.metadata.namespace ?? '', obj.metadata.name, (cur) => {
      if (cur.metadata.uid !== obj.metadata.uid) throw new StatusError(404, 'NotFound', `${def.plural} "${obj.metadata.name}" not found`);
      cur.metadata.ownerReferences = (cur.metadata.ownerReferences ?? []).filter((r: KObject) => r.uid !== uid);
      if (!cur.metadata.ownerReferences.length) delete cur.metadata.ownerReferences;
    }, opts);
    return w instanceof Promise ? w.catch(ignore) : undefined;
  } catch (err) {
    ignore(err);
    return undefined;
  }
}
