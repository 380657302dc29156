// Embedded ObjectMeta and TypeMeta: staging/src/k8s.io/apiextensions-apiserver/pkg/apiserver/schema/objectmeta/
// (coerce.go GetObjectMetaWithOptions/SetObjectMeta, algorithm.go CoerceWithOptions, validation.go Validate),
// with ObjectMeta decoded as json.Unmarshal into metav1.ObjectMeta would (types checked, unknown fields dropped,
// empty fields omitted) and validated as apimachinery/pkg/api/validation/objectmeta.go ValidateObjectMeta.
import type { Cause } from '../../resources/types.js';
import { isDNS1035Label, isDNS1123Label, validateAnnotations, validateLabels, isQualifiedName } from '../../registry/validation.js';
import { child, fe, index } from './fielderr.js';
import { goQuote } from '../../util/goquote.js';
import { jsonKind } from '../../schema/fields.js';
import { asResourceRoot, type Structural } from './structural.js';

function isObj(v: unknown): v is Record<string, any> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

class DecodeError extends Error {}

function typeErr(v: unknown, struct: string, field: string, goType: string): DecodeError {
  const val = typeof v === 'number' && goType.includes('int') && !Number.isInteger(v) ? `number ${v}` : jsonKind(v);
  return new DecodeError(`json: cannot unmarshal ${val} into Go struct field ${struct}.${field} of type ${goType}`);
}

function str(v: unknown, struct: string, field: string): string {
  if (typeof v !== 'string') throw typeErr(v, struct, field, 'string');
  return v;
}

function int(v: unknown, struct: string, field: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v)) throw typeErr(v, struct, field, 'int64');
  return v;
}

function bool(v: unknown, struct: string, field: string): boolean {
  if (typeof v !== 'boolean') throw typeErr(v, struct, field, 'bool');
  return v;
}

// metav1.Time (UnmarshalJSON): an RFC 3339 string, re-encoded in UTC with seconds precision
function time(v: unknown, _struct: string, _field: string): string {
  if (typeof v !== 'string') throw new DecodeError(`json: cannot unmarshal ${jsonKind(v)} into Go value of type string`);
  const m = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/.exec(v);
  const d = m ? new Date(v) : undefined;
  if (!d || Number.isNaN(d.getTime())) {
    // time.ParseError, reduced to the common case of a value that is no timestamp at all
    const layout = '2006-01-02T15:04:05Z07:00';
    throw new DecodeError(`parsing time ${goQuote(v)} as ${goQuote(layout)}: cannot parse ${goQuote(v)} as "2006"`);
  }
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function strMap(v: unknown, struct: string, field: string): Record<string, string> {
  if (!isObj(v)) throw typeErr(v, struct, field, 'map[string]string');
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(v)) {
    if (x === null) {
      out[k] = '';
      continue;
    }
    if (typeof x !== 'string') throw typeErr(x, struct, field, 'string');
    out[k] = x;
  }
  return out;
}

function list(v: unknown, struct: string, field: string, goType: string): unknown[] {
  if (!Array.isArray(v)) throw typeErr(v, struct, field, goType);
  return v;
}

const META_STRINGS = ['name', 'generateName', 'namespace', 'selfLink', 'uid', 'resourceVersion'];
const OWNER_FIELDS = ['apiVersion', 'kind', 'name', 'uid', 'controller', 'blockOwnerDeletion'];
const MF_FIELDS = ['manager', 'operation', 'apiVersion', 'time', 'fieldsType', 'fieldsV1', 'subresource'];

export interface DecodedMeta {
  meta: Record<string, any>;
  unknown: string[];
}

/**
 * json.Unmarshal of a metadata value into metav1.ObjectMeta and back (SetObjectMeta): the normalized
 * metadata and the unknown fields' paths (`<prefix>.foo`), or a thrown error worded as Go's decoder.
 */
