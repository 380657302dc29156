// ControllerRevision history shared by the StatefulSet and DaemonSet controllers (upstream
// pkg/controller/history/controller_history.go: HashControllerRevision, ControllerRevisionName,
// EqualRevision, FindEqualRevisions, SortControllerRevisions) and the pod-template hash of
// Deployments (pkg/controller/controller_utils.go ComputeHash).
import type { KObject } from '../../resources/types.js';
import { computePodTemplateHash } from './podtemplate-hash.js';

export const HASH_LABEL = 'controller.kubernetes.io/hash';

/** Go's encoding/json output for a decoded generic value: map keys sorted, HTML characters escaped. */
export function goJSON(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'string') return goString(v);
  if (typeof v === 'number') return Number.isFinite(v) ? JSON.stringify(v) : 'null';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (Array.isArray(v)) return `[${v.map(goJSON).join(',')}]`;
  if (typeof v === 'object') {
    const o = v as Record<string, unknown>;
    const keys = Object.keys(o)
      .filter((k) => o[k] !== undefined)
      .sort(compareBytes);
    return `{${keys.map((k) => `${goString(k)}:${goJSON(o[k])}`).join(',')}}`;
  }
  return 'null';
}

/** Go sorts map keys by their UTF-8 bytes. */
function compareBytes(a: string, b: string): number {
  if (a === b) return 0;
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return Buffer.compare(x, y);
}

function goString(s: string): string {
  // encoding/json escapes <, >, & and the JS line separators as well as what JSON.stringify escapes
  return JSON.stringify(s).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** A deep copy with every object's keys in Go's sorted order (how the raw data reads back). */
export function sortedCopy<T>(v: T): T {
  if (Array.isArray(v)) return v.map(sortedCopy) as T;
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(o).sort(compareBytes)) if (o[k] !== undefined) out[k] = sortedCopy(o[k]);
    return out as T;
  }
  return v;
}

/** 32-bit FNV-1 (multiply, then xor) over bytes. */
export function fnv1(bytes: Uint8Array, h = 0x811c9dc5): number {
  for (const b of bytes) h = (Math.imul(h, 0x01000193) ^ b) >>> 0;
  return h >>> 0;
}

const ALPHANUMS = 'bcdfghjklmnpqrstvwxz2456789';

/** apimachinery rand.SafeEncodeString: each character mapped into a vowel-free alphabet. */
export function safeEncodeString(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) out += ALPHANUMS[s.charCodeAt(i) % ALPHANUMS.length];
  return out;
}

/** HashControllerRevision: FNV-1 of the data bytes, then the decimal collision count. */
export function hashRevisionData(dataJSON: string, collisionCount?: number): string {
  let h = fnv1(Buffer.from(dataJSON, 'utf8'));
  if (collisionCount !== undefined && collisionCount !== null) h = fnv1(Buffer.from(String(collisionCount), 'utf8'), h);
  return safeEncodeString(String(h));
}

/** ControllerRevisionName: the prefix is cut to 223 characters. */
export function controllerRevisionName(prefix: string, hash: string): string {
  return `${prefix.length > 223 ? prefix.slice(0, 223) : prefix}-${hash}`;
}

export function revisionDataJSON(rev: KObject): string {
  return goJSON(rev.data);
}

function parseHashLabel(rev: KObject): number | undefined {
  const s = rev.metadata?.labels?.[HASH_LABEL];
  if (typeof s !== 'string' || !/^[+-]?\d+$/.test(s)) return undefined;
  const n = Number(s);
  return n >= -2147483648 && n <= 2147483647 ? n >>> 0 : undefined;
}

/** history.EqualRevision: hash labels (when both parse as integers) and the raw data must agree. */
export function equalRevision(a: KObject | undefined, b: KObject | undefined): boolean {
  if (!a || !b) return a === b;
  const ha = parseHashLabel(a);
  const hb = parseHashLabel(b);
  if (ha !== undefined && hb !== undefined && ha !== hb) return false;
  return revisionDataJSON(a) === revisionDataJSON(b);
}

export function findEqualRevisions(revisions: KObject[], needle: KObject): KObject[] {
  return revisions.filter((r) => equalRevision(r, needle));
}

/** history.SortControllerRevisions: by revision, then creation time, then name (stable). */
export function sortRevisions(revisions: KObject[]): KObject[] {
  return revisions
    .map((r, i) => ({ r, i }))
    .sort((x, y) => {
      const a = x.r;
      const b = y.r;
      const ra = a.revision ?? 0;
      const rb = b.revision ?? 0;
      if (ra !== rb) return ra - rb;
      const ta = Date.parse(a.metadata?.creationTimestamp ?? '') || 0;
      const tb = Date.parse(b.metadata?.creationTimestamp ?? '') || 0;
      if (ta !== tb) return ta - tb;
      const na = a.metadata?.name ?? '';
      const nb = b.metadata?.name ?? '';
      if (na !== nb) return na < nb ? -1 : 1;
      return x.i - y.i;
    })
    .map((e) => e.r);
}

export function nextRevision(sorted: KObject[]): number {
  return sorted.length ? (sorted[sorted.length - 1].revision ?? 0) + 1 : 1;
}


/** 32-bit FNV-1a (xor, then multiply) over bytes. */
export function fnv1a(bytes: Uint8Array, h = 0x811c9dc5): number {
  for (const b of bytes) h = Math.imul(h ^ b, 0x01000193) >>> 0;
  return h >>> 0;
}

/**
 * ComputeHash: the pod-template-hash of a template and a collision count, upstream's value
 * (FNV-1a over go-spew's dump of the v1.PodTemplateSpec struct, then the count; see
 * podtemplate-hash.ts). Templates are immutable once read from the store, so the hash is cached
 * per template object.
 */
export function computeTemplateHash(template: unknown, collisionCount?: number | null): string {
  const key = collisionCount === undefined || collisionCount === null ? -1 : collisionCount >>> 0;
  if (template && typeof template === 'object') {
    let byCount = hashCache.get(template);
    if (!byCount) hashCache.set(template, (byCount = new Map()));
    let h = byCount.get(key);
    if (h === undefined) byCount.set(key, (h = computePodTemplateHash(template, collisionCount)));
    return h;
  }
  return computePodTemplateHash(template, collisionCount);
}

const hashCache = new WeakMap<object, Map<number, string>>();
