// Structural schemas for CustomResourceDefinitions, as plain functions over JSON: upstream's
// staging/src/k8s.io/apiextensions-apiserver/pkg/apiserver/schema/ (structural, validation, pruning, defaulting,
// objectmeta, listtype) and pkg/apiserver/validation/ (with kube-openapi's pkg/validation/validate and strfmt).
//
// Serving a custom resource, upstream's order (customresource_handler.go, registry/customresource/strategy.go):
//   const cr = new CustomResourceSchema(version.schema.openAPIV3Schema, crd.spec.preserveUnknownFields)  // once
//   decode:   cr.decode(obj, { returnUnknownFieldPaths, rootMetadata: true })  → `unknown field "<path>"`
//   default:  cr.default(obj)                                                  (after decoding, before admission)
//   create:   cr.validate(obj)            update: cr.validateUpdate(obj, old)   status: cr.validateStatusUpdate(obj, old)
// Checking a CRD: validateStructuralSchema(schema, `spec.versions[i].schema.openAPIV3Schema`), and only when that
// finds nothing, validateDefaults(schema, same path).
import type { Cause } from '../../resources/types.js';
import { applyDefaults, pruneDefaults, pruneNonNullableNullsWithoutDefaults, validateDefaults as validateStructuralDefaults, type DefaultsOptions } from './defaulting.js';
import { validateListSetMapKeys, hasListSetOrMap } from './listtype.js';
import { coerce, decodeObjectMeta, hasEmbeddedResource, validateEmbeddedMeta } from './objectmeta.js';
import { fe } from './fielderr.js';
import { compileProps, validateValue, validateValueUpdate, type ONode } from './openapi.js';
import { prune as pruneWith } from './pruning.js';
import { newStructural, type Structural } from './structural.js';

export type { Structural, ValueValidation, NestedValueValidation, Generic, Extensions } from './structural.js';
export { newStructural } from './structural.js';
export { validateStructuralSchema, validateStructural, validateListTypeRules, structuralInitError, type StructuralSchemaOptions } from './validation.js';
export { applyDefaults, pruneNonNullableNullsWithoutDefaults, pruneDefaults, validateStructuralDefaults };
export type { DefaultsOptions };
export { validateListSetMapKeys } from './listtype.js';
export { coerce, decodeObjectMeta, validateEmbeddedMeta, validateObjectMetaAt } from './objectmeta.js';
export { compileProps, compileStructural, validateValue, validateValueUpdate, type ONode } from './openapi.js';
export { compilePattern } from './regex.js';

/**
 * PruneWithOptions(obj, s, isResourceRoot, TrackUnknownFieldPaths): removes unknown fields (mutating obj) and
 * returns their paths, sorted, for `unknown field "spec.foo"` warnings and strict errors.
 */
export function prune(obj: any, s: Structural, isResourceRoot: boolean): string[] {
  return pruneWith(obj, s, isResourceRoot, true);
}

/**
 * ValidateDefaults over a CRD version's openAPIV3Schema (JSON) or a Structural: defaults must validate and be
 * pruned. Returns [] when the schema is not structural (validateStructuralSchema reports that).
 */
export function validateDefaults(schema: any, fldPath: string, opts: DefaultsOptions = {}): Cause[] {
  let s: Structural;
  if (isStructural(schema)) s = schema;
  else {
    try {
      s = newStructural(schema);
    } catch {
      return [];
    }
  }
  return validateStructuralDefaults(s, fldPath, opts);
}

function isStructural(x: any): x is Structural {
  return !!x && typeof x === 'object' && (x.properties instanceof Map || 'valueValidation' in x);
}

interface Compiled {
  node: ONode;
  structural?: Structural;
  embedded: boolean;
  listTypes: boolean;
}

const cache = new WeakMap<object, Compiled>();

function compiledFor(schema: any): Compiled {
  const hit = schema && typeof schema === 'object' ? cache.get(schema) : undefined;
  if (hit) return hit;
  let structural: Structural | undefined;
  try {
    structural = newStructural(schema);
  } catch {
    structural = undefined;
  }
  const c: Compiled = { node: compileProps(schema), structural, embedded: hasEmbeddedResource(structural), listTypes: hasListSetOrMap(structural) };
  if (schema && typeof schema === 'object') cache.set(schema, c);
  return c;
}

export interface ValidateOptions {
  /** the field path the schema applies at ('' for the object; `status` for the status subresource's schema) */
  root?: string;
  /** also validate embedded resources' apiVersion/kind/metadata (objectmeta.Validate); default true */
  embedded?: boolean;
}

/**
 * The schema validation of a custom resource: NewSchemaValidator(schema) + ValidateCustomResource (kube-openapi's
 * wording, mapped to field errors as kubeOpenAPIResultToFieldErrors does), then objectmeta.Validate for embedded
 * resources as the customresource strategy does. The schema is compiled once (cached by its object identity).
 */
export function validateCustomResource(obj: any, schema: any, opts: ValidateOptions = {}): Cause[] {
  const c = compiledFor(schema);
  const root = opts.root ?? '';
  const errs = validateValue(c.node, obj, root);
  if (opts.embedded !== false && c.embedded && c.structural) errs.push(...validateEmbeddedMeta(root, obj, c.structural, false));
  return errs;
}

/**
 * ValidateCustomResourceUpdate with ratcheting (CRDValidationRatcheting is on by default): as validateCustomResource,
 * but errors in fields left equal to their old value (correlated by name, by index, or by map-list keys) are dropped.
 */
