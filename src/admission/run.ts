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
import type { WriteResult, DeleteResult, WriteOptions } from '../registry/registry.js';
import { requestUser } from '../auth/filters.js';
import { jsonEqual } from '../util/equal.js';
import type { AdmissionAttributes, AdmissionChain, Operation } from './types.js';
import type { UserInfo } from '../auth/types.js';

export interface WriteSpec {
  operation: Extract<Operation, 'CREATE' | 'UPDATE'>;
  def: ResourceDef;
  namespace: string;
  name: string;
  subresource?: string;
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

function attrsFor(spec: Pick<WriteSpec, 'def' | 'namespace' | 'name' | 'subresource' | 'dryRun' | 'options'>, operation: Operation, req: Requester): AdmissionAttributes {
  const { def } = spec;
  return {
    operation,
    def,
    resource: { group: def.group, version: def.version, resource: def.plural },
    kind: { group: def.group, version: def.version, kind: def.kind },
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
    if (spec.operation === 'CREATE' && final?.metadata?.name) {
      // the generated name the validating admitters saw is the one written
      obj ??= spec.object();
      obj.metadata ??= {};
      obj.metadata.name = final.metadata.name;
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

/**
 * A create by an in-process controller (its pods: upstream, webhooks such as sidecar injectors see
 * them): synchronous when no admitter applies, else through the chain as the controller's user.
 */
export function controllerCreate(
  registry: { create(def: ResourceDef, ns: string, obj: KObject, opts: WriteOptions): WriteResult },
  def: ResourceDef,
  namespace: string,
  obj: KObject,
  opts: WriteOptions,
  user: UserInfo,
): WriteResult | Promise<WriteResult> {
  const chain = admissionChainOf(registry);
  const need = admissionFor(chain, def, 'CREATE');
  if (!need.mutating && !need.validating) return registry.create(def, namespace, obj, opts);
  return admittedWrite(chain, { user }, {
    operation: 'CREATE',
    def,
    namespace,
    name: '',
    dryRun: false,
    options: { kind: 'CreateOptions', apiVersion: 'meta.k8s.io/v1', ...(opts.fieldManager ? { fieldManager: opts.fieldManager } : {}) },
    object: () => decodedDefaulted(def, obj),
    write: (o, dry) => registry.create(def, namespace, o ?? (dry ? structuredClone(obj) : obj), { ...opts, dryRun: dry }),
  });
}

/** The user a kube-controller-manager controller acts as (its service account in kube-system). */
export function controllerUser(name: string): UserInfo {
  return { username: `system:serviceaccount:kube-system:${name}`, groups: ['system:serviceaccounts', 'system:serviceaccounts:kube-system', 'system:authenticated'] };
}
