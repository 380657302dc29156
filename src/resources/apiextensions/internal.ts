// The v1 CustomResourceDefinitionSpec as upstream validates it: converted to the internal type first
// (pkg/apis/apiextensions/v1/conversion.go Convert_v1_CustomResourceDefinitionSpec_To_apiextensions_...):
// spec.version = versions[0].name, and per-version schema / subresources / additionalPrinterColumns /
// selectableFields that are identical in every version move to the top level (spec.validation, ...),
// which is why upstream's errors for a single-version CRD name `spec.validation.openAPIV3Schema...`.
// The result keeps the v1 JSON field names; only the hoisted fields are renamed as the internal type has them.
import { deepEqual } from '../../registry/validation.js';
import type { KObject } from '../types.js';

export function isMap(v: unknown): v is Record<string, any> {
  return !!v && typeof v === 'object' && !Array.isArray(v);
}

/** apiequality.Semantic.DeepEqual: an empty slice or map equals a missing one. */
export function semanticEqual(a: unknown, b: unknown): boolean {
  const norm = (v: unknown): unknown => (v === null || (Array.isArray(v) && v.length === 0) ? undefined : v);
  return deepEqual(norm(a), norm(b));
}

export interface InternalSpec {
  group: string;
  version: string;
  names: KObject;
  scope: string;
  /** top-level schema (CustomResourceValidation) when every version's is identical */
  validation?: KObject;
  subresources?: KObject;
  additionalPrinterColumns?: KObject[];
  selectableFields?: KObject[];
  versions: KObject[];
  /** spec.versions was absent or null (a nil slice in Go) */
  versionsNil: boolean;
  conversion?: { strategy: string; webhookClientConfig?: KObject; conversionReviewVersions?: string[] };
  preserveUnknownFields: boolean;
}

const HOISTED: [perVersion: string, topLevel: keyof InternalSpec][] = [
  ['subresources', 'subresources'],
  ['schema', 'validation'],
  ['additionalPrinterColumns', 'additionalPrinterColumns'],
  ['selectableFields', 'selectableFields'],
];

export function toInternalSpec(spec: unknown): InternalSpec {
  const s = isMap(spec) ? spec : {};
  const versions: KObject[] = Array.isArray(s.versions) ? s.versions.map((v: unknown) => ({ ...(isMap(v) ? v : {}) })) : [];
  const out: InternalSpec = {
    group: typeof s.group === 'string' ? s.group : '',
    version: '',
    names: isMap(s.names) ? s.names : {},
    scope: typeof s.scope === 'string' ? s.scope : '',
    versions,
    versionsNil: !Array.isArray(s.versions),
    preserveUnknownFields: s.preserveUnknownFields === true,
  };
  if (versions.length) {
    out.version = typeof versions[0]!.name === 'string' ? versions[0]!.name : '';
    for (const [per, top] of HOISTED) {
      const first = versions[0]![per];
      if (versions.every((v) => semanticEqual(v[per], first))) {
        if (first !== undefined && first !== null) (out as any)[top] = first;
        for (const v of versions) delete v[per];
      }
    }
  }
  if (isMap(s.conversion)) {
    const c = s.conversion;
    out.conversion = { strategy: typeof c.strategy === 'string' ? c.strategy : '' };
    if (isMap(c.webhook)) {
      if (c.webhook.conversionReviewVersions !== undefined && c.webhook.conversionReviewVersions !== null) out.conversion.conversionReviewVersions = c.webhook.conversionReviewVersions;
      if (isMap(c.webhook.clientConfig)) out.conversion.webhookClientConfig = c.webhook.clientConfig;
    }
  }
  return out;
}

// The JSON fields of v1.JSONSchemaProps, ValidationRule and ExternalDocumentation (types_jsonschema.go).
const SCHEMA_FIELDS = new Set([
  'id', '$schema', '$ref', 'description', 'type', 'format', 'title', 'default', 'maximum', 'exclusiveMaximum', 'minimum', 'exclusiveMinimum',
  'maxLength', 'minLength', 'pattern', 'maxItems', 'minItems', 'uniqueItems', 'multipleOf', 'enum', 'maxProperties', 'minProperties', 'required',
  'items', 'allOf', 'oneOf', 'anyOf', 'not', 'properties', 'additionalProperties', 'patternProperties', 'dependencies', 'additionalItems',
  'definitions', 'externalDocs', 'example', 'nullable', 'x-kubernetes-preserve-unknown-fields', 'x-kubernetes-embedded-resource',
  'x-kubernetes-int-or-string', 'x-kubernetes-list-map-keys', 'x-kubernetes-list-type', 'x-kubernetes-map-type', 'x-kubernetes-validations',
]);
const RULE_FIELDS = new Set(['rule', 'message', 'messageExpression', 'reason', 'fieldPath', 'optionalOldSelf']);
const DOCS_FIELDS = new Set(['description', 'url']);

function dropUnknown(o: Record<string, unknown>, known: Set<string>): void {
  for (const k of Object.keys(o)) if (!known.has(k)) delete o[k];
}

/**
 * Schemas held by the JSONSchemaPropsOr* unions (items, additionalProperties, additionalItems,
 * dependencies) are decoded by their UnmarshalJSON with the non-strict decoder
 * (pkg/apis/apiextensions/v1/marshal.go): unknown fields there are dropped without a word,
 * where the strict decoder reports them everywhere else. Mutates the schema. Iterative: schemas
 * may nest as deep as a body may.
 */
export function pruneUnionHeldSchemas(root: unknown): void {
  // [schema, inside a union-held subtree]
  const stack: [unknown, boolean][] = [[root, false]];
  while (stack.length) {
    const [s, lax] = stack.pop()!;
    if (!isMap(s)) continue;
    if (lax) {
      dropUnknown(s, SCHEMA_FIELDS);
      if (Array.isArray(s['x-kubernetes-validations'])) for (const r of s['x-kubernetes-validations']) if (isMap(r)) dropUnknown(r, RULE_FIELDS);
      if (isMap(s.externalDocs)) dropUnknown(s.externalDocs, DOCS_FIELDS);
    }
    for (const k of ['additionalProperties', 'additionalItems']) stack.push([s[k], true]);
    if (Array.isArray(s.items)) for (const x of s.items) stack.push([x, true]);
    else stack.push([s.items, true]);
    if (isMap(s.dependencies)) for (const v of Object.values(s.dependencies)) stack.push([v, true]);
    stack.push([s.not, lax]);
    for (const k of ['allOf', 'oneOf', 'anyOf']) if (Array.isArray(s[k])) for (const x of s[k]) stack.push([x, lax]);
    for (const k of ['properties', 'patternProperties', 'definitions']) if (isMap(s[k])) for (const v of Object.values(s[k])) stack.push([v, lax]);
  }
}