export function decodeObjectMeta(metadata: unknown, prefix = 'metadata'): DecodedMeta {
  if (!isObj(metadata)) {
    if (metadata === null) return { meta: {}, unknown: [] };
    throw new DecodeError(`json: cannot unmarshal ${jsonKind(metadata)} into Go value of type v1.ObjectMeta`);
  }
  const out: Record<string, any> = {};
  const unknown: string[] = [];
  const S = 'ObjectMeta';
  for (const [k, v] of Object.entries(metadata)) {
    if (v === null && k !== 'creationTimestamp') continue;
    if (META_STRINGS.includes(k)) {
      const s = str(v, S, k);
      if (s) out[k] = s;
    } else if (k === 'generation') {
      const n = int(v, S, k);
      if (n) out[k] = n;
    } else if (k === 'deletionGracePeriodSeconds') out[k] = int(v, S, k);
    else if (k === 'creationTimestamp') {
      if (v !== null) out[k] = time(v, S, k);
    } else if (k === 'deletionTimestamp') out[k] = time(v, S, k);
    else if (k === 'labels' || k === 'annotations') {
      const m = strMap(v, S, k);
      if (Object.keys(m).length) out[k] = m;
    } else if (k === 'finalizers') {
      const l = list(v, S, k, '[]string').map((x) => (x === null ? '' : str(x, S, k)));
      if (l.length) out[k] = l;
    } else if (k === 'ownerReferences') {
      const l = list(v, S, k, '[]v1.OwnerReference').map((r, i) => {
        if (r === null) return {};
        if (!isObj(r)) throw typeErr(r, S, k, 'v1.OwnerReference');
        const o: Record<string, any> = { apiVersion: '', kind: '', name: '', uid: '' };
        for (const [f, x] of Object.entries(r)) {
          if (!OWNER_FIELDS.includes(f)) {
            unknown.push(`${prefix}.${k}[${i}].${f}`);
            continue;
          }
          if (x === null) continue;
          o[f] = f === 'controller' || f === 'blockOwnerDeletion' ? bool(x, 'OwnerReference', `${k}.${f}`) : str(x, 'OwnerReference', `${k}.${f}`);
        }
        return o;
      });
      if (l.length) out[k] = l;
    } else if (k === 'managedFields') {
      const l = list(v, S, k, '[]v1.ManagedFieldsEntry').map((r, i) => {
        if (r === null) return {};
        if (!isObj(r)) throw typeErr(r, S, k, 'v1.ManagedFieldsEntry');
        const o: Record<string, any> = {};
        for (const [f, x] of Object.entries(r)) {
          if (!MF_FIELDS.includes(f)) {
            unknown.push(`${prefix}.${k}[${i}].${f}`);
            continue;
          }
          if (x === null) continue;
          if (f === 'time') o[f] = time(x, 'ManagedFieldsEntry', `${k}.${f}`);
          else if (f === 'fieldsV1') {
            if (!isObj(x)) throw typeErr(x, 'ManagedFieldsEntry', `${k}.${f}`, 'v1.FieldsV1');
            o[f] = x;
          } else {
            const s = str(x, 'ManagedFieldsEntry', `${k}.${f}`);
            if (s) o[f] = s;
          }
        }
        return o;
      });
      if (l.length) out[k] = l;
    } else unknown.push(`${prefix}.${k}`);
  }
  return { meta: out, unknown };
}

export interface CoerceOptions {
  dropInvalidFields?: boolean;
  returnUnknownFieldPaths?: boolean;
}

/**
 * CoerceWithOptions: TypeMeta must be strings and ObjectMeta must decode in every x-kubernetes-embedded-resource
 * object (and at the root when isResourceRoot); metadata is normalized in place. Returns the first error and the
 * unknown metadata fields' paths.
 */
export function coerce(pth: string, obj: unknown, s: Structural | undefined, isResourceRoot: boolean, opts: CoerceOptions = {}): { error?: Cause; unknown: string[] } {
  if (isResourceRoot) {
    s = asResourceRoot(s);
  }
  const unknown: string[] = [];
  const error = coerceAt(pth, obj, s, opts, unknown);
  unknown.sort();
  return { error, unknown };
}

const subtree = new WeakMap<Structural, boolean>();
function hasEmbedded(s: Structural): boolean {
  let h = subtree.get(s);
  if (h === undefined) {
    h = hasEmbeddedResource(s);
    subtree.set(s, h);
  }
  return h;
}

