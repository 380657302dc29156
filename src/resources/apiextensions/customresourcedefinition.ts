// CustomResourceDefinition (apiextensions.k8s.io/v1, cluster-scoped), served as a built-in kind as
// kube-apiserver's embedded apiextensions-apiserver serves it:
// staging/src/k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1/defaults.go (defaults),
// pkg/registry/customresourcedefinition/strategy.go and etcd.go (strategy, status subresource,
// shortNames crd/crds, category api-extensions, field selectors: metadata.name only),
// pkg/apis/apiextensions/validation/validation.go (validation.ts). The printer is the default
// NAME / CREATED AT table (etcd.go: rest.NewDefaultTableConvertor).
import type { KObject, ResourceDef } from '../types.js';
import { deepEqual } from '../../registry/validation.js';
import { isMap, pruneUnionHeldSchemas } from './internal.js';
import type { SchemaCheckers } from './schema-validation.js';
import { validateCustomResourceDefinition, validateCustomResourceDefinitionStatusUpdate, validateCustomResourceDefinitionUpdate } from './validation.js';
import { caBundleValid } from './webhook.js';
import { isEstablished, markCRDForDeletion, storageVersion } from './helpers.js';

export type { SchemaCheckers } from './schema-validation.js';
export type { Cause } from '../types.js';

let checkers: SchemaCheckers = {};

// Upstream's update validation replaces the create validation (other options: what the stored
// object already breaks may stay); the registry calls validate before validateUpdate on an update,
// so an object being updated (marked in prepareForUpdate) skips the create rules.
const updating = new WeakSet<KObject>();

/** Plugs in the structural-schema, defaulting and CEL checks (src/apiextensions/) used by the served kind's validation. */
export function setSchemaCheckers(opts: SchemaCheckers): void {
  checkers = { ...opts };
}

// the structural-schema rules, the defaults' checks and the CEL compilation of src/apiextensions
// the schema checks are installed by src/apiextensions/checkers.ts (loaded before the first CRD write)

/** ValidateCustomResourceDefinition with the given (or the installed) schema checkers, worded as the emulated minor version words it. */
export function validateCRD(obj: KObject, opts?: SchemaCheckers, emulatedMinor = 33) {
  return validateCustomResourceDefinition(obj, opts ?? checkers, emulatedMinor);
}

/** allowInvalidCABundle: an invalid conversion caBundle may stay only while the CRD is not established, or if it was invalid already. */
function allowInvalidCABundle(old: KObject): boolean {
  if (!isEstablished(old)) return true;
  const bundle = old.spec?.conversion?.webhook?.clientConfig?.caBundle;
  if (typeof bundle !== 'string' || bundle.length === 0) return false;
  return !caBundleValid(bundle);
}

/** ValidateCustomResourceDefinitionUpdate with the given (or the installed) schema checkers. */
export function validateCRDUpdate(newObj: KObject, oldObj: KObject, opts?: SchemaCheckers, emulatedMinor = 33) {
  return validateCustomResourceDefinitionUpdate(newObj, oldObj, opts ?? checkers, allowInvalidCABundle(oldObj), emulatedMinor);
}

/** SetDefaults_CustomResourceDefinition (+ SetDefaults_ServiceReference). Mutates. */
export function defaultCRD(obj: KObject): void {
  if (!isMap(obj.spec)) return;
  const spec = obj.spec;
  if (!isMap(spec.names)) spec.names = {};
  const names = spec.names;
  if (!names.singular && typeof names.kind === 'string') names.singular = names.kind.toLowerCase();
  if (!names.listKind && typeof names.kind === 'string' && names.kind) names.listKind = names.kind + 'List';
  if (!isMap(spec.conversion)) spec.conversion = { strategy: 'None' };
  // what decoding into the Go types leaves out (marshal.go's non-strict unions)
  for (const v of Array.isArray(spec.versions) ? spec.versions : []) if (isMap(v) && isMap(v.schema)) pruneUnionHeldSchemas(v.schema.openAPIV3Schema);
  const svc = spec.conversion.webhook?.clientConfig?.service;
  if (isMap(svc) && svc.port === undefined) svc.port = 443;
  // status.storedVersions defaults to the storage version
  if (!Array.isArray(obj.status?.storedVersions) || obj.status.storedVersions.length === 0) {
    const storage = storageVersion(obj);
    if (storage !== undefined) {
      if (!isMap(obj.status)) obj.status = {};
      obj.status.storedVersions = [storage];
    }
  }
}

