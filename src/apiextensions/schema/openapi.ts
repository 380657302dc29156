// kube-openapi's schema validator (k8s.io/kube-openapi/pkg/validation/validate: schema.go, type.go,
// schema_props.go, validator.go, values.go, object_validator.go, slice_validator.go, formats.go, result.go;
// messages from pkg/validation/errors/schema.go and validate/schema_messages.go), compiled once per schema
// into plain nodes, and the conversion of its result into field errors
// (staging/src/k8s.io/apiextensions-apiserver/pkg/apiserver/validation/validation.go kubeOpenAPIResultToFieldErrors).
import type { Cause } from '../../resources/types.js';
import { goQuote } from '../../util/goquote.js';
import { jsonEqual } from '../../util/equal.js';
import { fe, goFloat, goJSON, goNumber } from './fielderr.js';
import { formatChecker, supportedFormat } from './formats.js';
import { compilePattern } from './regex.js';
import type { NestedValueValidation, Structural, ValueValidation } from './structural.js';

/** One compiled schema node (a kube-openapi spec.Schema, reduced to what validation reads). */
export interface ONode {
  type: string[];
  /** bit set of the types in `type` (TYPE_BITS) */
  typeBits: number;
  nullable: boolean;
  format: string;
  /** the format's checker when the registry knows it (formatValidator applies to strings then) */
  formatCheck?: (s: string) => boolean;
  /** numberValidator's Type and Format (set only for a single integer/number type) */
  numType: string;
  numFormat: string;
  maximum?: number;
  exclusiveMaximum: boolean;
  minimum?: number;
  exclusiveMinimum: boolean;
  multipleOf?: number;
  maxLength?: number;
  minLength?: number;
  pattern?: string;
  maxItems?: number;
  minItems?: number;
  uniqueItems: boolean;
  enum?: unknown[];
  maxProperties?: number;
  minProperties?: number;
  required?: string[];
  props?: Map<string, ONode>;
  propKeys?: string[];
  propNodes?: ONode[];
  apAllows: boolean;
  apDefined: boolean;
  apSchema?: ONode;
  items?: ONode;
  /** x-kubernetes-list-type and -list-map-keys, for correlating old list items (ratcheting) */
  listType?: string;
  listMapKeys?: string[];
  allOf?: ONode[];
  anyOf?: ONode[];
  oneOf?: ONode[];
  not?: ONode;
  /** precomputed: whether the junctor, string and number validators have anything to check */
  junctors?: boolean;
  stringChecks?: boolean;
  numberChecks?: boolean;
}

/** A kube-openapi error: an errors.Validation (with a code) or a plain error. */
interface OErr {
  code: number; // 0 = plain error
  name: string;
  value?: unknown;
  valid?: unknown;
  values?: unknown[];
  message: string;
}

const InvalidTypeCode = 601;
const RequiredFailCode = 602;
const TooLongFailCode = 603;
const TooShortFailCode = 604;
const PatternFailCode = 605;
const EnumFailCode = 606;
const MultipleOfFailCode = 607;
const MaxFailCode = 608;
const MinFailCode = 609;
const UniqueFailCode = 610;
const MaxItemsFailCode = 611;
const MinItemsFailCode = 612;
const TooFewPropertiesCode = 614;
const TooManyPropertiesCode = 615;
const UnallowedPropertyCode = 616;
const MultipleOfMustBePositiveCode = 618;

function isObj(v: unknown): v is Record<string, any> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

const TYPE_BITS: Record<string, number> = { null: 1, string: 2, boolean: 4, integer: 8, number: 16, array: 32, object: 64 };

function emptyNode(): ONode {
  return { type: [], typeBits: 0, nullable: false, format: '', numType: '', numFormat: '', exclusiveMaximum: false, exclusiveMinimum: false, uniqueItems: false, apAllows: false, apDefined: false };
}

