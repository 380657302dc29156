// The asynchronous admission chain around the registry's synchronous writes, in upstream's order
// (apiserver pkg/endpoints/handlers/{create,update,patch,delete}.go): decode + default →
// mutating admission → the object's validation → validating admission → store.
//
// The registry validates and stores in one synchronous call, so: mutating admitters run on the
// decoded, defaulted object before the registry write; when validating admitters match, the write
// runs as a dry run first (the final, validated object), the validating admitters see that, then the
// real write runs. A request no admitter handles goes straight to the registry.
import type { FastifyRequest } from 'fastify';
import type { KObject, ResourceDef } from '../resources/types.js';
import type { WriteResult, DeleteResult, WriteOptions, DeleteOptions } from '../registry/registry.js';
import type { ListQuery } from '../registry/listfilter.js';
import { requestUser } from '../auth/filters.js';
import { presetIdentity } from '../registry/meta.js';
import { StatusError } from '../registry/errors.js';
import { jsonEqual } from '../util/equal.js';
import type { AdmissionAttributes, AdmissionChain, Operation } from './types.js';
import type { UserInfo } from '../auth/types.js';

export interface WriteSpec {
  operation: Extract<Operation, 'CREATE' | 'UPDATE'>;
  def: ResourceDef;
  namespace: string;
  name: string;
  subresource?: string;
  /** the kind admission sees when it is not the resource's (a /scale write: autoscaling/v1 Scale) */
  kind?: { group: string; version: string; kind: string };
  dryRun: boolean;
  /** CreateOptions / UpdateOptions / PatchOptions as sent to webhooks */
  options: KObject;
  /** a fresh copy of the object the request makes, before mutation (decoded and defaulted here) */
  object(): KObject;
  /** the stored object (UPDATE) */
  oldObject?(): KObject | undefined;
  /** the registry write: of `obj` after mutation, or (undefined) of the request as it came */
  write(obj: KObject | undefined, dryRun: boolean): WriteResult;
}

/** Whether a write needs the asynchronous chain at all (cheap: no configuration, no work). */
export function admissionFor(chain: AdmissionChain | undefined, def: ResourceDef, operation: Operation, subresource = ''): { mutating: boolean; validating: boolean } {
  if (!chain || (!chain.mutating.length && !chain.validating.length)) return { mutating: false, validating: false };
  const a = { operation, resource: { group: def.group, version: def.version, resource: def.plural }, subresource };
  return { mutating: chain.handlesMutating(a), validating: chain.handlesValidating(a) };
}

/** The request's user, or the user a controller writes as. */
type Requester = FastifyRequest | { user: UserInfo };
const userOf = (r: Requester): UserInfo => ('raw' in r ? requestUser(r) : (r as { user: UserInfo }).user);

const chains = new WeakMap<object, AdmissionChain>();
/** The server's chain, for writers that have only the registry (the in-process controllers). */
export function setAdmissionChain(registry: object, chain: AdmissionChain): void {
  chains.set(registry, chain);
}
export function admissionChainOf(registry: object): AdmissionChain | undefined {
  return chains.get(registry);
}

function attrsFor(spec: Pick<WriteSpec, 'def' | 'namespace' | 'name' | 'subresource' | 'dryRun' | 'options' | 'kind'>, operation: Operation, req: Requester): AdmissionAttributes {
  const { def } = spec;
  return {
    operation,
    def,
    resource: { group: def.group, version: def.version, resource: def.plural },
    kind: spec.kind ?? { group: def.group, version: def.version, kind: def.kind },
    subresource: spec.subresource ?? '',
    namespace: def.namespaced || (def.group === '' && def.plural === 'namespaces') ? spec.namespace || (def.plural === 'namespaces' ? spec.name : '') : '',
    name: spec.name,
    options: spec.options,
    dryRun: spec.dryRun,
    user: userOf(req),
  };
}

