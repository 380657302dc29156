// Structural schemas: staging/src/k8s.io/apiextensions-apiserver/pkg/apiserver/schema/structural.go (types)
// and convert.go (NewStructural), built from an apiextensions.k8s.io/v1 JSONSchemaProps as JSON.
import { cloneJSON } from '../../util/clone.js';

/** A JSON value; `undefined` means "not set". */
export type JSONValue = unknown;

/** ValueValidation (structural.go). */
export interface ValueValidation {
  format?: string;
  maximum?: number;
  exclusiveMaximum?: boolean;
  minimum?: number;
  exclusiveMinimum?: boolean;
  maxLength?: number;
  minLength?: number;
  pattern?: string;
  maxItems?: number;
  minItems?: number;
  uniqueItems?: boolean;
  multipleOf?: number;
  enum?: JSONValue[];
  maxProperties?: number;
  minProperties?: number;
  required?: string[];
  allOf?: NestedValueValidation[];
  oneOf?: NestedValueValidation[];
  anyOf?: NestedValueValidation[];
  not?: NestedValueValidation;
}

/** Generic (structural.go): the fields every schema may have. */
export interface Generic {
  description?: string;
  type?: string;
  title?: string;
  /** the default value; unset when the schema has none (or `default: null`, which upstream treats alike) */
  default?: JSONValue;
  nullable?: boolean;
  externalDocs?: { description?: string; url?: string };
  example?: JSONValue;
}

/** Extensions (structural.go): Kubernetes vendor extensions. */
export interface Extensions {
  xPreserveUnknownFields?: boolean;
  xEmbeddedResource?: boolean;
  xIntOrString?: boolean;
  xListMapKeys?: string[];
  xListType?: string;
  xMapType?: string;
}

/** NestedValueValidation (structural.go): a value validation under allOf/anyOf/oneOf/not. */
export interface NestedValueValidation extends ValueValidation {
  xValidations?: any[];
  items?: NestedValueValidation;
  properties?: Map<string, NestedValueValidation>;
  additionalProperties?: NestedValueValidation;
  forbiddenGenerics: Generic;
  forbiddenExtensions: Extensions;
}

/** Structural (structural.go). */
export interface Structural extends Generic, Extensions {
  items?: Structural;
  properties?: Map<string, Structural>;
  additionalProperties?: { structural?: Structural; bool: boolean };
  xValidations?: any[];
  valueValidation?: ValueValidation;
}

function isObj(v: unknown): v is Record<string, any> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

// convert.go validateUnsupportedFields
function validateUnsupportedFields(s: Record<string, any>): void {
  if (typeof s.id === 'string' && s.id.length > 0) throw new Error("OpenAPIV3Schema 'id' is not supported");
  if (typeof s.$schema === 'string' && s.$schema.length > 0) throw new Error("OpenAPIV3Schema 'schema' is not supported");
  if (typeof s.$ref === 'string' && s.$ref.length > 0) throw new Error("OpenAPIV3Schema '$ref' is not supported");
  if (isObj(s.patternProperties) && Object.keys(s.patternProperties).length > 0) throw new Error("OpenAPIV3Schema 'patternProperties' is not supported");
  if (isObj(s.dependencies) && Object.keys(s.dependencies).length > 0) throw new Error("OpenAPIV3Schema 'dependencies' is not supported");
  if (s.additionalItems !== undefined && s.additionalItems !== null) throw new Error("OpenAPIV3Schema 'additionalItems' is not supported");
  if (isObj(s.definitions) && Object.keys(s.definitions).length > 0) throw new Error("OpenAPIV3Schema 'definitions' is not supported");
}

function newGenerics(s: Record<string, any>): Generic {
  const g: Generic = {};
  if (typeof s.type === 'string' && s.type) g.type = s.type;
  if (typeof s.description === 'string' && s.description) g.description = s.description;
  if (typeof s.title === 'string' && s.title) g.title = s.title;
  if (s.nullable === true) g.nullable = true;
  // copied: pruning and coercion of defaults must not touch the CRD object the schema came from
  if (s.default !== undefined && s.default !== null) g.default = cloneJSON(s.default);
  if (isObj(s.externalDocs)) g.externalDocs = { description: s.externalDocs.description ?? '', url: s.externalDocs.url ?? '' };
  if (s.example !== undefined && s.example !== null) g.example = s.example;
  return g;
}

function newExtensions(s: Record<string, any>): Extensions {
  const x: Extensions = {};
  if (s['x-kubernetes-embedded-resource'] === true) x.xEmbeddedResource = true;
  if (s['x-kubernetes-int-or-string'] === true) x.xIntOrString = true;
  if (Array.isArray(s['x-kubernetes-list-map-keys']) && s['x-kubernetes-list-map-keys'].length > 0) x.xListMapKeys = s['x-kubernetes-list-map-keys'];
  if (typeof s['x-kubernetes-list-type'] === 'string') x.xListType = s['x-kubernetes-list-type'];
  if (typeof s['x-kubernetes-map-type'] === 'string') x.xMapType = s['x-kubernetes-map-type'];
  const p = s['x-kubernetes-preserve-unknown-fields'];
  if (p !== undefined && p !== null) {
    if (p !== true) throw new Error("internal error: 'x-kubernetes-preserve-unknown-fields' must be true or undefined");
    x.xPreserveUnknownFields = true;
  }
  return x;
}

function num(v: unknown): number | undefined {
  return typeof v === 'number' ? v : undefined;
}