export function validateCustomResourceUpdate(obj: any, old: any, schema: any, opts: ValidateOptions = {}): Cause[] {
  const c = compiledFor(schema);
  const root = opts.root ?? '';
  const errs = validateValueUpdate(c.node, obj, old, root);
  if (opts.embedded !== false && c.embedded && c.structural) errs.push(...validateEmbeddedMeta(root, obj, c.structural, false));
  return errs;
}

/**
 * One CRD version's schema, compiled once: what the custom resource handler and strategy do with it
 * (customresource_handler.go unstructuredSchemaCoercer / unstructuredDefaulter, registry/customresource strategy).
 */
export class CustomResourceSchema {
  /** the structural schema, defaults pruned (PruneDefaults) */
  readonly structural: Structural;
  private readonly validator: ONode;
  private readonly statusValidator?: ONode;
  private readonly embedded: boolean;
  private readonly listTypes: boolean;

  /** Throws NewStructural's error when the schema is not structural. */
  constructor(
    readonly openAPIV3Schema: any,
    readonly preserveUnknownFields = false,
  ) {
    this.structural = newStructural(openAPIV3Schema);
    pruneDefaults(this.structural);
    this.validator = compileProps(openAPIV3Schema);
    const status = openAPIV3Schema?.properties?.status;
    if (status && typeof status === 'object') this.statusValidator = compileProps(status);
    this.embedded = hasEmbeddedResource(this.structural);
    this.listTypes = hasListSetOrMap(this.structural);
  }

  /**
   * What decoding does (unstructuredSchemaCoercer.apply): prune unknown fields (unless preserveUnknownFields),
   * drop non-nullable nulls without defaults, coerce embedded TypeMeta/ObjectMeta. Returns the unknown fields'
   * paths (in upstream's order) and the coercion error, if any. With rootMetadata, the root metadata is decoded
   * as ObjectMeta too (unknown fields dropped and reported first, empty fields omitted).
   */
  decode(obj: any, opts: { returnUnknownFieldPaths?: boolean; dropInvalidMetadata?: boolean; rootMetadata?: boolean } = {}): { unknownFields: string[]; error?: Cause } {
    let unknown: string[] = [];
    let meta: Record<string, any> | undefined;
    if (opts.rootMetadata && obj && typeof obj === 'object' && Object.prototype.hasOwnProperty.call(obj, 'metadata')) {
      // GetObjectMetaWithOptions at the root: unknown metadata fields come first, as `metadata.foo`
      try {
        const d = decodeObjectMeta(obj.metadata, 'metadata');
        meta = d.meta;
        if (opts.returnUnknownFieldPaths) unknown.push(...d.unknown);
      } catch (e) {
        if (!opts.dropInvalidMetadata) return { unknownFields: unknown, error: fe.invalid('metadata', obj.metadata, (e as Error).message) };
      }
    }
    if (!this.preserveUnknownFields) {
      unknown = unknown.concat(pruneWith(obj, this.structural, true, !!opts.returnUnknownFieldPaths));
      pruneNonNullableNullsWithoutDefaults(obj, this.structural);
    }
    if (this.embedded) {
      const c = coerce('', obj, this.structural, false, { dropInvalidFields: opts.dropInvalidMetadata, returnUnknownFieldPaths: opts.returnUnknownFieldPaths });
      if (c.error) return { unknownFields: unknown, error: c.error };
      unknown = unknown.concat(c.unknown);
    }
    if (meta) obj.metadata = meta;
    return { unknownFields: unknown };
  }

  /** Default (unstructuredDefaulter). */
  default(obj: any): void {
    applyDefaults(obj, this.structural);
  }

  /** Schema validation, embedded resources and list-type set/map uniqueness, in the strategy's order (CEL is not here). */
  validate(obj: any): Cause[] {
    const errs = validateValue(this.validator, obj, '');
    if (this.embedded) errs.push(...validateEmbeddedMeta('', obj, this.structural, false));
    if (this.listTypes) errs.push(...validateListSetMapKeys(obj, this.structural));
    return errs;
  }

  /**
   * The strategy's ValidateUpdate: ratcheted schema validation, embedded resources, and list-type uniqueness
   * only when the old object had no such duplicates.
   */
  validateUpdate(obj: any, old: any): Cause[] {
    const errs = validateValueUpdate(this.validator, obj, old, '');
    if (this.embedded) errs.push(...validateEmbeddedMeta('', obj, this.structural, false));
    if (this.listTypes && validateListSetMapKeys(old, this.structural).length === 0) errs.push(...validateListSetMapKeys(obj, this.structural));
    return errs;
  }

  /** The status subresource's update validation, ratcheted against the old status. */
  validateStatusUpdate(obj: any, old: any): Cause[] {
    if (!this.statusValidator || !obj || typeof obj !== 'object' || !Object.prototype.hasOwnProperty.call(obj, 'status')) return [];
    return validateValueUpdate(this.statusValidator, obj.status, old && typeof old === 'object' ? old.status : undefined, 'status');
  }

  /** The status subresource's validation: the status schema against obj.status, paths under `status`. */
  validateStatus(obj: any): Cause[] {
    if (!this.statusValidator || !obj || typeof obj !== 'object' || !Object.prototype.hasOwnProperty.call(obj, 'status')) return [];
    return validateValue(this.statusValidator, obj.status, 'status');
  }
}
