// How field.Error renders a struct, slice or map value of the internal apiextensions types
// (k8s.io/apiextensions-apiserver/pkg/apis/apiextensions types.go, types_jsonschema.go), by
// emulated version (apimachinery/pkg/util/validation/field/errors.go ErrorBody):
// - up to 1.33: a pointer is dereferenced once, then Go's %#v; nested pointers print as
//   `(*T)(0xc...)` (the address is made up, as any address is);
// - from 1.34: json.Marshal of the internal type (no json tags: Go field names, every field,
//   pointers followed, nil as null, HTML characters escaped).
// Values are given in their v1 JSON form; the descriptors map JSON names to Go fields, and `from`
// turns a v1 JSON union (additionalProperties: true, items: [...]) into the internal struct.
import { escapeHTML } from '../../server/jsonwire.js';

type T =
  | 'string'
  | 'bool'
  | 'int32'
  | 'int64'
  | 'float64'
  | 'bytes'
  | 'json'
  | { ptr: T; name: string }
  | { slice: T; name: string }
  | { map: T; name: string }
  | { struct: string; fields: Field[]; from?: (v: unknown) => unknown };
type Field = [goName: string, jsonName: string, type: T | (() => T)];

const P = 'apiextensions.';
const str: T = 'string';
const ptr = (t: T | (() => T), name: string): T => ({ ptr: t as T, name });
const lazy = (f: () => T): T => f as unknown as T;

const strPtr = ptr(str, '*string');
const lazyPtr = (f: () => T, name: string): T => ({ ptr: lazy(f), name });
const int64Ptr = ptr('int64', '*int64');
const floatPtr = ptr('float64', '*float64');
const boolPtr = ptr('bool', '*bool');
const jsonPtr = ptr('json', `*${P}JSON`);

export const VALIDATION_RULE: T = {
  struct: `${P}ValidationRule`,
  fields: [
    ['Rule', 'rule', str],
    ['Message', 'message', str],
    ['MessageExpression', 'messageExpression', str],
    ['Reason', 'reason', ptr(str, `*${P}FieldValueErrorReason`)],
    ['FieldPath', 'fieldPath', str],
    ['OptionalOldSelf', 'optionalOldSelf', boolPtr],
  ],
};