function finish(n: ONode): ONode {
  n.typeBits = 0;
  for (const t of n.type) n.typeBits |= TYPE_BITS[t] ?? 128;
  n.formatCheck = n.format ? formatChecker(n.format) : undefined;
  if (n.type.length === 1) {
    if (n.type[0] === 'integer') {
      n.numType = 'integer';
      if (n.format === 'int32' || n.format === 'int64') n.numFormat = n.format;
    } else if (n.type[0] === 'number') {
      n.numType = 'number';
      if (n.format === 'float' || n.format === 'double') n.numFormat = n.format;
    }
  }
  n.junctors = !!(n.anyOf || n.oneOf || n.allOf || n.not);
  n.stringChecks = n.maxLength !== undefined || n.minLength !== undefined || n.pattern !== undefined;
  n.numberChecks = n.numType === 'integer' || n.numFormat === 'float' || n.multipleOf !== undefined || n.minimum !== undefined || n.maximum !== undefined;
  if (n.props) {
    n.propKeys = [...n.props.keys()];
    n.propNodes = [...n.props.values()];
  }
  return n;
}

/** NewSchemaValidator over a CRD's JSONSchemaProps: ConvertJSONSchemaPropsWithPostProcess with unsupported formats stripped. */
export function compileProps(s: unknown): ONode {
  const n = emptyNode();
  if (!isObj(s)) return finish(n);
  if (typeof s.type === 'string' && s.type) n.type = [s.type];
  if (s['x-kubernetes-int-or-string'] === true) n.type = ['integer', 'string'];
  n.nullable = s.nullable === true;
  n.format = supportedFormat(typeof s.format === 'string' ? s.format : '', n.type);
  copyValueFields(n, s);
  if (Array.isArray(s.enum)) n.enum = s.enum;
  if (Array.isArray(s.required) && s.required.length) n.required = s.required;
  for (const k of ['allOf', 'anyOf', 'oneOf'] as const) if (Array.isArray(s[k]) && s[k].length) n[k] = s[k].map(compileProps);
  if (isObj(s.not)) n.not = compileProps(s.not);
  if (isObj(s.properties)) {
    n.props = new Map();
    for (const k of Object.keys(s.properties)) n.props.set(k, compileProps(s.properties[k]));
  }
  const ap = s.additionalProperties;
  if (typeof ap === 'boolean') {
    n.apDefined = true;
    n.apAllows = ap;
  } else if (isObj(ap)) {
    n.apDefined = true;
    n.apAllows = true;
    n.apSchema = compileProps(ap);
  }
  if (isObj(s.items)) n.items = compileProps(s.items);
  if (typeof s['x-kubernetes-list-type'] === 'string') n.listType = s['x-kubernetes-list-type'];
  if (Array.isArray(s['x-kubernetes-list-map-keys'])) n.listMapKeys = s['x-kubernetes-list-map-keys'];
  return finish(n);
}

function copyValueFields(n: ONode, s: Record<string, any> | ValueValidation): void {
  if (typeof s.maximum === 'number') n.maximum = s.maximum;
  n.exclusiveMaximum = s.exclusiveMaximum === true;
  if (typeof s.minimum === 'number') n.minimum = s.minimum;
  n.exclusiveMinimum = s.exclusiveMinimum === true;
  if (typeof s.multipleOf === 'number') n.multipleOf = s.multipleOf;
  if (typeof s.maxLength === 'number') n.maxLength = s.maxLength;
  if (typeof s.minLength === 'number') n.minLength = s.minLength;
  if (typeof s.pattern === 'string' && s.pattern) n.pattern = s.pattern;
  if (typeof s.maxItems === 'number') n.maxItems = s.maxItems;
  if (typeof s.minItems === 'number') n.minItems = s.minItems;
  n.uniqueItems = s.uniqueItems === true;
  if (typeof s.maxProperties === 'number') n.maxProperties = s.maxProperties;
  if (typeof s.minProperties === 'number') n.minProperties = s.minProperties;
}

/** Structural.ToKubeOpenAPI (schema/kubeopenapi.go) compiled: no format stripping, no int-or-string type. */
export function compileStructural(s: Structural | undefined): ONode {
  const n = emptyNode();
  if (!s) return finish(n);
  if (s.type) n.type = [s.type];
  n.nullable = !!s.nullable;
  if (s.items) n.items = compileStructural(s.items);
  n.listType = s.xListType;
  n.listMapKeys = s.xListMapKeys;
  if (s.properties) {
    n.props = new Map();
    for (const [k, v] of s.properties) n.props.set(k, compileStructural(v));
  }
  if (s.additionalProperties) {
    n.apDefined = true;
    n.apAllows = s.additionalProperties.bool;
    if (s.additionalProperties.structural) n.apSchema = compileStructural(s.additionalProperties.structural);
  }
  applyValueValidation(n, s.valueValidation);
  return finish(n);
}

