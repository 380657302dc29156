// fieldValidation=Strict|Warn|Ignore (apiserver pkg/endpoints/handlers/rest.go fieldValidation):
// unknown and duplicate fields fail the request (Strict), become Warning headers (Warn), or are
// dropped silently (Ignore). Type errors always fail, as decoding into Go types does upstream.
import type { KObject, ResourceDef } from '../resources/types.js';
import { badRequest } from './errors.js';
import { checkFields, decodeErrorMessage, pruneUnknown } from '../schema/index.js';

export type FieldValidationMode = 'Strict' | 'Warn' | 'Ignore';

export function parseFieldValidation(v: unknown): FieldValidationMode {
  if (v === undefined || v === '') return 'Warn';
  if (v === 'Strict' || v === 'Warn' || v === 'Ignore') return v;
  throw badRequest(`fieldValidation must be one of "Ignore", "Warn", or "Strict", got ${JSON.stringify(v)}`);
}

/**
 * The unknown fields of obj and its decode errors (wrong types), by the kind's schema model; for
 * unstructured kinds (custom resources) the kind's own pruning finds (and always drops) the unknown
 * fields, and a value of the wrong type is a validation error later, not a decode error. `prune`
 * drops a built-in kind's unknown fields.
 */
export function checkKindFields(def: ResourceDef, obj: KObject, prune = false): { unknown: string[]; causes: { message: string }[] } {
  if (def.unstructured) {
    // pruning is how a custom resource is decoded (unknown fields and non-nullable nulls dropped):
    // it always applies to the object itself, so a clean Strict body that skips the registry's
    // field validation (fieldsChecked) is decoded too, and no copy is made
    const unknown = def.pruneUnknownFields ? def.pruneUnknownFields(obj) : [];
    return { unknown, causes: [] };
  }
  const r = checkFields(def.definition, obj);
  if (prune && r.unknown.length) pruneUnknown(def.definition, obj);
  return r;
}

/** Applies the mode to obj (in place); returns the warnings to send back. */
export function fieldValidation(def: ResourceDef, obj: KObject, mode: FieldValidationMode = 'Warn', duplicates: string[] = []): string[] {
  if (def.unstructured) {
    const unknown = checkKindFields(def, obj, true).unknown;
    if (mode === 'Strict') {
      const errs = [...unknown.map((p) => `unknown field "${p}"`), ...duplicates.map((p) => `duplicate field "${p}"`)];
      if (errs.length) throw badRequest(`strict decoding error: ${errs.join(', ')}`);
      return [];
    }
    if (mode === 'Ignore') return [];
    return [...unknown.map((p) => `unknown field "${p}"`), ...duplicates.map((p) => `duplicate field "${p}"`)];
  }
  const { unknown, causes } = checkFields(def.definition, obj);
  // a value of the wrong type fails decoding upstream: 400, first error only
  if (causes.length) throw badRequest(decodeErrorMessage(def.kind, def.version, causes[0].message));
  if (mode === 'Strict') {
    const errs = [...unknown.map((p) => `unknown field "${p}"`), ...duplicates.map((p) => `duplicate field "${p}"`)];
    if (errs.length) throw badRequest(`strict decoding error: ${errs.join(', ')}`);
    return [];
  }
  if (unknown.length) pruneUnknown(def.definition, obj);
  if (mode === 'Ignore') return [];
  return [...unknown.map((p) => `unknown field "${p}"`), ...duplicates.map((p) => `duplicate field "${p}"`)];
}