/** decode + default: what mutating admission sees (the registry applies the same defaults again). */
export function decodedDefaulted(def: ResourceDef, body: KObject): KObject {
  const o = structuredClone(body) as KObject;
  if (o && typeof o === 'object' && !Array.isArray(o)) {
    o.apiVersion ??= def.group ? `${def.group}/${def.version}` : def.version;
    o.kind ??= def.kind;
    if (!o.metadata || typeof o.metadata !== 'object') o.metadata = {};
    def.defaults?.(o);
  }
  return o;
}

/** A create or update (PUT, PATCH, subresource) through the chain. */
export async function admittedWrite(chain: AdmissionChain | undefined, req: Requester, spec: WriteSpec): Promise<WriteResult> {
  const need = admissionFor(chain, spec.def, spec.operation, spec.subresource);
  if (!chain || (!need.mutating && !need.validating)) return spec.write(undefined, spec.dryRun);
  const base = attrsFor(spec, spec.operation, req);
  const old = spec.oldObject?.();
  const warnings: string[] = [];
  let obj: KObject | undefined;
  if (need.mutating) {
    const start = spec.object();
    let cur = start;
    const before = structuredClone(start);
    // a create's name is generated after admission: webhooks see generateName; a create names the
    // request from the object when the URL has none (endpoints/handlers/create.go)
    for (const m of chain.mutating) {
      if (!m.handles(base)) continue;
      const name = base.name || (spec.operation === 'CREATE' && typeof cur?.metadata?.name === 'string' ? cur.metadata.name : '');
      const r = await m.admit({ ...base, name, object: cur, oldObject: old });
      if (r.object) cur = r.object;
      if (r.warnings) warnings.push(...r.warnings);
    }
    if (!jsonEqual(cur, before)) obj = cur;
  }
  if (need.validating) {
    const dry = spec.write(structuredClone(obj ?? spec.object()), true);
    const final = dry.object;
    if (spec.operation === 'CREATE' && final?.metadata?.name && !spec.subresource) {
      // what the validating admitters saw is what is stored: the generated name, and the uid and
      // creationTimestamp rest.BeforeCreate filled before validation (registry/rest/create.go)
      obj ??= spec.object();
      obj.metadata ??= {};
      obj.metadata.name = final.metadata.name;
      if (final.metadata.uid) presetIdentity(obj.metadata, { uid: final.metadata.uid, creationTimestamp: final.metadata.creationTimestamp });
    }
    const attrs = { ...base, name: base.name || final?.metadata?.name || '', object: final, oldObject: old };
    for (const v of chain.validating) {
      if (!v.handles(base)) continue;
      const r = await v.validate(attrs);
      if (r.warnings) warnings.push(...r.warnings);
    }
  }
  const r = spec.write(obj, spec.dryRun);
  return { ...r, warnings: [...warnings, ...r.warnings] };
}

export interface DeleteSpec {
  def: ResourceDef;
  namespace: string;
  name: string;
  subresource?: string;
  dryRun: boolean;
  options: KObject;
  oldObject(): KObject | undefined;
  write(): DeleteResult;
}

/** A DELETE through the chain: webhooks see the stored object as oldObject (object null). */
export async function admittedDelete(chain: AdmissionChain | undefined, req: Requester, spec: DeleteSpec): Promise<{ result: DeleteResult; warnings: string[] }> {
  const need = admissionFor(chain, spec.def, 'DELETE', spec.subresource);
  if (!chain || (!need.mutating && !need.validating)) return { result: spec.write(), warnings: [] };
  const old = spec.oldObject();
  // a missing object: the registry's 404
  if (!old) return { result: spec.write(), warnings: [] };
  const attrs = { ...attrsFor(spec, 'DELETE', req), oldObject: old };
  const warnings: string[] = [];
  if (need.mutating)
    for (const m of chain.mutating) {
      if (!m.handles(attrs)) continue;
      const r = await m.admit(attrs);
      if (r.warnings) warnings.push(...r.warnings);
    }
  if (need.validating)
    for (const v of chain.validating) {
      if (!v.handles(attrs)) continue;
      const r = await v.validate(attrs);
      if (r.warnings) warnings.push(...r.warnings);
    }
  return { result: spec.write(), warnings };
}

