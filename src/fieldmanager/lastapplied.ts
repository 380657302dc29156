// Client-side apply -> server-side apply migration, after managedfields/internal lastappliedmanager.go
// (conflicts on fields the last-applied annotation still matches are forgiven for manager "kubectl")
// and lastappliedupdater.go (kubectl's server-side apply keeps that annotation in sync).
import { stringifyIterative } from '../util/json.js';
import type { KObject } from '../resources/types.js';
import { FieldSet } from './fieldpath.js';
import { isObj, type Node } from './schema.js';
import { compare, toFieldSet } from './typed.js';
import { cloneJSON } from '../util/clone.js';

export const LAST_APPLIED_ANNOTATION = 'kubectl.kubernetes.io/last-applied-configuration';
/** Managers whose apply takes part in the migration (upstream hard-codes kubectl). */
export const MIGRATING_MANAGER = 'kubectl';
const TOTAL_ANNOTATION_SIZE_LIMIT = 256 * 1024;

/**
 * The fields of the last-applied configuration whose values the live object still has; undefined
 * when there is no usable annotation (allowedConflictsFromLastApplied).
 */
export function allowedConflictsFromLastApplied(live: KObject, node: Node, apiVersion: string): FieldSet | undefined {
  const text = live?.metadata?.annotations?.[LAST_APPLIED_ANNOTATION];
  if (typeof text !== 'string' || text === '') return undefined;
  let last: unknown;
  try {
    last = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isObj(last) || last.apiVersion !== apiVersion) return undefined;
  const liveNoMF = withoutManagedFields(live);
  const set = toFieldSet(last, node);
  const c = compare(last, liveNoMF, node);
  return set.difference(c.modified).difference(c.added).difference(c.removed);
}

export function hasLastApplied(obj: KObject | undefined): boolean {
  const v = obj?.metadata?.annotations?.[LAST_APPLIED_ANNOTATION];
  return typeof v === 'string' && v.length > 0;
}

/** Go's encoding/json rendering: map keys sorted, `<`, `>`, `&`, U+2028/9 escaped, trailing newline. */
export function goJSON(v: unknown): string {
  const enc = (x: unknown): string => {
    if (Array.isArray(x)) return `[${x.map(enc).join(',')}]`;
    if (isObj(x))
      return `{${Object.keys(x)
        .sort()
        .filter((k) => x[k] !== undefined)
        .map((k) => `${escape(JSON.stringify(k))}:${enc(x[k])}`)
        .join(',')}}`;
    if (typeof x === 'string') return escape(JSON.stringify(x));
    if (x === undefined) return 'null';
    return JSON.stringify(x);
  };
  try {
    return enc(v);
  } catch (err) {
    // too deep for the recursion: the same text from an explicit stack
    if (!(err instanceof RangeError)) throw err;
    return v === undefined ? 'null' : escape(stringifyIterative(v, true));
  }
}

function escape(s: string): string {
  return s.replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** buildLastApplied: the applied configuration without the annotation, as JSON plus a newline. */
export function buildLastApplied(config: KObject): string {
  const copy = cloneJSON(config);
  const ann = copy.metadata?.annotations;
  if (isObj(ann)) {
    delete ann[LAST_APPLIED_ANNOTATION];
  } else if (copy.metadata && 'annotations' in copy.metadata) {
    delete copy.metadata.annotations;
  }
  return goJSON(copy) + '\n';
}

/** SetLastApplied: set the annotation, unless that would push annotations past the size limit. Mutates. */
export function setLastApplied(obj: KObject, value: string): void {
  obj.metadata ??= {};
  const annotations: Record<string, string> = { ...(obj.metadata.annotations ?? {}) };
  annotations[LAST_APPLIED_ANNOTATION] = value;
  let size = 0;
  for (const [k, v] of Object.entries(annotations)) size += k.length + String(v).length;
  if (size > TOTAL_ANNOTATION_SIZE_LIMIT) delete annotations[LAST_APPLIED_ANNOTATION];
  obj.metadata.annotations = annotations;
}

export function withoutManagedFields(obj: KObject): KObject {
  if (!isObj(obj) || !isObj(obj.metadata) || !('managedFields' in obj.metadata)) return obj;
  const { managedFields: _mf, ...metadata } = obj.metadata;
  return { ...obj, metadata };
}
