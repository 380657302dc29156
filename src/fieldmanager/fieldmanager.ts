// The field manager kube-apiserver wraps around every write, after
// k8s.io/apimachinery/pkg/util/managedfields/internal/fieldmanager.go and the managers it chains
// (versioncheck -> lastappliedupdater -> lastappliedmanager -> skipnonapplied -> capmanagers ->
// buildmanagerinfo -> managedfieldsupdater -> stripmeta -> structuredmerge).
import type { KObject } from '../resources/types.js';
import { definitionFor, getDefinition } from '../schema/model.js';
import { type Conflict } from './conflict.js';
import { FieldSet, fieldPE, pathString, type Path } from './fieldpath.js';
import {
  capUpdateManagers,
  cloneManaged,
  decodeManagedFields,
  decodeOrEmpty,
  emptyManaged,
  encodeManagedFields,
  managerIdentifier,
  parseIdentifier,
  stripManager,
  type Managed,
  type ManagedFieldsEntry,
} from './managed.js';
import {
  allowedConflictsFromLastApplied,
  buildLastApplied,
  hasLastApplied,
  LAST_APPLIED_ANNOTATION,
  MIGRATING_MANAGER,
  setLastApplied,
  withoutManagedFields,
} from './lastapplied.js';
import { isObj, rootNode, zeroObject } from './schema.js';
import { deepEqual, dropNulls } from './typed.js';
import { updaterApply, updaterUpdate, type RawConflict, type UpdaterContext } from './updater.js';
import { createFieldsV1 } from './createfast.js';
import { cloneJSON } from '../util/clone.js';

/** A request the field manager rejects before merging (HTTP 400 BadRequest, or 500 for stored garbage). */
export class FieldManagerError extends Error {
  constructor(
    message: string,
    readonly code: 400 | 500 = 400,
    readonly reason: 'BadRequest' | 'InternalError' = 'BadRequest',
  ) {
    super(message);
    this.name = 'FieldManagerError';
  }
}

const RFC3339_SECONDS = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;

