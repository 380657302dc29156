// Custom resources as kinds: one ResourceDef per served version of a CustomResourceDefinition,
// registered with the kind registry while the CRD is established (the model: apiextensions-apiserver
// pkg/apiserver/customresource_handler.go crdInfo and pkg/registry/customresource: strategy.go,
// status_strategy.go, validator.go, etcd.go). Versions other than the storage version are views of
// the same storage: `conversion.strategy: None` changes only apiVersion, `Webhook` calls the CRD's
// conversion webhook (conversion/webhook.ts).
import type { Cause, KObject, ResourceDef, StorageView, SubresourceDef } from '../resources/types.js';
import { registerDefinitions, unregisterDefinitions, type DefinitionSchema } from '../schema/model.js';
import { compareVersions } from '../util/versions.js';
import type { Registry } from '../registry/registry.js';
import { convertThroughWebhook } from './conversion/webhook.js';
import { storageVersion as storageVersionOfCRD } from '../resources/apiextensions/helpers.js';
import { compileSchema, openapiFor, tableFor, type CompiledSchema } from './support.js';

const OBJECT_META = 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta';
const NO_RESET: string[][] = [];
const VERBS = ['delete', 'deletecollection', 'get', 'list', 'patch', 'create', 'update', 'watch'];

const isMap = (v: unknown): v is Record<string, any> => !!v && typeof v === 'object' && !Array.isArray(v);

export interface CRDVersion {
  name: string;
  served?: boolean;
  storage?: boolean;
  schema?: { openAPIV3Schema?: KObject };
  subresources?: { status?: KObject; scale?: { specReplicasPath: string; statusReplicasPath: string; labelSelectorPath?: string } };
  additionalPrinterColumns?: KObject[];
  selectableFields?: { jsonPath: string }[];
  deprecated?: boolean;
  deprecationWarning?: string;
}

/** The served versions of a CRD, in upstream's version priority order (the order discovery lists them). */
function servedVersionsByPriority(crd: KObject): CRDVersion[] {
  const vs: CRDVersion[] = Array.isArray(crd?.spec?.versions) ? crd.spec.versions.filter((v: any) => isMap(v) && v.served) : [];
  return vs.sort((a, b) => compareVersions(a.name, b.name));
}

/** A simple dotted JSON path (`.spec.replicas`, as subresources and selectable fields use) read from obj. */
export function readSimplePath(obj: unknown, path: string): unknown {
  let v: any = obj;
  for (const seg of path.replace(/^\./, '').split('.')) {
    if (!seg) continue;
    if (!isMap(v)) return undefined;
    v = v[seg];
  }
  return v;
}

function fieldValue(v: unknown): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return undefined;
}

/** Every top-level field but metadata (copyNonMetadata): what changes the generation. */
function nonMetadata(o: KObject): KObject {
  const out: KObject = {};
  for (const k of Object.keys(o)) if (k !== 'metadata') out[k] = o[k];
  return out;
}