function applyValueValidation(n: ONode, v: ValueValidation | undefined): void {
  if (!v) return;
  n.format = v.format ?? '';
  copyValueFields(n, v);
  if (v.enum) n.enum = v.enum;
  if (v.required) n.required = v.required;
  if (v.allOf) n.allOf = v.allOf.map(compileNested);
  if (v.anyOf) n.anyOf = v.anyOf.map(compileNested);
  if (v.oneOf) n.oneOf = v.oneOf.map(compileNested);
  if (v.not) n.not = compileNested(v.not);
}

function compileNested(v: NestedValueValidation): ONode {
  const n = emptyNode();
  applyValueValidation(n, v);
  if (v.items) n.items = compileNested(v.items);
  if (v.properties) {
    n.props = new Map();
    for (const [k, x] of v.properties) n.props.set(k, compileNested(x));
  }
  if (v.forbiddenGenerics.type) n.type = [v.forbiddenGenerics.type];
  n.nullable = !!v.forbiddenGenerics.nullable;
  return finish(n);
}

// ---- validation ----

type Kind = 'null' | 'string' | 'boolean' | 'integer' | 'number' | 'array' | 'object';

/** How apimachinery decodes a JSON value: integers are int64, other numbers float64. */
function kindOf(v: unknown): Kind {
  if (v === null || v === undefined) return 'null';
  switch (typeof v) {
    case 'string':
      return 'string';
    case 'boolean':
      return 'boolean';
    case 'number':
      // int64's range; 2^63 stands for MaxInt64, which a double cannot hold
      return Number.isInteger(v) && Math.abs(v) <= 2 ** 63 ? 'integer' : 'number';
    case 'object':
      return Array.isArray(v) ? 'array' : 'object';
    default:
      return 'null';
  }
}

function invalidType(path: string, typeName: string, value: string): OErr {
  return { code: InvalidTypeCode, name: path, value, message: `${path} in body must be of type ${typeName}: ${goQuote(value)}` };
}

/** typeValidator.Validate; true when it passed (it then counts one match). */
function typeOK(n: ONode, path: string, kind: Kind, errs: OErr[]): boolean {
  const bits = n.typeBits;
  if (kind === 'null') {
    if (n.type.length > 0 && !(bits & 1) && !n.nullable) {
      errs.push(invalidType(path, n.type.join(','), 'null'));
      return false;
    }
    return true;
  }
  const kb = TYPE_BITS[kind];
  const isIntFloat = kind === 'integer' && (bits & 16) !== 0;
  if (n.format !== '') {
    if (kind !== 'string' && kind !== 'array') {
      const format = kind === 'integer' ? 'int64' : kind === 'number' ? 'float64' : '';
      if (!((bits & kb) !== 0 || format === n.format || isIntFloat)) {
        errs.push(invalidType(path, n.format, format));
        return false;
      }
    } else if (!(bits & 24)) return true;
  }
  if (!((bits & kb) !== 0 || isIntFloat)) {
    errs.push(invalidType(path, n.type.join(','), kind));
    return false;
  }
  return true;
}

/** swag.IsFloat64AJSONInteger */
function isJSONInteger(f: number): boolean {
  if (!Number.isFinite(f) || Math.abs(f) > 2 ** 53 - 1) return false;
  if (Number.isInteger(f)) return true;
  if (f < 0) return false;
  const g = Math.trunc(f);
  if (g === 0) return false;
  return Math.abs(f - g) / (f + g) < 1e-9;
}

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;
const FLOAT32_MAX = 3.4028234663852886e38;

/**
 * IsValueValidAgainstRange: a plain error message or undefined. The value's decimal form must parse as the
 * type's format (an integer within int32/int64, a float within float32).
 */