/** RFC3339 in UTC with whole seconds, as metav1.Time serialises. */
export function toRFC3339(now: string | number | Date): string {
  // the registry passes its own RFC3339 text, already in this form
  if (typeof now === 'string' && now.length === 20 && RFC3339_SECONDS.test(now)) return now;
  const d = new Date(now);
  if (Number.isNaN(d.getTime())) return String(now);
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

const FIELD_MANAGER_MAX_LENGTH = 128;

/** prefixFromUserAgent: the User-Agent up to its first '/', printable characters only, at most 128 bytes. */
let lastUA: string | undefined;
let lastUAManager = '';

export function managerFromUserAgent(ua: string | undefined): string {
  if (ua !== undefined && ua === lastUA) return lastUAManager;
  const m = managerFromUserAgentUncached(ua);
  lastUA = ua;
  lastUAManager = m;
  return m;
}

function managerFromUserAgentUncached(ua: string | undefined): string {
  const head = (ua ?? '').split('/')[0];
  let out = '';
  let bytes = 0;
  for (const ch of head) {
    if (/[\p{C}]/u.test(ch) || (/\s/u.test(ch) && ch !== ' ')) continue;
    const n = Buffer.byteLength(ch);
    if (bytes + n > FIELD_MANAGER_MAX_LENGTH) break;
    out += ch;
    bytes += n;
  }
  return out;
}

/** managerOrUserAgent: the fieldManager parameter, else the User-Agent's prefix. */
export function managerOrUserAgent(fieldManager: string | undefined, userAgent: string | undefined): string {
  return fieldManager ? fieldManager : managerFromUserAgent(userAgent);
}

/**
 * The strategy's reset fields (GetResetFields): writes to the main resource never own `status` of
 * kinds that have one; writes to `status` never own `spec` (pods: also metadata.deletionTimestamp
 * and metadata.ownerReferences).
 */
export function defaultResetFields(definition: string, subresource?: string): string[][] {
  const props = getDefinition(definition)?.properties ?? {};
  if (subresource === 'status') {
    const out = props.spec ? [['spec']] : [];
    if (definition === 'io.k8s.api.core.v1.Pod') out.push(['metadata', 'deletionTimestamp'], ['metadata', 'ownerReferences']);
    return out;
  }
  if (!subresource && props.status) return [['status']];
  return [];
}

/** The context of the strategy's own reset fields, per kind and subresource (read-only; made once). */
const contexts = new Map<string, UpdaterContext>();

/** Contexts of a kind's own reset fields (ResourceDef.resetFields), per reset-field array. */
const ownContexts = new WeakMap<string[][], Map<string, UpdaterContext>>();

function context(definition: string, apiVersion: string, subresource?: string, resetFields?: string[][]): UpdaterContext {
  if (resetFields) {
    let m = ownContexts.get(resetFields);
    if (!m) ownContexts.set(resetFields, (m = new Map()));
    const key = `${definition}\0${apiVersion}`;
    let c = m.get(key);
    if (!c) m.set(key, (c = makeContext(definition, apiVersion, resetFields)));
    return c;
  }
  const id = `${definition}\0${apiVersion}\0${subresource ?? ''}`;
  let c = contexts.get(id);
  if (!c) contexts.set(id, (c = makeContext(definition, apiVersion, defaultResetFields(definition, subresource))));
  return c;
}

function makeContext(definition: string, apiVersion: string, reset: string[][]): UpdaterContext {
  return {
    node: rootNode(definition),
    apiVersion,
    ignored: FieldSet.of(...reset.map((p): Path => p.map(fieldPE))),
  };
}

const isReset = (mf: unknown): boolean =>
  Array.isArray(mf) && (mf.length === 0 || (mf.length === 1 && isObj(mf[0]) && Object.keys(mf[0]).length === 0));

export interface UpdateArgs {
  definition: string;
  apiVersion: string;
  /** the stored object; undefined on create */
  live: KObject | undefined;
  /** the object about to be stored (after decoding defaults; managedFields as the client sent them) */
  next: KObject;
  /** the fieldManager (see managerOrUserAgent); '' becomes "unknown" */
  manager: string;
  operation: 'Update';
  subresource?: string;
  now: string;
  /** override the strategy's reset fields (paths of field names) */
  resetFields?: string[][];
  /** override the cap of Update managers (default 10) */
  maxUpdateManagers?: number;
}

/**
 * The managedFields after a create, update or non-apply patch (FieldManager.UpdateNoErrors).
 * undefined means the object carries no managedFields.
 */
export function updateManagedFields(args: UpdateArgs): ManagedFieldsEntry[] | undefined {
  const { live, next } = args;
  const isCreate = !live || !live.metadata?.uid;
  // decodeLiveOrNew: managedFields sent with the object win, unless written through a subresource
  let managed: Managed;
  if (args.subresource) managed = decodeOrEmpty(live?.metadata?.managedFields);
  else if (isReset(next?.metadata?.managedFields)) managed = emptyManaged();
  else {
    let fromNew: Managed | undefined;
    try {
      fromNew = decodeManagedFields(next?.metadata?.managedFields);
    } catch {
      fromNew = undefined;
    }
    managed = fromNew && fromNew.fields.size ? fromNew : decodeOrEmpty(live?.metadata?.managedFields);
  }
  // skipnonapplied: an existing object without managedFields stays untracked
  if (managed.fields.size === 0 && !isCreate) return undefined;
  if (managed.fields.size === 0 && !live && !args.subresource && (!args.resetFields || args.resetFields.every((p) => p.length === 1)) && !createFast.disabled) return createEntry(args);
  const ctx = context(args.definition, args.apiVersion, args.subresource, args.resetFields);
  const base = live ? withoutManagedFields(live) : zeroObject(args.definition);
  const out = runUpdate(ctx, base, withoutManagedFields(next), managed, args.manager, args.subresource, toRFC3339(args.now));
  capUpdateManagers(out, args.maxUpdateManagers);
  return encodeManagedFields(out);
}

/** The general path can be forced (the fast path's equivalence test compares the two). */
export const createFast = { disabled: false };

/** A plain create: one Update entry owning what the object sets (see createfast.ts). */
function createEntry(args: UpdateArgs): ManagedFieldsEntry[] | undefined {
  const reset = (args.resetFields ?? defaultResetFields(args.definition)).map((p) => p[0]);
  const fieldsV1 = createFieldsV1(zeroObject(args.definition), withoutManagedFields(args.next), rootNode(args.definition), reset);
  if (!fieldsV1) return undefined;
  return [{ manager: args.manager || 'unknown', operation: 'Update', apiVersion: args.apiVersion, time: toRFC3339(args.now), fieldsType: 'FieldsV1', fieldsV1 }];
}

/** buildmanagerinfo + managedfieldsupdater + stripmeta + structured merge, for an Update. */
function runUpdate(
  ctx: UpdaterContext,
  live: unknown,
  next: unknown,
  managed: Managed,
  manager: string,
  subresource: string | undefined,
  now: string,
): Managed {
  const id = managerIdentifier({ manager: manager || 'unknown', operation: 'Update', apiVersion: ctx.apiVersion, subresource });
  const self = 'current-operation';
  const m = cloneManaged(managed);
  m.fields = updaterUpdate(ctx, live, next, m.fields, self);
  stripManager(m, self);
  const vs = m.fields.get(self);
  if (vs) {
    m.fields.delete(self);
    const prev = m.fields.get(id);
    m.fields.set(id, prev ? { set: vs.set.union(prev.set), apiVersion: vs.apiVersion, applied: false } : vs);
    m.times.set(id, now);
  }
  return m;
}

export interface ApplyArgs {
  definition: string;
  apiVersion: string;
  /** the stored object; undefined when the apply creates it */
  live: KObject | undefined;
  /** the applied configuration (the request body parsed as YAML) */
  config: KObject;
  manager: string;
  force: boolean;
  subresource?: string;
  now: string;
  resetFields?: string[][];
}

export interface ApplyResult {
  /** the merged object with its new metadata.managedFields (the live object when nothing changed) */
  object: KObject;
  /** set when the apply was refused: the object is then the live object, unchanged */
  conflicts?: Conflict[];
  /** whether the object (managedFields included) differs from the live one: false = nothing to store */
  changed: boolean;
}

/** Server-side apply (FieldManager.Apply). Throws FieldManagerError for a bad request. */
export function apply(args: ApplyArgs): ApplyResult {
  const { config, live } = args;
  checkVersion(args);
  if (config?.metadata?.managedFields != null) throw new FieldManagerError('metadata.managedFields must be nil');
  let managed: Managed;
  try {
    managed = decodeManagedFields(live?.metadata?.managedFields);
  } catch (e) {
    throw new FieldManagerError(`failed to decode managed fields: ${(e as Error).message}`, 500, 'InternalError');
  }
  const ctx = context(args.definition, args.apiVersion, args.subresource, args.resetFields);
  const base: KObject = live ? withoutManagedFields(live) : {};
  const now = toRFC3339(args.now);
  const run = (force: boolean) => runApply(ctx, args, base, managed, force, now);

  let r = run(args.force);
  if ('conflicts' in r && args.manager === MIGRATING_MANAGER && live) {
    // lastappliedmanager: conflicts on fields the client-side apply annotation still matches are forgiven
    const allowed = allowedConflictsFromLastApplied(live, ctx.node, args.apiVersion);
    if (allowed) {
      const remaining = r.conflicts.filter((c) => !allowed.has(c.path));
      r = remaining.length ? { conflicts: remaining, managed: r.managed } : run(true);
    }
  }
  if ('conflicts' in r) return { object: live ?? config, conflicts: toConflicts(r.conflicts, r.managed), changed: false };

  let object = (r.object ?? cloneJSON(base)) as KObject;
  if (args.manager === MIGRATING_MANAGER && hasLastApplied(object)) {
    // lastappliedupdater: keep kubectl's client-side apply annotation in step with what was applied
    if (r.object === null) object = cloneJSON(object);
    setLastApplied(object, buildLastApplied(config));
  }
  object = dropNulls(object) as KObject;
  const mf = encodeManagedFields(r.managed);
  object.metadata ??= {};
  if (mf) object.metadata.managedFields = mf;
  else delete object.metadata.managedFields;
  return { object, changed: !deepEqual(live, object) };
}

type RunApplyResult = { object: KObject | null; managed: Managed } | { conflicts: RawConflict[]; managed: Managed };

/** skipnonapplied + buildmanagerinfo + managedfieldsupdater + stripmeta + structured merge, for an Apply. */
function runApply(ctx: UpdaterContext, args: ApplyArgs, live: KObject, managed: Managed, force: boolean, now: string): RunApplyResult {
  let m = cloneManaged(managed);
  if (m.fields.size === 0) {
    // fields set before the first apply are owned by "before-first-apply"
    m = runUpdate(ctx, zeroObject(args.definition), live, m, 'before-first-apply', args.subresource, now);
  }
  const id = managerIdentifier({ manager: args.manager || 'unknown', operation: 'Apply', subresource: args.subresource });
  const r = updaterApply(ctx, live, args.config, m.fields, id, force);
  if ('conflicts' in r) return { conflicts: r.conflicts, managed: m };
  m.fields = r.managers;
  stripManager(m, id);
  if (r.object !== null) m.times.set(id, now);
  return { object: r.object as KObject | null, managed: m };
}

function toConflicts(raw: RawConflict[], managed: Managed): Conflict[] {
  return raw.map(({ manager, path }) => {
    const p = parseIdentifier(manager);
    const vs = managed.fields.get(manager);
    const c: Conflict = {
      field: pathString(path),
      manager: p.manager,
      operation: (p.operation ?? (vs?.applied ? 'Apply' : 'Update')) as Conflict['operation'],
      identifier: manager,
    };
    const apiVersion = p.apiVersion ?? vs?.apiVersion;
    if (apiVersion) c.apiVersion = apiVersion;
    const time = managed.times.get(manager);
    if (time) c.time = time;
    if (p.subresource) c.subresource = p.subresource;
    return c;
  });
}

/** versioncheck.go: the applied object must be of the endpoint's group, version and kind. */
function checkVersion(args: ApplyArgs): void {
  const apiVersion = String(args.config?.apiVersion ?? '');
  const kind = String(args.config?.kind ?? '');
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/', 2) : ['', apiVersion];
  // a definition registered at run time (a custom resource's) names its own GVK
  const own = getDefinition(args.definition)?.['x-kubernetes-group-version-kind']?.some((g) => g.group === group && g.version === version && g.kind === kind);
  const ok = (own || definitionFor(group, version, kind) === args.definition) && apiVersion === args.apiVersion;
  if (!ok) throw new FieldManagerError(`invalid object type: ${group}/${version}, Kind=${kind}`);
}
