// Defaulting: staging/src/k8s.io/apiextensions-apiserver/pkg/apiserver/schema/defaulting/
// (algorithm.go Default, prunenulls.go PruneNonNullableNullsWithoutDefaults, prune.go PruneDefaults,
// surroundingobject.go, validation.go ValidateDefaults).
import type { Cause } from '../../resources/types.js';
import { cloneJSON } from '../../util/clone.js';
import { jsonEqual } from '../../util/equal.js';
import { aggregate, causeString, child, fe, key } from './fielderr.js';
import { coerce, validateEmbeddedMeta } from './objectmeta.js';
import { compileStructural, validateValue, type ONode } from './openapi.js';
import { prune } from './pruning.js';
import type { Structural } from './structural.js';

function isObj(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function isNonNullableNull(x: unknown, s: Structural | undefined): boolean {
  return x === null && !!s && !s.nullable;
}

// an own data property even for a key named __proto__
function setField(o: Record<string, unknown>, k: string, v: unknown): void {
  if (k === '__proto__') Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
  else o[k] = v;
}

/**
 * Default (algorithm.go): sets each absent property that has a default, and each non-nullable null that has one
 * (PruneNonNullableNullsWithoutDefaults has dropped the others), deep-copying the default; mutates x.
 */
export function applyDefaults(x: unknown, s: Structural | undefined): void {
  if (!s || x === null || typeof x !== 'object') return;
  if (Array.isArray(x)) {
    const items = s.items;
    if (!items) return;
    for (let i = 0; i < x.length; i++) {
      if (isNonNullableNull(x[i], items)) x[i] = items.default === undefined ? null : cloneJSON(items.default);
      applyDefaults(x[i], items);
    }
    return;
  }
  const o = x as Record<string, unknown>;
  const props = s.properties;
  if (props) {
    for (const [k, prop] of props) {
      if (prop.default === undefined) continue;
      if (!Object.prototype.hasOwnProperty.call(o, k) || isNonNullableNull(o[k], prop)) setField(o, k, cloneJSON(prop.default));
    }
  }
  const ap = s.additionalProperties;
  for (const k in o) {
    const prop = props?.get(k);
    if (prop) applyDefaults(o[k], prop);
    else if (ap) {
      const aps = ap.structural;
      if (isNonNullableNull(o[k], aps)) o[k] = aps!.default === undefined ? null : cloneJSON(aps!.default);
      applyDefaults(o[k], aps);
    }
  }
}

/** PruneNonNullableNullsWithoutDefaults (prunenulls.go): drops null object fields whose schema is neither nullable nor defaulted. */
export function pruneNonNullableNullsWithoutDefaults(x: unknown, s: Structural | undefined): void {
  if (x === null || typeof x !== 'object') return;
  // without a schema nothing below can be pruned: upstream's walk goes on, to no effect
  if (!s) return;
  if (Array.isArray(x)) {
    const items = s.items;
    if (items) for (const v of x) pruneNonNullableNullsWithoutDefaults(v, items);
    return;
  }
  const o = x as Record<string, unknown>;
  for (const k in o) {
    const v = o[k];
    const sub = s.properties?.get(k) ?? s.additionalProperties?.structural;
    if (!sub) continue;
    if (v === null) {
      if (!sub.nullable && sub.default === undefined) delete o[k];
    } else if (typeof v === 'object') pruneNonNullableNullsWithoutDefaults(v, sub);
  }
}

// surroundingobject.go: the path from the enclosing resource's root to the node, to wrap a default value in
type Step = string | null; // a child key, or null for an index

interface Surrounding {
  steps: Step[];
  typeMeta: boolean;
}

function surround(f: Surrounding, x: unknown): Record<string, unknown> {
  let v = x;
  for (let i = f.steps.length - 1; i >= 0; i--) {
    const st = f.steps[i];
    v = st === null ? [v] : { [st]: v };
  }
  if (!isObj(v)) throw new Error('object root default value must be of object type');
  if (f.typeMeta) {
    if (!Object.prototype.hasOwnProperty.call(v, 'kind')) v.kind = 'Validation';
    if (!Object.prototype.hasOwnProperty.call(v, 'apiVersion')) v.apiVersion = 'validation/v1';
  }
  return v;
}

function access(f: Surrounding, root: Record<string, unknown>): { found: boolean; value?: unknown } {
  let v: unknown = root;
  for (const st of f.steps) {
    if (st === null) {
      if (!Array.isArray(v)) throw new Error('[] must be of array type');
      if (v.length === 0) return { found: false };
      v = v[0];
    } else {
      if (!isObj(v)) throw new Error(`.${st} must be of object type`);
      if (!Object.prototype.hasOwnProperty.call(v, st)) return { found: false };
      v = v[st];
    }
  }
  return { found: true, value: v };
}

function withStep(f: Surrounding, st: Step): Surrounding {
  return { steps: [...f.steps, st], typeMeta: f.typeMeta };
}

/** PruneDefaults (prune.go): prunes every default as the value it would be defaulted into; mutates s. */
export function pruneDefaults(s: Structural): void {
  pruneDefaultsAt(s, s, { steps: [], typeMeta: false });
}

function pruneDefaultsAt(s: Structural | undefined, root: Structural, f: Surrounding): void {
  if (!s) return;
  if (s.default !== undefined) {
    try {
      const obj = surround(f, cloneJSON(s.default));
      coerce('', obj, root, true, { dropInvalidFields: true });
      prune(obj, root, true, false);
      const r = access(f, obj);
      s.default = r.found ? r.value : undefined;
    } catch {
      // upstream refuses to serve such a schema; validation keeps it from being stored
    }
  }
  if (s.additionalProperties?.structural) pruneDefaultsAt(s.additionalProperties.structural, root, withStep(f, '*'));
  if (s.items) pruneDefaultsAt(s.items, root, withStep(f, null));
  if (s.properties) for (const [k, p] of s.properties) pruneDefaultsAt(p, root, withStep(f, k));
}

const compiled = new WeakMap<Structural, ONode>();
function validatorFor(s: Structural): ONode {
  let n = compiled.get(s);
  if (!n) {
    n = compileStructural(s);
    compiled.set(s, n);
  }
  return n;
}

export interface DefaultsOptions {
  /** requirePrunedDefaults: defaults must not carry fields the schema would prune (true for new CRDs) */
  requirePrunedDefaults?: boolean;
  /** the x-kubernetes-validations check of a default, called when the other checks pass (the CEL helper's) */
  cel?: (path: string, s: Structural, value: unknown, isResourceRoot: boolean) => Cause[];
}

/**
 * ValidateDefaults (defaulting/validation.go): every default must validate against its schema (TypeMeta and
 * ObjectMeta rules inside metadata, embedded resources, value validation) and be pruned already.
 */
export function validateDefaults(s: Structural | undefined, fldPath: string, opts: DefaultsOptions = {}): Cause[] {
  let root: Structural = s ?? {};
  if (!root.xEmbeddedResource) root = { ...root, xEmbeddedResource: true };
  const errs: Cause[] = [];
  validateAt(fldPath, root, root, { steps: [], typeMeta: true }, false, opts.requirePrunedDefaults ?? true, opts, errs);
  return errs;
}

function validateAt(pth: string, s: Structural | undefined, rootSchema: Structural, f: Surrounding, insideMeta: boolean, requirePruned: boolean, opts: DefaultsOptions, errs: Cause[]): void {
  if (!s) return;
  if (s.xEmbeddedResource) {
    insideMeta = false;
    f = { steps: [], typeMeta: true };
    rootSchema = s;
  }
  const isResourceRoot = s === rootSchema;
  if (s.default !== undefined) {
    const dpath = child(pth, 'default');
    const def = s.default;
    if (insideMeta) {
      let obj: Record<string, unknown> | undefined;
      try {
        obj = surround(f, cloneJSON(def));
      } catch (e) {
        errs.push(fe.invalid(pth, '', `failed to validate default value inside metadata: ${(e as Error).message}`));
      }
      if (obj) {
        const c = coerce('', obj, rootSchema, true);
        let metaErrs: Cause[];
        if (c.error) errs.push(fe.invalid(dpath, def, `must result in valid metadata: ${causeString(c.error)}`));
        else if ((metaErrs = validateEmbeddedMeta('', obj, rootSchema, true)).length > 0)
          errs.push(fe.invalid(dpath, def, `must result in valid metadata: ${aggregate(metaErrs)}`));
        else {
          const v = validateValue(validatorFor(s), def, dpath);
          if (v.length) errs.push(...v);
          else if (opts.cel) errs.push(...opts.cel(dpath, s, def, isResourceRoot));
        }
      }
    } else {
      if (requirePruned) {
        const pruned = cloneJSON(def);
        prune(pruned, s, !!s.xEmbeddedResource, false);
        if (!jsonEqual(pruned, def)) errs.push(fe.invalid(dpath, def, 'must not have unknown fields'));
      }
      const c = coerce(dpath, def, s, !!s.xEmbeddedResource);
      let metaErrs: Cause[];
      if (c.error) errs.push(c.error);
      else if ((metaErrs = validateEmbeddedMeta(dpath, def, s, !!s.xEmbeddedResource)).length > 0) errs.push(...metaErrs);
      else {
        const v = validateValue(validatorFor(s), def, dpath);
        if (v.length) errs.push(...v);
        else if (opts.cel) errs.push(...opts.cel(dpath, s, def, isResourceRoot));
      }
    }
  }
  // additionalProperties are not followed: defaults are forbidden there
  if (s.items) validateAt(child(pth, 'items'), s.items, rootSchema, withStep(f, null), insideMeta, requirePruned, opts, errs);
  if (s.properties) {
    for (const [k, sub] of s.properties) {
      const subInside = insideMeta || (!!s.xEmbeddedResource && (k === 'metadata' || k === 'apiVersion' || k === 'kind'));
      validateAt(key(child(pth, 'properties'), k), sub, rootSchema, withStep(f, k), subInside, requirePruned, opts, errs);
    }
  }
}