/** metav1.CreateOptions / UpdateOptions / PatchOptions / DeleteOptions as the review's `options`. */
export function optionsObject(kind: 'CreateOptions' | 'UpdateOptions' | 'PatchOptions' | 'DeleteOptions', q: Record<string, string | undefined>, extra: KObject = {}): KObject {
  const o: KObject = { kind, apiVersion: 'meta.k8s.io/v1' };
  if (q.dryRun) o.dryRun = [q.dryRun];
  if (q.fieldManager && kind !== 'DeleteOptions') o.fieldManager = q.fieldManager;
  if (q.fieldValidation && kind !== 'DeleteOptions') o.fieldValidation = q.fieldValidation;
  if (kind === 'PatchOptions' && q.force !== undefined) o.force = q.force === 'true';
  return { ...o, ...extra };
}

/** The registry calls the in-process writers make (structural: the Registry class). */
export interface RegistryWriter {
  create(def: ResourceDef, ns: string, obj: KObject, opts?: WriteOptions): WriteResult;
  update(def: ResourceDef, ns: string, name: string, obj: KObject, opts?: WriteOptions): WriteResult;
  delete(def: ResourceDef, ns: string, name: string, options?: DeleteOptions): DeleteResult;
  tryGet(def: ResourceDef, ns: string, name: string): KObject | undefined;
  get(def: ResourceDef, ns: string, name: string): KObject;
  modify(def: ResourceDef, ns: string, name: string, mutate: (obj: KObject) => KObject | void, opts?: WriteOptions): WriteResult;
}

const createOptions = (opts: WriteOptions): KObject => ({ kind: 'CreateOptions', apiVersion: 'meta.k8s.io/v1', ...(opts.dryRun ? { dryRun: ['All'] } : {}), ...(opts.fieldManager ? { fieldManager: opts.fieldManager } : {}) });
const updateOptions = (opts: WriteOptions): KObject => ({ ...createOptions(opts), kind: 'UpdateOptions' });
const deleteOptions = (o: DeleteOptions): KObject => {
  const out: KObject = { kind: 'DeleteOptions', apiVersion: 'meta.k8s.io/v1' };
  if (o.gracePeriodSeconds !== undefined) out.gracePeriodSeconds = o.gracePeriodSeconds;
  if (o.preconditions) out.preconditions = o.preconditions;
  if (o.orphanDependents !== undefined) out.orphanDependents = o.orphanDependents;
  if (o.propagationPolicy) out.propagationPolicy = o.propagationPolicy;
  if (o.dryRun) out.dryRun = ['All'];
  return out;
};

/**
 * A create by an in-process controller ("controllers use the API like any client": their pods,
 * ReplicaSets, Jobs, claims are seen by webhooks such as sidecar injectors upstream): synchronous
 * when no admitter applies, else through the chain as the controller's user.
 */
export function controllerCreate(registry: RegistryWriter, def: ResourceDef, namespace: string, obj: KObject, opts: WriteOptions, user: UserInfo): WriteResult | Promise<WriteResult> {
  const chain = admissionChainOf(registry);
  const need = admissionFor(chain, def, 'CREATE', opts.subresource);
  if (!need.mutating && !need.validating) return registry.create(def, namespace, obj, opts);
  return admittedWrite(chain, { user }, {
    operation: 'CREATE',
    def,
    namespace,
    name: '',
    dryRun: !!opts.dryRun,
    options: createOptions(opts),
    object: () => decodedDefaulted(def, obj),
    write: (o, dry) => registry.create(def, namespace, o ?? (dry ? structuredClone(obj) : obj), { ...opts, ...(o ? { fieldsChecked: false, fieldsShape: undefined } : {}), dryRun: dry }),
  });
}

