// The contract between the generic registry and one kind. Each kind states only what is
// special about it (the model: kube-apiserver's rest.RESTCreateStrategy / RESTUpdateStrategy,
// pkg/registry/*/*/strategy.go); the generic store in src/registry does the rest.
import type { Registry } from '../registry/registry.js';
import type { KindOpenAPI } from '../schema/openapi-served.js';

/** A Kubernetes object as JSON. */
export type KObject = Record<string, any>;

/** One entry of a metav1.Status `details.causes` list. */
export interface Cause {
  /** metav1.CauseType, e.g. FieldValueRequired, FieldValueInvalid, FieldValueNotSupported, FieldValueForbidden, FieldValueDuplicate, FieldValueTooLong */
  reason: string;
  /** the full message as upstream's field.Error.Error() renders it, e.g. `Required value` or `Invalid value: "x": must be ...` */
  message: string;
  /** the field path, e.g. `spec.containers[0].name`, `metadata.name` */
  field: string;
}

/** A column of a meta.k8s.io/v1 Table. */
export interface ColumnDefinition {
  name: string;
  type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  format: string;
  description: string;
  priority: number;
}

export interface TablePrinter {
  columns: ColumnDefinition[];
  /** The cells of one row, one per column (always the wide set). `now` is ms since the epoch. */
  row(obj: KObject, now: number): unknown[];
  /** Columns that only exist from some emulated minor version on (name -> minor). */
  columnsSince?: Record<string, number>;
  /** The printer as an older emulated minor version prints its cells, when they differ. */
  forMinor?(minor: number): TablePrinter;
  /** Optional row conditions (pods: Completed). */
  conditions?(obj: KObject): unknown[] | undefined;
}

/** What the registry needs to know about one subresource. */
export interface SubresourceDef {
  name: string; // status, scale, log, exec, binding, finalize, ...
  /** kind answered, for discovery (e.g. Scale in autoscaling/v1) */
  group?: string;
  version?: string;
  kind: string;
  verbs: string[];
}

export interface ResourceDef {
  group: string; // '' for core
  version: string;
  kind: string;
  listKind: string;
  plural: string;
  singular: string;
  namespaced: boolean;
  shortNames?: string[];
  categories?: string[];
  verbs: string[];
  subresources: SubresourceDef[];
  /** the swagger definition name, e.g. io.k8s.api.core.v1.Pod */
  definition: string;

  /** metadata.name check (default: DNS-1123 subdomain). Returns upstream's error strings. */
  validateName?: (name: string) => string[];
  /** Apply the API defaults (pkg/apis/<group>/v1/defaults.go). Mutates. */
  defaults?(obj: KObject): void;
  /** Reset fields the client may not set on create (status, ...). Mutates. */
  prepareForCreate?(obj: KObject): void;
  /** Copy what the main resource may not change (usually status) from old. Mutates newObj. */
  prepareForUpdate?(newObj: KObject, oldObj: KObject): void;
  /** For writes through the status subresource: keep old spec, take new status. Mutates newObj. */
  prepareForStatusUpdate?(newObj: KObject, oldObj: KObject): void;
  /** The status subresource may change metadata too (pods: podStatusStrategy does not ResetObjectMetaForStatus). */
  statusUpdatesMetadata?: boolean;
  /** Validation beyond the generic metadata checks; returns causes (empty = valid). */
  validate?(obj: KObject): Cause[];
  validateUpdate?(newObj: KObject, oldObj: KObject): Cause[];
  validateStatusUpdate?(newObj: KObject, oldObj: KObject): Cause[];
  /** When set, the whole validation of an update of the main resource (instead of validate + validateUpdate). */
  validateForUpdate?(newObj: KObject, oldObj: KObject): Cause[];
  /** The strategy's WarningsOnCreate / WarningsOnUpdate (main resource): Warning headers for a valid write. */
  warningsOnCreate?(obj: KObject): string[];
  warningsOnUpdate?(newObj: KObject, oldObj: KObject): string[];
  /** Whether a change of this object should bump metadata.generation (default: spec changed). */
  generationChanged?(newObj: KObject, oldObj: KObject): boolean;

  /** Field selectors beyond metadata.name / metadata.namespace: label -> value extractor. */
  fieldSelectors?: Record<string, (obj: KObject) => string | undefined>;
  /** Table printer (columns + cells). */
  table?: TablePrinter;

  /** metadata.generation is maintained (1 on create, +1 on spec change and on deletion start). */
  generation?: boolean;
  /** PUT of a missing object creates it (upstream AllowCreateOnUpdate: events, endpoints, leases). */
  allowCreateOnUpdate?: boolean;
  /** false: an update must carry a resourceVersion (upstream AllowUnconditionalUpdate; leases). Default true. */
  allowUnconditionalUpdate?: boolean;
  /** Default propagation policy on DELETE when none given (apps/v1: Background). */
  defaultDeletePolicy?: 'Background' | 'Orphan' | 'Foreground';
  /** Graceful deletion (pods): returns the grace period to use, or 0 for immediate. */
  gracePeriod?(obj: KObject, requested: number | undefined): number;
  /** Served from another kind's storage (see StorageView). */
  storage?: StorageView;
  /** A deprecation warning sent with every request for this resource, by emulated minor version (apiserver deprecation.go). */
  deprecationWarning?(emulatedMinor: number): string | undefined;
  /** Virtual create-only kinds (reviews): computes the answer; nothing is stored. */
  create?(obj: KObject, ctx: VirtualCreateContext): KObject | Promise<KObject>;
  /** Admission that refuses a DELETE before anything is read: the Forbidden reason (namespaces: immortal ones). */
  deleteForbidden?(name: string): string | undefined;
  /** DELETE answers the object rather than a Status (pods, namespaces, ...). */
  returnDeletedObject?: boolean;