function sameJSON(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** The schema model definition of one version (for server-side apply and field paths): the CRD schema with ObjectMeta. */
function modelDefinition(crd: KObject, v: CRDVersion, group: string, kind: string): DefinitionSchema {
  // a shallow copy: the nested schemas are shared, never changed (and may nest thousands deep)
  const schema: KObject = isMap(v.schema?.openAPIV3Schema) ? { ...v.schema!.openAPIV3Schema } : { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };
  const properties: KObject = { ...(isMap(schema.properties) ? schema.properties : {}) };
  properties.apiVersion = { type: 'string' };
  properties.kind = { type: 'string' };
  properties.metadata = { $ref: OBJECT_META };
  return { ...schema, type: 'object', properties, 'x-kubernetes-group-version-kind': [{ group, version: v.name, kind }], unstructured: true } as DefinitionSchema;
}

export interface CustomResourceKinds {
  defs: ResourceDef[];
  /** schema model definition names registered for them */
  definitions: string[];
  versionOrder: string[];
}

/**
 * The kinds a CRD serves: one ResourceDef per served version, the storage version's first among
 * equals (the one controllers watch). `terminating`: the CRD is being deleted (no creates).
 */
export function customResourceKinds(crd: KObject, opts: { terminating?: boolean; registry?: Registry } = {}): CustomResourceKinds {
  const spec = crd.spec ?? {};
  const group: string = spec.group;
  const names = crd.status?.acceptedNames?.plural ? crd.status.acceptedNames : spec.names;
  const plural: string = names.plural;
  const kind: string = names.kind;
  const storageVersion = storageVersionOfCRD(crd) ?? '';
  const uid = crd.metadata?.uid ?? crd.metadata?.name;
  const defs: ResourceDef[] = [];
  const definitions: Record<string, DefinitionSchema> = {};
  const versions = servedVersionsByPriority(crd);
  const webhook = spec.conversion?.strategy === 'Webhook';
  for (const v of versions) {
    const definition = `crd:${uid}:${v.name}`;
    definitions[definition] = modelDefinition(crd, v, group, kind);
    // compiled on first use (a restart with many CRDs pays for each when its objects are first written)
    let compiledSchema: CompiledSchema | undefined;
    const compiled = { get: () => (compiledSchema ??= compileSchema(v.schema?.openAPIV3Schema, spec.preserveUnknownFields === true)) };
    const hasStatus = isMap(v.subresources) && v.subresources.status !== undefined && v.subresources.status !== null;
    const scale = isMap(v.subresources) && isMap(v.subresources.scale) ? v.subresources.scale : undefined;
    const subresources: SubresourceDef[] = [];
    if (hasStatus) subresources.push({ name: 'status', kind, verbs: ['get', 'patch', 'update'] });
    if (scale) subresources.push({ name: 'scale', group: 'autoscaling', version: 'v1', kind: 'Scale', verbs: ['get', 'patch', 'update'] });
    const apiVersion = `${group}/${v.name}`;
    const storedApiVersion = `${group}/${storageVersion}`;
    // conversion.strategy None rewrites apiVersion; Webhook calls the CRD's conversion webhook
    const convert = (o: KObject, to: string, stored: boolean): KObject => {
      if (o.apiVersion === to) return o;
      if (webhook) {
        const wh = spec.conversion?.webhook ?? {};
        return convertThroughWebhook({ clientConfig: wh.clientConfig ?? {}, conversionReviewVersions: Array.isArray(wh.conversionReviewVersions) ? wh.conversionReviewVersions : [], registry: opts.registry }, o, to, kind, stored);
      }
      return { ...o, apiVersion: to };
    };
    const storage: StorageView = {
      group,
      plural,
      primary: v.name === storageVersion,
      fromStorage: (o) => convert(o, apiVersion, true),
      // objects are stored with apiVersion first (checkTypeMeta sets it before anything else is written)
      passThrough: (json) => json.startsWith(`{"apiVersion":${JSON.stringify(apiVersion)}`) || json.startsWith(`{"kind":${JSON.stringify(kind)},"apiVersion":${JSON.stringify(apiVersion)},`),
      toStorage: (o) => convert(o, storedApiVersion, false),
    };
    // the field labels a custom resource takes (pkg/apiserver/conversion/converter.go
    // ConvertFieldLabel): metadata.name, metadata.namespace when namespaced, the selectable fields;
    // any other is "field label not supported: <label>"
    const fieldSelectors: Record<string, (o: KObject) => string | undefined> = { 'metadata.name': (o) => o.metadata?.name };
    for (const f of v.selectableFields ?? []) {
      if (typeof f?.jsonPath !== 'string') continue;
      fieldSelectors[f.jsonPath.replace(/^\./, '')] = (o) => fieldValue(readSimplePath(o, f.jsonPath));
    }
    const def: ResourceDef = {
      group,
      version: v.name,
      kind,
      listKind: names.listKind ?? `${kind}List`,
      plural,
      singular: names.singular || kind.toLowerCase(),
      namespaced: spec.scope !== 'Cluster',
      shortNames: names.shortNames?.length ? [...names.shortNames] : undefined,
      categories: names.categories?.length ? [...names.categories] : undefined,
      verbs: VERBS,
      subresources,
      definition,
      unstructured: true,
      protobuf: false,
      patchTypes: ['json', 'merge', 'apply'],
      generation: true,
      storage,
      fieldSelectors,
      table: tableFor(v.additionalPrinterColumns),
      // customresource/strategy.go GetResetFields: status only with a status subresource
      resetFields: hasStatus ? undefined : (sub) => (sub ? undefined : NO_RESET),
      pruneUnknownFields: (obj) => compiled.get().prune(obj),
      defaults: (obj) => compiled.get().defaults(obj),
      // customresource/strategy.go: a status subresource keeps status out of the main resource
      prepareForCreate: hasStatus ? (obj) => void delete obj.status : undefined,
      prepareForUpdate(obj, old) {
        if (!hasStatus) return;
        if (old.status !== undefined) obj.status = old.status;
        else delete obj.status;
      },
      // status_strategy.go: everything but status (and managedFields) comes from the live object
      prepareForStatusUpdate(obj, old) {
        for (const k of Object.keys(obj)) if (k !== 'metadata' && k !== 'status') delete obj[k];
        for (const k of Object.keys(old)) if (k !== 'metadata' && k !== 'status') obj[k] = old[k];
      },
      generationChanged: (obj, old) => !sameJSON(nonMetadata(obj), nonMetadata(old)),
      // validator.go: the schema and the CEL rules; transition rules (oldSelf) only on updates
      validate: (obj) => compiled.get().validate(obj),
      validateForUpdate: (obj, old) => compiled.get().validateUpdate(obj, old),
      validateStatusUpdate: (obj, old): Cause[] => compiled.get().validateStatus(obj, old),
      createRefused: opts.terminating ? () => 'create not allowed while custom resource definition is terminating' : undefined,
      deprecationWarning: v.deprecated
        ? () => v.deprecationWarning ?? `${apiVersion} ${kind} is deprecated`
        : undefined,
    };
    if (scale) {
      def.scale = {
        specReplicasPath: scale.specReplicasPath,
        statusReplicasPath: scale.statusReplicasPath,
        selector: scale.labelSelectorPath ? (o) => fieldValue(readSimplePath(o, scale.labelSelectorPath!)) : undefined,
      };
    }
    // the OpenAPI documents are built when first served (a few ms per version)
    let openapi: ResourceDef['openapi'] | null = null;
    Object.defineProperty(def, 'openapi', { enumerable: true, configurable: true, get: () => (openapi ??= openapiFor(crd, v.name)) ?? undefined });
    defs.push(def);
  }
  registerDefinitions(definitions);
  return { defs, definitions: Object.keys(definitions), versionOrder: versions.map((v) => v.name) };
}


export function releaseDefinitions(k: CustomResourceKinds): void {
  unregisterDefinitions(k.definitions);
}
