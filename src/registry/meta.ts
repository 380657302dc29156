// Generic ObjectMeta handling shared by every kind: system fields on create, metadata validation,
// what an update may not change (apimachinery/pkg/api/validation/objectmeta.go, apiserver
// pkg/registry/rest/create.go BeforeCreate and update.go BeforeUpdate).
import { randomUUID, randomInt } from 'node:crypto';
import type { Cause, KObject, ResourceDef } from '../resources/types.js';
import {
  deepEqual,
  forbidden,
  invalid,
  isDNS1123Subdomain,
  isQualifiedName,
  required,
  validateAnnotations,
  validateImmutable,
  validateLabels,
} from './validation.js';

/** RFC3339 with second precision, as metav1.Time serialises. */
let lastSecond = NaN;
let lastText = '';
export function nowRFC3339(now = Date.now()): string {
  const second = Math.floor(now / 1000);
  if (second !== lastSecond) {
    lastText = new Date(second * 1000).toISOString().replace('.000Z', 'Z');
    lastSecond = second;
  }
  return lastText;
}

// apiserver/pkg/storage/names/generate.go: 5 characters from an alphabet without vowels.
const ALPHANUMS = 'bcdfghjklmnpqrstvwxz2456789';
const MAX_GENERATED_NAME_LENGTH = 58;

/**
 * The name admission refusals give an object (admission.NewForbidden, extractResourceName):
 * admission runs before the name is generated, so an object with only a generateName is named by it.
 */
export function admittedName(meta: unknown): string {
  const m = meta && typeof meta === 'object' ? (meta as Record<string, unknown>) : {};
  if (typeof m.name === 'string' && m.name) return m.name;
  if (typeof m.generateName === 'string' && m.generateName) return m.generateName;
  return 'Unknown';
}

export function generateName(base: string): string {
  if (base.length > MAX_GENERATED_NAME_LENGTH) base = base.slice(0, MAX_GENERATED_NAME_LENGTH);
  let s = '';
  for (let i = 0; i < 5; i++) s += ALPHANUMS[randomInt(ALPHANUMS.length)];
  return base + s;
}

export function newUID(): string {
  return randomUUID();
}

/** ValidateObjectMeta for create. */
export function validateObjectMeta(def: ResourceDef, meta: KObject): Cause[] {
  return validateNames(def, meta).concat(validateMetaCommon(meta));
}

function validateNames(def: ResourceDef, meta: KObject): Cause[] {
  const causes: Cause[] = [];
  const nameCheck = def.validateName ?? isDNS1123Subdomain;
  if (meta.generateName) {
    for (const e of nameCheck(String(meta.generateName).replace(/-$/, '') || 'a')) {
      if (!/no more than/.test(e)) causes.push(invalid('metadata.generateName', meta.generateName, e));
    }
  }
  if (!meta.name) {
    causes.push(required('metadata.name', 'name or generateName is required'));
  } else if (typeof meta.name !== 'string') {
    causes.push(invalid('metadata.name', meta.name, 'must be a string'));
  } else {
    for (const e of nameCheck(meta.name)) causes.push(invalid('metadata.name', meta.name, e));
  }
  if (def.namespaced) {
    if (!meta.namespace) causes.push(required('metadata.namespace', ''));
  } else if (meta.namespace) {
    causes.push(forbidden('metadata.namespace', 'not allowed on this type'));
  }
  return causes;
}

function validateMetaCommon(meta: KObject): Cause[] {
  const causes: Cause[] = [];
  causes.push(...validateLabels(meta.labels, 'metadata.labels'));
  causes.push(...validateAnnotations(meta.annotations, 'metadata.annotations'));
  if (meta.finalizers !== undefined) {
    if (!Array.isArray(meta.finalizers)) causes.push(invalid('metadata.finalizers', meta.finalizers, 'must be a list'));
    else {
      const seen = new Set<string>();
      meta.finalizers.forEach((f: unknown, i: number) => {
        if (typeof f !== 'string') return void causes.push(invalid(`metadata.finalizers[${i}]`, f, 'must be a string'));
        for (const e of isQualifiedName(f)) causes.push(invalid(`metadata.finalizers[${i}]`, f, e));
        // validateKubeFinalizerName: orphan and foregroundDeletion cannot be combined
        seen.add(f);
      });
      if (seen.has('orphan') && seen.has('foregroundDeletion'))
        causes.push(invalid('metadata.finalizers', meta.finalizers, "finalizer orphan and foregroundDeletion cannot be both set"));
    }
  }
  if (meta.ownerReferences !== undefined) {
    if (!Array.isArray(meta.ownerReferences)) causes.push(invalid('metadata.ownerReferences', meta.ownerReferences, 'must be a list'));
    else {
      let controllers = 0;
      meta.ownerReferences.forEach((r: KObject, i: number) => {
        const p = `metadata.ownerReferences[${i}]`;
        if (!r || typeof r !== 'object') return void causes.push(invalid(p, r, 'must be an object'));
        if (!r.apiVersion) causes.push(invalid(`${p}.apiVersion`, r.apiVersion ?? '', 'version must not be empty'));
        if (!r.kind) causes.push(invalid(`${p}.kind`, r.kind ?? '', 'kind must not be empty'));
        if (!r.name) causes.push(invalid(`${p}.name`, r.name ?? '', 'name must not be empty'));
        if (!r.uid) causes.push(invalid(`${p}.uid`, r.uid ?? '', 'uid must not be empty'));
        if (r.controller === true) controllers++;
      });
      if (controllers > 1)
        causes.push(invalid('metadata.ownerReferences', meta.ownerReferences, 'Only one reference can have Controller set to true'));
    }
  }
  return causes;
}