  /**
   * Go value-typed (non-pointer) struct fields and non-omitempty lists of the Go types this kind
   * uses, by definition name: server-side apply's zero object has them (fieldmanager/schema.ts).
   */
  valueFields?: ValueFields;
  /** The scale subresource's view of this kind (autoscaling/v1 Scale), when it has one. */
  scale?: ScaleDef;
  /**
   * The strategy's reset fields (GetResetFields) for a write through `subresource`, where they differ
   * from the default (main resource: status, when the kind has it; status: spec). Return a stable array.
   */
  resetFields?(subresource?: string): string[][] | undefined;
  /** Patch types accepted (default: json, merge, strategic, apply); others answer 415. */
  patchTypes?: PatchType[];
  /** false: protobuf bodies are refused and answers are JSON (custom resources). */
  protobuf?: false;
  /**
   * Objects are not Go types (custom resources): no decoding into a schema model (nulls stay,
   * no type errors at decode); unknown fields are found and dropped by `pruneUnknownFields`.
   */
  unstructured?: boolean;
  /** Drops the fields the kind does not know from obj (mutates) and returns their paths (`spec.foo`). */
  pruneUnknownFields?(obj: KObject): string[];
  /** Refuses a create before anything is read (a CRD being deleted): the MethodNotSupported message. */
  createRefused?(): string | undefined;
  /** Called when a DELETE starts the deletion of an object (marks it, adds finalizers). Mutates. */
  beforeDelete?(obj: KObject): void;
  /** OpenAPI a run-time kind publishes (custom resources). */
  openapi?: KindOpenAPI;
  /**
   * What the kind needs in each server (admission that reserves and releases, state rebuilt from
   * storage), run once when the kind is registered with a registry.
   */
  install?(registry: Registry, config: KindConfig): void;
}

export type ValueFields = Record<string, { structs?: string[]; nulls?: string[] }>;

export type PatchType = 'json' | 'merge' | 'strategic' | 'apply';

/** Server-wide settings kinds read when they are installed. */
export interface KindConfig {
  serviceCIDR: string;
  /** --disable-admission-plugins: plugins a kind must not install (src/admission/plugins.ts) */
  disabledAdmissionPlugins?: string[];
}

/** The scale subresource as data (CRDs' subresources.scale; StatefulSets, Deployments...). */
export interface ScaleDef {
  /** spec replicas: read and written (a JSONPath-like dotted path, `.spec.replicas`) */
  specReplicasPath: string;
  /** status replicas, read */
  statusReplicasPath: string;
  /** the label selector answered in status.selector, as a string (custom resources: a string field) */
  selector?(obj: KObject): string | undefined;
}

/**
 * A kind served as another version of a stored kind (events.k8s.io/v1 Events are core/v1 Events
 * in storage upstream): objects convert at the registry boundary, one object, one uid and RV.
 */
export interface StorageView {
  group: string;
  plural: string;
  fromStorage(obj: KObject): KObject;
  toStorage(obj: KObject): KObject;
  /** the stored resource's own version (a custom resource's storage version): the one controllers watch */
  primary?: boolean;
  /** true when the stored JSON needs no conversion to be served (a fast check) */
  passThrough?(json: string): boolean;
  /** this kind's field label -> the stored kind's field label */
  fieldLabel?(label: string): string;
}

/** The key an object is stored under: /<group or core>/<plural>/<namespace or ''>/<name>. */
export function storageKey(def: Pick<ResourceDef, 'group' | 'plural' | 'storage'>, namespace: string, name: string): string {
  const s = def.storage ?? def;
  return `/${s.group || 'core'}/${s.plural}/${namespace}/${name}`;
}

export function apiVersionOf(def: Pick<ResourceDef, 'group' | 'version'>): string {
  return def.group ? `${def.group}/${def.version}` : def.version;
}

/** `pods`, `statefulsets.apps`: how upstream names a resource in messages. */
export function qualifiedResource(def: Pick<ResourceDef, 'group' | 'plural'>): string {
  return def.group ? `${def.plural}.${def.group}` : def.plural;
}

/** What a virtual create-only kind (reviews) knows of its request. */
export interface VirtualCreateContext {
  /** the requesting user (after impersonation) */
  user: import('../auth/types.js').UserInfo;
  namespace: string;
  registry: import('../registry/registry.js').Registry;
  security: import('../auth/filters.js').SecurityRuntime;
}
