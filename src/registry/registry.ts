// The generic store: create / get / list / update / delete for every kind, asking the kind's
// ResourceDef only for what is special about it (the model: apiserver
// pkg/registry/generic/registry/store.go). Controllers use this class directly as their client,
// so validation, resourceVersions and watch events are the same as over HTTP.
import type { Logger } from 'pino';
import type { Cause, KindConfig, KObject, ResourceDef } from '../resources/types.js';
import { apiVersionOf, storageKey } from '../resources/types.js';
import {
  KeyExistsError,
  KeyNotFoundError,
  ObjectStore,
  RevisionMismatchError,
  type Attrs,
  type Entry,
  type EventType,
} from '../storage/store.js';
import { alreadyExists, badRequest, conflict, forbidden, invalidObject, methodNotSupported, notFound, StatusError } from './errors.js';
import type { UserInfo } from '../auth/types.js';
import { admittedName, dropEmptyMeta, generateName, isUnconditionalRV, keepSystemMetaOnUpdate, nowRFC3339, resetSystemMetaForCreate, validateObjectMeta, validateObjectMetaUpdate } from './meta.js';
import { deepEqual } from './validation.js';
import { decodeNulls } from './decode.js';
import { typeMetaError } from './typemeta.js';
import { ListQuery, compileListFilter, type ListFilter } from './listfilter.js';
import { listEntries, type ListResult } from './list.js';
export { parseRV } from './list.js';
import { fieldValidation, type FieldValidationMode } from './fieldvalidation.js';
import { managerOrUserAgent, toRFC3339, updateManagedFields } from '../fieldmanager/index.js';

export interface WriteOptions {
  dryRun?: boolean;
  fieldManager?: string;
  fieldValidation?: FieldValidationMode;
  /** the subresource written through (status, scale, ...) */
  subresource?: string;
  /** duplicate fields found in the request body (JSON paths), for fieldValidation */
  duplicates?: string[];
  /** the client's User-Agent, which names the field manager when fieldManager is empty */
  userAgent?: string;
  /** the body was already checked against the schema and is clean (strict decoding in the handler) */
  fieldsChecked?: boolean;
  /** metadata.managedFields were already computed by server-side apply */
  managedFieldsComputed?: boolean;
  /**
   * For a create: the caller vouches that every create it sends with this key sets the same fields
   * (same members present, same ones empty), so the field manager's FieldsV1 is computed once per
   * key and reused (the event recorder's Events). managedFields come out exactly as computed.
   */
  fieldsShape?: string;
  /** who writes (the request's user after impersonation); unset for the in-process controllers */
  user?: UserInfo;
}

export interface WriteResult {
  object: KObject;
  /** the object as stored (JSON), when it was written: answers reuse it instead of re-serialising */
  json?: string;
  warnings: string[];
  /** false when an update changed nothing and nothing was written */
  changed?: boolean;
}

export interface DeleteOptions {
  gracePeriodSeconds?: number;
  propagationPolicy?: 'Background' | 'Foreground' | 'Orphan';
  orphanDependents?: boolean;
  preconditions?: { uid?: string; resourceVersion?: string };
  dryRun?: boolean;
}

export interface DeleteResult {
  /** the object as it is now (deleting) or was (deleted) */
  object: KObject;
  /** true when the object is gone */
  deleted: boolean;
}

/** A hook run on create/update after validation, before the write (e.g. ClusterIP allocation). */
/** What a hook reserved (Service IPs, ports): reverted when the write fails, committed when it succeeds. */
export interface AdmissionTransaction {
  revert?(): void;
  commit?(): void;
}
/**
 * A mutating admission plugin (DefaultStorageClass, Priority, RuntimeClass, DefaultIngressClass...):
 * runs after defaulting and the request's managedFields, before the kind's strategy and validation,
 * as the handlers run mutating admission before the store (apiserver handlers/create.go); it may
 * change the object or refuse it (a 403).
 */
