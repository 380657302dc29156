// pods/binding: assigns a pod to a node once (pkg/registry/core/pod/storage/storage.go
// BindingREST.setPodNodeAndMetadata). Shared by the HTTP subresource and the in-process scheduler.
import type { KObject } from '../resources/types.js';
import type { Registry } from './registry.js';
import { conflict, notFound } from './errors.js';
import { storageKey } from '../resources/types.js';
import { KeyNotFoundError, RevisionMismatchError } from '../storage/store.js';
import { nowRFC3339 } from './meta.js';

const BINDING_RES = { group: '', plural: 'pods/binding' };

export interface BindOptions {
  /** annotations copied from the Binding onto the pod */
  annotations?: Record<string, string>;
  /** Binding.metadata.uid: must equal the pod's uid when set */
  uid?: string;
  /** Binding.metadata.resourceVersion: must equal the pod's when set */
  resourceVersion?: string;
  dryRun?: boolean;
}

/** Sets spec.nodeName and PodScheduled=True; 409 when already bound, deleting or gated. */
export function bindPod(registry: Registry, namespace: string, name: string, node: string, opts: BindOptions = {}): KObject {
  const def = registry.mustDef('', 'pods');
  const key = storageKey(def, namespace, name);
  const cur = registry.store.get(key);
  if (!cur) throw notFound(def, name);
  const pod = JSON.parse(cur.json) as KObject;
  if (opts.uid && opts.uid !== pod.metadata.uid)
    throw conflict(BINDING_RES, name, `Precondition failed: UID in precondition: ${opts.uid}, UID in object meta: ${pod.metadata.uid}`);
  if (opts.resourceVersion && opts.resourceVersion !== pod.metadata.resourceVersion) throw conflict(BINDING_RES, name);
  if (pod.metadata.deletionTimestamp) throw conflict(BINDING_RES, name, `pod ${name} is being deleted, cannot be assigned to a host`);
  if (pod.spec?.nodeName) throw conflict(BINDING_RES, name, `pod ${name} is already assigned to node "${pod.spec.nodeName}"`);
  if (Array.isArray(pod.spec?.schedulingGates) && pod.spec.schedulingGates.length)
    throw conflict(BINDING_RES, name, `pod ${name} has non-empty .spec.schedulingGates`);
  pod.spec = { ...(pod.spec ?? {}), nodeName: node };
  if (opts.annotations && Object.keys(opts.annotations).length)
    pod.metadata.annotations = { ...(pod.metadata.annotations ?? {}), ...opts.annotations };
  const status = (pod.status ??= {});
  const conds: KObject[] = (status.conditions ??= []);
  const i = conds.findIndex((c) => c.type === 'PodScheduled');
  // podutil.UpdatePodCondition: lastTransitionTime moves only when the status flips
  const keep = i >= 0 && conds[i].status === 'True' ? conds[i].lastTransitionTime : nowRFC3339();
  const c = { type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: keep };
  if (i >= 0) conds[i] = c;
  else conds.push(c);
  if (opts.dryRun) return pod;
  // like BindingREST, the write goes straight to storage (GuaranteedUpdate): the pod update
  // strategy would refuse a spec.nodeName change
  try {
    registry.store.put(key, pod, cur.rv);
  } catch (err) {
    if (err instanceof RevisionMismatchError) throw conflict(BINDING_RES, name);
    if (err instanceof KeyNotFoundError) throw notFound(def, name);
    throw err;
  }
  return pod;
}