function coerceAt(pth: string, x: unknown, s: Structural | undefined, opts: CoerceOptions, unknown: string[]): Cause | undefined {
  if (!s || x === null || typeof x !== 'object' || !hasEmbedded(s)) return undefined;
  if (Array.isArray(x)) {
    for (let i = 0; i < x.length; i++) {
      const e = coerceAt(index(pth, i), x[i], s.items, opts, unknown);
      if (e) return e;
    }
    return undefined;
  }
  const o = x as Record<string, unknown>;
  for (const k of Object.keys(o)) {
    const v = o[k];
    if (s.xEmbeddedResource) {
      if (k === 'apiVersion' || k === 'kind') {
        if (typeof v !== 'string') {
          if (opts.dropInvalidFields) delete o[k];
          else return fe.invalid(child(pth, k), v, 'must be a string');
        }
      } else if (k === 'metadata') {
        try {
          const d = decodeObjectMeta(v, child(pth, 'metadata'));
          if (opts.returnUnknownFieldPaths) unknown.push(...d.unknown);
          o.metadata = d.meta;
        } catch (e) {
          if (!opts.dropInvalidFields) return fe.invalid(child(pth, 'metadata'), v, (e as Error).message);
        }
      }
    }
    const prop = s.properties?.get(k);
    if (prop) {
      const e = coerceAt(child(pth, k), o[k], prop, opts, unknown);
      if (e) return e;
    } else if (s.additionalProperties) {
      const e = coerceAt(pth + '[' + k + ']', o[k], s.additionalProperties.structural, opts, unknown);
      if (e) return e;
    }
  }
  return undefined;
}

/** Whether any node of s is an embedded resource (so the walks can be skipped). */
export function hasEmbeddedResource(s: Structural | undefined, seen = new Set<Structural>()): boolean {
  if (!s || seen.has(s)) return false;
  seen.add(s);
  if (s.xEmbeddedResource) return true;
  if (hasEmbeddedResource(s.items, seen) || hasEmbeddedResource(s.additionalProperties?.structural, seen)) return true;
  if (s.properties) for (const p of s.properties.values()) if (hasEmbeddedResource(p, seen)) return true;
  return false;
}

/** objectmeta.Validate: apiVersion, kind and metadata of every embedded resource (and the root when isResourceRoot). */
export function validateEmbeddedMeta(pth: string, obj: unknown, s: Structural | undefined, isResourceRoot: boolean): Cause[] {
  if (isResourceRoot) {
    s = asResourceRoot(s);
  }
  const errs: Cause[] = [];
  validateAt(pth, obj, s, errs);
  return errs;
}

function validateAt(pth: string, x: unknown, s: Structural | undefined, errs: Cause[]): void {
  if (!s || x === null || typeof x !== 'object' || !hasEmbedded(s)) return;
  if (Array.isArray(x)) {
    for (let i = 0; i < x.length; i++) validateAt(index(pth, i), x[i], s.items, errs);
    return;
  }
  const o = x as Record<string, unknown>;
  if (s.xEmbeddedResource) validateEmbeddedResource(pth, o, errs);
  for (const k of Object.keys(o)) {
    const prop = s.properties?.get(k);
    if (prop) validateAt(child(pth, k), o[k], prop, errs);
    else if (s.additionalProperties) validateAt(pth + '[' + k + ']', o[k], s.additionalProperties.structural, errs);
  }
}

// schema.ParseGroupVersion
function parseGroupVersionError(gv: string): string | undefined {
  if (gv === '' || gv === '/') return undefined;
  const n = gv.split('/').length - 1;
  if (n <= 1) return undefined;
  return `unexpected GroupVersion string: ${gv}`;
}