export type MutatingAdmission = (op: 'create' | 'update', obj: KObject, old: KObject | undefined, opts: WriteOptions) => void;
export type AdmissionHook = (op: 'create' | 'update' | 'delete', obj: KObject, old: KObject | undefined, opts: WriteOptions) => void | AdmissionTransaction;
/** A hook run for every kind (validating admission that acts on any resource: ResourceQuota), after the kind's own hooks. */
export type AnyKindHook = (def: ResourceDef, op: 'create' | 'update' | 'delete', obj: KObject, old: KObject | undefined, opts: WriteOptions) => void | AdmissionTransaction;

export interface RegistryOptions {
  logger?: Logger;
  /** server-wide settings kinds read when installed (ResourceDef.install) */
  kindConfig?: KindConfig;
}

export { resourceId, servedId, decodeFor, viewEntry } from './views.js';
import { resourceId, servedId, decodeFor, viewEntry } from './views.js';
import { KindRegistry } from './kinds.js';

export class Registry {
  /** The kinds served: may change while the server runs (custom resources). */
  readonly kinds: KindRegistry;
  private readonly hooks = new Map<string, AdmissionHook[]>();
  private readonly admission = new Map<string, MutatingAdmission[]>();
  private readonly anyKindHooks: AnyKindHook[] = [];

  constructor(
    readonly store: ObjectStore,
    defs: ResourceDef[] | KindRegistry,
    readonly opts: RegistryOptions = {},
  ) {
    this.kinds = defs instanceof KindRegistry ? defs : new KindRegistry(defs);
    const config: KindConfig = { serviceCIDR: '10.96.0.0/12', ...opts.kindConfig };
    const installed = new Set<string>();
    const install = (d: ResourceDef) => {
      if (!d.install || installed.has(servedId(d))) return;
      installed.add(servedId(d));
      d.install(this, config);
    };
    for (const d of this.kinds.all()) install(d);
    this.kinds.subscribe(({ added }) => added.forEach(install));
  }

  /** The label and field attributes the store indexes, for whatever kinds are registered when an object is written. */
  static attrsFor(defs: ResourceDef[] | KindRegistry): (resource: string, obj: any) => Attrs {
    const kinds = defs instanceof KindRegistry ? defs : new KindRegistry(defs);
    let byId = new Map<string, ResourceDef>();
    let seen = -1;
    return (resource, obj) => {
      if (seen !== kinds.generation) {
        seen = kinds.generation;
        byId = new Map(kinds.all().filter((d) => !d.storage || d.storage.primary).map((d) => [resourceId(d), d]));
      }
      const def = byId.get(resource);
      const fields: Record<string, string> = { 'metadata.name': obj?.metadata?.name ?? '', 'metadata.namespace': obj?.metadata?.namespace ?? '' };
      if (def?.fieldSelectors) {
        for (const [f, get] of Object.entries(def.fieldSelectors)) {
          try {
            fields[f] = get(obj) ?? '';
          } catch {
            fields[f] = '';
          }
        }
      }
      return { labels: obj?.metadata?.labels ?? {}, fields };
    };
  }

  /** Whether apiVersion + kind names a kind this server serves (any resource). */
  readonly isRegistered = (apiVersion: string, kind: string): boolean => {
    for (const d of this.kinds.all()) if (d.kind === kind && apiVersionOf(d) === apiVersion) return true;
    return false;
  };

  allDefs(): ResourceDef[] {
    return this.kinds.all();
  }

  /** The preferred version of a resource. */
  def(group: string, plural: string): ResourceDef | undefined {
    return this.kinds.get(group, plural);
  }

  /** A resource at one version. */
  defAt(group: string, version: string, plural: string): ResourceDef | undefined {
    return this.kinds.at(group, version, plural);
  }

  mustDef(group: string, plural: string): ResourceDef {
    const d = this.def(group, plural);
    if (!d) throw new Error(`unknown resource ${group}/${plural}`);
    return d;
  }

  /** Adds a mutating admission plugin for a kind (see MutatingAdmission). */
  addAdmission(def: ResourceDef, plugin: MutatingAdmission): void {
    const id = servedId(def);
    this.admission.set(id, [...(this.admission.get(id) ?? []), plugin]);
  }