export const JSON_SCHEMA_PROPS: T = {
  struct: `${P}JSONSchemaProps`,
  fields: [
    ['ID', 'id', str],
    ['Schema', '$schema', str],
    ['Ref', '$ref', strPtr],
    ['Description', 'description', str],
    ['Type', 'type', str],
    ['Nullable', 'nullable', 'bool'],
    ['Format', 'format', str],
    ['Title', 'title', str],
    ['Default', 'default', jsonPtr],
    ['Maximum', 'maximum', floatPtr],
    ['ExclusiveMaximum', 'exclusiveMaximum', 'bool'],
    ['Minimum', 'minimum', floatPtr],
    ['ExclusiveMinimum', 'exclusiveMinimum', 'bool'],
    ['MaxLength', 'maxLength', int64Ptr],
    ['MinLength', 'minLength', int64Ptr],
    ['Pattern', 'pattern', str],
    ['MaxItems', 'maxItems', int64Ptr],
    ['MinItems', 'minItems', int64Ptr],
    ['UniqueItems', 'uniqueItems', 'bool'],
    ['MultipleOf', 'multipleOf', floatPtr],
    ['Enum', 'enum', { slice: 'json', name: `[]${P}JSON` }],
    ['MaxProperties', 'maxProperties', int64Ptr],
    ['MinProperties', 'minProperties', int64Ptr],
    ['Required', 'required', { slice: str, name: '[]string' }],
    ['Items', 'items', lazyPtr(() => JSON_SCHEMA_PROPS_OR_ARRAY, `*${P}JSONSchemaPropsOrArray`)],
    ['AllOf', 'allOf', lazy(() => ({ slice: JSON_SCHEMA_PROPS, name: `[]${P}JSONSchemaProps` }))],
    ['OneOf', 'oneOf', lazy(() => ({ slice: JSON_SCHEMA_PROPS, name: `[]${P}JSONSchemaProps` }))],
    ['AnyOf', 'anyOf', lazy(() => ({ slice: JSON_SCHEMA_PROPS, name: `[]${P}JSONSchemaProps` }))],
    ['Not', 'not', lazyPtr(() => JSON_SCHEMA_PROPS, `*${P}JSONSchemaProps`)],
    ['Properties', 'properties', lazy(() => ({ map: JSON_SCHEMA_PROPS, name: `map[string]${P}JSONSchemaProps` }))],
    ['AdditionalProperties', 'additionalProperties', lazyPtr(() => JSON_SCHEMA_PROPS_OR_BOOL, `*${P}JSONSchemaPropsOrBool`)],
    ['PatternProperties', 'patternProperties', lazy(() => ({ map: JSON_SCHEMA_PROPS, name: `map[string]${P}JSONSchemaProps` }))],
    ['Dependencies', 'dependencies', lazy(() => ({ map: JSON_SCHEMA_PROPS_OR_STRING_ARRAY, name: `${P}JSONSchemaDependencies` }))],
    ['AdditionalItems', 'additionalItems', lazyPtr(() => JSON_SCHEMA_PROPS_OR_BOOL, `*${P}JSONSchemaPropsOrBool`)],
    ['Definitions', 'definitions', lazy(() => ({ map: JSON_SCHEMA_PROPS, name: `${P}JSONSchemaDefinitions` }))],
    ['ExternalDocs', 'externalDocs', ptr({ struct: `${P}ExternalDocumentation`, fields: [['Description', 'description', str], ['URL', 'url', str]] }, `*${P}ExternalDocumentation`)],
    ['Example', 'example', jsonPtr],
    ['XPreserveUnknownFields', 'x-kubernetes-preserve-unknown-fields', boolPtr],
    ['XEmbeddedResource', 'x-kubernetes-embedded-resource', 'bool'],
    ['XIntOrString', 'x-kubernetes-int-or-string', 'bool'],
    ['XListMapKeys', 'x-kubernetes-list-map-keys', { slice: str, name: '[]string' }],
    ['XListType', 'x-kubernetes-list-type', strPtr],
    ['XMapType', 'x-kubernetes-map-type', strPtr],
    ['XValidations', 'x-kubernetes-validations', { slice: VALIDATION_RULE, name: `${P}ValidationRules` }],
  ],
};

/** JSONSchemaPropsOrArray: `items` as a schema or as a list of schemas. */
export function itemsValue(items: unknown): Record<string, unknown> {
  return Array.isArray(items) ? { JSONSchemas: items } : { Schema: items };
}
export const JSON_SCHEMA_PROPS_OR_ARRAY: T = {
  struct: `${P}JSONSchemaPropsOrArray`,
  from: (v) => (isMap(v) && ('Schema' in v || 'JSONSchemas' in v) ? v : itemsValue(v)),
  fields: [
    ['Schema', 'Schema', lazyPtr(() => JSON_SCHEMA_PROPS, `*${P}JSONSchemaProps`)],
    ['JSONSchemas', 'JSONSchemas', lazy(() => ({ slice: JSON_SCHEMA_PROPS, name: `[]${P}JSONSchemaProps` }))],
  ],
};
/** JSONSchemaPropsOrBool: `true`, `false` or a schema (which allows). */
export const JSON_SCHEMA_PROPS_OR_BOOL: T = {
  struct: `${P}JSONSchemaPropsOrBool`,
  from: (v) => (isMap(v) ? { Allows: true, Schema: v } : { Allows: v === true }),
  fields: [
    ['Allows', 'Allows', 'bool'],
    ['Schema', 'Schema', lazyPtr(() => JSON_SCHEMA_PROPS, `*${P}JSONSchemaProps`)],
  ],
};
/** JSONSchemaPropsOrStringArray: a schema or a list of property names. */
export const JSON_SCHEMA_PROPS_OR_STRING_ARRAY: T = {
  struct: `${P}JSONSchemaPropsOrStringArray`,
  from: (v) => (Array.isArray(v) ? { Property: v } : { Schema: v }),
  fields: [
    ['Schema', 'Schema', lazyPtr(() => JSON_SCHEMA_PROPS, `*${P}JSONSchemaProps`)],
    ['Property', 'Property', { slice: str, name: '[]string' }],
  ],
};

