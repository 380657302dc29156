// What serving custom resources needs to know about a CRD object (apiextensions.k8s.io/v1, JSON):
// staging/src/k8s.io/apiextensions-apiserver/pkg/apihelpers/helpers.go and the naming rules of
// pkg/controller/status/naming_controller.go (calculateNamesAndConditions, equalToAcceptedOrFresh).
import type { KObject } from '../types.js';
import { nowRFC3339 } from '../../registry/meta.js';

export interface CRDCondition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  lastTransitionTime?: string;
  reason?: string;
  message?: string;
}

/** The finalizer the CRD finalizer controller keeps on a CRD while its instances are deleted. */
export const CUSTOM_RESOURCE_CLEANUP_FINALIZER = 'customresourcecleanup.apiextensions.k8s.io';

const versionsOf = (crd: KObject): KObject[] => (Array.isArray(crd?.spec?.versions) ? crd.spec.versions : []);
const conditionsOf = (crd: KObject): CRDCondition[] => (Array.isArray(crd?.status?.conditions) ? crd.status.conditions : []);

/** GetCRDStorageVersion: the version marked storage (undefined if none: not a valid CRD). */
export function storageVersion(crd: KObject): string | undefined {
  return versionsOf(crd).find((v) => v?.storage === true)?.name;
}

/** The names of the served versions, in spec order. */
export function servedVersions(crd: KObject): string[] {
  return versionsOf(crd)
    .filter((v) => v?.served === true)
    .map((v) => String(v.name));
}

/** HasServedCRDVersion. */
export function hasServedVersion(crd: KObject, version: string): boolean {
  return versionsOf(crd).some((v) => v?.name === version && v?.served === true);
}

/** The spec.versions entry of a version. */
export function versionOf(crd: KObject, version: string): KObject | undefined {
  return versionsOf(crd).find((v) => v?.name === version);
}

/** FindCRDCondition. */
export function findCondition(crd: KObject, type: string): CRDCondition | undefined {
  return conditionsOf(crd).find((c) => c?.type === type);
}

/** IsCRDConditionTrue. */
export function isCRDConditionTrue(crd: KObject, type: string): boolean {
  return findCondition(crd, type)?.status === 'True';
}

export function isEstablished(crd: KObject): boolean {
  return isCRDConditionTrue(crd, 'Established');
}

/**
 * SetCRDCondition: replaces or adds a condition (mutates crd.status). lastTransitionTime changes
 * only when the status changes (or was never set), as upstream's.
 */
export function setCondition(crd: KObject, type: string, status: CRDCondition['status'], reason: string, message: string, now: string = nowRFC3339()): void {
  crd.status ??= {};
  if (!Array.isArray(crd.status.conditions)) crd.status.conditions = [];
  const existing = crd.status.conditions.find((c: CRDCondition) => c?.type === type) as CRDCondition | undefined;
  if (!existing) {
    crd.status.conditions.push(tidy({ type, status, lastTransitionTime: now, reason, message }));
    return;
  }
  if (existing.status !== status || !existing.lastTransitionTime) existing.lastTransitionTime = now;
  existing.status = status;
  existing.reason = reason;
  existing.message = message;
  if (!reason) delete existing.reason;
  if (!message) delete existing.message;
}

/** reason and message are omitempty. */
function tidy(c: CRDCondition): CRDCondition {
  if (!c.reason) delete c.reason;
  if (!c.message) delete c.message;
  return c;
}

/** RemoveCRDCondition. */
export function removeCondition(crd: KObject, type: string): void {
  if (!crd.status) return;
  crd.status.conditions = conditionsOf(crd).filter((c) => c?.type !== type);
}

/** IsCRDConditionEquivalent: equal but for times. */
export function conditionsEquivalent(a?: CRDCondition, b?: CRDCondition): boolean {
  if (!a || !b) return !a && !b;
  return a.type === b.type && a.status === b.status && (a.reason ?? '') === (b.reason ?? '') && (a.message ?? '') === (b.message ?? '');
}

/** CRDHasFinalizer. */
export function hasFinalizer(crd: KObject, finalizer: string = CUSTOM_RESOURCE_CLEANUP_FINALIZER): boolean {
  return Array.isArray(crd?.metadata?.finalizers) && crd.metadata.finalizers.includes(finalizer);
}

/** CRDRemoveFinalizer (mutates). */
export function removeFinalizer(crd: KObject, finalizer: string = CUSTOM_RESOURCE_CLEANUP_FINALIZER): void {
  crd.metadata.finalizers = (crd.metadata.finalizers ?? []).filter((f: string) => f !== finalizer);
}

/** IsStoredVersion. */
export function isStoredVersion(crd: KObject, version: string): boolean {
  return Array.isArray(crd?.status?.storedVersions) && crd.status.storedVersions.includes(version);
}

/** The names a kind holds in its group (a built-in kind, or a CRD's accepted names). */
export interface HeldNames {
  plural: string;
  singular?: string;
  shortNames?: string[];
  kind: string;
  listKind?: string;
}

export interface NamesResult {
  /** status.acceptedNames as the naming controller would set them */
  acceptedNames: KObject;
  namesAccepted: CRDCondition;
  established: CRDCondition;
}

/**
 * Which names in the CRD's group are already taken: other CRDs' status.acceptedNames (the CRD
 * itself skipped by name) and the given built-in kinds of that group.
 */