  private admit(def: ResourceDef, op: 'create' | 'update', obj: KObject, old: KObject | undefined, opts: WriteOptions): void {
    for (const p of this.admission.get(servedId(def)) ?? []) p(op, obj, old, opts);
  }

  /** Adds a hook run after validation, before the write: what the kind's storage reserves (Service IPs), reverted if the write fails. */
  addHook(def: ResourceDef, hook: AdmissionHook): void {
    const id = servedId(def);
    this.hooks.set(id, [...(this.hooks.get(id) ?? []), hook]);
  }

  /** Adds a hook run on writes of every kind, after the kind's own hooks (see AnyKindHook). */
  addAnyKindHook(hook: AnyKindHook): void {
    this.anyKindHooks.push(hook);
  }

  private runHooks(def: ResourceDef, op: 'create' | 'update' | 'delete', obj: KObject, old: KObject | undefined, opts: WriteOptions): Required<AdmissionTransaction> {
    const txns: AdmissionTransaction[] = [];
    try {
      for (const h of this.hooks.get(servedId(def)) ?? []) {
        const t = h(op, obj, old, opts);
        if (t) txns.push(t);
      }
      for (const h of this.anyKindHooks) {
        const t = h(def, op, obj, old, opts);
        if (t) txns.push(t);
      }
    } catch (err) {
      for (const t of txns) t.revert?.();
      throw err;
    }
    return { revert: () => txns.forEach((t) => t.revert?.()), commit: () => txns.forEach((t) => t.commit?.()) };
  }

  /** Runs `write` after the hooks' reservations: reverted if it throws, committed if it returns. */
  private inTransaction<T>(txn: Required<AdmissionTransaction>, write: () => T): T {
    let r: T;
    try {
      r = write();
    } catch (err) {
      txn.revert();
      throw err;
    }
    txn.commit();
    return r;
  }

  revision(): number {
    return this.store.revision();
  }

  // ---- reads -------------------------------------------------------------------------------

  getEntry(def: ResourceDef, namespace: string, name: string): Entry | undefined {
    const e = this.store.get(storageKey(def, def.namespaced ? namespace : '', name));
    return e && viewEntry(def, e);
  }

  get(def: ResourceDef, namespace: string, name: string): KObject {
    const e = this.store.get(storageKey(def, def.namespaced ? namespace : '', name));
    if (!e) throw notFound(def, name);
    return decodeFor(def, e.json);
  }

  tryGet(def: ResourceDef, namespace: string, name: string): KObject | undefined {
    const e = this.store.get(storageKey(def, def.namespaced ? namespace : '', name));
    return e ? decodeFor(def, e.json) : undefined;
  }

  /** Lists entries (not parsed) with selectors, pagination and resourceVersion semantics. */
  listEntries(def: ResourceDef, namespace: string | undefined, q: ListQuery = {}): ListResult {
    return listEntries(this.store, def, namespace, q);
  }

  list(def: ResourceDef, namespace: string | undefined, q: ListQuery = {}): KObject {
    const r = this.listEntries(def, namespace, q);
    const list: KObject = {
      kind: def.listKind,
      apiVersion: apiVersionOf(def),
      metadata: { resourceVersion: r.resourceVersion },
      items: r.entries.map((e) => JSON.parse(e.json)),
    };
    if (r.continue) list.metadata.continue = r.continue;
    if (r.remainingItemCount !== undefined) list.metadata.remainingItemCount = r.remainingItemCount;
    return list;
  }

  /**
   * Watches a resource from the current revision on, as `GET ...?watch=1&resourceVersion=<the
   * list's>` does: every later change of its objects (in `namespace`, or all), in order, as the
   * kind serves them. Delivery is synchronous: a write returns after its event was handled, so a
   * list followed by a watch in the same turn misses nothing. Returns the stop function.
   */
  watch(def: ResourceDef, namespace: string | undefined, onEvent: (type: EventType, obj: KObject, rv: number) => void): () => void {
    const resource = resourceId(def);
    return this.store.subscribe((c) => {
      if (c.entry.resource !== resource) return;
      if (namespace !== undefined && c.entry.namespace !== namespace) return;
      onEvent(c.type, decodeFor(def, c.entry.json), c.rv);
    });
  }

