// The pieces custom resources are served with, joined for ./customresource.ts: the structural
// schema (pruning, defaulting, OpenAPI validation: ./schema/), the CEL rules (./cel/), the
// additionalPrinterColumns table (./tableconvertor.ts) and the per-version OpenAPI (./openapi-builder.ts).
import type { Cause, KObject, TablePrinter } from '../resources/types.js';
import { CustomResourceSchema } from './schema/index.js';
import { blockingCause, compileValidations, validate as celValidate, type CELValidator } from './cel/index.js';
import { tableConvertorFor } from './tableconvertor.js';
import { buildV2, buildV3, mergeV2, mergeV3, type CRDLike } from './openapi-builder.js';
import { setOpenAPIMerges } from '../schema/openapi-served.js';

setOpenAPIMerges({ mergeV2, mergeV3 });

export interface CompiledSchema {
  /** drops unknown fields (mutates), returning their paths */
  prune(obj: KObject): string[];
  /** applies `default`s (mutates) */
  defaults(obj: KObject): void;
  /** validates a new object against the schema and the CEL rules */
  validate(obj: KObject): Cause[];
  /** validates an update: the schema, and the CEL rules with oldSelf and ratcheting against the live object */
  validateUpdate(obj: KObject, oldObj: KObject): Cause[];
  /** validates a status write: the status schema, and the CEL rules against the live object */
  validateStatus(obj: KObject, oldObj: KObject): Cause[];
}

const NONE: CompiledSchema = { prune: () => [], defaults: () => {}, validate: () => [], validateUpdate: () => [], validateStatus: () => [] };

/** One CRD version's schema, compiled once per CRD change. */
export function compileSchema(schema: unknown, preserveUnknownFields = false): CompiledSchema {
  if (!schema || typeof schema !== 'object') return NONE;
  let crs: CustomResourceSchema;
  try {
    crs = new CustomResourceSchema(schema, preserveUnknownFields);
  } catch {
    // not structural: the CRD's validation refuses such schemas; stored data from elsewhere is served unchecked
    return NONE;
  }
  let cel: CELValidator | undefined;
  try {
    cel = compileValidations(schema, '').validator;
  } catch {
    cel = undefined;
  }
  // customresource/strategy.go: CEL rules are not run on an object the schema already refused for
  // its type, a required or unsupported value, or a size limit (hasBlockingErr)
  const withRules = (errs: Cause[], obj: KObject, old: KObject | undefined): Cause[] => {
    if (!cel) return errs;
    const blocked = blockingCause(errs);
    if (blocked) errs.push(blocked);
    else errs.push(...celValidate(cel, obj, old));
    return errs;
  };
  return {
    prune: (obj) => crs.decode(obj, { returnUnknownFieldPaths: true }).unknownFields,
    defaults: (obj) => crs.default(obj),
    validate: (obj) => withRules(crs.validate(obj), obj, undefined),
    // updates ratchet: errors in values the update left unchanged do not fail it (upstream's ratcheting validation)
    validateUpdate: (obj, old) => withRules(crs.validateUpdate(obj, old), obj, old),
    validateStatus: (obj, old) => withRules(crs.validateStatusUpdate(obj, old), obj, old),
  };
}

export function tableFor(columns: unknown[] | undefined): TablePrinter {
  return tableConvertorFor(columns as any[] | undefined);
}

export function openapiFor(crd: KObject, version: string): { v2: { definitions: Record<string, unknown>; paths: Record<string, unknown> }; v3: any } | undefined {
  try {
    return { v2: buildV2(crd as CRDLike, version), v3: buildV3(crd as CRDLike, version) };
  } catch {
    return undefined;
  }
}
