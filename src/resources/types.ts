// The contract between the generic registry and one kind. Each kind states only what is
// special about it (the model: kube-apiserver's rest.RESTCreateStrategy / RESTUpdateStrategy,
// pkg/registry/*/*/strategy.go); the generic store in src/registry does the rest.

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
  create?(obj: KObject): KObject;
  /** Admission that refuses a DELETE before anything is read: the Forbidden reason (namespaces: immortal ones). */
  deleteForbidden?(name: string): string | undefined;
  /** DELETE answers the object rather than a Status (pods, namespaces, ...). */
  returnDeletedObject?: boolean;
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