/** An update (opts.subresource 'status': of the status) by an in-process controller; `patch`: sent as a PATCH (PatchOptions). */
export function controllerUpdate(registry: RegistryWriter, def: ResourceDef, namespace: string, name: string, obj: KObject, opts: WriteOptions, user: UserInfo, patch = false): WriteResult | Promise<WriteResult> {
  const chain = admissionChainOf(registry);
  const need = admissionFor(chain, def, 'UPDATE', opts.subresource);
  if (!need.mutating && !need.validating) return registry.update(def, namespace, name, obj, opts);
  return admittedWrite(chain, { user }, {
    operation: 'UPDATE',
    def,
    namespace,
    name,
    subresource: opts.subresource,
    dryRun: !!opts.dryRun,
    options: patch ? { ...createOptions(opts), kind: 'PatchOptions' } : updateOptions(opts),
    object: () => decodedDefaulted(def, obj),
    oldObject: () => registry.tryGet(def, namespace, name),
    write: (o, dry) => registry.update(def, namespace, name, o ?? (dry ? structuredClone(obj) : obj), { ...opts, ...(o ? { fieldsChecked: false, fieldsShape: undefined } : {}), dryRun: dry }),
  });
}

/**
 * A read-modify-write (registry.modify) by an in-process writer: synchronous when no admitter
 * applies, else the modified object is admitted as an UPDATE (a PATCH when `patch`: adoption and
 * release of dependents, the kubelet's pod status, an event's repeat count) as `user`.
 */
export function controllerModify(registry: RegistryWriter, def: ResourceDef, namespace: string, name: string, mutate: (obj: KObject) => KObject | void, opts: WriteOptions, user: UserInfo, patch = false): WriteResult | Promise<WriteResult> {
  const chain = admissionChainOf(registry);
  const need = admissionFor(chain, def, 'UPDATE', opts.subresource);
  if (!need.mutating && !need.validating) return registry.modify(def, namespace, name, mutate, opts);
  const cur = registry.get(def, namespace, name);
  const rv = cur.metadata?.resourceVersion;
  const next = mutate(cur) ?? cur;
  if (next.metadata && next.metadata.resourceVersion === undefined) next.metadata.resourceVersion = rv;
  return controllerUpdate(registry, def, namespace, name, next, opts, user, patch);
}

/** A delete by an in-process controller (a scale-down's pods, a CronJob's old Jobs, the collector's dependents). */
export function controllerDelete(registry: RegistryWriter, def: ResourceDef, namespace: string, name: string, options: DeleteOptions, user: UserInfo): DeleteResult | Promise<DeleteResult> {
  const chain = admissionChainOf(registry);
  const need = admissionFor(chain, def, 'DELETE');
  if (!need.mutating && !need.validating) return registry.delete(def, namespace, name, options);
  return admittedDelete(chain, { user }, {
    def,
    namespace,
    name,
    dryRun: !!options.dryRun,
    options: deleteOptions(options),
    oldObject: () => registry.tryGet(def, namespace, name),
    write: () => registry.delete(def, namespace, name, options),
  }).then((r) => r.result);
}

export interface DeleteCollectionSpec {
  def: ResourceDef;
  /** the request's namespace ('' for all namespaces) */
  namespace: string;
  query: ListQuery;
  deleteOptions: DeleteOptions;
  /** DeleteOptions as sent to webhooks */
  options: KObject;
  registry: {
    deleteCollection(def: ResourceDef, ns: string | undefined, q: ListQuery, options?: DeleteOptions): KObject;
    listEntries(def: ResourceDef, ns: string | undefined, q?: ListQuery): { entries: { namespace: string; name: string }[] };
    tryGet(def: ResourceDef, ns: string, name: string): KObject | undefined;
    delete(def: ResourceDef, ns: string, name: string, options?: DeleteOptions): DeleteResult;
    revision(): number;
  };
}

/**
 * deletecollection through the chain: each item's delete is admitted (mutating, then validating)
 * with the request's attributes and the item as oldObject, the name empty as upstream's static
 * attributes have it (registry/generic/registry/store.go DeleteCollection with
 * rest.AdmissionToValidateObjectDeleteFunc; endpoints/handlers/delete.go DeleteCollection). An item
 * refused stops the collection: what was deleted before stays deleted.
 */
