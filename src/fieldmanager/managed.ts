// metadata.managedFields <-> manager sets, after k8s.io/apimachinery/pkg/util/managedfields/internal
// managedfields.go (identifiers, decode, encode and sort order), stripmeta.go and capmanagers.go.
import { stringifyJSON } from '../util/json.js';
import { FieldSet, fieldPE, type Path } from './fieldpath.js';

export interface ManagedFieldsEntry {
  manager?: string;
  operation?: 'Apply' | 'Update' | string;
  apiVersion?: string;
  time?: string;
  fieldsType?: string;
  fieldsV1?: Record<string, any>;
  subresource?: string;
}

export interface VersionedSet {
  set: FieldSet;
  apiVersion: string;
  applied: boolean;
}

/** Manager sets keyed by manager identifier, with the time of each entry. */
export interface Managed {
  fields: Map<string, VersionedSet>;
  times: Map<string, string | undefined>;
}

export const emptyManaged = (): Managed => ({ fields: new Map(), times: new Map() });

export function cloneManaged(m: Managed): Managed {
  return { fields: new Map(m.fields), times: new Map(m.times) };
}

/**
 * The identifier upstream keys managers by: the entry's JSON without time and fields, and without
 * apiVersion for appliers (BuildManagerIdentifier).
 */
export function managerIdentifier(e: { manager?: string; operation?: string; apiVersion?: string; subresource?: string }): string {
  const o: Record<string, string> = {};
  if (e.manager) o.manager = e.manager;
  if (e.operation) o.operation = e.operation;
  if (e.apiVersion && e.operation !== 'Apply') o.apiVersion = e.apiVersion;
  if (e.subresource) o.subresource = e.subresource;
  return JSON.stringify(o);
}

/** The parts of an identifier (a plain string that is not JSON stands for itself). */
const parsedIds = new Map<string, { manager: string; operation?: string; apiVersion?: string; subresource?: string }>();

export function parseIdentifier(id: string): { manager: string; operation?: string; apiVersion?: string; subresource?: string } {
  let p = parsedIds.get(id);
  if (!p) {
    p = parseIdentifierUncached(id);
    if (parsedIds.size >= 1000) parsedIds.clear(); // a bounded memo: identifiers repeat a lot
    parsedIds.set(id, p);
  }
  return { ...p };
}

function parseIdentifierUncached(id: string): { manager: string; operation?: string; apiVersion?: string; subresource?: string } {
  try {
    const o = JSON.parse(id);
    if (o && typeof o === 'object' && !Array.isArray(o)) return { manager: String(o.manager ?? ''), ...pick(o) };
  } catch {
    /* not JSON */
  }
  return { manager: id };
}

function pick(o: Record<string, unknown>) {
  const out: { operation?: string; apiVersion?: string; subresource?: string } = {};
  for (const k of ['operation', 'apiVersion', 'subresource'] as const) if (typeof o[k] === 'string' && o[k]) out[k] = o[k] as string;
  return out;
}

/** DecodeManagedFields; throws with upstream's reason when an entry is malformed. */
export function decodeManagedFields(entries: unknown): Managed {
  const m = emptyManaged();
  if (!Array.isArray(entries)) return m;
  entries.forEach((raw, i) => {
    const e = (raw ?? {}) as ManagedFieldsEntry;
    if (e.operation !== 'Apply' && e.operation !== 'Update') throw new Error('operation must be `Apply` or `Update`');
    if (!e.apiVersion) throw new Error('apiVersion must not be empty');
    if (!e.fieldsType) throw new Error(`missing fieldsType in managed fields entry ${i}`);
    if (e.fieldsType !== 'FieldsV1') throw new Error(`invalid fieldsType "${e.fieldsType}" in managed fields entry ${i}`);
    const id = managerIdentifier(e);
    m.fields.set(id, { set: decodeSet(e.fieldsV1 ?? {}), apiVersion: e.apiVersion, applied: e.operation === 'Apply' });
    m.times.set(id, e.time);
  });
  return m;
}

// Every write decodes the managedFields it reads and encodes the ones it stores, and most entries
// are the same from one write to the next: both directions are memoised. Field sets are immutable
// once built, so a decoded set can be shared; an encoded FieldsV1 object is shared by the entries
// of every object written with that set (nothing changes a stored entry in place).
const decoded = new Map<string, FieldSet>();
const encoded = new WeakMap<FieldSet, Record<string, unknown>>();
const DECODED_MAX = 4096;