  filterFor(def: ResourceDef, q: ListQuery): ListFilter {
    return compileListFilter(def, q);
  }

  // ---- writes ------------------------------------------------------------------------------

  private checkTypeMeta(def: ResourceDef, obj: KObject): void {
    if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) throw badRequest('Object is not a valid JSON object');
    const wrongType = typeMetaError(def, obj.kind, obj.apiVersion, this.isRegistered);
    if (wrongType) throw wrongType;
    if (!def.unstructured) decodeNulls(def.definition, obj); // every create, update and patch result, before defaulting and validation
    obj.kind = def.kind;
    obj.apiVersion = apiVersionOf(def);
    if (obj.metadata === undefined || obj.metadata === null) obj.metadata = {};
    if (typeof obj.metadata !== 'object' || Array.isArray(obj.metadata)) throw badRequest('metadata must be an object');
  }

  private checkNamespace(def: ResourceDef, namespace: string, obj: KObject, forCreate: boolean): void {
    if (!def.namespaced) {
      delete obj.metadata.namespace; // cluster-scoped: a namespace sent with the object is dropped, as upstream does
      return;
    }
    if (obj.metadata.namespace && obj.metadata.namespace !== namespace)
      throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
    obj.metadata.namespace = namespace;
    if (!forCreate) return;
    // NamespaceLifecycle admission (plugin/pkg/admission/namespace/lifecycle)
    const nsDef = this.def('', 'namespaces');
    if (!nsDef) return;
    const ns = this.getEntry(nsDef, '', namespace);
    if (!ns) throw notFound(nsDef, namespace);
    if (this.namespaceTerminating(ns)) {
      throw forbidden(def, admittedName(obj.metadata), `unable to create new content in namespace ${namespace} because it is being terminated`, [
        { reason: 'NamespaceTerminating', message: `namespace ${namespace} is being terminated`, field: 'metadata.namespace' },
      ]);
    }
  }

  /** Whether a stored namespace is terminating, parsed once per stored revision (hot on creates). */
  private readonly terminating = new WeakMap<Entry, boolean>();
  private namespaceTerminating(ns: Entry): boolean {
    let t = this.terminating.get(ns);
    if (t === undefined) {
      const o = JSON.parse(ns.json);
      t = o.status?.phase === 'Terminating' || !!o.metadata?.deletionTimestamp;
      this.terminating.set(ns, t);
    }
    return t;
  }

  create(def: ResourceDef, namespace: string, obj: KObject, opts: WriteOptions = {}): WriteResult {
    const refused = def.createRefused?.();
    if (refused) throw methodNotSupported(def, 'create', refused);
    this.checkTypeMeta(def, obj);
    const warnings = opts.fieldsChecked ? [] : fieldValidation(def, obj, opts.fieldValidation, opts.duplicates);
    const meta = obj.metadata;
    this.checkNamespace(def, namespace, obj, true);
    resetSystemMetaForCreate(meta);
    dropEmptyMeta(meta);
    if (def.generation) meta.generation = 1;
    else delete meta.generation;
    def.defaults?.(obj);
    this.trackManagedFields(def, undefined, obj, opts, nowRFC3339(Date.parse(meta.creationTimestamp)));
    this.admit(def, 'create', obj, undefined, opts);
    // rest.BeforeCreate: the name is generated after admission (which sees the generateName)
    if (!meta.name && meta.generateName) meta.name = generateName(String(meta.generateName));
    def.prepareForCreate?.(obj);
    const causes: Cause[] = [...validateObjectMeta(def, meta), ...(def.validate?.(obj) ?? [])];
    if (causes.length) throw invalidObject(def, meta.name ?? '', causes);
    if (def.warningsOnCreate) warnings.push(...def.warningsOnCreate(obj));
    const txn = this.runHooks(def, 'create', obj, undefined, opts);
    if (opts.dryRun) return { object: obj, warnings };
    // a failed write gives back what admission reserved (a Service's ClusterIP)
    const entry = this.inTransaction(txn, () => {
      try {
        return this.putAs(def, storageKey(def, def.namespaced ? namespace : '', meta.name), obj, 0);
      } catch (err) {
        if (err instanceof KeyExistsError) throw alreadyExists(def, meta.name);
        throw err;
      }
    });
    return { object: obj, json: !def.storage || def.storage.passThrough?.(entry.json) ? entry.json : undefined, warnings };
  }

  /**
   * Replaces an object (PUT, and the last step of every patch). `obj.metadata.resourceVersion`,
   * when set, is a precondition.
   */
  update(def: ResourceDef, namespace: string, name: string, obj: KObject, opts: WriteOptions = {}): WriteResult {
    this.checkTypeMeta(def, obj);
    const warnings = opts.fieldsChecked ? [] : fieldValidation(def, obj, opts.fieldValidation, opts.duplicates);
    if (obj.metadata.name !== undefined && obj.metadata.name !== name)
      throw badRequest(`the name of the object (${obj.metadata.name}) does not match the name on the URL (${name})`);
    obj.metadata.name = name;
    this.checkNamespace(def, namespace, obj, false);
    const key = storageKey(def, def.namespaced ? namespace : '', name);
    const cur = this.store.get(key);
    if (!cur) {
      if (def.allowCreateOnUpdate && !opts.subresource) return { ...this.create(def, namespace, obj, opts), changed: true };
      throw notFound(def, name);
    }
    const old = decodeFor(def, cur.json);
    const sentRV = obj.metadata.resourceVersion;
    if (isUnconditionalRV(sentRV)) {
      if (def.allowUnconditionalUpdate === false)
        throw invalidObject({ group: def.group, kind: def.plural }, name, [{ reason: 'FieldValueInvalid', message: 'Invalid value: 0: must be specified for an update', field: 'metadata.resourceVersion' }]);
    } else if (sentRV !== old.metadata.resourceVersion) throw conflict(def, name);
    if (obj.metadata.uid && obj.metadata.uid !== old.metadata.uid)
      throw conflict(def, name, `Precondition failed: UID in precondition: ${obj.metadata.uid}, UID in object meta: ${old.metadata.uid}`);

    keepSystemMetaOnUpdate(obj.metadata, old.metadata);
    dropEmptyMeta(obj.metadata);
    this.admit(def, 'update', obj, old, opts);
    if (opts.subresource === 'status') {
      // status strategies: spec and metadata come from the live object (ResetObjectMetaForStatus),
      // except for kinds whose status may change metadata (pods)
      if (!def.statusUpdatesMetadata) {
        const managedFields = obj.metadata.managedFields;
        obj.metadata = { ...old.metadata, managedFields: managedFields ?? old.metadata.managedFields };
      }
      if (def.prepareForStatusUpdate) def.prepareForStatusUpdate(obj, old);
      else if ('spec' in old) obj.spec = old.spec;
      else delete obj.spec;
    } else if (opts.subresource === 'finalize') {
      // namespaceFinalizeStrategy.PrepareForUpdate: only status comes from the live object
      if (old.status !== undefined) obj.status = old.status;
      else delete obj.status;
    } else {
      if (def.prepareForUpdate) def.prepareForUpdate(obj, old);
      else if (def.subresources.some((s) => s.name === 'status')) {
        if (old.status !== undefined) obj.status = old.status;
        else delete obj.status;
      }
    }
    def.defaults?.(obj);
    if (def.generation && opts.subresource !== 'status') {
      const changed = def.generationChanged ? def.generationChanged(obj, old) : !deepEqual(obj.spec, old.spec);
      obj.metadata.generation = (old.metadata.generation ?? 1) + (changed ? 1 : 0);
    }
    const causes: Cause[] = [...validateObjectMetaUpdate(def, obj.metadata, old.metadata)];
    if (opts.subresource === 'status') causes.push(...(def.validateStatusUpdate?.(obj, old) ?? []));
    else if (def.validateForUpdate) causes.push(...def.validateForUpdate(obj, old));
    else causes.push(...(def.validate?.(obj) ?? []), ...(def.validateUpdate?.(obj, old) ?? []));
    if (causes.length) throw invalidObject(def, name, causes);
    if (def.warningsOnUpdate && !opts.subresource) warnings.push(...def.warningsOnUpdate(obj, old));
    const txn = this.runHooks(def, 'update', obj, old, opts);
    return this.inTransaction(txn, () => this.finishUpdate(def, key, name, cur.rv, obj, old, opts, warnings));
  }

  private finishUpdate(def: ResourceDef, key: string, name: string, rv: number, obj: KObject, old: KObject, opts: WriteOptions, warnings: string[]): WriteResult {
    this.trackManagedFields(def, old, obj, opts, nowRFC3339());
    obj.metadata.resourceVersion = old.metadata.resourceVersion;
    // a write that changes nothing is not written and keeps the resourceVersion
    if (deepEqual(obj, old)) return { object: old, warnings, changed: false };
    if (opts.dryRun) return { object: obj, warnings, changed: true };
    // the last finalizer removed from a deleting object whose grace period is over completes its
    // deletion (rest.ShouldDeleteDuringUpdate: no finalizers, deletionGracePeriodSeconds == 0)
    if (obj.metadata.deletionTimestamp && !(obj.metadata.finalizers?.length) && (obj.metadata.deletionGracePeriodSeconds ?? 0) === 0 && this.canFinalize(def, obj)) {
      this.writeRemove(def, key, rv, name);
      this.runHooks(def, 'delete', obj, undefined, {}); // what the object held is released, as on DELETE
      return { object: obj, warnings, changed: true };
    }
    const entry = this.writePut(def, key, obj, rv, name);
    return { object: obj, json: !def.storage || def.storage.passThrough?.(entry.json) ? entry.json : undefined, warnings, changed: true };
  }

  /** metadata.managedFields for a non-apply write (fieldmanager: recorded for every manager, as upstream). */
  private trackManagedFields(def: ResourceDef, old: KObject | undefined, obj: KObject, opts: WriteOptions, now: string): void {
    if (opts.managedFieldsComputed) return;
    const manager = managerOrUserAgent(opts.fieldManager, opts.userAgent) || 'unknown';
    const shape = opts.fieldsShape !== undefined && !old && obj.metadata.managedFields === undefined && !opts.subresource ? `${resourceId(def)}\u0000${manager}\u0000${opts.fieldsShape}` : undefined;
    if (shape !== undefined) {
      const entry = this.createShapes.get(shape);
      if (entry !== undefined) {
        const e = JSON.parse(entry);
        e.time = toRFC3339(now);
        obj.metadata.managedFields = [e];
        return;
      }
    }
    const mf = updateManagedFields({
      definition: def.definition,
      apiVersion: apiVersionOf(def),
      live: old,
      next: obj,
      manager,
      operation: 'Update',
      subresource: opts.subresource && opts.subresource !== 'finalize' && opts.subresource !== 'binding' ? opts.subresource : undefined,
      resetFields: def.resetFields?.(opts.subresource),
      now,
    });
    if (mf) obj.metadata.managedFields = mf;
    else delete obj.metadata.managedFields;
    // one Update entry is what every create of the shape records (createfast.ts); anything else is not memoised
    if (shape !== undefined && mf?.length === 1 && mf[0].operation === 'Update' && mf[0].time !== undefined && this.createShapes.size < 1000)
      this.createShapes.set(shape, JSON.stringify(mf[0]));
  }

  /** the managedFields entry (JSON) of a create, by WriteOptions.fieldsShape; its time is the write's */
  private readonly createShapes = new Map<string, string>();

  /** Namespaces wait for spec.finalizers too (pkg/registry/core/namespace/storage). */
  private canFinalize(def: ResourceDef, obj: KObject): boolean {
    if (def.plural === 'namespaces' && !def.group) return !(obj.spec?.finalizers?.length);
    return true;
  }

  /** Stores obj (converted for views) and sets its metadata.resourceVersion. */
  private putAs(def: ResourceDef, key: string, obj: KObject, expectRv?: number): Entry {
    if (!def.storage) return this.store.put(key, obj, expectRv);
    const stored = def.storage.toStorage(obj);
    const e = this.store.put(key, stored, expectRv);
    obj.metadata.resourceVersion = String(e.rv);
    return e;
  }

  private writePut(def: ResourceDef, key: string, obj: KObject, expectRv: number, name: string): Entry {
    try {
      return this.putAs(def, key, obj, expectRv);
    } catch (err) {
      if (err instanceof RevisionMismatchError) throw conflict(def, name);
      if (err instanceof KeyNotFoundError) throw notFound(def, name);
      throw err;
    }
  }

  private writeRemove(def: ResourceDef, key: string, expectRv: number, name: string): Entry {
    try {
      return this.store.remove(key, expectRv);
    } catch (err) {
      if (err instanceof RevisionMismatchError) throw conflict(def, name);
      if (err instanceof KeyNotFoundError) throw notFound(def, name);
      throw err;
    }
  }

  /**
   * Reads, transforms and writes back with the live resourceVersion as precondition: the shape of
   * every patch and of controllers' read-modify-write. `mutate` gets a fresh copy.
   */
  modify(def: ResourceDef, namespace: string, name: string, mutate: (obj: KObject) => KObject | void, opts: WriteOptions = {}): WriteResult {
    const cur = this.get(def, namespace, name);
    const next = mutate(cur) ?? cur;
    if (next.metadata && next.metadata.resourceVersion === undefined) next.metadata.resourceVersion = cur.metadata.resourceVersion;
    return this.update(def, namespace, name, next, opts);
  }

  /**
   * A storage-level read-modify-write that skips the kind's strategy and validation, for the few
   * subresources upstream implements as a direct GuaranteedUpdate (pods/binding's assignPod).
   */
  updateDirect(def: ResourceDef, namespace: string, name: string, mutate: (obj: KObject) => void, opts: WriteOptions = {}): KObject {
    const key = storageKey(def, def.namespaced ? namespace : '', name);
    const cur = this.store.get(key);
    if (!cur) throw notFound(def, name);
    const old = decodeFor(def, cur.json);
    const obj = decodeFor(def, cur.json);
    mutate(obj);
    this.trackManagedFields(def, old, obj, opts, nowRFC3339());
    if (deepEqual(obj, old)) return old;
    if (!opts.dryRun) this.writePut(def, key, obj, cur.rv, name);
    return obj;
  }

  delete(def: ResourceDef, namespace: string, name: string, options: DeleteOptions = {}): DeleteResult {
    if (!def.verbs.includes('delete')) throw methodNotSupported(def, 'delete');
    const refused = def.deleteForbidden?.(name);
    if (refused) throw forbidden(def, name, refused);
    const key = storageKey(def, def.namespaced ? namespace : '', name);
    const cur = this.store.get(key);
    if (!cur) throw notFound(def, name);
    const obj = decodeFor(def, cur.json);
    const meta = obj.metadata;
    const pre = options.preconditions;
    if (pre?.uid && pre.uid !== meta.uid)
      throw conflict(def, name, `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${meta.uid}`);
    if (pre?.resourceVersion && pre.resourceVersion !== meta.resourceVersion)
      throw conflict(def, name, `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${meta.resourceVersion}`);
    if (options.orphanDependents !== undefined && options.propagationPolicy)
      throw invalidObject(def, name, [{ reason: 'FieldValueInvalid', field: 'propagationPolicy', message: 'Invalid value: "' + options.propagationPolicy + '": orphanDependents and deletionPropagation cannot be both set' }]);
    if (options.propagationPolicy && !['Background', 'Foreground', 'Orphan'].includes(options.propagationPolicy))
      throw invalidObject(def, name, [{ reason: 'FieldValueNotSupported', field: 'propagationPolicy', message: `Unsupported value: "${options.propagationPolicy}": supported values: "Foreground", "Background", "Orphan", "nil"` }]);
    if (options.gracePeriodSeconds !== undefined && options.gracePeriodSeconds < 0) options.gracePeriodSeconds = 1;

    // finalizers that the propagation policy asks for (store.go deletionFinalizersForGarbageCollection)
    const policy = options.propagationPolicy ?? (options.orphanDependents === true ? 'Orphan' : options.orphanDependents === false ? 'Background' : undefined);
    // a kind may mark what it deletes first (CRDs: Terminating, the cleanup finalizer)
    const marked = !meta.deletionTimestamp && def.beforeDelete ? decodeFor(def, cur.json) : undefined;
    if (marked) def.beforeDelete!(marked);
    const finalizers = new Set<string>((marked ?? obj).metadata.finalizers ?? []);
    const effective = policy ?? def.defaultDeletePolicy;
    if (policy === 'Orphan' || (!policy && effective === 'Orphan')) {
      if (!finalizers.has('foregroundDeletion') || policy === 'Orphan') finalizers.add('orphan');
      if (policy === 'Orphan') finalizers.delete('foregroundDeletion');
    } else if (policy === 'Foreground') {
      finalizers.add('foregroundDeletion');
      finalizers.delete('orphan');
    } else if (policy === 'Background') {
      finalizers.delete('orphan');
      finalizers.delete('foregroundDeletion');
    }
    const isNamespace = def.plural === 'namespaces' && !def.group;
    const grace = def.gracePeriod ? def.gracePeriod(obj, options.gracePeriodSeconds) : 0;
    const needsWait = finalizers.size > 0 || grace > 0 || (isNamespace && (obj.spec?.finalizers?.length ?? 0) > 0);

    if (!needsWait) {
      if (options.dryRun) return { object: obj, deleted: true };
      const gone = this.writeRemove(def, key, cur.rv, name);
      this.runHooks(def, 'delete', obj, undefined, {});
      return { object: decodeFor(def, gone.json), deleted: true };
    }

    // graceful deletion / pending finalizers: mark the object (rest/delete.go BeforeDelete)
    const next = marked ?? decodeFor(def, cur.json);
    const nm = next.metadata;
    const now = Date.now();
    if (!nm.deletionTimestamp) {
      nm.deletionTimestamp = nowRFC3339(now + grace * 1000);
      nm.deletionGracePeriodSeconds = grace;
      if (def.generation || nm.generation !== undefined) nm.generation = (nm.generation ?? 0) + 1;
    } else if (grace < (nm.deletionGracePeriodSeconds ?? Infinity)) {
      // a second DELETE may only shorten the grace period
      nm.deletionTimestamp = nowRFC3339(now + grace * 1000);
      nm.deletionGracePeriodSeconds = grace;
    }
    if (finalizers.size) nm.finalizers = [...finalizers];
    else delete nm.finalizers;
    if (isNamespace) next.status = { ...(next.status ?? {}), phase: 'Terminating' };
    if (options.dryRun) return { object: next, deleted: false };
    if (deepEqual(next, obj)) return { object: obj, deleted: false };
    this.writePut(def, key, next, cur.rv, name);
    return { object: next, deleted: false };
  }

  deleteCollection(def: ResourceDef, namespace: string | undefined, q: ListQuery, options: DeleteOptions = {}): KObject {
    if (!def.verbs.includes('deletecollection')) throw methodNotSupported(def, 'deletecollection');
    const { entries } = this.listEntries(def, namespace, { labelSelector: q.labelSelector, fieldSelector: q.fieldSelector });
    const items: KObject[] = [];
    for (const e of entries) {
      try {
        const r = this.delete(def, e.namespace, e.name, { ...options, preconditions: undefined });
        items.push(r.object);
      } catch (err) {
        if (err instanceof StatusError && err.code === 404) continue;
        throw err;
      }
    }
    return { kind: def.listKind, apiVersion: apiVersionOf(def), metadata: { resourceVersion: String(this.store.revision()) }, items };
  }
}