export function namesInUse(crd: KObject, otherCRDs: KObject[], builtins: (HeldNames & { group: string })[] = []): { resources: Set<string>; kinds: Set<string> } {
  const group = crd?.spec?.group;
  const resources = new Set<string>();
  const kinds = new Set<string>();
  const add = (n: Partial<HeldNames> | undefined) => {
    if (!n) return;
    resources.add(n.plural ?? '');
    resources.add(n.singular ?? '');
    for (const s of n.shortNames ?? []) resources.add(s);
    kinds.add(n.kind ?? '');
    kinds.add(n.listKind ?? '');
  };
  for (const o of otherCRDs) {
    if (o?.spec?.group !== group || o?.metadata?.name === crd?.metadata?.name) continue;
    add(o.status?.acceptedNames);
  }
  for (const b of builtins) if (b.group === group) add({ ...b, listKind: b.listKind ?? `${b.kind}List` });
  return { resources, kinds };
}

/** equalToAcceptedOrFresh. */
function conflict(requested: string, accepted: string, used: Set<string>): string | undefined {
  if (requested === accepted || !used.has(requested)) return undefined;
  return `${JSON.stringify(requested)} is already in use`;
}

/**
 * calculateNamesAndConditions: the accepted names and the NamesAccepted / Established conditions
 * (without lastTransitionTime; give them to setCondition) for `crd`, given the others of its group.
 */
export function calculateNamesAndConditions(crd: KObject, otherCRDs: KObject[], builtins: (HeldNames & { group: string })[] = []): NamesResult {
  const { resources, kinds } = namesInUse(crd, otherCRDs, builtins);
  const requested: KObject = crd?.spec?.names ?? {};
  const accepted: KObject = crd?.status?.acceptedNames ?? {};
  const names: KObject = { ...accepted };
  const cond: CRDCondition = { type: 'NamesAccepted', status: 'Unknown' };
  const fail = (reason: string, message: string) => Object.assign(cond, { status: 'False', reason, message });
  let e: string | undefined;
  if ((e = conflict(requested.plural ?? '', accepted.plural ?? '', resources))) fail('PluralConflict', e);
  else names.plural = requested.plural;
  if ((e = conflict(requested.singular ?? '', accepted.singular ?? '', resources))) fail('SingularConflict', e);
  else names.singular = requested.singular;
  const reqShort: string[] = requested.shortNames ?? [];
  const accShort: string[] = accepted.shortNames ?? [];
  if (JSON.stringify(requested.shortNames) !== JSON.stringify(accepted.shortNames)) {
    const errs = reqShort.filter((s) => !accShort.includes(s)).map((s) => conflict(s, '', resources)).filter((x): x is string => !!x);
    // utilerrors.NewAggregate: one error as is, several as [a, b]
    if (errs.length) fail('ShortNamesConflict', errs.length === 1 ? errs[0]! : `[${errs.join(', ')}]`);
    else names.shortNames = requested.shortNames;
  }
  if ((e = conflict(requested.kind ?? '', accepted.kind ?? '', kinds))) fail('KindConflict', e);
  else names.kind = requested.kind;
  if ((e = conflict(requested.listKind ?? '', accepted.listKind ?? '', kinds))) fail('ListKindConflict', e);
  else names.listKind = requested.listKind;
  names.categories = requested.categories;
  for (const k of Object.keys(names)) if (names[k] === undefined || (names[k] === '' && k !== 'plural' && k !== 'kind')) delete names[k];
  names.plural ??= '';
  names.kind ??= '';
  if (cond.status === 'Unknown') Object.assign(cond, { status: 'True', reason: 'NoConflicts', message: 'no conflicts found' });

  let established: CRDCondition = { type: 'Established', status: 'False', reason: 'NotAccepted', message: 'not all names are accepted' };
  const old = findCondition(crd, 'Established');
  if (old) established = { ...old };
  if (established.status !== 'True' && cond.status === 'True') established = { type: 'Established', status: 'False', reason: 'Installing', message: 'the initial names have been accepted' };
  return { acceptedNames: names, namesAccepted: cond, established };
}

/** The NamesAccepted=False reason and message for `crd`, or undefined when its names are free. */
export function crdNamesConflict(crd: KObject, otherCRDs: KObject[], builtins: (HeldNames & { group: string })[] = []): { reason: string; message: string } | undefined {
  const r = calculateNamesAndConditions(crd, otherCRDs, builtins);
  return r.namesAccepted.status === 'False' ? { reason: r.namesAccepted.reason!, message: r.namesAccepted.message! } : undefined;
}

/**
 * What the first DELETE of a CRD does instead of deleting it (pkg/registry/customresourcedefinition/
 * etcd.go REST.Delete): deletionTimestamp set (no grace period, no generation bump), the cleanup
 * finalizer added and Terminating=True (InstanceDeletionPending), so the finalizer controller can
 * delete the instances first. Mutates; false when the CRD is already being deleted (then DELETE is
 * the generic one).
 */
export function markCRDForDeletion(crd: KObject, now: string = nowRFC3339()): boolean {
  crd.metadata ??= {};
  if (crd.metadata.deletionTimestamp) return false;
  crd.metadata.deletionTimestamp = now;
  if (!hasFinalizer(crd)) crd.metadata.finalizers = [...(crd.metadata.finalizers ?? []), CUSTOM_RESOURCE_CLEANUP_FINALIZER];
  setCondition(crd, 'Terminating', 'True', 'InstanceDeletionPending', 'CustomResourceDefinition marked for deletion; CustomResource deletion will begin soon', now);
  return true;
}