function validateEmbeddedResource(pth: string, x: Record<string, unknown>, errs: Cause[]): void {
  if (!Object.prototype.hasOwnProperty.call(x, 'apiVersion')) errs.push(fe.required(child(pth, 'apiVersion')));
  if (!Object.prototype.hasOwnProperty.call(x, 'kind')) errs.push(fe.required(child(pth, 'kind')));
  for (const k of Object.keys(x)) {
    const v = x[k];
    if (k === 'apiVersion') {
      if (typeof v !== 'string') errs.push(fe.invalid(child(pth, 'apiVersion'), v, 'must be a string'));
      else if (v.length === 0) errs.push(fe.invalid(child(pth, 'apiVersion'), v, 'must not be empty'));
      else {
        const e = parseGroupVersionError(v);
        if (e) errs.push(fe.invalid(child(pth, 'apiVersion'), v, e));
      }
    } else if (k === 'kind') {
      if (typeof v !== 'string') errs.push(fe.invalid(child(pth, 'kind'), v, 'must be a string'));
      else if (v.length === 0) errs.push(fe.invalid(child(pth, 'kind'), v, 'must not be empty'));
      else {
        const e = isDNS1035Label(v.toLowerCase());
        if (e.length) errs.push(fe.invalid(child(pth, 'kind'), v, 'may have mixed case, but should otherwise match: ' + e.join(',')));
      }
    } else if (k === 'metadata') {
      let meta: Record<string, any>;
      try {
        meta = decodeObjectMeta(v, child(pth, 'metadata')).meta;
      } catch (e) {
        errs.push(fe.invalid(child(pth, 'metadata'), v, (e as Error).message));
        continue;
      }
      if (!meta.name) meta.name = 'fakename';
      errs.push(...validateObjectMetaAt(meta, !!meta.namespace, child(pth, 'metadata')));
    }
  }
}

function pathSegment(name: string, prefix: boolean): string[] {
  if (!prefix && (name === '.' || name === '..')) return [`may not be '${name}'`];
  const out: string[] = [];
  if (name.includes('/')) out.push("may not contain '/'");
  if (name.includes('%')) out.push("may not contain '%'");
  return out;
}

/** ValidateObjectMeta (create) under an arbitrary path, names checked as path segments (objectmeta/validation.go). */
export function validateObjectMetaAt(meta: Record<string, any>, requiresNamespace: boolean, fldPath: string): Cause[] {
  const errs: Cause[] = [];
  if (meta.generateName) for (const m of pathSegment(meta.generateName, true)) errs.push(fe.invalid(child(fldPath, 'generateName'), meta.generateName, m));
  if (!meta.name) errs.push(fe.required(child(fldPath, 'name'), 'name or generateName is required'));
  else for (const m of pathSegment(meta.name, false)) errs.push(fe.invalid(child(fldPath, 'name'), meta.name, m));
  if (requiresNamespace) {
    if (!meta.namespace) errs.push(fe.required(child(fldPath, 'namespace')));
    else for (const m of isDNS1123Label(meta.namespace)) errs.push(fe.invalid(child(fldPath, 'namespace'), meta.namespace, m));
  } else if (meta.namespace) errs.push(fe.forbidden(child(fldPath, 'namespace'), 'not allowed on this type'));
  if (typeof meta.generation === 'number' && meta.generation < 0) errs.push(fe.invalid(child(fldPath, 'generation'), meta.generation, 'must be greater than or equal to 0'));
  errs.push(...validateLabels(meta.labels, child(fldPath, 'labels')));
  errs.push(...validateAnnotations(meta.annotations, child(fldPath, 'annotations')));
  if (Array.isArray(meta.finalizers)) {
    meta.finalizers.forEach((f: string) => {
      for (const m of isQualifiedName(f)) errs.push(fe.invalid(child(fldPath, 'finalizers'), f, m));
    });
    if (meta.finalizers.includes('orphan') && meta.finalizers.includes('foregroundDeletion'))
      errs.push(fe.invalid(child(fldPath, 'finalizers'), meta.finalizers, 'finalizer orphan and foregroundDeletion cannot be both set'));
  }
  if (Array.isArray(meta.ownerReferences)) {
    let controllers = 0;
    meta.ownerReferences.forEach((r: Record<string, any>, i: number) => {
      const p = index(child(fldPath, 'ownerReferences'), i);
      if (!r.apiVersion) errs.push(fe.invalid(child(p, 'apiVersion'), r.apiVersion ?? '', 'version must not be empty'));
      if (!r.kind) errs.push(fe.invalid(child(p, 'kind'), r.kind ?? '', 'kind must not be empty'));
      if (!r.name) errs.push(fe.invalid(child(p, 'name'), r.name ?? '', 'name must not be empty'));
      if (!r.uid) errs.push(fe.invalid(child(p, 'uid'), r.uid ?? '', 'uid must not be empty'));
      if (r.controller === true) controllers++;
    });
    if (controllers > 1) errs.push(fe.invalid(child(fldPath, 'ownerReferences'), meta.ownerReferences, 'Only one reference can have Controller set to true'));
  }
  return errs;
}