function newValueValidation(s: Record<string, any>): ValueValidation {
  const v: ValueValidation = {};
  if (typeof s.format === 'string' && s.format) v.format = s.format;
  if (num(s.maximum) !== undefined) v.maximum = s.maximum;
  if (s.exclusiveMaximum === true) v.exclusiveMaximum = true;
  if (num(s.minimum) !== undefined) v.minimum = s.minimum;
  if (s.exclusiveMinimum === true) v.exclusiveMinimum = true;
  if (num(s.maxLength) !== undefined) v.maxLength = s.maxLength;
  if (num(s.minLength) !== undefined) v.minLength = s.minLength;
  if (typeof s.pattern === 'string' && s.pattern) v.pattern = s.pattern;
  if (num(s.maxItems) !== undefined) v.maxItems = s.maxItems;
  if (num(s.minItems) !== undefined) v.minItems = s.minItems;
  if (s.uniqueItems === true) v.uniqueItems = true;
  if (num(s.multipleOf) !== undefined) v.multipleOf = s.multipleOf;
  if (Array.isArray(s.enum) && s.enum.length > 0) v.enum = s.enum.slice();
  if (num(s.maxProperties) !== undefined) v.maxProperties = s.maxProperties;
  if (num(s.minProperties) !== undefined) v.minProperties = s.minProperties;
  if (Array.isArray(s.required) && s.required.length > 0) v.required = s.required.slice();
  if (isObj(s.not)) v.not = newNestedValueValidation(s.not);
  for (const k of ['allOf', 'anyOf', 'oneOf'] as const) {
    if (Array.isArray(s[k]) && s[k].length > 0) v[k] = s[k].map((x: any) => newNestedValueValidation(isObj(x) ? x : {}));
  }
  return v;
}

function newNestedValueValidation(s: Record<string, any>): NestedValueValidation {
  validateUnsupportedFields(s);
  const v: NestedValueValidation = { ...newValueValidation(s), forbiddenGenerics: newGenerics(s), forbiddenExtensions: newExtensions(s) };
  if (Array.isArray(s['x-kubernetes-validations']) && s['x-kubernetes-validations'].length > 0) v.xValidations = s['x-kubernetes-validations'];
  if (s.items !== undefined && s.items !== null) {
    if (Array.isArray(s.items)) {
      if (s.items.length > 0) throw new Error("OpenAPIV3Schema 'items' must be a schema, but is an array");
    } else if (isObj(s.items)) v.items = newNestedValueValidation(s.items);
  }
  if (isObj(s.properties)) {
    v.properties = new Map();
    for (const k of Object.keys(s.properties)) v.properties.set(k, newNestedValueValidation(isObj(s.properties[k]) ? s.properties[k] : {}));
  }
  const ap = s.additionalProperties;
  if (isObj(ap)) v.additionalProperties = newNestedValueValidation(ap);
  else if (ap === true) v.additionalProperties = { forbiddenGenerics: {}, forbiddenExtensions: {} };
  return v;
}

/** NewStructural (convert.go): throws an Error worded as upstream's for what a structural schema cannot hold. */
export function newStructural(schema: any): Structural {
  if (!isObj(schema)) return {} as Structural;
  return build(schema);
}

/** convert.go's recursion, without recursion (schemas may nest thousands deep), in the same pre-order. */
function build(root: Record<string, any>): Structural {
  let out: Structural | undefined;
  const stack: [Record<string, any>, (x: Structural) => void][] = [[root, (x) => (out = x)]];
  while (stack.length) {
    const [s, place] = stack.pop()!;
    validateUnsupportedFields(s);
    const vv = newValueValidation(s);
    const ss: Structural = { ...newGenerics(s), ...newExtensions(s), valueValidation: vv };
    if (Array.isArray(s['x-kubernetes-validations']) && s['x-kubernetes-validations'].length > 0) ss.xValidations = s['x-kubernetes-validations'];
    place(ss);
    const kids: [Record<string, any>, (x: Structural) => void][] = [];
    if (s.items !== undefined && s.items !== null) {
      if (Array.isArray(s.items)) {
        if (s.items.length > 0) throw new Error("OpenAPIV3Schema 'items' must be a schema, but is an array");
      } else if (isObj(s.items)) kids.push([s.items, (x) => (ss.items = x)]);
    }
    if (isObj(s.properties)) {
      const keys = Object.keys(s.properties);
      if (keys.length > 0) {
        const props = new Map<string, Structural>();
        ss.properties = props;
        for (const k of keys) {
          props.set(k, undefined as unknown as Structural); // keeps the key order; filled below
          kids.push([isObj(s.properties[k]) ? s.properties[k] : {}, (x) => props.set(k, x)]);
        }
      }
    }
    const ap = s.additionalProperties;
    if (isObj(ap)) {
      const apv: NonNullable<Structural['additionalProperties']> = { bool: true };
      ss.additionalProperties = apv;
      kids.push([ap, (x) => (apv.structural = x)]);
    } else if (typeof ap === 'boolean') ss.additionalProperties = { bool: ap };
    for (let k = kids.length - 1; k >= 0; k--) stack.push(kids[k]);
  }
  return out!;
}

/** True when a ValueValidation holds nothing (every field at its zero value). */
export function isZeroValueValidation(v: ValueValidation | undefined): boolean {
  if (!v) return true;
  for (const k in v) if ((v as any)[k] !== undefined) return false;
  return true;
}

const rootClones = new WeakMap<Structural, Structural>();
const EMPTY_ROOT: Structural = { xEmbeddedResource: true };

/** s with x-kubernetes-embedded-resource set, as upstream clones a resource root's schema (cached per schema). */
export function asResourceRoot(s: Structural | undefined): Structural {
  if (!s) return EMPTY_ROOT;
  if (s.xEmbeddedResource) return s;
  let c = rootClones.get(s);
  if (!c) {
    c = { ...s, xEmbeddedResource: true };
    rootClones.set(s, c);
  }
  return c;
}