const COLUMN: T = {
  struct: `${P}CustomResourceColumnDefinition`,
  fields: [
    ['Name', 'name', str],
    ['Type', 'type', str],
    ['Format', 'format', str],
    ['Description', 'description', str],
    ['Priority', 'priority', 'int32'],
    ['JSONPath', 'jsonPath', str],
  ],
};
const SUBRESOURCES: T = {
  struct: `${P}CustomResourceSubresources`,
  fields: [
    ['Status', 'status', ptr({ struct: `${P}CustomResourceSubresourceStatus`, fields: [] }, `*${P}CustomResourceSubresourceStatus`)],
    [
      'Scale',
      'scale',
      ptr(
        { struct: `${P}CustomResourceSubresourceScale`, fields: [['SpecReplicasPath', 'specReplicasPath', str], ['StatusReplicasPath', 'statusReplicasPath', str], ['LabelSelectorPath', 'labelSelectorPath', strPtr]] },
        `*${P}CustomResourceSubresourceScale`,
      ),
    ],
  ],
};
const SELECTABLE_FIELD: T = { struct: `${P}SelectableField`, fields: [['JSONPath', 'jsonPath', str]] };

export const CRD_VERSION: T = {
  struct: `${P}CustomResourceDefinitionVersion`,
  fields: [
    ['Name', 'name', str],
    ['Served', 'served', 'bool'],
    ['Storage', 'storage', 'bool'],
    ['Deprecated', 'deprecated', 'bool'],
    ['DeprecationWarning', 'deprecationWarning', strPtr],
    ['Schema', 'schema', ptr({ struct: `${P}CustomResourceValidation`, fields: [['OpenAPIV3Schema', 'openAPIV3Schema', lazyPtr(() => JSON_SCHEMA_PROPS, `*${P}JSONSchemaProps`)]] }, `*${P}CustomResourceValidation`)],
    ['Subresources', 'subresources', ptr(SUBRESOURCES, `*${P}CustomResourceSubresources`)],
    ['AdditionalPrinterColumns', 'additionalPrinterColumns', { slice: COLUMN, name: `[]${P}CustomResourceColumnDefinition` }],
    ['SelectableFields', 'selectableFields', { slice: SELECTABLE_FIELD, name: `[]${P}SelectableField` }],
  ],
};
export const CRD_VERSIONS: T = { slice: CRD_VERSION, name: `[]${P}CustomResourceDefinitionVersion` };
export const STRINGS: T = { slice: str, name: '[]string' };
export const BYTES: T = 'bytes';

let address = 0xc000120000;
function fakeAddress(): string {
  address += 0x60;
  return '0x' + address.toString(16);
}

function isMap(v: unknown): v is Record<string, unknown> {
  return !!v && typeof v === 'object' && !Array.isArray(v);
}

/** Go's %q of a string (close enough: JSON quoting). */
export function goQuote(s: string): string {
  return JSON.stringify(s);
}

function goFloat(n: number): string {
  if (Number.isInteger(n) && Math.abs(n) < 1e21) return String(n);
  return String(n).replace(/e\+?(-?)(\d)$/, 'e+$1' + '0$2').replace('e+-', 'e-');
}

