// ControllerRevisions of a StatefulSet: the patch data and the revision made of it (the shared
// history helpers are in ../runtime/history.ts).
// Behaviour from upstream pkg/controller/statefulset/stateful_set_utils.go (getPatch, newRevision,
// ApplyRevision, nextRevision) and pkg/controller/history/controller_history.go (HashControllerRevision,
// ControllerRevisionName, EqualRevision, SortControllerRevisions).
import type { KObject } from '../../resources/types.js';
import { HASH_LABEL, controllerRevisionName, goJSON, hashRevisionData, sortedCopy } from '../runtime/history.js';
import { newControllerRef } from '../runtime/controllerref.js';

/** getPatch: the data recorded for a set (only the pod template, replaced wholesale on apply). */
export function patchData(set: KObject): Record<string, unknown> {
  const template = structuredClone(set.spec?.template ?? {});
  template.$patch = 'replace';
  return sortedCopy({ spec: { template } });
}

export function controllerRef(set: KObject): KObject {
  return newControllerRef(set, 'apps/v1', 'StatefulSet');
}

/** newRevision + history.NewControllerRevision: an unsaved revision for the set's current template. */
export function newRevision(set: KObject, revision: number, collisionCount: number): KObject {
  const data = patchData(set);
  const hash = hashRevisionData(goJSON(data), collisionCount);
  const labels: Record<string, string> = { ...(set.spec?.template?.metadata?.labels ?? {}), [HASH_LABEL]: hash };
  const meta: KObject = { name: controllerRevisionName(set.metadata.name, hash), namespace: set.metadata.namespace, labels, ownerReferences: [controllerRef(set)] };
  meta.annotations = { ...(set.metadata.annotations ?? {}) };
  if (!Object.keys(meta.annotations).length) delete meta.annotations;
  return { apiVersion: 'apps/v1', kind: 'ControllerRevision', metadata: meta, data, revision };
}

/** ApplyRevision: the set with its pod template replaced by the revision's (a `$patch: replace`). */
export function applyRevision(set: KObject, rev: KObject): KObject {
  const clone = structuredClone(set);
  const tpl = rev.data?.spec?.template;
  if (tpl && typeof tpl === 'object') {
    const t = structuredClone(tpl);
    delete t.$patch;
    clone.spec.template = t;
  }
  return clone;
}