function rangeError(v: number, kind: Kind, typeName: string, format: string, prefix: string, path: string): string | undefined {
  let bad = false;
  if (typeName === 'integer') {
    // kind 'integer' is an integral value within int64; anything else does not parse as one
    if (kind !== 'integer') bad = true;
    else if (format === 'int32') bad = v < INT32_MIN || v > INT32_MAX;
  } else if (format === 'float' || format === 'float32') {
    bad = Math.abs(v) > FLOAT32_MAX * (1 + 2 ** -25);
  }
  if (!bad) return undefined;
  return format ? `${prefix} value must be of type ${typeName} with format ${format} in ${path}` : `${prefix} value must be of type ${typeName} (default format) in ${path}`;
}

function plain(message: string): OErr {
  return { code: 0, name: '', message };
}

function numberCheck(n: ONode, path: string, v: number, kind: Kind, errs: OErr[]): void {
  const checked = rangeError(v, kind, n.numType, n.numFormat, 'Checked', path);
  if (checked) errs.push(plain(checked));
  const isInt = kind === 'integer';
  if (n.multipleOf !== undefined) {
    const f = n.multipleOf;
    const r = rangeError(f, kindOf(f), n.numType, n.numFormat, 'MultipleOf', path);
    if (r) errs.push(plain(r));
    if (!r && isInt) {
      const fi = Math.trunc(f);
      if (fi <= 0) errs.push({ code: MultipleOfMustBePositiveCode, name: path, value: fi, message: `factor MultipleOf declared for ${path} must be positive: ${goNumber(fi)}` });
      else if (v % fi !== 0) errs.push({ code: MultipleOfFailCode, name: path, value: v, message: `${path} in body should be a multiple of ${goNumber(fi)}` });
    } else {
      if (f <= 0) errs.push({ code: MultipleOfMustBePositiveCode, name: path, value: f, message: `factor MultipleOf declared for ${path} must be positive: ${goFloat(f)}` });
      else if (!isJSONInteger(f < 1 ? (1 / f) * v : v / f)) errs.push({ code: MultipleOfFailCode, name: path, value: v, message: `${path} in body should be a multiple of ${goFloat(f)}` });
    }
  }
  if (n.minimum !== undefined) {
    const m = n.minimum;
    const ex = n.exclusiveMinimum;
    const r = rangeError(m, kindOf(m), n.numType, n.numFormat, 'Minimum boundary', path);
    if (r) errs.push(plain(r));
    const bound = !r && isInt ? Math.trunc(m) : m;
    if ((!ex && v < bound) || (ex && v <= bound)) {
      const shown = !r && isInt ? goNumber(bound) : goFloat(bound);
      errs.push({ code: MinFailCode, name: path, value: v, message: `${path} in body should be greater than ${ex ? '' : 'or equal to '}${shown}` });
    }
  }
  if (n.maximum !== undefined) {
    const m = n.maximum;
    const ex = n.exclusiveMaximum;
    const r = rangeError(m, kindOf(m), n.numType, n.numFormat, 'Maximum boundary', path);
    if (r) errs.push(plain(r));
    const bound = !r && isInt ? Math.trunc(m) : m;
    if ((!ex && v > bound) || (ex && v >= bound)) {
      const shown = !r && isInt ? goNumber(bound) : goFloat(bound);
      errs.push({ code: MaxFailCode, name: path, value: v, message: `${path} in body should be less than ${ex ? '' : 'or equal to '}${shown}` });
    }
  }
}

function runeCount(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n--;
        i++;
      }
    }
  }
  return n;
}

function stringCheck(n: ONode, path: string, s: string, errs: OErr[]): void {
  if (n.maxLength !== undefined && s.length > n.maxLength && runeCount(s) > n.maxLength) {
    errs.push({ code: TooLongFailCode, name: path, value: s, valid: n.maxLength, message: `${path} in body should be at most ${n.maxLength} chars long` });
    return;
  }
  if (n.minLength !== undefined && (s.length < n.minLength || runeCount(s) < n.minLength)) {
    errs.push({ code: TooShortFailCode, name: path, value: s, valid: n.minLength, message: `${path} in body should be at least ${n.minLength} chars long` });
    return;
  }
  if (n.pattern !== undefined) {
    const c = compilePattern(n.pattern);
    if (c.error) errs.push({ code: PatternFailCode, name: path, value: s, message: `${path} in body should match '${n.pattern}, but pattern is invalid: ${c.error}'` });
    else if (c.re && !c.re.test(s)) errs.push({ code: PatternFailCode, name: path, value: s, message: `${path} in body should match '${n.pattern}'` });
  }
}