function decodeSet(fieldsV1: unknown): FieldSet {
  const key = stringifyJSON(fieldsV1);
  let set = decoded.get(key);
  if (!set) {
    set = FieldSet.fromFieldsV1(fieldsV1);
    if (decoded.size >= DECODED_MAX) decoded.clear();
    decoded.set(key, set);
  }
  return set;
}

function encodeSet(set: FieldSet): Record<string, unknown> {
  let v = encoded.get(set);
  if (!v) encoded.set(set, (v = set.toFieldsV1()));
  return v;
}

/** Decode, or an empty set of managers when the entries do not decode (emptyManagedFieldsOnErr). */
export function decodeOrEmpty(entries: unknown): Managed {
  try {
    return decodeManagedFields(entries);
  } catch {
    return emptyManaged();
  }
}

const seconds = (t: string | undefined): number => {
  if (!t) return 0;
  const ms = Date.parse(t);
  return Number.isNaN(ms) ? 0 : Math.floor(ms / 1000);
};

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** encodeManagedFields: undefined when no manager is left; sorted Apply first, then by time, manager, apiVersion, subresource. */
export function encodeManagedFields(m: Managed): ManagedFieldsEntry[] | undefined {
  if (m.fields.size === 0) return undefined;
  const out: ManagedFieldsEntry[] = [];
  for (const [id, vs] of m.fields) {
    const p = parseIdentifier(id);
    const e: ManagedFieldsEntry = {};
    if (p.manager) e.manager = p.manager;
    e.operation = vs.applied ? 'Apply' : (p.operation ?? 'Update');
    e.apiVersion = vs.apiVersion;
    const t = m.times.get(id);
    if (t) e.time = t;
    e.fieldsType = 'FieldsV1';
    e.fieldsV1 = encodeSet(vs.set);
    if (p.subresource) e.subresource = p.subresource;
    out.push(e);
  }
  return out.sort(
    (p, q) =>
      cmp(p.operation ?? '', q.operation ?? '') ||
      seconds(p.time) - seconds(q.time) ||
      cmp(p.manager ?? '', q.manager ?? '') ||
      cmp(p.apiVersion ?? '', q.apiVersion ?? '') ||
      cmp(p.subresource ?? '', q.subresource ?? ''),
  );
}

const meta = (f: string): Path => [fieldPE('metadata'), fieldPE(f)];

/** Fields never recorded in managedFields (stripmeta.go). */
export const STRIP_SET = FieldSet.of(
  [fieldPE('apiVersion')],
  [fieldPE('kind')],
  [fieldPE('metadata')],
  ...['name', 'namespace', 'creationTimestamp', 'selfLink', 'uid', 'clusterName', 'generation', 'managedFields', 'resourceVersion'].map(meta),
);

/** Remove the strip set from one manager's set; the entry goes away when nothing is left. */
export function stripManager(m: Managed, id: string): void {
  const vs = m.fields.get(id);
  if (!vs) return;
  const set = vs.set.difference(STRIP_SET);
  if (set.empty()) m.fields.delete(id);
  else m.fields.set(id, { ...vs, set });
}

export const DEFAULT_MAX_UPDATE_MANAGERS = 10;
const ANCIENT = 'ancient-changes';

/** capmanagers.go: merge the oldest Update entries into per-version "ancient-changes" buckets. */
export function capUpdateManagers(m: Managed, max = DEFAULT_MAX_UPDATE_MANAGERS): void {
  const updaters = [...m.fields].filter(([, vs]) => !vs.applied).map(([id]) => id);
  if (updaters.length <= max) return;
  updaters.sort((a, b) => seconds(m.times.get(a)) - seconds(m.times.get(b)) || cmp(a, b));
  const firstOfVersion = new Map<string, string>();
  let length = updaters.length;
  for (let i = 0; i < updaters.length && length > max; i++) {
    const id = updaters[i];
    const vs = m.fields.get(id)!;
    const time = m.times.get(id);
    const bucket = managerIdentifier({ manager: ANCIENT, operation: 'Update', apiVersion: vs.apiVersion });
    const first = firstOfVersion.get(vs.apiVersion);
    if (first === undefined) {
      firstOfVersion.set(vs.apiVersion, id);
      continue;
    }
    if (!m.fields.has(bucket)) {
      m.fields.set(bucket, m.fields.get(first)!);
      m.fields.delete(first);
    }
    m.fields.set(bucket, { set: vs.set.union(m.fields.get(bucket)!.set), apiVersion: vs.apiVersion, applied: vs.applied });
    m.fields.delete(id);
    length--;
    m.times.set(bucket, time);
  }
  for (const id of [...m.times.keys()]) if (!m.fields.has(id)) m.times.delete(id);
}