/** The storage version joins status.storedVersions (PrepareForCreate / PrepareForUpdate). */
function addStoredVersion(obj: KObject): void {
  const storage = storageVersion(obj);
  if (storage === undefined) return;
  const stored: string[] = Array.isArray(obj.status.storedVersions) ? obj.status.storedVersions : [];
  if (!stored.includes(storage)) obj.status.storedVersions = [...stored, storage];
}

/** An empty CustomResourceDefinitionStatus as Go writes it (acceptedNames' plural and kind, conditions and storedVersions have no omitempty). */
function emptyStatus(): KObject {
  return { acceptedNames: { plural: '', kind: '' }, conditions: null, storedVersions: null };
}

/** Whether any version of a CRD has selectableFields (specHasSelectableFields). */
function hasSelectableFields(obj: KObject): boolean {
  return Array.isArray(obj?.spec?.versions) && obj.spec.versions.some((v: KObject) => Array.isArray(v?.selectableFields));
}

/**
 * dropDisabledFields for CustomResourceFieldSelectors (alpha, off, in 1.30; on from 1.31):
 * selectableFields are dropped unless the stored object already has some.
 */
function dropSelectableFields(obj: KObject, old?: KObject): void {
  if (old && hasSelectableFields(old)) return;
  for (const v of Array.isArray(obj?.spec?.versions) ? obj.spec.versions : []) if (isMap(v)) delete v.selectableFields;
}

/** The served kind as an emulated minor version serves it (the wording of its validation, its feature gates). */
export function customResourceDefinitionDefFor(emulatedMinor: number): ResourceDef {
  const base = customResourceDefinitionDef;
  const gated = emulatedMinor <= 30;
  return {
    ...base,
    prepareForCreate: gated ? (obj) => (base.prepareForCreate!(obj), dropSelectableFields(obj)) : base.prepareForCreate,
    prepareForUpdate: gated ? (obj, old) => (base.prepareForUpdate!(obj, old), dropSelectableFields(obj, old)) : base.prepareForUpdate,
    validate: (obj) => (updating.has(obj) ? [] : validateCRD(obj, undefined, emulatedMinor)),
    validateUpdate: (obj, old) => validateCRDUpdate(obj, old, undefined, emulatedMinor),
  };
}

export const customResourceDefinitionDef: ResourceDef = {
  group: 'apiextensions.k8s.io',
  version: 'v1',
  kind: 'CustomResourceDefinition',
  listKind: 'CustomResourceDefinitionList',
  plural: 'customresourcedefinitions',
  singular: 'customresourcedefinition',
  namespaced: false,
  shortNames: ['crd', 'crds'],
  categories: ['api-extensions'],
  verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
  subresources: [{ name: 'status', kind: 'CustomResourceDefinition', verbs: ['get', 'patch', 'update'] }],
  definition: 'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.CustomResourceDefinition',
  generation: true,
  allowUnconditionalUpdate: false,
  valueFields: {
    'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.CustomResourceDefinitionSpec': { structs: ['names'], nulls: ['versions'] },
    'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.CustomResourceDefinitionStatus': { structs: ['acceptedNames'], nulls: ['conditions', 'storedVersions'] },
  },
  // the first DELETE marks the CRD (Terminating, the cleanup finalizer); the finalizer controller
  // (src/apiextensions/serving.ts) deletes the custom resources, then the CRD
  beforeDelete: (obj) => void markCRDForDeletion(obj),

  defaults: defaultCRD,
  prepareForCreate(obj) {
    obj.status = emptyStatus();
    addStoredVersion(obj);
  },
  prepareForUpdate(obj, old) {
    updating.add(obj);
    obj.status = old.status === undefined ? emptyStatus() : structuredClone(old.status);
    addStoredVersion(obj);
  },
  prepareForStatusUpdate(obj, old) {
    obj.spec = old.spec;
  },
  generationChanged: (obj, old) => !deepEqual(obj.spec, old.spec),
  validate: (obj) => (updating.has(obj) ? [] : validateCRD(obj)),
  validateUpdate: (obj, old) => validateCRDUpdate(obj, old),
  validateStatusUpdate: (obj) => validateCustomResourceDefinitionStatusUpdate(obj),
};