/** basicCommonValidator: the enum check, with reflect's conversions (an int matches a float enum value, and so on). */
function enumMatches(data: unknown, kind: Kind, e: unknown): boolean {
  if (kind === 'null' || e === null || e === undefined) return false;
  const ek = kindOf(e);
  switch (ek) {
    case 'string':
      if (kind === 'string') return data === e;
      if (kind === 'integer') {
        const r = data as number;
        const s = r >= 0 && r <= 0x10ffff && !(r >= 0xd800 && r <= 0xdfff) ? String.fromCodePoint(r) : '\ufffd';
        return s === e;
      }
      return false;
    case 'integer':
      if (kind === 'integer' || kind === 'number') return Math.trunc(data as number) === e;
      return false;
    case 'number':
      if (kind === 'integer' || kind === 'number') return data === e;
      return false;
    case 'boolean':
      return kind === 'boolean' && data === e;
    case 'array':
      return kind === 'array' && jsonEqual(data, e);
    case 'object':
      return kind === 'object' && jsonEqual(data, e);
    default:
      return false;
  }
}

function enumCheck(n: ONode, path: string, data: unknown, kind: Kind, errs: OErr[]): void {
  const en = n.enum!;
  for (const e of en) if (enumMatches(data, kind, e)) return;
  errs.push({ code: EnumFailCode, name: path, value: data, values: en, message: `${path} in body should be one of ${goJSON(en)}` });
}

/** No old value to ratchet against (common.CorrelatedObject returned nil). */
const NONE: unique symbol = Symbol('none');
type Old = unknown | typeof NONE;

/**
 * A field's or an index's validator under ratcheting (pkg/apiserver/validation/ratcheting.go): errors of a
 * value equal to its correlated old value are dropped (kept as warnings upstream).
 */
function validateChild(n: ONode, data: unknown, old: Old, path: string, errs: OErr[]): number {
  if (old === NONE) return validateNode(n, data, path, errs, NONE);
  const e: OErr[] = [];
  const mc = validateNode(n, data, path, e, old);
  if (e.length > 0 && !jsonEqual(data, old)) for (const x of e) errs.push(x);
  return mc;
}

// CorrelatedObject.Index: map lists by their keys, sets and atomic lists not at all, other lists by index
function oldItem(n: ONode, a: unknown[], old: Old, i: number): Old {
  if (old === NONE || !Array.isArray(old)) return NONE;
  if (n.listType === 'map') {
    const keys = n.listMapKeys ?? [];
    const cur = a[i];
    if (!isObj(cur)) return NONE;
    for (const o of old) {
      if (isObj(o) && keys.every((k) => jsonEqual(o[k], cur[k]))) return o;
    }
    return NONE;
  }
  if (n.listType === 'set' || n.listType === 'atomic') return NONE;
  const o = i < old.length ? old[i] : null;
  return o === null || o === undefined ? NONE : o;
}

function oldField(old: Old, k: string, path: string): Old {
  if (old === NONE || !isObj(old) || !Object.prototype.hasOwnProperty.call(old, k)) return NONE;
  if (path === '' && (k === 'kind' || k === 'apiVersion')) return NONE;
  return old[k];
}