/** ValidateObjectMetaUpdate: what an update may not change. */
export function validateObjectMetaUpdate(def: ResourceDef, meta: KObject, old: KObject): Cause[] {
  const causes: Cause[] = [];
  causes.push(...validateImmutable(meta.name, old.name, 'metadata.name'));
  if (def.namespaced) causes.push(...validateImmutable(meta.namespace, old.namespace, 'metadata.namespace'));
  causes.push(...validateImmutable(meta.uid, old.uid, 'metadata.uid'));
  causes.push(...validateImmutable(meta.creationTimestamp, old.creationTimestamp, 'metadata.creationTimestamp'));
  if (old.deletionTimestamp && meta.finalizers) {
    // a deleting object may lose finalizers but not gain new ones
    const had = new Set<string>(old.finalizers ?? []);
    for (const f of meta.finalizers as string[]) {
      if (!had.has(f)) causes.push(forbidden('metadata.finalizers', `no new finalizers can be added if the object is being deleted, found new finalizers ${JSON.stringify([f])}`));
    }
  }
  return causes.concat(validateMetaCommon(meta));
}

/** Fields a client may not set and the server owns (cleared on create). */
/**
 * The identity a create's validating admission saw (its dry run): the real write keeps it, as
 * upstream fills uid and creationTimestamp once, before validating admission (rest.BeforeCreate).
 */
const presetIdentities = new WeakMap<object, { uid: string; creationTimestamp: string }>();
export function presetIdentity(meta: KObject, id: { uid: string; creationTimestamp: string }): void {
  presetIdentities.set(meta, id);
}

export function resetSystemMetaForCreate(meta: KObject, now = Date.now()): void {
  const preset = presetIdentities.get(meta);
  meta.uid = preset?.uid ?? newUID();
  meta.creationTimestamp = preset?.creationTimestamp ?? nowRFC3339(now);
  delete meta.deletionTimestamp;
  delete meta.deletionGracePeriodSeconds;
  delete meta.resourceVersion;
  delete meta.selfLink;
}

/** On update, keep the system fields of the live object whatever the client sent. */
export function keepSystemMetaOnUpdate(meta: KObject, old: KObject): void {
  if (!meta.uid) meta.uid = old.uid;
  meta.creationTimestamp = old.creationTimestamp;
  if (old.deletionTimestamp) meta.deletionTimestamp = old.deletionTimestamp;
  else delete meta.deletionTimestamp;
  if (old.deletionGracePeriodSeconds !== undefined) meta.deletionGracePeriodSeconds = old.deletionGracePeriodSeconds;
  else delete meta.deletionGracePeriodSeconds;
  if (old.generation !== undefined) meta.generation = old.generation;
  else delete meta.generation;
  delete meta.selfLink;
}

/** ObjectMeta's omitempty maps and lists: an empty one is not stored (Go's JSON encoding drops it). */
export function dropEmptyMeta(meta: KObject): void {
  for (const k of ['labels', 'annotations', 'finalizers', 'ownerReferences', 'managedFields']) {
    const v = meta[k];
    if (v === null || (Array.isArray(v) && v.length === 0) || (v && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length === 0)) delete meta[k];
  }
}

/**
 * Whether an update's metadata.resourceVersion asks for no precondition: absent, empty, or one
 * that parses to 0 (apiserver registry/generic/registry/store.go Update: newResourceVersion == 0;
 * APIObjectVersioner.ObjectResourceVersion uses strconv.ParseUint, so "0" and "00" are 0).
 */
export function isUnconditionalRV(rv: unknown): boolean {
  return rv === undefined || rv === null || rv === '' || (typeof rv === 'string' && /^0+$/.test(rv));
}