/** %#v of an interface{} holding a decoded JSON value. */
function goInterface(v: unknown, top: boolean): string {
  if (v === null || v === undefined) return top ? 'interface {}(nil)' : 'interface {}(nil)';
  if (typeof v === 'string') return goQuote(v);
  if (typeof v === 'number') return goFloat(v);
  if (typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return `[]interface {}{${v.map((x) => goInterface(x, false)).join(', ')}}`;
  const keys = Object.keys(v as object).sort();
  return `map[string]interface {}{${keys.map((k) => `${goQuote(k)}:${goInterface((v as any)[k], false)}`).join(', ')}}`;
}

/** Renders `value` (JSON, undefined = Go zero value / nil) as Go's %#v of type `t`. */
export function goSprint(t: T | (() => T), value: unknown): string {
  if (typeof t === 'function') t = t();
  if (t === 'string') return goQuote(typeof value === 'string' ? value : '');
  if (t === 'bool') return value === true ? 'true' : 'false';
  if (t === 'int32' || t === 'int64') return String(typeof value === 'number' ? Math.trunc(value) : 0);
  if (t === 'float64') return goFloat(typeof value === 'number' ? value : 0);
  if (t === 'json') return goInterface(value, true);
  if (t === 'bytes') {
    if (value === undefined || value === null) return '[]byte(nil)';
    const b = Buffer.from(String(value), 'base64');
    return `[]byte{${[...b].map((x) => '0x' + x.toString(16)).join(', ')}}`;
  }
  if ('ptr' in t) return value === undefined || value === null ? `(${t.name})(nil)` : `(${t.name})(${fakeAddress()})`;
  if ('slice' in t) {
    if (!Array.isArray(value)) return `${t.name}(nil)`;
    return `${t.name}{${value.map((x) => goSprint(t.slice, x)).join(', ')}}`;
  }
  if ('map' in t) {
    if (!isMap(value)) return `${t.name}(nil)`;
    const keys = Object.keys(value).sort();
    return `${t.name}{${keys.map((k) => `${goQuote(k)}:${goSprint(t.map, value[k])}`).join(', ')}}`;
  }
  const v = t.from && value !== undefined && value !== null ? t.from(value) : value;
  const obj = isMap(v) ? v : {};
  return `${t.struct}{${t.fields.map(([go, json, ft]) => `${go}:${goSprint(ft, obj[json] ?? (json === go ? undefined : obj[go]))}`).join(', ')}}`;
}

/** json.Marshal of the internal type (1.34 on): struct fields in declaration order, map keys sorted. */
function goJSON(t: T | (() => T), value: unknown): string {
  if (typeof t === 'function') t = t();
  if (t === 'string') return JSON.stringify(typeof value === 'string' ? value : '');
  if (t === 'bool') return value === true ? 'true' : 'false';
  if (t === 'int32' || t === 'int64') return String(typeof value === 'number' ? Math.trunc(value) : 0);
  if (t === 'float64') return goFloat(typeof value === 'number' ? value : 0);
  if (t === 'json') return interfaceJSON(value);
  if (t === 'bytes') return value === undefined || value === null ? 'null' : JSON.stringify(String(value));
  if ('ptr' in t) return value === undefined || value === null ? 'null' : goJSON(t.ptr, value);
  if ('slice' in t) return Array.isArray(value) ? `[${value.map((x) => goJSON(t.slice, x)).join(',')}]` : 'null';
  if ('map' in t) {
    if (!isMap(value)) return 'null';
    return `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${goJSON(t.map, value[k])}`).join(',')}}`;
  }
  const v = t.from && value !== undefined && value !== null ? t.from(value) : value;
  const obj = isMap(v) ? v : {};
  return `{${t.fields.map(([go, json, ft]) => `${JSON.stringify(go)}:${goJSON(ft, obj[json] ?? (json === go ? undefined : obj[go]))}`).join(',')}}`;
}

/** Go's encoding of an interface{} value: map keys sorted. */
function interfaceJSON(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(interfaceJSON).join(',')}]`;
  if (isMap(v)) return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${interfaceJSON(v[k])}`).join(',')}}`;
  return JSON.stringify(v ?? null);
}

/** How field.Error renders a value of type `t` at the emulated minor version. */
export function renderGo(t: T, value: unknown, minor: number): string {
  try {
    if (minor <= 33) return goSprint(t, value);
    return escapeHTML(goJSON(t, value));
  } catch (err) {
    // a value nested deeper than this stack goes (Go's grows): the type alone
    if (err instanceof RangeError) return typeof t === 'object' && ('struct' in t || 'slice' in t || 'map' in t) ? `${'struct' in t ? t.struct : t.name}{...}` : '...';
    throw err;
  }
}