/** SchemaValidator.Validate: appends errors, returns the result's MatchCount. */
function validateNode(n: ONode, data: unknown, path: string, errs: OErr[], old: Old = NONE): number {
  const kind = kindOf(data);
  if (kind === 'null') {
    let mc = 0;
    if (typeOK(n, path, kind, errs)) mc++;
    if (n.enum && n.enum.length > 0) enumCheck(n, path, data, kind, errs);
    return mc;
  }
  let mc = 0;
  // type
  if (n.type.length > 0 || n.format !== '') {
    if (typeOK(n, path, kind, errs)) mc++;
    mc++;
  }
  // schema props
  mc += (n.junctors ? schemaProps(n, data, path, errs, old) : 0) + 2; // its own Inc and the loop's
  if (kind === 'string') {
    if (n.stringChecks) stringCheck(n, path, data as string, errs);
    mc++;
    if (n.formatCheck) {
      if (!n.formatCheck(data as string)) errs.push(invalidType(path, n.format, data as string));
      mc++;
    }
  } else if (kind === 'integer' || kind === 'number') {
    if (n.numberChecks) numberCheck(n, path, data as number, kind, errs);
    mc += 2;
  } else if (kind === 'array') {
    const a = data as unknown[];
    if (n.items) for (let i = 0; i < a.length; i++) mc += validateChild(n.items, a[i], oldItem(n, a, old, i), path + '[' + i + ']', errs);
    if (n.minItems !== undefined && a.length < n.minItems)
      errs.push({ code: MinItemsFailCode, name: path, value: a.length, valid: n.minItems, message: `${path} in body should have at least ${n.minItems} items` });
    if (n.maxItems !== undefined && a.length > n.maxItems)
      errs.push({ code: MaxItemsFailCode, name: path, value: a.length, valid: n.maxItems, message: `${path} in body should have at most ${n.maxItems} items` });
    if (n.uniqueItems) {
      outer: for (let i = 1; i < a.length; i++)
        for (let j = 0; j < i; j++)
          if (jsonEqual(a[i], a[j])) {
            errs.push({ code: UniqueFailCode, name: path, message: `${path} in body shouldn't contain duplicates` });
            break outer;
          }
    }
    mc += 2;
  }
  // common (enum)
  if (n.enum && n.enum.length > 0) enumCheck(n, path, data, kind, errs);
  mc++;
  if (kind === 'object') {
    mc += objectCheck(n, data as Record<string, unknown>, path, errs, old) + 1;
  }
  return mc + 1;
}

function objectCheck(n: ONode, o: Record<string, unknown>, path: string, errs: OErr[], old: Old): number {
  let mc = 0;
  if (n.minProperties !== undefined || n.maxProperties !== undefined) {
    const size = Object.keys(o).length;
    if (n.minProperties !== undefined && size < n.minProperties)
      errs.push({ code: TooFewPropertiesCode, name: path, value: size, valid: n.minProperties, message: `${path} in body should have at least ${n.minProperties} properties` });
    if (n.maxProperties !== undefined && size > n.maxProperties)
      errs.push({ code: TooManyPropertiesCode, name: path, value: size, valid: n.maxProperties, message: `${path} in body should have at most ${n.maxProperties} properties` });
  }
  const props = n.props;
  if (n.apDefined && !n.apAllows) {
    for (const k in o) {
      if (!props || !props.has(k)) errs.push({ code: UnallowedPropertyCode, name: path, value: k, message: `${path}.${k} in body is a forbidden property` });
    }
  } else if (n.apSchema) {
    for (const k in o) {
      if (!props || !props.has(k)) mc += validateChild(n.apSchema, o[k], oldField(old, k, path), path + '.' + k, errs);
    }
  }
  const keys = n.propKeys;
  if (keys) {
    const nodes = n.propNodes!;
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i];
      const v = o[k];
      if ((v === undefined || k === '__proto__') && !Object.prototype.hasOwnProperty.call(o, k)) continue;
      mc += old === NONE ? validateNode(nodes[i], v, path ? path + '.' + k : k, errs) : validateChild(nodes[i], v, oldField(old, k, path), path ? path + '.' + k : k, errs);
    }
  }
  if (n.required) {
    for (const k of n.required) {
      if (!Object.prototype.hasOwnProperty.call(o, k)) errs.push({ code: RequiredFailCode, name: path + '.' + k, message: `${path}.${k} in body is required` });
    }
  }
  return mc;
}