export async function admittedDeleteCollection(chain: AdmissionChain | undefined, req: Requester, spec: DeleteCollectionSpec): Promise<{ list: KObject; warnings: string[] }> {
  const { def, registry } = spec;
  const ns = spec.namespace || undefined;
  const need = admissionFor(chain, def, 'DELETE');
  if (!chain || (!need.mutating && !need.validating)) return { list: registry.deleteCollection(def, ns, spec.query, spec.deleteOptions), warnings: [] };
  const base = attrsFor({ def, namespace: spec.namespace, name: '', dryRun: !!spec.deleteOptions.dryRun, options: spec.options }, 'DELETE', req);
  // namespaces are cluster-scoped: the static attributes carry no namespace
  if (!def.namespaced) base.namespace = '';
  const { entries } = registry.listEntries(def, ns, { labelSelector: spec.query.labelSelector, fieldSelector: spec.query.fieldSelector });
  const items: KObject[] = [];
  const warnings: string[] = [];
  for (const e of entries) {
    const old = registry.tryGet(def, e.namespace, e.name);
    if (!old) continue;
    const attrs = { ...base, oldObject: old };
    if (need.mutating)
      for (const m of chain.mutating) {
        if (!m.handles(attrs)) continue;
        const r = await m.admit({ ...attrs, oldObject: structuredClone(old) });
        if (r.warnings) warnings.push(...r.warnings);
      }
    if (need.validating)
      for (const v of chain.validating) {
        if (!v.handles(attrs)) continue;
        const r = await v.validate({ ...attrs, oldObject: structuredClone(old) });
        if (r.warnings) warnings.push(...r.warnings);
      }
    try {
      items.push(registry.delete(def, e.namespace, e.name, { ...spec.deleteOptions, preconditions: undefined }).object);
    } catch (err) {
      if (err instanceof StatusError && err.code === 404) continue;
      throw err;
    }
  }
  const list: KObject = { kind: def.listKind, apiVersion: def.group ? `${def.group}/${def.version}` : def.version, metadata: { resourceVersion: String(registry.revision()) }, items };
  return { list, warnings };
}

/**
 * A subresource create that is an action on its parent (pods/eviction, pods/binding,
 * serviceaccounts/token): upstream's REST Create calls createValidation on the request's object
 * before acting (EvictionREST, BindingREST, TokenREST), after the handler's mutating admission.
 * Answers the object to act on (mutated, when a webhook patched it).
 */
export async function admittedAction(
  chain: AdmissionChain | undefined,
  req: Requester,
  spec: { def: ResourceDef; namespace: string; name: string; subresource: string; kind: { group: string; version: string; kind: string }; dryRun: boolean; options: KObject; object: KObject },
): Promise<{ object: KObject; warnings: string[] }> {
  const need = admissionFor(chain, spec.def, 'CREATE', spec.subresource);
  if (!chain || (!need.mutating && !need.validating)) return { object: spec.object, warnings: [] };
  const base = attrsFor(spec, 'CREATE', req);
  const warnings: string[] = [];
  let cur = spec.object;
  if (need.mutating)
    for (const m of chain.mutating) {
      if (!m.handles(base)) continue;
      const r = await m.admit({ ...base, object: cur });
      if (r.object) cur = r.object;
      if (r.warnings) warnings.push(...r.warnings);
    }
  if (need.validating)
    for (const v of chain.validating) {
      if (!v.handles(base)) continue;
      const r = await v.validate({ ...base, object: structuredClone(cur) });
      if (r.warnings) warnings.push(...r.warnings);
    }
  return { object: cur, warnings };
}

/** The user a kube-controller-manager controller acts as (its service account in kube-system). */
export function controllerUser(name: string): UserInfo {
  return { username: `system:serviceaccount:kube-system:${name}`, groups: ['system:serviceaccounts', 'system:serviceaccounts:kube-system', 'system:authenticated'] };
}

/** kube-scheduler's user (cmd/kube-scheduler's kubeconfig: system:kube-scheduler). */
export function schedulerUser(): UserInfo {
  return { username: 'system:kube-scheduler', groups: ['system:authenticated'] };
}

/** A kubelet's user (its node client certificate: system:node:<nodeName>, group system:nodes). */
export function nodeUser(node: string): UserInfo {
  return { username: `system:node:${node}`, groups: ['system:nodes', 'system:authenticated'] };
}
