// Controllers use the API like any client: their writes go through the admission chain (webhooks,
// ValidatingAdmissionPolicies) as their kube-controller-manager service account, as upstream's
// controllers write through the apiserver with their own credentials
// (cmd/kube-controller-manager: --use-service-account-credentials). When no admitter applies a
// write stays a synchronous registry call, so 1,000-pod workloads keep their fast path.
import type { KObject, ResourceDef } from '../../resources/types.js';
import type { DeleteOptions, DeleteResult, WriteOptions, WriteResult } from '../../registry/registry.js';
import { controllerCreate, controllerDelete, controllerModify, controllerUpdate, controllerUser, type RegistryWriter } from '../../admission/run.js';
import type { UserInfo } from '../../auth/types.js';

/** A result now (no admitter applies) or once admission has run. */
export type MaybePromise<T> = T | Promise<T>;

export interface ControllerClient {
  readonly user: UserInfo;
  create(def: ResourceDef, namespace: string, obj: KObject, opts?: WriteOptions): MaybePromise<WriteResult>;
  /** a PUT (opts.subresource 'status': of the status subresource) */
  update(def: ResourceDef, namespace: string, name: string, obj: KObject, opts?: WriteOptions): MaybePromise<WriteResult>;
  delete(def: ResourceDef, namespace: string, name: string, options?: DeleteOptions): MaybePromise<DeleteResult>;
  /** registry.modify through admission (an UPDATE of the modified object; `patch`: as a PATCH) */
  modify(def: ResourceDef, namespace: string, name: string, mutate: (obj: KObject) => KObject | void, opts?: WriteOptions, patch?: boolean): MaybePromise<WriteResult>;
}

/**
 * The client of the controller whose service account is `system:serviceaccount:kube-system:<account>`
 * (upstream's names: replicaset-controller, job-controller, daemon-set-controller,
 * statefulset-controller, deployment-controller, cronjob-controller, generic-garbage-collector...).
 */
export function controllerClient(registry: RegistryWriter, account: string): ControllerClient {
  return userClient(registry, controllerUser(account));
}

/** The client of any in-process writer acting as `user` (the scheduler, a node's kubelet). */
export function userClient(registry: RegistryWriter, user: UserInfo): ControllerClient {
  return {
    user,
    create: (def, ns, obj, opts = {}) => controllerCreate(registry, def, ns, obj, opts, user),
    update: (def, ns, name, obj, opts = {}) => controllerUpdate(registry, def, ns, name, obj, opts, user),
    delete: (def, ns, name, options = {}) => controllerDelete(registry, def, ns, name, options, user),
    modify: (def, ns, name, mutate, opts = {}, patch = false) => controllerModify(registry, def, ns, name, mutate, opts, user, patch),
  };
}