/** schemaPropsValidator.Validate: anyOf, oneOf, allOf, not. Returns the MatchCount (without its own Inc). */
function schemaProps(n: ONode, data: unknown, path: string, errs: OErr[], old: Old): number {
  let mc = 0;
  if (n.anyOf) {
    let best: { errs: OErr[]; mc: number } | undefined;
    let first: { errs: OErr[]; mc: number } | undefined;
    let ok = false;
    for (const s of n.anyOf) {
      const e: OErr[] = [];
      const m = validateNode(s, data, path, e, old);
      if (e.length === 0) {
        best = undefined;
        ok = true;
        first = { errs: e, mc: m };
        break;
      }
      if (!best || m > best.mc) best = { errs: e, mc: m };
    }
    if (!ok) errs.push(plain(`${goQuote(path)} must validate at least one schema (anyOf)`));
    const pick = best ?? first;
    if (pick) {
      errs.push(...pick.errs);
      mc += pick.mc;
    }
  }
  if (n.oneOf) {
    let best: { errs: OErr[]; mc: number } | undefined;
    let first: { errs: OErr[]; mc: number } | undefined;
    let validated = 0;
    for (const s of n.oneOf) {
      const e: OErr[] = [];
      const m = validateNode(s, data, path, e, old);
      if (e.length === 0) {
        validated++;
        best = undefined;
        if (!first) first = { errs: e, mc: m };
        continue;
      }
      if (validated === 0 && (!best || m > best.mc)) best = { errs: e, mc: m };
    }
    if (validated !== 1) {
      errs.push(plain(`${goQuote(path)} must validate one and only one schema (oneOf). ${validated === 0 ? 'Found none valid' : `Found ${validated} valid alternatives`}`));
      if (best) {
        errs.push(...best.errs);
        mc += best.mc;
      }
    } else if (first) mc += first.mc;
  }
  if (n.allOf) {
    let validated = 0;
    for (const s of n.allOf) {
      const before = errs.length;
      mc += validateNode(s, data, path, errs, old);
      if (errs.length === before) validated++;
    }
    if (validated !== n.allOf.length) errs.push(plain(`${goQuote(path)} must validate all the schemas (allOf)${validated === 0 ? '. None validated' : ''}`));
  }
  if (n.not) {
    const e: OErr[] = [];
    validateNode(n.not, data, path, e, old);
    if (e.length === 0) errs.push(plain(`${goQuote(path)} must not validate the schema (not)`));
  }
  return mc;
}

/** Validates data against a compiled node; `root` is the field path upstream passes (nil when ''). */
export function validateValue(n: ONode, data: unknown, root = ''): Cause[] {
  const errs: OErr[] = [];
  validateNode(n, data, '', errs);
  if (errs.length === 0) return [];
  return toCauses(errs, root);
}

/**
 * ValidateCustomResourceUpdate with ratcheting (CRDValidationRatcheting, on by default): errors in a field whose
 * value equals its correlated old value are not reported; an object equal to the old one has none.
 */
export function validateValueUpdate(n: ONode, data: unknown, old: unknown, root = ''): Cause[] {
  const errs: OErr[] = [];
  validateNode(n, data, '', errs, old === undefined ? NONE : old);
  if (errs.length === 0 || jsonEqual(data, old)) return [];
  return toCauses(errs, root);
}

// kubeOpenAPIResultToFieldErrors
function toCauses(errs: OErr[], root: string): Cause[] {
  const seen = new Set<string>();
  const out: Cause[] = [];
  const rootField = root || '<nil>';
  for (const e of errs) {
    if (seen.has(e.message)) continue;
    seen.add(e.message);
    if (e.code === 0) {
      out.push(fe.invalid(rootField, '', e.message));
      continue;
    }
    let field = rootField;
    if (e.name && e.name !== '.') {
      const nm = e.name.startsWith('.') ? e.name.slice(1) : e.name;
      field = root ? root + '.' + nm : nm;
    }
    const value = e.value === undefined || e.value === null ? '' : e.value;
    switch (e.code) {
      case RequiredFailCode:
        out.push(fe.required(field));
        break;
      case EnumFailCode:
        out.push(fe.notSupported(field, e.value === undefined ? null : e.value, (e.values ?? []).map((v) => (typeof v === 'string' ? v : goJSON(v)))));
        break;
      case TooLongFailCode:
        out.push(fe.tooLong(field, typeof e.valid === 'number' ? e.valid : -1));
        break;
      case MaxItemsFailCode:
      case TooManyPropertiesCode:
        out.push(fe.tooMany(field, typeof e.value === 'number' ? e.value : -1, typeof e.valid === 'number' ? e.valid : -1));
        break;
      case InvalidTypeCode:
        out.push(fe.typeInvalid(field, value, e.message));
        break;
      default:
        out.push(fe.invalid(field, value, e.message));
    }
  }
  return out;
}
